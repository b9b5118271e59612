//! Which lab to build, named in one string — the one parser behind `chrlab check --target`,
//! `--version-under-test` and the suites' `$CHRLAB_SUITE_LAB`:
//!
//! | text | lab |
//! |---|---|
//! | `sim` | the embedded simulator, RouterOS 7.23.7 with an upgrade server offering 7.24.4 |
//! | `sim:6.49.13` | the embedded simulator running that version (a v6 router is offline) |
//! | `ssh://[USER@]HOST[:PORT]` | a router reached over SSH (configuration read over REST on www, port 80) |
//! | `http://[USER@]HOST[:PORT]` | a router whose www answers there (applied over SSH on port 22) |
//! | `https://[USER@]HOST[:PORT]` | the same over www-ssl (port 443) |
//! | `qemu:PATH` | a CHR disk image (raw `.img`, `.qcow2`, `.vdi`) booted in QEMU |
//! | `qemu:7.24.4` | the cached image of that version (`chrlab image fetch`/`import`) |
//! | `qemu:stable` | the version a channel offers now (asked of the upgrade server), cached |
//!
//! `$CHRLAB_IMAGE=PATH` is the suites' shorthand for `CHRLAB_SUITE_LAB=qemu:PATH`.
//!
//! The port in a URL only says where to start: once `/ip service` has been read, every login
//! and probe follows the ports the router reports. New backends (QEMU, containers) add a
//! variant here and everything that names a lab accepts them.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use routeros::version::Version;

use super::remote::{RemoteLab, Sources};
use super::sim::{SimLab, SimLabConfig};
use super::{Lab, LabError};
use crate::access::Credentials;
use crate::secret::Secret;

/// Environment variable the suites read their lab from (default `sim`).
pub const SUITE_LAB_ENV: &str = "CHRLAB_SUITE_LAB";

/// The suites' shorthand for a QEMU lab: `CHRLAB_IMAGE=PATH` means `qemu:PATH`.
pub const IMAGE_ENV: &str = "CHRLAB_IMAGE";

/// Environment variable that holds a remote router's current password by default.
pub const ROUTER_PASSWORD_ENV: &str = "CHRLAB_ROUTER_PASSWORD";

/// The kinds of lab a user can name, for `--help` and error messages.
pub const LAB_FORMS: &str = "sim, sim:<RouterOS version>, qemu:<image path | version | channel>, container:<image[:tag]>, ssh://[USER@]HOST[:PORT], http://[USER@]HOST[:PORT] or https://[USER@]HOST[:PORT]";

/// How the harness first reaches a remote router.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// SSH (where the profile is applied, and the configuration read on RouterOS 6).
    Ssh,
    /// REST over HTTP (`www`).
    Http,
    /// REST over HTTPS (`www-ssl`).
    Https,
}

impl Scheme {
    /// The URL scheme word.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Ssh => "ssh",
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }

    /// The `/ip service` item this scheme reaches.
    pub fn service(self) -> &'static str {
        match self {
            Scheme::Ssh => "ssh",
            Scheme::Http => "www",
            Scheme::Https => "www-ssl",
        }
    }

    /// The RouterOS factory port for this access.
    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Ssh => 22,
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }
}

/// A router reached over the network, as its URL names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteSpec {
    /// How to reach it first.
    pub scheme: Scheme,
    /// User name from the URL (default `admin`).
    pub user: Option<String>,
    /// Host name or address (IPv6 without brackets).
    pub host: String,
    /// Port from the URL, if any.
    pub port: Option<u16>,
}

impl RemoteSpec {
    /// The port to start from: the URL's, else the scheme's factory port.
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(self.scheme.default_port())
    }
}

/// A lab that can be built fresh, as many times as needed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabSpec {
    /// The embedded simulator in network namespaces, running this RouterOS version
    /// (`None`: the default, with its simulated upgrade server; a v6 version is offline).
    Sim(Option<Version>),
    /// A live router.
    Remote(RemoteSpec),
    /// A CHR image booted in QEMU.
    Qemu(ImageRef),
    /// A container image of the local Docker engine (`name[:tag]`, checked when parsed).
    Container(String),
}

/// Which image a QEMU lab boots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageRef {
    /// A file.
    Path(std::path::PathBuf),
    /// A version in the image cache.
    Version(String),
    /// The version a channel offers now, in the image cache.
    Channel(routeros::version::Channel),
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImageRef::Path(p) => write!(f, "{}", p.display()),
            ImageRef::Version(v) => f.write_str(v),
            ImageRef::Channel(c) => f.write_str(c.as_str()),
        }
    }
}

impl ImageRef {
    /// Parses the part after `qemu:`: a channel word, a version, else a path.
    pub fn parse(text: &str) -> Result<ImageRef, String> {
        use routeros::version::Channel;
        if text.is_empty() {
            return Err("qemu: needs an image path, a version or a channel".into());
        }
        if let Ok(channel) = text.parse::<Channel>() {
            if channel == Channel::Upgrade {
                return Err("the upgrade channel has no CHR image".into());
            }
            return Ok(ImageRef::Channel(channel));
        }
        if !text.contains('/')
            && let Ok(v) = crate::image::version_name(text)
        {
            return Ok(ImageRef::Version(v));
        }
        Ok(ImageRef::Path(text.into()))
    }

    /// The image file: the path as given, or the cached image of the version or channel.
    pub async fn resolve(&self) -> Result<std::path::PathBuf, String> {
        use crate::image::{Catalog, cache_root};
        let catalog = || cache_root().map(Catalog::new).map_err(|e| e.to_string());
        match self {
            ImageRef::Path(p) => {
                if p.is_file() {
                    Ok(p.clone())
                } else {
                    Err(format!("no image file {}", p.display()))
                }
            }
            ImageRef::Version(v) => catalog()?
                .path(v)
                .map_err(|e| format!("{e} (chrlab image fetch {v}, or chrlab image import FILE)")),
            ImageRef::Channel(c) => {
                let servers = crate::image::Servers {
                    upgrade: std::env::var("CHRLAB_UPGRADE_URL")
                        .unwrap_or_else(|_| crate::image::UPGRADE_URL.into()),
                    download: String::new(),
                };
                let http = crate::image::client().map_err(|e| e.to_string())?;
                let v = crate::image::resolve(&http, &servers, *c)
                    .await
                    .map_err(|e| format!("which version is {c} now: {e}"))?;
                catalog()?
                    .path(&v)
                    .map_err(|e| format!("{c} is {v}: {e} (chrlab image fetch {c})"))
            }
        }
    }
}

/// What building a lab needs besides its name: secrets and this machine's addresses.
#[derive(Debug, Clone)]
pub struct LabOptions {
    /// A remote router's current password (empty: a factory router).
    pub password: Secret,
    /// This machine's source addresses for a remote router's vantages.
    pub sources: Sources,
}

impl Default for LabOptions {
    fn default() -> Self {
        LabOptions {
            password: Secret::new(""),
            sources: Sources::default(),
        }
    }
}

impl LabOptions {
    /// Options whose password comes from the environment variable `var` (empty when unset).
    pub fn from_env(var: &str) -> LabOptions {
        LabOptions {
            password: Secret::new(std::env::var(var).unwrap_or_default()),
            sources: Sources::default(),
        }
    }
}

impl LabSpec {
    /// The suites' lab: `$CHRLAB_SUITE_LAB`, else the default simulator.
    pub fn from_env() -> Result<LabSpec, LabError> {
        Self::from_values(
            std::env::var(SUITE_LAB_ENV).ok(),
            std::env::var_os(IMAGE_ENV),
        )
    }

    /// [`LabSpec::from_env`] on given values of `$CHRLAB_SUITE_LAB` and `$CHRLAB_IMAGE`: the
    /// first wins; the second is a path, never a version or a channel.
    pub fn from_values(
        suite_lab: Option<String>,
        image: Option<std::ffi::OsString>,
    ) -> Result<LabSpec, LabError> {
        match (suite_lab, image) {
            (Some(text), _) => text.parse(),
            (None, Some(image)) if !image.is_empty() => {
                Ok(LabSpec::Qemu(ImageRef::Path(image.into())))
            }
            _ => Ok(LabSpec::Sim(None)),
        }
    }

    /// This spec with the simulator's version set by `--version-under-test`: `sim` becomes
    /// `sim:VERSION`; naming a version for anything else, or a second different one, is an error.
    pub fn with_version(self, version: Option<Version>) -> Result<LabSpec, LabError> {
        let Some(v) = version else {
            return Ok(self);
        };
        let bad = |detail: String| LabError::Target {
            target: self.to_string(),
            detail,
        };
        match &self {
            LabSpec::Sim(None) => Ok(LabSpec::Sim(Some(v))),
            LabSpec::Sim(Some(same)) if *same == v => Ok(self),
            LabSpec::Sim(Some(other)) => Err(bad(format!(
                "--version-under-test {v} contradicts the target's version {other}"
            ))),
            LabSpec::Remote(_) | LabSpec::Qemu(_) | LabSpec::Container(_) => Err(bad(
                "--version-under-test is for the simulator; a remote router or an image runs what it runs"
                    .into(),
            )),
        }
    }

    /// Whether this is the embedded simulator (which builds its own vantages).
    pub fn is_sim(&self) -> bool {
        matches!(self, LabSpec::Sim(_))
    }

    /// Whether the lab's router is thrown away after the run (the simulator, a QEMU machine):
    /// a password generated for it need not be kept.
    pub fn is_throwaway(&self) -> bool {
        matches!(
            self,
            LabSpec::Sim(_) | LabSpec::Qemu(_) | LabSpec::Container(_)
        )
    }

    /// Whether building the lab needs network namespaces of this machine (a QEMU lab only on
    /// a tap: its user mode needs none).
    pub fn needs_namespaces(&self) -> bool {
        match self {
            LabSpec::Sim(_) => true,
            LabSpec::Qemu(_) => super::qemu::QemuNet::needs_namespaces(),
            // The engine makes the container's namespace; the vantages are this machine's.
            LabSpec::Remote(_) | LabSpec::Container(_) => false,
        }
    }

    /// Builds a fresh lab with a factory router, with default options (a remote router's
    /// password from `$CHRLAB_ROUTER_PASSWORD`).
    pub async fn start(&self) -> Result<Box<dyn Lab>, LabError> {
        self.start_with(&LabOptions::from_env(ROUTER_PASSWORD_ENV))
            .await
    }

    /// Builds the lab.
    pub async fn start_with(&self, options: &LabOptions) -> Result<Box<dyn Lab>, LabError> {
        match self {
            LabSpec::Sim(version) => {
                if options.sources.trusted.is_some() || options.sources.untrusted.is_some() {
                    return Err(LabError::Target {
                        target: self.to_string(),
                        detail: "--trusted-source/--untrusted-source name addresses of this machine for a remote router; the simulator lab has its own".into(),
                    });
                }
                let mut config = SimLabConfig::default();
                if let Some(v) = version {
                    config.version = *v;
                    // The default upgrade server offers a 7.x release. A v6 router reaches v7
                    // only through the `upgrade` channel, first to 7.12.1 (FACTS §9): a v6 lab
                    // is offline rather than upgrade falsely.
                    if v.is_v6() {
                        config.latest_version = None;
                    }
                }
                Ok(Box::new(SimLab::start(config).await?))
            }
            LabSpec::Remote(remote) => {
                // chrlab applies over SSH and reads back over REST: an ssh:// URL names the SSH
                // port (REST on www, port 80 until /ip service says otherwise); an http(s)://
                // URL names the www or www-ssl port (SSH on 22 until /ip service says otherwise).
                let ssh_port = match remote.scheme {
                    Scheme::Ssh => remote.port(),
                    Scheme::Http | Scheme::Https => 22,
                };
                let credentials = Credentials {
                    user: remote.user.clone().unwrap_or_else(|| "admin".into()),
                    password: options.password.clone(),
                };
                let lab = RemoteLab::connect(
                    &self.to_string(),
                    &remote.host,
                    ssh_port,
                    credentials,
                    options.sources,
                )
                .await?;
                if remote.scheme != Scheme::Ssh {
                    lab.access()
                        .set_port(remote.scheme.service(), remote.port());
                    lab.access().use_rest_tls(remote.scheme == Scheme::Https);
                }
                Ok(Box::new(lab))
            }
            LabSpec::Qemu(image) => {
                if options.sources.trusted.is_some() || options.sources.untrusted.is_some() {
                    return Err(LabError::Target {
                        target: self.to_string(),
                        detail: "--trusted-source/--untrusted-source are for a remote router; a QEMU lab has its own vantages".into(),
                    });
                }
                let path = image.resolve().await.map_err(|detail| LabError::Target {
                    target: self.to_string(),
                    detail,
                })?;
                let mut config = super::qemu::QemuLabConfig::new(self.to_string(), path);
                config.login.password = options.password.clone();
                Ok(Box::new(super::qemu::QemuLab::start(config).await?))
            }
            LabSpec::Container(image) => {
                if options.sources.trusted.is_some() || options.sources.untrusted.is_some() {
                    return Err(LabError::Target {
                        target: self.to_string(),
                        detail: "--trusted-source/--untrusted-source are for a remote router; a container lab probes from its own networks".into(),
                    });
                }
                let mut config =
                    super::container::ContainerLabConfig::new(self.to_string(), image.clone());
                config.login.password = options.password.clone();
                Ok(Box::new(
                    super::container::ContainerLab::start(config).await?,
                ))
            }
        }
    }
}

impl FromStr for LabSpec {
    type Err = LabError;

    fn from_str(text: &str) -> Result<LabSpec, LabError> {
        let bad = |detail: String| LabError::Target {
            target: text.to_string(),
            detail,
        };
        if let Some((scheme, rest)) = text.split_once("://") {
            return parse_remote(scheme, rest).map(LabSpec::Remote).map_err(bad);
        }
        let (kind, arg) = match text.split_once(':') {
            Some((k, a)) => (k, Some(a)),
            None => (text, None),
        };
        match kind {
            "sim" => match arg {
                None => Ok(LabSpec::Sim(None)),
                Some(v) => Version::parse(v)
                    .map(|v| LabSpec::Sim(Some(v)))
                    .map_err(|e| bad(e.to_string())),
            },
            "qemu" => ImageRef::parse(arg.unwrap_or(""))
                .map(LabSpec::Qemu)
                .map_err(bad),
            "container" => {
                let image = arg.unwrap_or("");
                super::container::split_image(image).map_err(bad)?;
                Ok(LabSpec::Container(image.to_string()))
            }
            other => Err(bad(format!("unknown lab `{other}` (expected {LAB_FORMS})"))),
        }
    }
}

fn parse_remote(scheme_text: &str, rest: &str) -> Result<RemoteSpec, String> {
    let scheme = match scheme_text {
        "ssh" => Scheme::Ssh,
        "http" => Scheme::Http,
        "https" => Scheme::Https,
        "api" | "api-ssl" | "apis" => {
            return Err(format!(
                "{scheme_text}:// is not supported: chrlab applies over ssh:// and reads over http(s)://"
            ));
        }
        _ => {
            return Err(format!(
                "unknown scheme `{scheme_text}` (expected {LAB_FORMS})"
            ));
        }
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.contains('/') || rest.contains('?') {
        return Err("no path or query allowed".into());
    }
    let (user, hostport) = match rest.rsplit_once('@') {
        Some((u, h)) if !u.is_empty() => {
            if u.contains(':') {
                return Err(
                    "no password in the URL (put it in the environment: --password-env)".into(),
                );
            }
            (Some(u.to_string()), h)
        }
        Some(_) => return Err("empty user name".into()),
        None => (None, rest),
    };
    let (host, port_text) = if let Some(v6) = hostport.strip_prefix('[') {
        let (h, after) = v6.split_once(']').ok_or("unclosed `[` in IPv6 address")?;
        match after {
            "" => (h, None),
            a => (
                h,
                Some(a.strip_prefix(':').ok_or("expected `:PORT` after `]`")?),
            ),
        }
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    if host.is_empty() {
        return Err("empty host".into());
    }
    if host.contains(':') && host.parse::<IpAddr>().is_err() {
        return Err(format!("`{host}` is not an IPv6 address"));
    }
    let port = match port_text {
        None => None,
        Some(p) => Some(
            p.parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or("port must be 1-65535")?,
        ),
    };
    Ok(RemoteSpec {
        scheme,
        user,
        host: host.to_string(),
        port,
    })
}

impl fmt::Display for LabSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LabSpec::Sim(None) => f.write_str("sim"),
            LabSpec::Sim(Some(v)) => write!(f, "sim:{v}"),
            LabSpec::Qemu(image) => write!(f, "qemu:{image}"),
            LabSpec::Container(image) => write!(f, "container:{image}"),
            LabSpec::Remote(r) => {
                write!(f, "{}://", r.scheme.as_str())?;
                if let Some(u) = &r.user {
                    write!(f, "{u}@")?;
                }
                if r.host.contains(':') {
                    write!(f, "[{}]", r.host)?;
                } else {
                    f.write_str(&r.host)?;
                }
                if let Some(p) = r.port {
                    write!(f, ":{p}")?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_and_print_back() {
        for text in [
            "sim",
            "sim:6.49.13",
            "sim:7.24beta1",
            "ssh://admin@192.0.2.1:2222",
            "https://router.example",
            "http://192.0.2.1:8080",
            "ssh://netops@[2001:db8::1]:22",
            "qemu:7.24.4",
            "qemu:stable",
            "qemu:long-term",
            "qemu:/var/cache/chr-7.24.4.img",
            "qemu:chr.img",
            "container:chrlab/ros-sim:7.23.7",
            "container:evilfreelancer/docker-routeros",
            "container:localhost:5000/chr:7.24.4",
        ] {
            assert_eq!(text.parse::<LabSpec>().unwrap().to_string(), text);
        }
        let LabSpec::Remote(r) = "ssh://admin@192.0.2.1".parse::<LabSpec>().unwrap() else {
            panic!("not remote")
        };
        assert_eq!(r.port(), 22);
        let LabSpec::Remote(r) = "https://h".parse::<LabSpec>().unwrap() else {
            panic!("not remote")
        };
        assert_eq!(r.port(), 443);
        assert_eq!(
            "qemu:7.24.4".parse::<LabSpec>().unwrap(),
            LabSpec::Qemu(ImageRef::Version("7.24.4".into()))
        );
        assert_eq!(
            "qemu:chr.img".parse::<LabSpec>().unwrap(),
            LabSpec::Qemu(ImageRef::Path("chr.img".into()))
        );
    }

    #[test]
    fn bad_specs_name_the_text_and_the_problem() {
        for (bad, why) in [
            ("qemu", "needs an image"),
            ("qemu:", "needs an image"),
            ("qemu:upgrade", "no CHR image"),
            ("vbox:x", "unknown lab"),
            ("sim:seven", "seven"),
            ("", "unknown lab"),
            ("telnet://h", "unknown scheme"),
            ("api://h", "not supported"),
            ("192.0.2.1", "unknown lab"),
            ("ssh://admin:pw@h", "no password in the URL"),
            ("ssh://h:0", "port"),
            ("ssh://h:99999", "port"),
            ("https://h/rest", "no path"),
            ("ssh://@h", "empty user"),
            ("container:", "empty image name"),
            ("container:ros sim", "character"),
            ("container:x@sha256:ab", "digests"),
        ] {
            let err = bad.parse::<LabSpec>().unwrap_err().to_string();
            assert!(err.contains(&format!("`{bad}`")), "{err}");
            assert!(err.contains(why), "{bad}: {err}");
        }
    }

    #[test]
    fn chrlab_image_is_the_suites_shorthand_for_a_qemu_lab() {
        assert_eq!(
            LabSpec::from_values(None, None).unwrap(),
            LabSpec::Sim(None)
        );
        assert_eq!(
            LabSpec::from_values(None, Some("stable".into())).unwrap(),
            LabSpec::Qemu(ImageRef::Path("stable".into())),
            "CHRLAB_IMAGE is a path, even one named like a channel"
        );
        assert_eq!(
            LabSpec::from_values(Some("sim:6.49.13".into()), Some("chr.img".into())).unwrap(),
            "sim:6.49.13".parse().unwrap(),
            "CHRLAB_SUITE_LAB wins"
        );
        assert_eq!(
            LabSpec::from_values(None, Some("".into())).unwrap(),
            LabSpec::Sim(None)
        );
    }

    #[test]
    fn version_under_test_is_one_more_way_to_name_the_simulator() {
        let v = Version::parse("6.49.13").unwrap();
        assert_eq!(
            LabSpec::Sim(None).with_version(Some(v)).unwrap(),
            "sim:6.49.13".parse().unwrap()
        );
        assert_eq!(
            LabSpec::Sim(Some(v)).with_version(Some(v)).unwrap(),
            LabSpec::Sim(Some(v))
        );
        let other = Version::parse("7.12.1").unwrap();
        assert!(LabSpec::Sim(Some(other)).with_version(Some(v)).is_err());
        let remote: LabSpec = "ssh://h".parse().unwrap();
        assert!(remote.clone().with_version(Some(v)).is_err());
        assert_eq!(remote.clone().with_version(None).unwrap(), remote);
    }
}
