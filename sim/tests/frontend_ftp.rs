//! FTP control connection over a real socket.

mod frontend_support;

use frontend_support::*;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

async fn line(r: &mut BufReader<TcpStream>) -> String {
    let mut l = String::new();
    tokio::time::timeout(std::time::Duration::from_secs(5), r.read_line(&mut l))
        .await
        .expect("reply in time")
        .expect("read");
    l
}

async fn cmd(r: &mut BufReader<TcpStream>, c: &str) -> String {
    r.get_mut()
        .write_all(format!("{c}\r\n").as_bytes())
        .await
        .unwrap();
    line(r).await
}

#[tokio::test]
async fn frontend_ftp_greeting_login_and_commands() {
    let sim = sim().await;
    let s = TcpStream::connect(addr(&sim, "ftp", sim.address()))
        .await
        .unwrap();
    let mut r = BufReader::new(s);
    let version = sim.router().version();
    assert_eq!(
        line(&mut r).await,
        format!("220 CHR FTP server (MikroTik {version}) ready\r\n")
    );
    assert_eq!(
        cmd(&mut r, "PWD").await,
        "530 Please login with USER and PASS.\r\n"
    );
    assert_eq!(
        cmd(&mut r, "USER admin").await,
        "331 Password required for admin\r\n"
    );
    assert_eq!(cmd(&mut r, "PASS nope").await, "530 Login incorrect\r\n");
    let ip = client_ip(&sim).await;
    assert!(
        log_has(
            &sim,
            &format!("login failure for user admin from {ip} via ftp")
        )
        .await
    );
    assert_eq!(
        cmd(&mut r, "USER admin").await,
        "331 Password required for admin\r\n"
    );
    assert_eq!(cmd(&mut r, "PASS").await, "230 User admin logged in\r\n");
    assert!(log_has(&sim, &format!("user admin logged in from {ip} via ftp")).await);
    assert_eq!(cmd(&mut r, "SYST").await, "215 UNIX Type: L8\r\n");
    assert_eq!(
        cmd(&mut r, "PWD").await,
        "257 \"/\" is current directory.\r\n"
    );
    assert_eq!(
        cmd(&mut r, "FOO bar").await,
        "500 'FOO': command not understood.\r\n"
    );
    assert_eq!(cmd(&mut r, "QUIT").await, "221 Closing\r\n");
    assert!(closed_by_peer(&mut r).await);
    sim.shutdown().await;
}

#[tokio::test]
async fn frontend_ftp_overlong_line_closes() {
    let sim = sim().await;
    let s = TcpStream::connect(addr(&sim, "ftp", sim.address()))
        .await
        .unwrap();
    let mut r = BufReader::new(s);
    line(&mut r).await;
    r.get_mut().write_all(&vec![b'A'; 5000]).await.unwrap();
    assert_eq!(line(&mut r).await, "500 Command line too long.\r\n");
    assert!(closed_by_peer(&mut r).await);
    sim.shutdown().await;
}
