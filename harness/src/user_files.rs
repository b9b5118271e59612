//! Files and folders of the user's: opening a file the user named (a profile, an image to
//! import) without blocking or reading without bound, and the per-user folders chrlab keeps
//! data in (XDG data and cache directories).

use std::fs::{File, FileType, Metadata};
use std::io;
use std::path::{Path, PathBuf};

/// Why a file the user named cannot be read.
#[derive(Debug)]
pub(crate) enum OpenError {
    /// Opening or `fstat` failed.
    Io(io::Error),
    /// It is a directory, device, FIFO or socket: reading it could block or never end.
    NotRegular(FileType),
}

/// Opens `path` for reading, and only if it is a regular file. `O_NONBLOCK` keeps opening a FIFO
/// from waiting for a writer (it changes nothing for a file); the type is checked on the opened
/// file, so it cannot change between the check and the reads.
pub(crate) fn open_regular(path: &Path) -> Result<(File, Metadata), OpenError> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NONBLOCK | nix::libc::O_NOCTTY)
        .open(path)
        .map_err(OpenError::Io)?;
    let meta = file.metadata().map_err(OpenError::Io)?;
    if !meta.is_file() {
        return Err(OpenError::NotRegular(meta.file_type()));
    }
    Ok((file, meta))
}

/// What kind of special file `t` is, in words for an error message.
pub(crate) fn file_kind(t: FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    if t.is_dir() {
        "directory"
    } else if t.is_fifo() {
        "FIFO"
    } else if t.is_char_device() {
        "character device"
    } else if t.is_block_device() {
        "block device"
    } else if t.is_socket() {
        "socket"
    } else {
        "special file"
    }
}

/// A per-user folder: `$OVERRIDE/<leaf>` when the override variable is set, else
/// `$XDG_VAR/chrlab/<leaf>` when that is an absolute path, else `$HOME/<home_default>/chrlab/<leaf>`
/// (`.local/share` for data, `.cache` for caches). `None` without any of them.
pub(crate) fn user_dir(
    override_var: &str,
    xdg_var: &str,
    home_default: &str,
    leaf: &str,
) -> Option<PathBuf> {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(d) = var(override_var) {
        return Some(d.join(leaf));
    }
    if let Some(d) = var(xdg_var).filter(|d| d.is_absolute()) {
        return Some(d.join("chrlab").join(leaf));
    }
    var("HOME").map(|h| h.join(home_default).join("chrlab").join(leaf))
}
