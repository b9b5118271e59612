//! One Docker engine, driven two ways. testcontainers' async runner starts the router's
//! container (`lab/container.rs`); a bollard client — the one testcontainers re-exports, with
//! the API version negotiated — does what testcontainers does not: networks with explicit
//! documentation subnets ([`subnet`]), the second network of a running container, finding and
//! removing what a killed run left by its labels ([`owner`]), reading an image's labels.
//! testcontainers never negotiates the API version, so against an older engine it goes through
//! [`shim`].

pub mod owner;
pub mod shim;
pub mod subnet;

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::sync::OnceLock;

use testcontainers::bollard;
use testcontainers::bollard::Docker;
use testcontainers::bollard::models::{
    EndpointIpamConfig, EndpointSettings, Ipam, IpamConfig, NetworkConnectRequest,
    NetworkCreateRequest,
};

/// Why the engine could not do what the lab asked.
#[derive(Debug, thiserror::Error)]
pub enum ContainerError {
    /// No engine answers at the socket.
    #[error("no Docker engine at {socket}")]
    Connect {
        /// The socket tried.
        socket: String,
        /// What failed.
        #[source]
        source: bollard::errors::Error,
    },
    /// The engine refused or failed a request.
    #[error("Docker engine: {what}")]
    Engine {
        /// What was asked.
        what: String,
        /// The engine's answer.
        #[source]
        source: bollard::errors::Error,
    },
    /// testcontainers failed.
    #[error("testcontainers: {what}")]
    Testcontainers {
        /// What was asked.
        what: String,
        /// Its error.
        #[source]
        source: testcontainers::TestcontainersError,
    },
    /// Something else: the shim's socket, a run directory, a missing free subnet.
    #[error("{0}")]
    Setup(String),
}

/// Runs `work` on a thread of its own with a runtime of its own (for what must outlive, or run
/// outside, the caller's runtime: the API shim, a lab's cleanup from `Drop`).
pub(crate) fn on_own_thread<F>(name: &str, work: F) -> std::io::Result<std::thread::JoinHandle<()>>
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    let name = name.to_string();
    std::thread::Builder::new()
        .name(name.clone())
        .spawn(move || {
            match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt.block_on(work),
                Err(e) => tracing::error!(thread = %name, error = %e, "no runtime"),
            }
        })
}

/// The engine's API version that bollard (and so testcontainers) asks for.
pub fn client_api() -> String {
    let v = bollard::API_DEFAULT_VERSION;
    format!("{}.{}", v.major_version, v.minor_version)
}

/// The engine's unix socket: `$DOCKER_HOST` as this process found it (`unix://` only), else
/// `/var/run/docker.sock`.
pub fn engine_socket() -> Result<PathBuf, ContainerError> {
    static FOUND: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    FOUND
        .get_or_init(|| match std::env::var("DOCKER_HOST") {
            Ok(host) if !host.is_empty() => match host.strip_prefix("unix://") {
                Some(path) => Ok(PathBuf::from(path)),
                None => Err(format!(
                    "DOCKER_HOST={host}: chrlab drives a local engine over its unix socket (unix:///path)"
                )),
            },
            _ => Ok(PathBuf::from("/var/run/docker.sock")),
        })
        .clone()
        .map_err(ContainerError::Setup)
}

/// A client of the engine with the API version negotiated.
#[derive(Debug, Clone)]
pub struct Engine {
    docker: Docker,
    socket: PathBuf,
    api: String,
}

impl Engine {
    /// Connects to the engine and agrees on an API version.
    pub async fn connect() -> Result<Engine, ContainerError> {
        let socket = engine_socket()?;
        let text = socket.display().to_string();
        let docker = Docker::connect_with_unix(&text, 120, bollard::API_DEFAULT_VERSION)
            .map_err(|source| ContainerError::Connect {
                socket: text.clone(),
                source,
            })?
            .negotiate_version()
            .await
            .map_err(|source| ContainerError::Connect {
                socket: text.clone(),
                source,
            })?;
        let v = docker.client_version();
        let api = format!("{}.{}", v.major_version, v.minor_version);
        Ok(Engine {
            docker,
            socket,
            api,
        })
    }

    /// The bollard client.
    pub fn docker(&self) -> &Docker {
        &self.docker
    }

    /// The API version agreed on.
    pub fn api(&self) -> &str {
        &self.api
    }

    /// Makes testcontainers reach this engine: directly when it speaks bollard's API version,
    /// else through a [`shim::Shim`] (started once per process; `DOCKER_HOST` is pointed at it
    /// before testcontainers first reads it).
    pub fn prepare_testcontainers(&self) -> Result<(), ContainerError> {
        static DONE: OnceLock<Result<(), String>> = OnceLock::new();
        DONE.get_or_init(|| {
            if !older(&self.api, &client_api()) {
                return Ok(());
            }
            let dir = owner::process_dir().map_err(|e| e.to_string())?;
            let socket = dir.join("docker.sock");
            let shim = shim::Shim::spawn(&socket, &self.socket, &self.api).map_err(|e| {
                format!(
                    "cannot serve the API shim on {}: {e}",
                    socket.display()
                )
            })?;
            tracing::info!(
                engine = %self.api,
                client = %client_api(),
                shim = %shim.docker_host(),
                "the Docker engine is older than testcontainers' client: requests go through a version shim"
            );
            // SAFETY: set once per process, under this OnceLock, before testcontainers reads
            // it (only a lab's start does, and every lab comes through here first). Rust's own
            // environment accesses are serialised by std; nothing in chrlab reads DOCKER_HOST
            // through libc.
            unsafe { std::env::set_var("DOCKER_HOST", shim.docker_host()) };
            Ok(())
        })
        .clone()
        .map_err(ContainerError::Setup)
    }

    /// An image's labels, or `None` when the engine has no such image.
    pub async fn image_labels(
        &self,
        image: &str,
    ) -> Result<Option<HashMap<String, String>>, ContainerError> {
        match self.docker.inspect_image(image).await {
            Ok(inspect) => Ok(Some(
                inspect.config.and_then(|c| c.labels).unwrap_or_default(),
            )),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(None),
            Err(source) => Err(ContainerError::Engine {
                what: format!("inspect image {image}"),
                source,
            }),
        }
    }

    /// The IPv4 subnets of every network the engine has.
    pub async fn taken_subnets(&self) -> Result<Vec<String>, ContainerError> {
        let networks =
            self.docker
                .list_networks(None)
                .await
                .map_err(|source| ContainerError::Engine {
                    what: "list networks".into(),
                    source,
                })?;
        Ok(networks
            .into_iter()
            .filter_map(|n| n.ipam.and_then(|i| i.config))
            .flatten()
            .filter_map(|c| c.subnet)
            .collect())
    }

    /// Creates a bridge network on the first free documentation block not in `skip`,
    /// labelled. Nothing leaves it: it is internal (no route out, no masquerading), and the
    /// host's address on the bridge is the block's gateway.
    pub async fn create_network(
        &self,
        name: &str,
        skip: &[subnet::Block],
        labels: &HashMap<String, String>,
    ) -> Result<(String, subnet::Block), ContainerError> {
        let mut tried: Vec<subnet::Block> = skip.to_vec();
        loop {
            let mut taken = self.taken_subnets().await?;
            taken.extend(subnet::routes_from_proc(
                &std::fs::read_to_string("/proc/net/route").unwrap_or_default(),
            ));
            let Some(block) = subnet::first_free(&taken, &tried) else {
                return Err(ContainerError::Setup(format!(
                    "no free documentation subnet for network {name}: every /28 of 192.0.2.0/24, 198.51.100.0/24 and 203.0.113.0/24 overlaps a network of the engine or a route of this machine ({})",
                    taken.join(", ")
                )));
            };
            tried.push(block);
            let request = NetworkCreateRequest {
                name: name.to_string(),
                driver: Some("bridge".into()),
                internal: Some(true),
                ipam: Some(Ipam {
                    config: Some(vec![IpamConfig {
                        subnet: Some(block.cidr()),
                        gateway: Some(block.gateway().to_string()),
                        ..Default::default()
                    }]),
                    ..Default::default()
                }),
                options: Some(HashMap::from([(
                    "com.docker.network.bridge.enable_ip_masquerade".to_string(),
                    "false".to_string(),
                )])),
                labels: Some(labels.clone()),
                ..Default::default()
            };
            match self.docker.create_network(request).await {
                Ok(created) => return Ok((created.id, block)),
                // Another lab took it between the listing and the request: the next block.
                Err(bollard::errors::Error::DockerResponseServerError { message, .. })
                    if message.contains("overlap") =>
                {
                    tracing::debug!(%message, block = %block.cidr(), "subnet taken meanwhile");
                    continue;
                }
                Err(source) => {
                    return Err(ContainerError::Engine {
                        what: format!("create network {name} on {}", block.cidr()),
                        source,
                    });
                }
            }
        }
    }

    /// Attaches a container to a network at `address`.
    pub async fn connect_network(
        &self,
        network: &str,
        container: &str,
        address: Ipv4Addr,
    ) -> Result<(), ContainerError> {
        let request = NetworkConnectRequest {
            container: container.to_string(),
            endpoint_config: Some(EndpointSettings {
                ipam_config: Some(EndpointIpamConfig {
                    ipv4_address: Some(address.to_string()),
                    ..Default::default()
                }),
                ..Default::default()
            }),
        };
        self.docker
            .connect_network(network, request)
            .await
            .map_err(|source| ContainerError::Engine {
                what: format!("connect container {container} to network {network} as {address}"),
                source,
            })
    }

    /// Removes a container (running or not) and its anonymous volumes; gone already is fine.
    pub async fn remove_container(&self, id: &str) -> Result<(), ContainerError> {
        use bollard::query_parameters::RemoveContainerOptions;
        let options = RemoveContainerOptions {
            force: true,
            v: true,
            ..Default::default()
        };
        match self.docker.remove_container(id, Some(options)).await {
            Ok(()) => Ok(()),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(()),
            Err(source) => Err(ContainerError::Engine {
                what: format!("remove container {id}"),
                source,
            }),
        }
    }

    /// Removes a network; gone already is fine.
    pub async fn remove_network(&self, id: &str) -> Result<(), ContainerError> {
        match self.docker.remove_network(id).await {
            Ok(()) => Ok(()),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(()),
            Err(source) => Err(ContainerError::Engine {
                what: format!("remove network {id}"),
                source,
            }),
        }
    }

    /// Removes an image; gone already is fine.
    pub async fn remove_image(&self, id: &str) -> Result<(), ContainerError> {
        use bollard::query_parameters::RemoveImageOptions;
        let options = RemoveImageOptions {
            force: true,
            ..Default::default()
        };
        match self.docker.remove_image(id, Some(options), None).await {
            Ok(_) => Ok(()),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(()),
            Err(source) => Err(ContainerError::Engine {
                what: format!("remove image {id}"),
                source,
            }),
        }
    }
}

/// Whether API version `a` (`1.41`) is older than `b`.
pub fn older(a: &str, b: &str) -> bool {
    let parse = |v: &str| -> (u32, u32) {
        let (major, minor) = v.split_once('.').unwrap_or((v, "0"));
        (major.parse().unwrap_or(0), minor.parse().unwrap_or(0))
    };
    parse(a) < parse(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_versions_compare_by_number() {
        assert!(older("1.41", "1.52"));
        assert!(older("1.9", "1.41"));
        assert!(!older("1.52", "1.52"));
        assert!(!older("1.53", "1.52"));
    }
}
