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

/// Opens the data connection a `227` reply names.
async fn data(reply: &str) -> TcpStream {
    let nums: Vec<u16> = reply
        .split(['(', ')'])
        .nth(1)
        .expect("227 (h1,h2,h3,h4,p1,p2)")
        .split(',')
        .map(|n| n.parse().unwrap())
        .collect();
    let ip = std::net::Ipv4Addr::new(nums[0] as u8, nums[1] as u8, nums[2] as u8, nums[3] as u8);
    TcpStream::connect((ip, nums[4] * 256 + nums[5]))
        .await
        .unwrap()
}

#[tokio::test]
async fn frontend_ftp_upload_lists_retrieves_and_imports() {
    use tokio::io::AsyncReadExt;
    let sim = sim().await;
    let s = TcpStream::connect(addr(&sim, "ftp", sim.address()))
        .await
        .unwrap();
    let mut r = BufReader::new(s);
    line(&mut r).await;
    cmd(&mut r, "USER admin").await;
    assert_eq!(cmd(&mut r, "PASS").await, "230 User admin logged in\r\n");
    assert_eq!(cmd(&mut r, "STOR x.rsc").await, "425 Use PASV first.\r\n");
    assert_eq!(cmd(&mut r, "TYPE I").await, "200 Type set to I.\r\n");
    let pasv = cmd(&mut r, "PASV").await;
    assert!(pasv.starts_with("227 Entering Passive Mode ("), "{pasv}");
    let mut d = data(&pasv).await;
    assert_eq!(
        cmd(&mut r, "STOR /h.rsc").await,
        "150 Opening BINARY mode data connection for 'h.rsc'.\r\n"
    );
    let script = "/system identity\nset name=uploaded\n";
    d.write_all(script.as_bytes()).await.unwrap();
    drop(d);
    assert_eq!(line(&mut r).await, "226 Transfer complete.\r\n");
    assert_eq!(cmd(&mut r, "SIZE h.rsc").await, "213 35\r\n");

    let mut d = data(&cmd(&mut r, "PASV").await).await;
    cmd(&mut r, "NLST").await;
    let mut names = String::new();
    d.read_to_string(&mut names).await.unwrap();
    assert_eq!(names, "h.rsc\r\n");
    assert_eq!(line(&mut r).await, "226 Transfer complete.\r\n");

    let mut d = data(&cmd(&mut r, "PASV").await).await;
    cmd(&mut r, "RETR h.rsc").await;
    let mut back = String::new();
    d.read_to_string(&mut back).await.unwrap();
    assert_eq!(back, script);
    assert_eq!(line(&mut r).await, "226 Transfer complete.\r\n");

    let _d = data(&cmd(&mut r, "PASV").await).await;
    assert_eq!(
        cmd(&mut r, "RETR none.rsc").await,
        "550 none.rsc: No such file.\r\n"
    );
    let files = cli(&sim, "/file print");
    let row: Vec<&str> = files
        .lines()
        .nth(2)
        .unwrap_or("")
        .split_whitespace()
        .collect();
    assert_eq!(row[..4], ["0", "h.rsc", "script", "35"], "{files}");
    assert_eq!(
        cli(&sim, "/import file-name=h.rsc verbose=yes"),
        "Script file loaded and executed successfully\n"
    );
    assert_eq!(cli(&sim, ":put [/system identity get name]"), "uploaded\n");
    sim.shutdown().await;
}
