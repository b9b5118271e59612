//! The image cache on disk: one folder per RouterOS version, each holding the image and a
//! `meta.json` that says where it came from and what it was checked against.
//!
//! ```text
//! $XDG_CACHE_HOME/chrlab/images/        (~/.cache/chrlab/images; $CHRLAB_CACHE_DIR/images)
//!   7.24.4/chr-7.24.4.img               the raw image
//!   7.24.4/meta.json                    version, format, source, sha256, verified-with, date
//!   7.24.5/.partial/chr-7.24.5.img.zip.part   a download in progress (resumed with Range)
//!   .staging-7.24.5-<pid>/              an entry being assembled; renamed to 7.24.5/ when whole
//! ```
//!
//! A version folder appears only by the rename of a complete staging folder, so a folder with a
//! `meta.json` is always a whole, verified image.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use routeros::version::Version;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The metadata file beside each image.
pub const META_FILE: &str = "meta.json";

/// Smallest raw image accepted: 1 MiB (a CHR image is some 128 MiB).
pub const MIN_RAW: u64 = 1 << 20;

/// Largest image chrlab unpacks or converts: 16 GiB (bounds a zip bomb).
pub const MAX_IMAGE: u64 = 16 << 30;

/// A disk image format chrlab knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// A raw disk (`.img`), MBR boot signature at 510.
    Raw,
    /// QEMU copy-on-write v2/v3 (`.qcow2`).
    Qcow2,
    /// VirtualBox (`.vdi`).
    Vdi,
}

impl Format {
    /// Its name, as `meta.json` and `chrlab image list` write it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Raw => "raw",
            Format::Qcow2 => "qcow2",
            Format::Vdi => "vdi",
        }
    }

    /// The file extension of an image stored in this format.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Raw => "img",
            Format::Qcow2 => "qcow2",
            Format::Vdi => "vdi",
        }
    }
}

/// What `meta.json` records about one cached image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    /// The RouterOS version.
    pub version: String,
    /// The image file's name inside the version folder.
    pub file: String,
    /// Its format (raw unless an import could not be converted).
    pub format: Format,
    /// Its size in bytes.
    pub size: u64,
    /// SHA-256 of the image file as stored.
    pub sha256: String,
    /// Where it came from: the download URL, or `import:<absolute path>`.
    pub source: String,
    /// What the download was checked against: `sha256 <hex> (--sha256)`, `sha256 <hex>
    /// (published <url>)`, `not verified (--no-verify)`, or `imported`.
    pub verified_with: String,
    /// When it was cached (RFC 3339, UTC).
    pub date: String,
}

/// Why the cache could not be read or written, or an import was refused.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// No cache directory (no `CHRLAB_CACHE_DIR`, `XDG_CACHE_HOME` or `HOME`).
    #[error("no cache directory: set CHRLAB_CACHE_DIR, XDG_CACHE_HOME or HOME")]
    NoCacheDir,
    /// Not a RouterOS version.
    #[error("invalid image version")]
    Version(#[source] routeros::version::VersionError),
    /// The version is not in the cache.
    #[error(
        "RouterOS {version} is not cached in {} (run `chrlab image fetch {version}` or `chrlab image import FILE`)",
        root.display()
    )]
    NotCached {
        /// The version asked for.
        version: String,
        /// The cache root.
        root: PathBuf,
    },
    /// A file to import cannot be read.
    #[error("cannot read {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A file to import is not the image its name says.
    #[error("{} is not {what}: {why}", path.display())]
    NotAnImage {
        /// The file.
        path: PathBuf,
        /// What it should be (`a raw disk image`, `a qcow2 image`, …).
        what: &'static str,
        /// What is wrong.
        why: String,
    },
    /// The file name gives no version and `--version` was not given.
    #[error(
        "cannot tell the RouterOS version of {} from its name (expected chr-VERSION.img, .img.zip, .qcow2 or .vdi): pass --version",
        path.display()
    )]
    NoVersion {
        /// The file.
        path: PathBuf,
    },
    /// The extension is none chrlab imports.
    #[error("{}: unknown image type (expected .img, .img.zip, .qcow2 or .vdi)", path.display())]
    UnknownType {
        /// The file.
        path: PathBuf,
    },
    /// A zip archive cannot be read or holds no image.
    #[error("{}: {why}", path.display())]
    Zip {
        /// The archive.
        path: PathBuf,
        /// What is wrong.
        why: String,
        /// The zip error, if any.
        #[source]
        source: Option<zip::result::ZipError>,
    },
    /// `qemu-img convert` failed.
    #[error("qemu-img convert -O raw {} failed: {stderr}", path.display())]
    Convert {
        /// The source file.
        path: PathBuf,
        /// What qemu-img said.
        stderr: String,
    },
    /// The version is already cached (import does not replace an image).
    #[error("RouterOS {version} is already cached at {} (remove that folder to replace it)", dir.display())]
    AlreadyCached {
        /// The version.
        version: String,
        /// Its folder.
        dir: PathBuf,
    },
    /// The cache cannot be written.
    #[error("cannot write {}", path.display())]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

/// The image cache root: `$CHRLAB_CACHE_DIR/images`, else `$XDG_CACHE_HOME/chrlab/images`,
/// else `~/.cache/chrlab/images`.
pub fn cache_root() -> Result<PathBuf, CatalogError> {
    crate::user_files::user_dir("CHRLAB_CACHE_DIR", "XDG_CACHE_HOME", ".cache", "images")
        .ok_or(CatalogError::NoCacheDir)
}

/// A version as a folder name: parsed as RouterOS parses it, so it never holds `/` or `..`.
pub fn version_name(text: &str) -> Result<String, CatalogError> {
    let v = Version::parse(text).map_err(CatalogError::Version)?;
    Ok(v.to_string())
}

/// The image cache under one root.
#[derive(Debug, Clone)]
pub struct Catalog {
    root: PathBuf,
}

/// One cached image, as `list` shows it.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The image file.
    pub path: PathBuf,
    /// What `meta.json` says.
    pub meta: Meta,
}

impl Catalog {
    /// The cache at `root` (which need not exist yet).
    pub fn new(root: PathBuf) -> Catalog {
        Catalog { root }
    }

    /// The cache root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The folder of one version.
    pub fn dir(&self, version: &str) -> PathBuf {
        self.root.join(version)
    }

    /// The folder of an unfinished download of `version`.
    pub fn partial_dir(&self, version: &str) -> PathBuf {
        self.dir(version).join(".partial")
    }

    /// The cached entry of `version`, if it is whole (its `meta.json` reads and its image exists).
    pub fn get(&self, version: &str) -> Option<Entry> {
        let dir = self.dir(version);
        let text = std::fs::read_to_string(dir.join(META_FILE)).ok()?;
        let meta: Meta = serde_json::from_str(&text).ok()?;
        let path = dir.join(&meta.file);
        path.is_file().then_some(Entry { path, meta })
    }

    /// The cached image of `version`, or [`CatalogError::NotCached`].
    pub fn path(&self, version: &str) -> Result<PathBuf, CatalogError> {
        self.get(version)
            .map(|e| e.path)
            .ok_or_else(|| CatalogError::NotCached {
                version: version.to_string(),
                root: self.root.clone(),
            })
    }

    /// Every whole cached image, by version.
    pub fn list(&self) -> Result<Vec<Entry>, CatalogError> {
        let entries = match std::fs::read_dir(&self.root) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(CatalogError::Read {
                    path: self.root.clone(),
                    source,
                });
            }
        };
        let mut out: Vec<Entry> = entries
            .filter_map(Result::ok)
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .filter(|name| !name.starts_with('.'))
            .filter_map(|name| self.get(&name))
            .collect();
        out.sort_by(|a, b| {
            match (
                Version::parse(&a.meta.version),
                Version::parse(&b.meta.version),
            ) {
                (Ok(x), Ok(y)) => x.cmp(&y),
                _ => a.meta.version.cmp(&b.meta.version),
            }
        });
        Ok(out)
    }

    /// A fresh, empty staging folder for `version` (inside the root, so the final rename stays
    /// on one file system).
    pub fn staging(&self, version: &str) -> Result<PathBuf, CatalogError> {
        self.reap_staging();
        let dir = self
            .root
            .join(format!(".staging-{version}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|source| CatalogError::Write {
            path: dir.clone(),
            source,
        })?;
        Ok(dir)
    }

    /// Removes the staging folders a killed chrlab left: `.staging-<version>-<pid>` whose
    /// process no longer runs.
    fn reap_staging(&self) {
        let Ok(entries) = std::fs::read_dir(&self.root) else {
            return;
        };
        for e in entries.filter_map(Result::ok) {
            let name = e.file_name();
            let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(".staging-")) else {
                continue;
            };
            let Some(pid) = rest
                .rsplit_once('-')
                .and_then(|(_, p)| p.parse::<u32>().ok())
            else {
                continue;
            };
            if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }

    /// Writes `meta` into `staging` and renames `staging` to the version's folder. When the
    /// folder exists already (it held only a `.partial` download), that partial download is
    /// removed first. On any failure the staging folder is removed.
    pub fn commit(&self, staging: &Path, meta: &Meta) -> Result<Entry, CatalogError> {
        let result = self.commit_inner(staging, meta);
        if result.is_err() {
            let _ = std::fs::remove_dir_all(staging);
        }
        result
    }

    fn commit_inner(&self, staging: &Path, meta: &Meta) -> Result<Entry, CatalogError> {
        let werr = |path: &Path, source| CatalogError::Write {
            path: path.to_path_buf(),
            source,
        };
        let meta_path = staging.join(META_FILE);
        let mut text =
            serde_json::to_string_pretty(meta).map_err(|e| werr(&meta_path, e.into()))?;
        text.push('\n');
        let mut f = std::fs::File::create(&meta_path).map_err(|e| werr(&meta_path, e))?;
        f.write_all(text.as_bytes())
            .and_then(|()| f.sync_all())
            .map_err(|e| werr(&meta_path, e))?;
        let dir = self.dir(&meta.version);
        if dir.exists() {
            if self.get(&meta.version).is_some() {
                return Err(CatalogError::AlreadyCached {
                    version: meta.version.clone(),
                    dir,
                });
            }
            // Only an unfinished download (or debris) lives here: the whole entry replaces it.
            std::fs::remove_dir_all(&dir).map_err(|e| werr(&dir, e))?;
        }
        std::fs::rename(staging, &dir).map_err(|e| werr(&dir, e))?;
        Ok(Entry {
            path: dir.join(&meta.file),
            meta: meta.clone(),
        })
    }

    /// Imports an image downloaded elsewhere: `.img` and `.img.zip` are stored raw, `.qcow2` and
    /// `.vdi` converted to raw with `qemu-img` when it is installed, else stored as they are.
    pub fn import(&self, file: &Path, version: Option<&str>) -> Result<Entry, CatalogError> {
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let (kind, stem) = ImportKind::of(name).ok_or_else(|| CatalogError::UnknownType {
            path: file.to_path_buf(),
        })?;
        let version = match version {
            Some(v) => version_name(v)?,
            None => stem
                .strip_prefix("chr-")
                .and_then(|v| version_name(v).ok())
                .ok_or_else(|| CatalogError::NoVersion {
                    path: file.to_path_buf(),
                })?,
        };
        let mut f = open_regular(file)?;
        if let Some(existing) = self.get(&version) {
            return Err(CatalogError::AlreadyCached {
                version,
                dir: existing.path.parent().unwrap_or(&self.root).to_path_buf(),
            });
        }
        match kind {
            ImportKind::Raw => check_raw(&mut f, file)?,
            ImportKind::Zip => {}
            ImportKind::Qcow2 => check_magic(&mut f, file, "a qcow2 image", b"QFI\xfb", 0)?,
            ImportKind::Vdi => check_vdi(&mut f, file)?,
        }
        let staging = self.staging(&version)?;
        let result = (|| {
            let raw_name = format!("chr-{version}.img");
            let raw = staging.join(&raw_name);
            let (file_name, format) = match kind {
                ImportKind::Raw => {
                    copy_bounded(&mut f, file, &raw)?;
                    (raw_name, Format::Raw)
                }
                ImportKind::Zip => {
                    drop(f);
                    unzip_image(file, &version, &raw)?;
                    (raw_name, Format::Raw)
                }
                ImportKind::Qcow2 | ImportKind::Vdi => {
                    drop(f);
                    let format = if kind == ImportKind::Qcow2 {
                        Format::Qcow2
                    } else {
                        Format::Vdi
                    };
                    if qemu_img_available() {
                        convert_to_raw(file, format, &raw)?;
                        (raw_name, Format::Raw)
                    } else {
                        let kept = format!("chr-{version}.{}", format.extension());
                        let mut f = open_regular(file)?;
                        copy_bounded(&mut f, file, &staging.join(&kept))?;
                        (kept, format)
                    }
                }
            };
            let stored = staging.join(&file_name);
            if format == Format::Raw {
                let mut s = std::fs::File::open(&stored).map_err(|source| CatalogError::Read {
                    path: stored.clone(),
                    source,
                })?;
                check_raw(&mut s, &stored)?;
            }
            let (sha256, size) = sha256_file(&stored)?;
            let source = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());
            Ok(Meta {
                version: version.clone(),
                file: file_name,
                format,
                size,
                sha256,
                source: format!("import:{}", source.display()),
                verified_with: "imported".into(),
                date: crate::outcome::rfc3339(time::OffsetDateTime::now_utc()),
            })
        })();
        match result {
            Ok(meta) => self.commit(&staging, &meta),
            Err(e) => {
                let _ = std::fs::remove_dir_all(&staging);
                Err(e)
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ImportKind {
    Raw,
    Zip,
    Qcow2,
    Vdi,
}

impl ImportKind {
    /// The kind a file name says, and the name without its extension.
    fn of(name: &str) -> Option<(ImportKind, &str)> {
        [
            (".img.zip", ImportKind::Zip),
            (".img", ImportKind::Raw),
            (".qcow2", ImportKind::Qcow2),
            (".vdi", ImportKind::Vdi),
        ]
        .into_iter()
        .find_map(|(ext, kind)| name.strip_suffix(ext).map(|stem| (kind, stem)))
    }
}

/// Opens `path` for reading, refusing anything but a regular file (a device or FIFO would make
/// the reads unbounded).
pub(crate) fn open_regular(path: &Path) -> Result<std::fs::File, CatalogError> {
    use crate::user_files::OpenError;
    match crate::user_files::open_regular(path) {
        Ok((file, _)) => Ok(file),
        Err(OpenError::Io(source)) => Err(CatalogError::Read {
            path: path.to_path_buf(),
            source,
        }),
        Err(OpenError::NotRegular(_)) => Err(CatalogError::NotAnImage {
            path: path.to_path_buf(),
            what: "a regular file",
            why: "it is a directory, device or other special file".into(),
        }),
    }
}

/// A raw disk image: at least [`MIN_RAW`] bytes, MBR boot signature `55 AA` at offset 510.
pub(crate) fn check_raw(f: &mut std::fs::File, path: &Path) -> Result<(), CatalogError> {
    let not = |why: String| CatalogError::NotAnImage {
        path: path.to_path_buf(),
        what: "a raw disk image",
        why,
    };
    let len = f
        .metadata()
        .map_err(|source| CatalogError::Read {
            path: path.to_path_buf(),
            source,
        })?
        .len();
    if len < MIN_RAW {
        return Err(not(format!("{len} bytes, less than 1 MiB")));
    }
    let mut head = [0u8; 512];
    read_head(f, path, &mut head)?;
    if head[510..512] != [0x55, 0xAA] {
        return Err(not(format!(
            "no MBR boot signature 55 AA at offset 510 (found {:02X} {:02X})",
            head[510], head[511]
        )));
    }
    Ok(())
}

fn check_magic(
    f: &mut std::fs::File,
    path: &Path,
    what: &'static str,
    magic: &[u8],
    at: usize,
) -> Result<(), CatalogError> {
    let mut head = vec![0u8; at + magic.len()];
    let not = || CatalogError::NotAnImage {
        path: path.to_path_buf(),
        what,
        why: format!(
            "no signature {:?} at offset {at}",
            String::from_utf8_lossy(magic)
        ),
    };
    match read_head(f, path, &mut head) {
        Ok(()) if &head[at..] == magic => Ok(()),
        Ok(()) | Err(CatalogError::NotAnImage { .. }) => Err(not()),
        Err(e) => Err(e),
    }
}

/// A VDI image: the header text `<<< … >>>` at 0 (VirtualBox writes `<<< Oracle VM VirtualBox
/// Disk Image >>>`, older ones `Sun xVM`/`innotek`, qemu-img `<<< QEMU VM Virtual Disk Image >>>`)
/// and the signature `0xbeda107f` (little-endian) at offset 64.
fn check_vdi(f: &mut std::fs::File, path: &Path) -> Result<(), CatalogError> {
    check_magic(f, path, "a VirtualBox disk image", b"<<< ", 0)?;
    check_magic(
        f,
        path,
        "a VirtualBox disk image",
        &[0x7f, 0x10, 0xda, 0xbe],
        64,
    )?;
    let mut head = [0u8; 64];
    read_head(f, path, &mut head)?;
    if !head.windows(4).any(|w| w == b" >>>") {
        return Err(CatalogError::NotAnImage {
            path: path.to_path_buf(),
            what: "a VirtualBox disk image",
            why: "no \"<<< … >>>\" header text in its first 64 bytes".into(),
        });
    }
    Ok(())
}

/// Reads exactly `buf.len()` bytes from the start of `f`, then rewinds.
fn read_head(f: &mut std::fs::File, path: &Path, buf: &mut [u8]) -> Result<(), CatalogError> {
    use std::io::Seek as _;
    let rerr = |source| CatalogError::Read {
        path: path.to_path_buf(),
        source,
    };
    f.rewind().map_err(rerr)?;
    match f.read_exact(buf) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            return Err(CatalogError::NotAnImage {
                path: path.to_path_buf(),
                what: "an image",
                why: "too short".into(),
            });
        }
        Err(e) => return Err(rerr(e)),
    }
    f.rewind().map_err(rerr)
}

/// Copies at most [`MAX_IMAGE`] bytes of `from` to a new file `to`.
fn copy_bounded(
    from: &mut std::fs::File,
    from_path: &Path,
    to: &Path,
) -> Result<u64, CatalogError> {
    let mut out = std::fs::File::create(to).map_err(|source| CatalogError::Write {
        path: to.to_path_buf(),
        source,
    })?;
    let n = std::io::copy(&mut from.take(MAX_IMAGE + 1), &mut out).map_err(|source| {
        CatalogError::Read {
            path: from_path.to_path_buf(),
            source,
        }
    })?;
    if n > MAX_IMAGE {
        return Err(CatalogError::NotAnImage {
            path: from_path.to_path_buf(),
            what: "a CHR image",
            why: "larger than 16 GiB".into(),
        });
    }
    out.sync_all().map_err(|source| CatalogError::Write {
        path: to.to_path_buf(),
        source,
    })?;
    Ok(n)
}

/// Unpacks the image of `version` from the zip archive `zip_path` into `to`: the entry
/// `chr-<version>.img`, else the archive's only `.img` entry; at most [`MAX_IMAGE`] bytes.
pub(crate) fn unzip_image(zip_path: &Path, version: &str, to: &Path) -> Result<(), CatalogError> {
    let zerr = |why: String, source| CatalogError::Zip {
        path: zip_path.to_path_buf(),
        why,
        source,
    };
    let f = open_regular(zip_path)?;
    let mut archive =
        zip::ZipArchive::new(f).map_err(|e| zerr("not a readable zip archive".into(), Some(e)))?;
    let wanted = format!("chr-{version}.img");
    let names: Vec<String> = archive
        .file_names()
        .map(|n| n.map(std::borrow::Cow::into_owned))
        .collect::<Result<_, _>>()
        .map_err(|e| zerr("cannot read the entry names".into(), Some(e)))?;
    let name = if names.contains(&wanted) {
        wanted.clone()
    } else {
        let imgs: Vec<&String> = names.iter().filter(|n| n.ends_with(".img")).collect();
        match imgs.as_slice() {
            [one] => (*one).clone(),
            _ => {
                return Err(zerr(
                    format!("holds no {wanted} (entries: {})", names.join(", ")),
                    None,
                ));
            }
        }
    };
    let mut entry = archive
        .by_name(&name)
        .map_err(|e| zerr(format!("cannot read entry {name}"), Some(e)))?;
    let mut out = std::fs::File::create(to).map_err(|source| CatalogError::Write {
        path: to.to_path_buf(),
        source,
    })?;
    let n = std::io::copy(&mut (&mut entry).take(MAX_IMAGE + 1), &mut out).map_err(|e| {
        zerr(
            format!("entry {name} is corrupt"),
            Some(zip::result::ZipError::Io(e)),
        )
    })?;
    if n > MAX_IMAGE {
        return Err(zerr(format!("entry {name} is larger than 16 GiB"), None));
    }
    out.sync_all().map_err(|source| CatalogError::Write {
        path: to.to_path_buf(),
        source,
    })?;
    Ok(())
}

/// SHA-256 (lowercase hex) and length of a file, read in blocks.
pub(crate) fn sha256_file(path: &Path) -> Result<(String, u64), CatalogError> {
    let rerr = |source| CatalogError::Read {
        path: path.to_path_buf(),
        source,
    };
    let mut f = std::fs::File::open(path).map_err(rerr)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut len = 0u64;
    loop {
        let n = f.read(&mut buf).map_err(rerr)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        len += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), len))
}

/// Whether `qemu-img` runs here.
pub fn qemu_img_available() -> bool {
    Command::new("qemu-img")
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn convert_to_raw(from: &Path, format: Format, to: &Path) -> Result<(), CatalogError> {
    let out = Command::new("qemu-img")
        .args(["convert", "-f", format.extension(), "-O", "raw"])
        .arg(from)
        .arg(to)
        .output()
        .map_err(|source| CatalogError::Read {
            path: from.to_path_buf(),
            source,
        })?;
    if !out.status.success() {
        return Err(CatalogError::Convert {
            path: from.to_path_buf(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("chrlab-image-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    /// A stand-in raw image: 1 MiB of zeros with the boot signature.
    fn raw_image(path: &Path) {
        let mut data = vec![0u8; MIN_RAW as usize];
        data[510] = 0x55;
        data[511] = 0xAA;
        std::fs::write(path, data).unwrap();
    }

    #[test]
    fn import_kind_and_version_come_from_the_name() {
        assert_eq!(
            ImportKind::of("chr-7.24.4.img.zip"),
            Some((ImportKind::Zip, "chr-7.24.4"))
        );
        assert_eq!(
            ImportKind::of("chr-7.24.4.img"),
            Some((ImportKind::Raw, "chr-7.24.4"))
        );
        assert_eq!(ImportKind::of("chr.vmdk"), None);
        assert!(version_name("../etc").is_err());
        assert_eq!(version_name(" 7.24.4 ").unwrap(), "7.24.4");
    }

    #[test]
    fn import_raw_then_list_and_path() {
        let d = tmp("raw");
        let img = d.join("chr-7.24.4.img");
        raw_image(&img);
        let cat = Catalog::new(d.join("cache"));
        let e = cat.import(&img, None).unwrap();
        assert_eq!(e.meta.format, Format::Raw);
        assert_eq!(e.meta.size, MIN_RAW);
        assert_eq!(cat.path("7.24.4").unwrap(), e.path);
        assert_eq!(cat.list().unwrap().len(), 1);
        assert!(matches!(
            cat.import(&img, None),
            Err(CatalogError::AlreadyCached { .. })
        ));
        assert!(matches!(
            cat.path("7.1"),
            Err(CatalogError::NotCached { .. })
        ));
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn staging_left_by_a_dead_process_is_reaped() {
        let d = tmp("reap");
        let cat = Catalog::new(d.clone());
        // pid_max is at most 2^22: this pid never runs.
        let dead = d.join(".staging-7.1-4294967");
        std::fs::create_dir_all(&dead).unwrap();
        let mine = cat.staging("7.2").unwrap();
        assert!(!dead.exists());
        assert!(mine.exists());
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn a_file_that_is_not_its_extension_is_refused_and_leaves_nothing() {
        let d = tmp("fake");
        let fake = d.join("chr-7.24.4.img");
        std::fs::write(&fake, vec![0u8; MIN_RAW as usize]).unwrap();
        let cat = Catalog::new(d.join("cache"));
        let err = cat.import(&fake, None).unwrap_err();
        assert!(err.to_string().contains("no MBR boot signature"), "{err}");
        let q = d.join("chr-7.24.4.qcow2");
        std::fs::write(&q, b"not qcow").unwrap();
        let err = cat.import(&q, None).unwrap_err();
        assert!(err.to_string().contains("is not a qcow2 image"), "{err}");
        assert!(cat.list().unwrap().is_empty());
        assert!(!cat.dir("7.24.4").exists());
        let _ = std::fs::remove_dir_all(&d);
    }
}
