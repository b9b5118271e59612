//! Resolving a channel, downloading a CHR image (resumable), verifying and unpacking it.
//!
//! MikroTik's layout, as chrlab uses it:
//! - `<upgrade-base>/routeros/NEWESTa7.<channel>` answers `<version> <unix-time>`;
//! - `<download-base>/routeros/<version>/chr-<version>.img.zip` is the image;
//! - `<download-base>/routeros/<version>/chr-<version>.img.zip.sha256` is *assumed* to hold
//!   `<hex>  <name>` (MikroTik publishes sums on its download page; chrlab assumes a file beside
//!   the archive and, where there is none, asks for `--sha256` or `--no-verify`).

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_LENGTH, RANGE};
use routeros::version::Channel;

use super::catalog::{CatalogError, MAX_IMAGE, sha256_file};

/// Default base of the channel files.
pub const UPGRADE_URL: &str = "https://upgrade.mikrotik.com";
/// Default base of the images.
pub const DOWNLOAD_URL: &str = "https://download.mikrotik.com";

/// Why a download or its check failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The server has no such file (for the image: no such version).
    #[error("{url} does not exist (HTTP 404){}", hint.as_deref().unwrap_or(""))]
    NotFound {
        /// The URL.
        url: String,
        /// What that likely means.
        hint: Option<String>,
    },
    /// The server answered something other than success.
    #[error("{url} answered HTTP {status}")]
    Status {
        /// The URL.
        url: String,
        /// The status.
        status: StatusCode,
    },
    /// The request failed or the connection broke.
    #[error("cannot download {url}")]
    Network {
        /// The URL.
        url: String,
        /// The transport error.
        #[source]
        source: reqwest::Error,
    },
    /// A channel file that does not start with a version.
    #[error("{url} does not name a RouterOS version (answered {body:?})")]
    BadChannel {
        /// The URL.
        url: String,
        /// What it answered (at most 200 characters).
        body: String,
    },
    /// A `.sha256` file that holds no hex digest.
    #[error("{url} holds no SHA-256 digest (answered {body:?})")]
    BadSum {
        /// The URL.
        url: String,
        /// What it answered (at most 200 characters).
        body: String,
    },
    /// The download is not what the checksum says.
    #[error("{url}: SHA-256 mismatch: expected {expected} ({from}), got {got}")]
    Mismatch {
        /// The URL downloaded.
        url: String,
        /// The expected digest.
        expected: String,
        /// Where it came from.
        from: String,
        /// The digest of what arrived.
        got: String,
    },
    /// The connection ended before the whole file arrived; the part is kept for a resume.
    #[error("{url} ended after {got} of {total} bytes (run the fetch again to resume)")]
    Truncated {
        /// The URL.
        url: String,
        /// Bytes on disk.
        got: u64,
        /// Bytes announced.
        total: u64,
    },
    /// The server sends more than any CHR image is (a bound on what is written to disk).
    #[error("{url} is larger than 16 GiB: not a CHR image")]
    TooLarge {
        /// The URL.
        url: String,
    },
    /// The download is not a zip holding a CHR image.
    #[error("{url} is not a CHR image archive")]
    Corrupt {
        /// The URL.
        url: String,
        /// What is wrong with it.
        #[source]
        source: CatalogError,
    },
    /// No checksum to verify against.
    #[error(
        "no checksum for {url}: none published ({sum_url} answered 404); pass --sha256 HEX, or --no-verify to take it unverified"
    )]
    NoChecksum {
        /// The image URL.
        url: String,
        /// Where a published sum was looked for.
        sum_url: String,
    },
    /// The partial download cannot be written.
    #[error("cannot write {}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Checking the download failed.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
}

/// The two base URLs.
#[derive(Debug, Clone)]
pub struct Servers {
    /// Base of the channel files (`NEWESTa7.<channel>`).
    pub upgrade: String,
    /// Base of the images.
    pub download: String,
}

impl Servers {
    /// The channel file of `channel`.
    pub fn channel_url(&self, channel: Channel) -> String {
        format!(
            "{}/routeros/NEWESTa7.{}",
            self.upgrade.trim_end_matches('/'),
            channel.as_str()
        )
    }

    /// The image archive of `version`.
    pub fn image_url(&self, version: &str) -> String {
        format!(
            "{}/routeros/{version}/chr-{version}.img.zip",
            self.download.trim_end_matches('/')
        )
    }
}

/// An HTTP client for the downloads (no proxy, rustls).
pub fn client() -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(30))
        .user_agent(concat!("chrlab/", env!("CARGO_PKG_VERSION")))
        .build()
}

fn shorten(text: &str) -> String {
    text.chars().take(200).collect()
}

async fn get_text(http: &reqwest::Client, url: &str) -> Result<Option<String>, FetchError> {
    let net = |source| FetchError::Network {
        url: url.to_string(),
        source,
    };
    let resp = http.get(url).send().await.map_err(net)?;
    match resp.status() {
        StatusCode::NOT_FOUND => Ok(None),
        s if s.is_success() => Ok(Some(resp.text().await.map_err(net)?)),
        status => Err(FetchError::Status {
            url: url.to_string(),
            status,
        }),
    }
}

/// The version a channel offers now: the first word of `NEWESTa7.<channel>`.
pub async fn resolve(
    http: &reqwest::Client,
    servers: &Servers,
    channel: Channel,
) -> Result<String, FetchError> {
    let url = servers.channel_url(channel);
    let body = get_text(http, &url)
        .await?
        .ok_or_else(|| FetchError::NotFound {
            url: url.clone(),
            hint: Some(format!(" (no {channel} channel for RouterOS 7)")),
        })?;
    body.split_whitespace()
        .next()
        .and_then(|v| super::catalog::version_name(v).ok())
        .ok_or_else(|| FetchError::BadChannel {
            url,
            body: shorten(&body),
        })
}

/// The published digest beside `image_url`, if there is one (a 404 is `None`).
pub async fn published_sha256(
    http: &reqwest::Client,
    image_url: &str,
) -> Result<Option<(String, String)>, FetchError> {
    let url = format!("{image_url}.sha256");
    let Some(body) = get_text(http, &url).await? else {
        return Ok(None);
    };
    match body.split_whitespace().next().and_then(parse_sha256) {
        Some(hex) => Ok(Some((hex, url))),
        None => Err(FetchError::BadSum {
            url,
            body: shorten(&body),
        }),
    }
}

/// Fails with [`FetchError::NotFound`] when `url` does not exist (a `HEAD` request), so a
/// missing version is named as such before any other complaint.
pub async fn require_exists(http: &reqwest::Client, url: &str) -> Result<(), FetchError> {
    let resp = http
        .head(url)
        .send()
        .await
        .map_err(|source| FetchError::Network {
            url: url.to_string(),
            source,
        })?;
    match resp.status() {
        StatusCode::NOT_FOUND => Err(FetchError::NotFound {
            url: url.to_string(),
            hint: Some(" (no such RouterOS version?)".into()),
        }),
        _ => Ok(()),
    }
}

/// A SHA-256 digest as 64 hex digits, lowercased; `None` when it is not one.
pub fn parse_sha256(text: &str) -> Option<String> {
    let t = text.trim();
    (t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit())).then(|| t.to_ascii_lowercase())
}

/// Downloads `url` into `part`, continuing a partial file with `Range: bytes=N-` (appended on
/// 206, started over on 200). Progress goes to stderr when it is a terminal.
pub async fn download(http: &reqwest::Client, url: &str, part: &Path) -> Result<u64, FetchError> {
    let net = |source| FetchError::Network {
        url: url.to_string(),
        source,
    };
    let werr = |source| FetchError::Write {
        path: part.to_path_buf(),
        source,
    };
    if let Some(dir) = part.parent() {
        std::fs::create_dir_all(dir).map_err(|source| FetchError::Write {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    let have = std::fs::metadata(part).map(|m| m.len()).unwrap_or(0);
    let mut req = http.get(url);
    if have > 0 {
        req = req.header(RANGE, format!("bytes={have}-"));
    }
    let mut resp = req.send().await.map_err(net)?;
    let status = resp.status();
    let (mut file, start) = match status {
        StatusCode::PARTIAL_CONTENT if have > 0 => {
            let f = std::fs::OpenOptions::new()
                .append(true)
                .open(part)
                .map_err(werr)?;
            (f, have)
        }
        StatusCode::RANGE_NOT_SATISFIABLE if have > 0 => {
            // The part is already as long as the file (or longer): start over.
            std::fs::remove_file(part).map_err(werr)?;
            return Box::pin(download(http, url, part)).await;
        }
        StatusCode::NOT_FOUND => {
            return Err(FetchError::NotFound {
                url: url.to_string(),
                hint: Some(" (no such RouterOS version?)".into()),
            });
        }
        s if s.is_success() => (std::fs::File::create(part).map_err(werr)?, 0),
        status => {
            return Err(FetchError::Status {
                url: url.to_string(),
                status,
            });
        }
    };
    let total = resp
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .map(|n| n + start);
    let bar = progress(total, start);
    let mut got = start;
    while let Some(chunk) = resp.chunk().await.map_err(net)? {
        got += chunk.len() as u64;
        if got > MAX_IMAGE {
            drop(file);
            let _ = std::fs::remove_file(part);
            return Err(FetchError::TooLarge {
                url: url.to_string(),
            });
        }
        file.write_all(&chunk).map_err(werr)?;
        bar.set_position(got);
    }
    file.sync_all().map_err(werr)?;
    bar.finish_and_clear();
    if let Some(total) = total.filter(|&t| t != got) {
        return Err(FetchError::Truncated {
            url: url.to_string(),
            got,
            total,
        });
    }
    Ok(got)
}

fn progress(total: Option<u64>, start: u64) -> ProgressBar {
    let target = if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(total, target);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
    {
        bar.set_style(style);
    }
    bar.set_position(start);
    bar
}

/// Checks the downloaded `part` against `expected` (from `from`).
pub fn verify(part: &Path, url: &str, expected: &str, from: &str) -> Result<(), FetchError> {
    let (got, _) = sha256_file(part)?;
    if got != expected {
        return Err(FetchError::Mismatch {
            url: url.to_string(),
            expected: expected.to_string(),
            from: from.to_string(),
            got,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_follow_mikrotiks_layout() {
        let s = Servers {
            upgrade: "http://127.0.0.1:1/".into(),
            download: "http://127.0.0.1:2".into(),
        };
        assert_eq!(
            s.channel_url(Channel::LongTerm),
            "http://127.0.0.1:1/routeros/NEWESTa7.long-term"
        );
        assert_eq!(
            s.image_url("7.24.4"),
            "http://127.0.0.1:2/routeros/7.24.4/chr-7.24.4.img.zip"
        );
    }

    #[test]
    fn sha256_text_is_64_hex_digits() {
        let h = "A".repeat(64);
        assert_eq!(parse_sha256(&h), Some("a".repeat(64)));
        assert_eq!(parse_sha256("abc"), None);
        assert_eq!(parse_sha256(&"g".repeat(64)), None);
    }
}
