//! `chrlab image fetch|list|path|import` as a user runs them: the real binary, a private cache
//! (`CHRLAB_CACHE_DIR`) per test, and a tiny HTTP server on 127.0.0.1 standing in for MikroTik's
//! upgrade and download servers. The images are stand-ins the tests make: never a real CHR.

use std::collections::HashMap;
use std::io::{Cursor, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use sha2::{Digest, Sha256};
use testsupport::{Need, require};

/// One request the server saw.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    range: Option<String>,
}

#[derive(Default)]
struct State {
    files: HashMap<String, Vec<u8>>,
    seen: Vec<Seen>,
    /// Cut the next full answer for this path after so many body bytes.
    cut: Option<(String, usize)>,
    /// Answer every request whole (200), as a server without range support does.
    ignore_range: bool,
}

/// A one-request-per-connection HTTP/1.1 server on 127.0.0.1:0, on a thread, stopped on drop.
struct Server {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (st, sp) = (state.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if sp.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(c) = conn {
                    serve(c, &st);
                }
            }
        });
        Server {
            addr,
            state,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn put(&self, path: &str, body: impl Into<Vec<u8>>) {
        self.state
            .lock()
            .unwrap()
            .files
            .insert(path.to_string(), body.into());
    }

    fn cut_next(&self, path: &str, after: usize) {
        self.state.lock().unwrap().cut = Some((path.to_string(), after));
    }

    fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(mut c: TcpStream, state: &Mutex<State>) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 16 * 1024 {
        match c.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let mut lines = head.lines();
    let mut first = lines.next().unwrap_or_default().split_whitespace();
    let method = first.next().unwrap_or_default().to_string();
    let path = first.next().unwrap_or_default().to_string();
    let range = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.eq_ignore_ascii_case("range"))
        .map(|(_, v)| v.trim().to_string());
    let mut st = state.lock().unwrap();
    st.seen.push(Seen {
        method: method.clone(),
        path: path.clone(),
        range: range.clone(),
    });
    let Some(body) = st.files.get(&path).cloned() else {
        let _ = c
            .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        return;
    };
    let from = range
        .as_deref()
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.strip_suffix('-'))
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|&n| n < body.len() && !st.ignore_range);
    let (status, part) = match from {
        Some(n) => (
            format!(
                "206 Partial Content\r\nContent-Range: bytes {n}-{}/{}",
                body.len() - 1,
                body.len()
            ),
            &body[n..],
        ),
        None => ("200 OK".to_string(), &body[..]),
    };
    let cut = match st.cut.take() {
        Some((p, after)) if p == path && method == "GET" => Some(after),
        other => {
            st.cut = other;
            None
        }
    };
    drop(st);
    let _ = write!(
        c,
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        part.len()
    );
    if method == "HEAD" {
        return;
    }
    let send = cut.map_or(part.len(), |k| k.min(part.len()));
    let _ = c.write_all(&part[..send]);
    let _ = c.flush();
}

/// A stand-in raw image: `len` bytes of noise (so the zip is as large) with the MBR signature.
fn stand_in(len: usize) -> Vec<u8> {
    let mut x: u32 = 0x2545_f491;
    let mut data: Vec<u8> = (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    data[510] = 0x55;
    data[511] = 0xAA;
    data
}

fn zip_of(name: &str, data: &[u8]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    w.start_file(name, opts).unwrap();
    w.write_all(data).unwrap();
    w.finish().unwrap().into_inner()
}

fn sha256(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

const V: &str = "7.24.4";

fn zip_path(v: &str) -> String {
    format!("/routeros/{v}/chr-{v}.img.zip")
}

/// A server offering `V` as stable, its zip and its published sum; returns the image too.
fn mikrotik() -> (Server, Vec<u8>, Vec<u8>) {
    let s = Server::start();
    let img = stand_in(3 << 19);
    let zip = zip_of(&format!("chr-{V}.img"), &img);
    s.put("/routeros/NEWESTa7.stable", format!("{V} 1761234567"));
    s.put(
        &format!("{}.sha256", zip_path(V)),
        format!("{}  chr-{V}.img.zip\n", sha256(&zip)),
    );
    s.put(&zip_path(V), zip.clone());
    (s, img, zip)
}

/// A fresh, empty cache for one test.
fn cache(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("image-cli-{name}"));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn chrlab(cache: &Path, server: Option<&Server>, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_chrlab"));
    cmd.args(args)
        .env("CHRLAB_CACHE_DIR", cache)
        .env_remove("XDG_CACHE_HOME")
        // Never the real servers: an unreachable port unless a test server is given.
        .env("CHRLAB_UPGRADE_URL", "http://127.0.0.1:9")
        .env("CHRLAB_DOWNLOAD_URL", "http://127.0.0.1:9");
    if let Some(s) = server {
        cmd.env("CHRLAB_UPGRADE_URL", s.url())
            .env("CHRLAB_DOWNLOAD_URL", s.url());
    }
    cmd.output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn entry(cache: &Path, v: &str) -> PathBuf {
    cache.join("images").join(v)
}

/// What the cache root holds (no staging folders may be left).
fn names(dir: &Path) -> Vec<String> {
    let mut n: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    n.sort();
    n
}

#[test]
fn fetch_by_version_then_cached_without_a_request_then_path_and_list() {
    let c = cache("version");
    let (s, img, zip) = mikrotik();
    let out = chrlab(&c, Some(&s), &["image", "fetch", V]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let path = entry(&c, V).join(format!("chr-{V}.img"));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with(&format!(
            "fetched RouterOS {V} into {} (sha256 {}, verified with sha256 {} (published {}{}.sha256))",
            path.display(),
            sha256(&img),
            sha256(&zip),
            s.url(),
            zip_path(V)
        )),
        "{stdout}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), img);
    assert_eq!(
        names(&entry(&c, V)),
        [format!("chr-{V}.img"), "meta.json".into()]
    );
    assert_eq!(names(&c.join("images")), [V]);
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(entry(&c, V).join("meta.json")).unwrap())
            .unwrap();
    assert_eq!(meta["sha256"], sha256(&img));
    assert_eq!(meta["source"], format!("{}{}", s.url(), zip_path(V)));

    let before = s.seen().len();
    let out = chrlab(&c, Some(&s), &["image", "fetch", V]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with(&format!("RouterOS {V} is cached: {}", path.display())),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(s.seen().len(), before, "a cached image makes no request");

    let out = chrlab(&c, None, &["image", "path", V]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), format!("{}\n", path.display()));
    let out = chrlab(&c, None, &["image", "list"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let row = stdout
        .lines()
        .find(|l| l.starts_with(V))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(
        row.contains(&img.len().to_string()) && row.contains("published"),
        "{row}"
    );
    assert!(row.ends_with(&path.display().to_string()), "{row}");

    let out = chrlab(&c, None, &["image", "path", "7.1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("RouterOS 7.1 is not cached"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn fetch_by_channel_with_a_given_sum() {
    let c = cache("channel");
    let (s, img, zip) = mikrotik();
    s.state
        .lock()
        .unwrap()
        .files
        .remove(&format!("{}.sha256", zip_path(V)));
    let sum = sha256(&zip);
    let out = chrlab(
        &c,
        Some(&s),
        &["image", "fetch", "stable", "--sha256", &sum],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains(&format!("stable is RouterOS {V}")));
    assert!(text(&out.stdout).contains(&format!("verified with sha256 {sum} (--sha256)")));
    assert_eq!(
        std::fs::read(entry(&c, V).join(format!("chr-{V}.img"))).unwrap(),
        img
    );
    assert!(
        s.seen()
            .iter()
            .any(|r| r.path == "/routeros/NEWESTa7.stable")
    );
}

#[test]
fn an_interrupted_download_resumes_with_range() {
    let c = cache("resume");
    let (s, img, zip) = mikrotik();
    s.cut_next(&zip_path(V), zip.len() / 3);
    let out = chrlab(&c, Some(&s), &["image", "fetch", V]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "error: cannot fetch RouterOS {V}: cannot download {}{}",
            s.url(),
            zip_path(V)
        )),
        "{stderr}"
    );
    let part = entry(&c, V).join(format!(".partial/chr-{V}.img.zip.part"));
    let have = std::fs::metadata(&part).unwrap().len() as usize;
    assert!(have > 0 && have < zip.len(), "{have}");
    assert!(!entry(&c, V).join("meta.json").exists());
    let out = chrlab(&c, None, &["image", "path", V]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a partial download is not cached"
    );

    let out = chrlab(&c, Some(&s), &["image", "fetch", V]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains(&format!(
        "resuming {}{} at byte {have}",
        s.url(),
        zip_path(V)
    )));
    let ranged: Vec<Seen> = s.seen().into_iter().filter(|r| r.range.is_some()).collect();
    assert_eq!(ranged.len(), 1, "{ranged:?}");
    assert_eq!(ranged[0].method, "GET");
    assert_eq!(
        ranged[0].range.as_deref(),
        Some(format!("bytes={have}-").as_str())
    );
    assert_eq!(
        std::fs::read(entry(&c, V).join(format!("chr-{V}.img"))).unwrap(),
        img
    );
    assert_eq!(
        names(&entry(&c, V)),
        [format!("chr-{V}.img"), "meta.json".into()]
    );
}

#[test]
fn a_cached_image_that_changed_is_fetched_again() {
    let c = cache("tampered");
    let (s, img, _zip) = mikrotik();
    let out = chrlab(&c, Some(&s), &["image", "fetch", V]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        !text(&out.stderr).contains("eta"),
        "no progress bar off a terminal"
    );
    let path = entry(&c, V).join(format!("chr-{V}.img"));
    let mut changed = img.clone();
    changed[4096] ^= 0xff;
    std::fs::write(&path, &changed).unwrap();
    let out = chrlab(&c, Some(&s), &["image", "fetch", V]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("does not match its recorded sha256"),
        "{}",
        text(&out.stderr)
    );
    assert!(text(&out.stdout).starts_with(&format!("fetched RouterOS {V}")));
    assert_eq!(std::fs::read(&path).unwrap(), img);
}

#[test]
fn a_server_that_ignores_range_restarts_the_download() {
    let c = cache("restart");
    let (s, img, zip) = mikrotik();
    s.cut_next(&zip_path(V), zip.len() / 2);
    let out = chrlab(&c, Some(&s), &["image", "fetch", V]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    s.state.lock().unwrap().ignore_range = true;
    let out = chrlab(&c, Some(&s), &["image", "fetch", V]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        s.seen().iter().any(|r| r.range.is_some()),
        "a range was asked for"
    );
    assert_eq!(
        std::fs::read(entry(&c, V).join(format!("chr-{V}.img"))).unwrap(),
        img
    );
}

#[test]
fn an_unreachable_server_is_exit_3_and_leaves_nothing() {
    let c = cache("unreachable");
    let out = chrlab(&c, None, &["image", "fetch", V, "--no-verify"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "cannot download http://127.0.0.1:9{}",
            zip_path(V)
        )),
        "{stderr}"
    );
    assert_eq!(names(&c.join("images")), Vec::<String>::new());
}

/// Runs a fetch that must fail with `code`, name every `needle`, and leave no entry behind.
fn refused(name: &str, s: &Server, args: &[&str], code: i32, needles: &[&str]) {
    let c = cache(name);
    let out = chrlab(&c, Some(s), args);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{stderr}");
    for n in needles {
        assert!(stderr.contains(n), "{n:?} not in {stderr}");
    }
    assert_eq!(names(&c.join("images")), Vec::<String>::new(), "{stderr}");
}

#[test]
fn failures_name_the_url_and_leave_no_entry() {
    let (s, _img, zip) = mikrotik();
    let url = format!("{}{}", s.url(), zip_path(V));
    // Corrupt: the published sum matches, but the archive is not a zip.
    let bad = b"PK\x03\x04 this is not really a zip archive".repeat(100);
    s.put("/routeros/7.24.5/chr-7.24.5.img.zip", bad.clone());
    s.put(
        "/routeros/7.24.5/chr-7.24.5.img.zip.sha256",
        format!("{}  chr-7.24.5.img.zip", sha256(&bad)),
    );
    refused(
        "corrupt",
        &s,
        &["image", "fetch", "7.24.5"],
        3,
        &[
            "/routeros/7.24.5/chr-7.24.5.img.zip is not a CHR image archive",
            "not a readable zip archive",
        ],
    );
    let wrong = "0".repeat(64);
    refused(
        "mismatch",
        &s,
        &["image", "fetch", V, "--sha256", &wrong],
        3,
        &[&format!(
            "{url}: SHA-256 mismatch: expected {wrong} (--sha256), got {}",
            sha256(&zip)
        )],
    );
    refused(
        "missing",
        &s,
        &["image", "fetch", "7.99.1"],
        2,
        &[
            "cannot fetch RouterOS 7.99.1",
            "/routeros/7.99.1/chr-7.99.1.img.zip does not exist (HTTP 404)",
        ],
    );
    refused(
        "missing-sum",
        &s,
        &["image", "fetch", "7.99.1", "--sha256", &wrong],
        2,
        &["/routeros/7.99.1/chr-7.99.1.img.zip does not exist (HTTP 404)"],
    );
    refused(
        "bad-sha-arg",
        &s,
        &["image", "fetch", V, "--sha256", "abc"],
        2,
        &["not a SHA-256 digest"],
    );
    refused(
        "not-a-target",
        &s,
        &["image", "fetch", "upgrade"],
        2,
        &["neither a RouterOS version nor a channel"],
    );
}

#[test]
fn no_checksum_is_refused_unless_no_verify() {
    let (s, img, _zip) = mikrotik();
    s.state
        .lock()
        .unwrap()
        .files
        .remove(&format!("{}.sha256", zip_path(V)));
    refused(
        "nosum",
        &s,
        &["image", "fetch", V],
        2,
        &["no checksum for", "pass --sha256 HEX, or --no-verify"],
    );
    let c = cache("noverify");
    let out = chrlab(&c, Some(&s), &["image", "fetch", V, "--no-verify"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("not verified (--no-verify)"));
    assert!(text(&out.stdout).contains("verified with not verified (--no-verify)"));
    assert_eq!(
        std::fs::read(entry(&c, V).join(format!("chr-{V}.img"))).unwrap(),
        img
    );
}

#[test]
fn import_img_and_img_zip_and_refuse_a_fake() {
    let c = cache("import");
    let src = c.join("src");
    std::fs::create_dir_all(&src).unwrap();
    let img = stand_in(1 << 20);
    let raw = src.join("chr-7.20.1.img");
    std::fs::write(&raw, &img).unwrap();
    let out = chrlab(&c, None, &["image", "import", raw.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("imported RouterOS 7.20.1 from "));
    let zipped = src.join("downloaded.img.zip");
    std::fs::write(&zipped, zip_of("chr-7.21.img", &img)).unwrap();
    let out = chrlab(
        &c,
        None,
        &[
            "image",
            "import",
            zipped.to_str().unwrap(),
            "--version",
            "7.21",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    for v in ["7.20.1", "7.21"] {
        let p = entry(&c, v).join(format!("chr-{v}.img"));
        assert_eq!(std::fs::read(&p).unwrap(), img, "{v}");
    }
    let out = chrlab(&c, None, &["image", "list"]);
    let stdout = text(&out.stdout);
    assert!(
        stdout.lines().filter(|l| l.contains("imported")).count() == 2,
        "{stdout}"
    );

    // A file that is not what its name says: refused, exit 2, nothing cached.
    let fake = src.join("chr-7.22.img");
    std::fs::write(&fake, vec![0u8; 2 << 20]).unwrap();
    let out = chrlab(&c, None, &["image", "import", fake.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains(
            "chr-7.22.img is not a raw disk image: no MBR boot signature 55 AA at offset 510"
        ),
        "{}",
        text(&out.stderr)
    );
    let fake = src.join("chr-7.22.vdi");
    std::fs::write(&fake, b"<<< not VirtualBox >>>".repeat(10)).unwrap();
    let out = chrlab(&c, None, &["image", "import", fake.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("is not a VirtualBox disk image"),
        "{}",
        text(&out.stderr)
    );
    let out = chrlab(
        &c,
        None,
        &[
            "image",
            "import",
            src.to_str().unwrap(),
            "--version",
            "7.22",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "a directory is refused");
    let fifo = src.join("chr-7.22.img.zip");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let out = chrlab(&c, None, &["image", "import", fifo.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a FIFO is refused, without waiting for a writer"
    );
    assert!(
        text(&out.stderr).contains("is not a regular file"),
        "{}",
        text(&out.stderr)
    );
    assert!(!entry(&c, "7.22").exists());
    assert_eq!(names(&c.join("images")), ["7.20.1", "7.21"]);
}

#[test]
fn import_qcow2_and_vdi_converts_to_raw() {
    if !require(&[Need::QemuImg]) {
        return;
    }
    let c = cache("qcow2");
    let src = c.join("src");
    std::fs::create_dir_all(&src).unwrap();
    let img = stand_in(1 << 20);
    let raw = src.join("disk.raw");
    std::fs::write(&raw, &img).unwrap();
    let q = src.join("chr-7.19.6.qcow2");
    let st = Command::new("qemu-img")
        .args(["convert", "-f", "raw", "-O", "qcow2"])
        .arg(&raw)
        .arg(&q)
        .status()
        .unwrap();
    assert!(st.success());
    let out = chrlab(&c, None, &["image", "import", q.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("(raw, sha256"),
        "{}",
        text(&out.stdout)
    );
    let p = entry(&c, "7.19.6").join("chr-7.19.6.img");
    assert_eq!(std::fs::read(&p).unwrap(), img);

    let vdi = src.join("chr-7.19.7.vdi");
    let st = Command::new("qemu-img")
        .args(["convert", "-f", "raw", "-O", "vdi"])
        .arg(&raw)
        .arg(&vdi)
        .status()
        .unwrap();
    assert!(st.success());
    let out = chrlab(&c, None, &["image", "import", vdi.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let p = entry(&c, "7.19.7").join("chr-7.19.7.img");
    assert_eq!(std::fs::read(&p).unwrap(), img);
}

#[test]
fn resolve_prints_each_channels_version_and_downloads_nothing() {
    let s = Server::start();
    s.put("/routeros/NEWESTa7.stable", "7.24.4 1761234567");
    s.put("/routeros/NEWESTa7.long-term", "7.16.2 1751234567\n");
    s.put("/routeros/NEWESTa7.testing", "7.25beta3 1762234567");
    let c = cache("resolve");
    for (channel, version) in [
        ("stable", "7.24.4"),
        ("long-term", "7.16.2"),
        ("testing", "7.25beta3"),
    ] {
        let out = chrlab(&c, Some(&s), &["image", "resolve", channel]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert_eq!(text(&out.stdout), format!("{version}\n"), "{channel}");
    }
    let paths: Vec<String> = s.seen().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        [
            "/routeros/NEWESTa7.stable",
            "/routeros/NEWESTa7.long-term",
            "/routeros/NEWESTa7.testing"
        ]
    );
    assert_eq!(names(&c.join("images")), Vec::<String>::new());
    // No development channel on this server: exit 2, naming the URL; `upgrade` is no v7 channel.
    let out = chrlab(&c, Some(&s), &["image", "resolve", "development"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("NEWESTa7.development"),
        "{}",
        text(&out.stderr)
    );
    let out = chrlab(&c, Some(&s), &["image", "resolve", "upgrade"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}
