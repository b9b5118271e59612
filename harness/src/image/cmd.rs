//! `chrlab image fetch|list|path|import`.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use routeros::version::Channel;

use super::catalog::{Catalog, CatalogError, Entry, Format, Meta, cache_root, version_name};
use super::fetch::{
    self, DOWNLOAD_URL, FetchError, Servers, UPGRADE_URL, parse_sha256, published_sha256,
};
use crate::outcome::{Exit, error_chain};
use crate::printable::escape;

/// `chrlab image`: the CHR image cache.
#[derive(Debug, Clone, Args)]
pub struct ImageArgs {
    /// What to do with the cache.
    #[command(subcommand)]
    pub command: ImageCommand,
}

/// `chrlab image` subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum ImageCommand {
    /// Download, verify, unpack and cache a CHR image (a version or a channel).
    Fetch(FetchArgs),
    /// Print the RouterOS version a channel offers now (stable, long-term, testing, development).
    Resolve(ResolveArgs),
    /// Show the cached images: version, format, size, what each was verified with, path.
    List,
    /// Print the path of a cached image.
    #[command(disable_version_flag = true)]
    Path {
        /// The RouterOS version.
        version: String,
    },
    /// Cache an image downloaded elsewhere (.img, .img.zip, .qcow2, .vdi).
    #[command(disable_version_flag = true)]
    Import(ImportArgs),
}

/// `chrlab image fetch`.
#[derive(Debug, Clone, Args)]
pub struct FetchArgs {
    /// A RouterOS version (`7.24.4`) or a channel: stable, long-term, testing, development.
    pub target: String,
    /// The archive's SHA-256 (64 hex digits), when you have it from MikroTik's download page.
    #[arg(long, value_name = "HEX", value_parser = sha256_arg)]
    pub sha256: Option<String>,
    /// Cache the image even though no checksum is given or published.
    #[arg(long)]
    pub no_verify: bool,
    /// Base URL of the channel files (`<URL>/routeros/NEWESTa7.<channel>`).
    #[arg(long, value_name = "URL", env = "CHRLAB_UPGRADE_URL", default_value = UPGRADE_URL)]
    pub upgrade_url: String,
    /// Base URL of the images (`<URL>/routeros/<version>/chr-<version>.img.zip`).
    #[arg(long, value_name = "URL", env = "CHRLAB_DOWNLOAD_URL", default_value = DOWNLOAD_URL)]
    pub download_url: String,
}

/// `chrlab image resolve`.
#[derive(Debug, Clone, Args)]
pub struct ResolveArgs {
    /// The channel: stable, long-term, testing or development.
    pub channel: String,
    /// Base URL of the channel files (`<URL>/routeros/NEWESTa7.<channel>`).
    #[arg(long, value_name = "URL", env = "CHRLAB_UPGRADE_URL", default_value = UPGRADE_URL)]
    pub upgrade_url: String,
}

/// `chrlab image import`.
#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// The image file: chr-VERSION.img, .img.zip, .qcow2 or .vdi.
    pub file: PathBuf,
    /// Its RouterOS version, when the file name does not say.
    #[arg(long, value_name = "VERSION")]
    pub version: Option<String>,
}

fn sha256_arg(text: &str) -> Result<String, String> {
    parse_sha256(text).ok_or_else(|| format!("{text:?} is not a SHA-256 digest (64 hex digits)"))
}

/// Why an `image` subcommand did nothing (or left the cache as it was).
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// The cache or an import.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// A download.
    #[error("cannot fetch RouterOS {target}")]
    Fetch {
        /// The version or channel asked for.
        target: String,
        /// What failed.
        #[source]
        source: Box<FetchError>,
    },
    /// `fetch upgrade` or another word that is neither a version nor a RouterOS 7 channel.
    #[error(
        "{0:?} is neither a RouterOS version nor a channel (stable, long-term, testing, development)"
    )]
    Target(String),
    /// The HTTP client cannot be built.
    #[error("cannot build the HTTP client")]
    Client(#[source] reqwest::Error),
}

impl ImageError {
    /// 2 when the user must fix the input (a version that is not cached or does not exist, a
    /// file that is not an image, no checksum), 3 when the server or the network failed or sent
    /// something corrupt (bad zip, checksum mismatch), 4 when the cache cannot be written.
    pub fn exit(&self) -> Exit {
        match self {
            ImageError::Catalog(e) => catalog_exit(e),
            ImageError::Target(_) => Exit::Usage,
            ImageError::Client(_) => Exit::Internal,
            ImageError::Fetch { source, .. } => match source.as_ref() {
                FetchError::NotFound { .. } | FetchError::NoChecksum { .. } => Exit::Usage,
                FetchError::Status { .. }
                | FetchError::Network { .. }
                | FetchError::BadChannel { .. }
                | FetchError::BadSum { .. }
                | FetchError::Mismatch { .. }
                | FetchError::Truncated { .. }
                | FetchError::TooLarge { .. }
                | FetchError::Corrupt { .. } => Exit::Router,
                FetchError::Write { .. } => Exit::Internal,
                FetchError::Catalog(e) => catalog_exit(e),
            },
        }
    }
}

fn catalog_exit(e: &CatalogError) -> Exit {
    match e {
        CatalogError::Write { .. } => Exit::Internal,
        _ => Exit::Usage,
    }
}

/// Runs `chrlab image …`, printing results to `out` and errors and progress to `err`.
pub async fn run(args: &ImageArgs, out: &mut dyn Write, err: &mut dyn Write) -> Exit {
    match run_inner(args, out, err).await {
        Ok(()) => Exit::Pass,
        Err(e) => {
            let _ = writeln!(err, "error: {}", escape(&error_chain(&e)));
            e.exit()
        }
    }
}

async fn run_inner(
    args: &ImageArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), ImageError> {
    let catalog = Catalog::new(cache_root()?);
    match &args.command {
        ImageCommand::List => list(&catalog, out),
        ImageCommand::Path { version } => {
            let path = catalog.path(&version_name(version)?)?;
            let _ = writeln!(out, "{}", path.display());
            Ok(())
        }
        ImageCommand::Import(a) => {
            let e = catalog.import(&a.file, a.version.as_deref())?;
            let how = match e.meta.format {
                Format::Raw => "raw",
                Format::Qcow2 => "qcow2 (qemu-img not found: kept as is)",
                Format::Vdi => "vdi (qemu-img not found: kept as is)",
            };
            let _ = writeln!(
                out,
                "imported RouterOS {} from {} as {} ({how}, sha256 {})",
                e.meta.version,
                escape(&a.file.display().to_string()),
                e.path.display(),
                e.meta.sha256
            );
            Ok(())
        }
        ImageCommand::Fetch(a) => fetch_cmd(&catalog, a, out, err).await,
        ImageCommand::Resolve(a) => {
            let channel = match a.channel.parse::<Channel>() {
                Ok(Channel::Upgrade) | Err(_) => return Err(ImageError::Target(a.channel.clone())),
                Ok(c) => c,
            };
            let servers = Servers {
                upgrade: a.upgrade_url.clone(),
                download: DOWNLOAD_URL.to_string(),
            };
            let http = fetch::client().map_err(ImageError::Client)?;
            let v = fetch::resolve(&http, &servers, channel)
                .await
                .map_err(|source| ImageError::Fetch {
                    target: a.channel.clone(),
                    source: Box::new(source),
                })?;
            let _ = writeln!(out, "{v}");
            Ok(())
        }
    }
}

fn list(catalog: &Catalog, out: &mut dyn Write) -> Result<(), ImageError> {
    let entries = catalog.list()?;
    let _ = writeln!(out, "image cache: {}", catalog.root().display());
    if entries.is_empty() {
        let _ = writeln!(out, "no cached images");
        return Ok(());
    }
    let rows: Vec<[String; 5]> = entries
        .iter()
        .map(|e: &Entry| {
            [
                e.meta.version.clone(),
                e.meta.format.name().to_string(),
                e.meta.size.to_string(),
                e.meta.verified_with.clone(),
                e.path.display().to_string(),
            ]
        })
        .collect();
    let head = ["version", "format", "bytes", "verified with", "path"];
    let mut widths = head.map(str::len);
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: [&str; 5]| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            s.push_str(c);
            if i + 1 < cells.len() {
                s.push_str(&" ".repeat(widths[i] - c.chars().count() + 2));
            }
        }
        s
    };
    let _ = writeln!(out, "{}", line(head));
    for r in &rows {
        let _ = writeln!(
            out,
            "{}",
            escape(&line(
                [&r[0], &r[1], &r[2], &r[3], &r[4]].map(String::as_str)
            ))
        );
    }
    Ok(())
}

async fn fetch_cmd(
    catalog: &Catalog,
    a: &FetchArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), ImageError> {
    let servers = Servers {
        upgrade: a.upgrade_url.clone(),
        download: a.download_url.clone(),
    };
    let fetch_err = |source| ImageError::Fetch {
        target: a.target.clone(),
        source: Box::new(source),
    };
    let http = fetch::client().map_err(ImageError::Client)?;
    let version = match a.target.parse::<Channel>() {
        Ok(Channel::Upgrade) => return Err(ImageError::Target(a.target.clone())),
        Ok(channel) => {
            let v = fetch::resolve(&http, &servers, channel)
                .await
                .map_err(fetch_err)?;
            let _ = writeln!(err, "{channel} is RouterOS {v}");
            v
        }
        Err(_) => version_name(&a.target).map_err(|_| ImageError::Target(a.target.clone()))?,
    };
    if let Some(e) = catalog.get(&version) {
        let (sha, _) = super::catalog::sha256_file(&e.path)?;
        if sha == e.meta.sha256 {
            let _ = writeln!(
                out,
                "RouterOS {version} is cached: {} (sha256 {}, verified with {})",
                e.path.display(),
                e.meta.sha256,
                e.meta.verified_with
            );
            return Ok(());
        }
        let _ = writeln!(
            err,
            "cached {} does not match its recorded sha256 (got {sha}): fetching it again",
            e.path.display()
        );
        let dir = catalog.dir(&version);
        std::fs::remove_dir_all(&dir)
            .map_err(|source| CatalogError::Write { path: dir, source })?;
    }
    let result = fetch_version(catalog, &servers, &http, &version, a, err).await;
    match result {
        Ok(entry) => {
            let _ = writeln!(
                out,
                "fetched RouterOS {version} into {} (sha256 {}, verified with {})",
                entry.path.display(),
                entry.meta.sha256,
                entry.meta.verified_with
            );
            Ok(())
        }
        Err(e) => {
            // An interrupted download stays for a resume; anything else leaves no trace.
            let part = catalog
                .partial_dir(&version)
                .join(format!("chr-{version}.img.zip.part"));
            let resumable = matches!(e, FetchError::Truncated { .. } | FetchError::Network { .. })
                && std::fs::metadata(&part).is_ok_and(|m| m.len() > 0);
            if !resumable && catalog.get(&version).is_none() {
                let _ = std::fs::remove_dir_all(catalog.dir(&version));
            }
            Err(fetch_err(e))
        }
    }
}

async fn fetch_version(
    catalog: &Catalog,
    servers: &Servers,
    http: &reqwest::Client,
    version: &str,
    a: &FetchArgs,
    err: &mut dyn Write,
) -> Result<Entry, FetchError> {
    let url = servers.image_url(version);
    let expected = match &a.sha256 {
        Some(h) => Some((h.clone(), "--sha256".to_string())),
        None => published_sha256(http, &url)
            .await?
            .map(|(h, from)| (h, format!("published {from}"))),
    };
    if expected.is_none() && !a.no_verify {
        fetch::require_exists(http, &url).await?;
        return Err(FetchError::NoChecksum {
            url: url.clone(),
            sum_url: format!("{url}.sha256"),
        });
    }
    let part = catalog
        .partial_dir(version)
        .join(format!("chr-{version}.img.zip.part"));
    if let Ok(m) = std::fs::metadata(&part) {
        let _ = writeln!(err, "resuming {url} at byte {}", m.len());
    }
    fetch::download(http, &url, &part).await?;
    let verified_with = match &expected {
        Some((hex, from)) => {
            fetch::verify(&part, &url, hex, from)?;
            format!("sha256 {hex} ({from})")
        }
        None => {
            let _ = writeln!(err, "warning: {url} not verified (--no-verify)");
            "not verified (--no-verify)".to_string()
        }
    };
    let staging = catalog.staging(version)?;
    let unpacked = (|| {
        let name = format!("chr-{version}.img");
        let img = staging.join(&name);
        super::catalog::unzip_image(&part, version, &img)?;
        let mut f = super::catalog::open_regular(&img)?;
        super::catalog::check_raw(&mut f, &img)?;
        let (sha256, size) = super::catalog::sha256_file(&img)?;
        Ok::<_, CatalogError>((name, sha256, size))
    })();
    let (file, sha256, size) = match unpacked {
        Ok(x) => x,
        Err(source) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(FetchError::Corrupt {
                url: url.clone(),
                source,
            });
        }
    };
    let meta = Meta {
        version: version.to_string(),
        file,
        format: Format::Raw,
        size,
        sha256,
        source: url,
        verified_with,
        date: crate::outcome::rfc3339(time::OffsetDateTime::now_utc()),
    };
    Ok(catalog.commit(&staging, &meta)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_error_kind() {
        let fetch = |source| ImageError::Fetch {
            target: "7.24.4".into(),
            source: Box::new(source),
        };
        assert_eq!(
            fetch(FetchError::NotFound {
                url: "u".into(),
                hint: None
            })
            .exit(),
            Exit::Usage
        );
        assert_eq!(
            fetch(FetchError::Mismatch {
                url: "u".into(),
                expected: "a".into(),
                from: "--sha256".into(),
                got: "b".into()
            })
            .exit(),
            Exit::Router
        );
        let not_cached = ImageError::Catalog(CatalogError::NotCached {
            version: "7.1".into(),
            root: "/c".into(),
        });
        assert_eq!(not_cached.exit(), Exit::Usage);
        let write = ImageError::Catalog(CatalogError::Write {
            path: "x".into(),
            source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
        });
        assert_eq!(write.exit(), Exit::Internal);
    }
}
