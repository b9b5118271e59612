//! The CHR image catalog: `chrlab image fetch|list|path|import`.
//!
//! Images live in the user's cache directory ([`cache_root`]), one folder per RouterOS version;
//! a folder appears only when its image is whole and verified ([`Catalog::commit`]).

mod catalog;
mod cmd;
mod fetch;

pub use catalog::{
    Catalog, CatalogError, Entry, Format, MAX_IMAGE, META_FILE, MIN_RAW, Meta, cache_root,
    qemu_img_available, version_name,
};
pub use cmd::{FetchArgs, ImageArgs, ImageCommand, ImageError, ImportArgs, run};
pub use fetch::{DOWNLOAD_URL, FetchError, Servers, UPGRADE_URL, client, parse_sha256, resolve};
