//! The container backend end to end, on the simulator image (`images/container/sim/`, built
//! here by each test from this build's `ros-sim`): testcontainers' runner (through the API
//! shim on an engine older than its client), two documentation-range networks, the host's
//! address on each bridge as the two vantages, the firewall enforced in the container's own
//! namespace; `chrlab check --target container:…`; and what a stopped or killed run leaves.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrlab::container::owner::{self, LOCK_LABEL, Owner, RUN_LABEL};
use chrlab::container::{Engine, subnet};
use chrlab::lab::container::{ContainerLab, ContainerLabConfig, Layout};
use chrlab::lab::{Lab, Role};
use chrlab::operator::Operator;
use chrlab::probe::{PortState, probe_tcp};
use testsupport::{Need, require, ros_sim_binary, standin_dir};

const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// A simulator image built for one test, labelled by an owner of the test's, removed on drop.
struct TestImage {
    tag: String,
    _owner: Owner,
}

impl TestImage {
    fn build(name: &str) -> TestImage {
        let ros_sim = ros_sim_binary().expect("ros-sim (checked by require)");
        Self::build_with(
            "images/container/sim/build.sh",
            &format!("chrlab-test/ros-sim:{name}-{}", std::process::id()),
            &["--ros-sim".into(), ros_sim.display().to_string()],
        )
    }

    /// `script TAG ARGS… --label …` with the owner's labels.
    fn build_with(script: &str, tag: &str, args: &[String]) -> TestImage {
        let owner = Owner::new().expect("an owner for the test's image");
        let tag = tag.to_string();
        let mut cmd = Command::new(Path::new(REPO).join(script));
        cmd.arg(&tag).args(args);
        for (k, v) in owner.labels() {
            cmd.arg("--label").arg(format!("{k}={v}"));
        }
        let out = cmd.output().expect("run images/container/sim/build.sh");
        assert!(
            out.status.success(),
            "{script} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        TestImage { tag, _owner: owner }
    }
}

impl Drop for TestImage {
    fn drop(&mut self) {
        let _ = Command::new("docker")
            .args(["rmi", "-f", &self.tag])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

fn sim_image(name: &str) -> Option<TestImage> {
    if !require(Need::SIM_CONTAINER_LAB) {
        return None;
    }
    Some(TestImage::build(name))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// `docker ps -a`/`network ls` ids of what carries `label` (`KEY` or `KEY=VALUE`).
fn labelled(kind: &str, label: &str) -> Vec<String> {
    let args: Vec<&str> = match kind {
        "container" => vec!["ps", "-a", "-q", "--filter"],
        "network" => vec!["network", "ls", "-q", "--filter"],
        _ => vec!["images", "-q", "--filter"],
    };
    let filter = format!("label={label}");
    let out = Command::new("docker")
        .args(&args)
        .arg(&filter)
        .output()
        .expect("docker");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(String::from)
        .collect()
}

/// The lock labels of every labelled container and network whose lock lies under `base`.
fn left_under(base: &Path) -> Vec<String> {
    let mut left = Vec::new();
    for kind in ["container", "network"] {
        for id in labelled(kind, LOCK_LABEL) {
            let format = format!("{{{{index .Config.Labels \"{LOCK_LABEL}\"}}}}");
            let format = if kind == "network" {
                format!("{{{{index .Labels \"{LOCK_LABEL}\"}}}}")
            } else {
                format
            };
            let out = Command::new("docker")
                .args([kind, "inspect", "--format", &format, &id])
                .output()
                .expect("docker inspect");
            let lock = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if lock.starts_with(&base.display().to_string()) {
                left.push(format!("{kind} {id} ({lock})"));
            }
        }
    }
    left
}

fn wait_until(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    f()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("chrlab-ctest-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The router sees each vantage's own address, and a drop rule for the untrusted one is enforced:
/// its SYN goes unanswered (filtered) while the trusted vantage still reaches the port.
async fn two_sources_and_an_enforced_drop(lab: &ContainerLab) {
    let trusted = lab.vantage(Role::Trusted).unwrap().address();
    let untrusted = lab.vantage(Role::Untrusted).unwrap().address();
    // The router sees each vantage's own address.
    let op = Operator::new(lab);
    op.exec(Role::Untrusted, ":put hello")
        .await
        .expect("SSH from the untrusted vantage");
    let log = op.exec(Role::Trusted, "/log print").await.expect("the log");
    assert!(
        log.contains(&format!("logged in from {trusted} via ssh")),
        "{log}"
    );
    assert!(
        log.contains(&format!("logged in from {untrusted} via ssh")),
        "{log}"
    );

    // A drop rule for the untrusted source is enforced in the container's namespace: its
    // SYN goes unanswered (filtered) while the trusted vantage still reaches the port.
    op.exec(
        Role::Trusted,
        &format!("/ip firewall filter add chain=input src-address={untrusted} protocol=tcp dst-port=80 action=drop"),
    )
    .await
    .expect("add a drop rule");
    lab.settle().await.unwrap();
    let addr = std::net::SocketAddr::new(lab.access().address(), 80);
    let timing = lab.timing();
    let from_untrusted = lab
        .vantage(Role::Untrusted)
        .unwrap()
        .run(move || async move { probe_tcp(addr, timing).await })
        .await;
    let from_trusted = lab
        .vantage(Role::Trusted)
        .unwrap()
        .run(move || async move { probe_tcp(addr, timing).await })
        .await;
    assert_eq!(
        from_untrusted.state,
        PortState::Filtered,
        "{from_untrusted}"
    );
    assert_eq!(from_trusted.state, PortState::Open, "{from_trusted}");
}

#[test]
fn a_sim_container_has_two_documentation_networks_an_enforced_firewall_and_leaves_nothing() {
    let Some(image) = sim_image("lab") else {
        return;
    };
    let routes =
        subnet::routes_from_proc(&std::fs::read_to_string("/proc/net/route").unwrap_or_default());
    runtime().block_on(async {
        let lab = ContainerLab::start(ContainerLabConfig::new("sim-container", &image.tag))
            .await
            .expect("start the simulator container");
        eprintln!("{} ready in {:?}", lab.describe(), lab.start_time());
        assert_eq!(lab.layout(), Layout::Sim);
        assert_eq!(lab.version_hint().as_deref(), Some("7.23.7"));
        assert!(lab.limitations().is_empty(), "{:?}", lab.limitations());
        // Both networks are documentation /28s that touch no route this machine had.
        let subnets = lab.subnets();
        assert_eq!(subnets.len(), 2);
        for s in &subnets {
            assert!(
                s.starts_with("192.0.2.")
                    || s.starts_with("198.51.100.")
                    || s.starts_with("203.0.113."),
                "{s}"
            );
            assert!(s.ends_with("/28"), "{s}");
            let block = subnet::candidates()
                .find(|b| &b.cidr() == s)
                .expect("a candidate");
            for r in &routes {
                assert!(!block.overlaps(r), "{s} overlaps this machine's route {r}");
            }
        }
        assert_ne!(subnets[0], subnets[1]);
        let trusted = lab.vantage(Role::Trusted).unwrap().address();
        let untrusted = lab.vantage(Role::Untrusted).unwrap().address();
        assert_ne!(trusted, untrusted);
        let run = lab.run_id().unwrap().to_string();
        assert_eq!(
            labelled("container", &format!("{RUN_LABEL}={run}")).len(),
            1
        );
        assert_eq!(labelled("network", &format!("{RUN_LABEL}={run}")).len(), 2);

        two_sources_and_an_enforced_drop(&lab).await;

        Box::new(lab).shutdown().await;
        assert!(labelled("container", &format!("{RUN_LABEL}={run}")).is_empty());
        assert!(labelled("network", &format!("{RUN_LABEL}={run}")).is_empty());
    });
}

#[test]
fn chrlab_check_hardens_a_sim_container_and_proves_every_measure() {
    let Some(image) = sim_image("check") else {
        return;
    };
    let runs = scratch("check-runs");
    let report = runs.join("report.json");
    let out = Command::new(env!("CARGO_BIN_EXE_chrlab"))
        .args(["check", "--target", &format!("container:{}", image.tag)])
        .arg("--report")
        .arg(format!("json={}", report.display()))
        .current_dir(REPO)
        .env("CHRLAB_RUN_DIR", &runs)
        .env_remove("RUST_LOG")
        .output()
        .expect("run chrlab check");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    // device-mode changes only with a confirmation at the router, and this lab cannot
    // power-cycle its container: device.mode fails, honestly, and so the run does.
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).expect("the JSON report"))
            .expect("JSON");
    let results = json["results"].as_array().expect("results");
    assert!(results.len() >= 18, "{json}");
    for r in results {
        if r["id"] == "logging.remote" {
            // The baseline names no syslog collector: not required, and said so, never a pass.
            assert_eq!(r["outcome"]["status"], "skip", "{r:#}");
            let why = r["outcome"]["reason"].as_str().unwrap_or_default();
            assert!(why.contains("not required by the profile"), "{r:#}");
            continue;
        }
        if r["id"] == "device.mode" {
            assert_eq!(r["outcome"]["status"], "fail", "{r:#}");
            let why = r["outcome"]["reason"].as_str().unwrap_or_default();
            assert!(why.contains("power cycle"), "{r:#}");
            continue;
        }
        if r["id"] == "device.unused-interfaces-disabled" {
            // The vantages reach the container through Docker's address, which the simulator's
            // /ip address does not hold: the harness's path cannot be told.
            assert_eq!(r["outcome"]["status"], "skip", "{r:#}");
            let why = r["outcome"]["reason"].as_str().unwrap_or_default();
            assert!(why.contains("not verifiable"), "{r:#}");
            continue;
        }
        if r["id"] == "ipv6.untrusted-blocked" {
            // The container networks carry no IPv6: the black box says so rather than pass.
            assert_eq!(r["outcome"]["status"], "skip", "{r:#}");
            let why = r["outcome"]["reason"].as_str().unwrap_or_default();
            assert!(why.contains("no IPv6 path"), "{r:#}");
            continue;
        }
        if r["id"] == "input.untrusted-silent" {
            // Its vantages reach the router through TCP port forwards: the UDP half is not
            // observed, and the check says so rather than pass.
            assert_eq!(r["outcome"]["status"], "skip", "{r:#}");
            let why = r["outcome"]["reason"].as_str().unwrap_or_default();
            assert!(why.contains("UDP probes did not run"), "{r:#}");
            continue;
        }
        assert_eq!(r["outcome"]["status"], "pass", "{r:#}");
    }
    let mut measures: Vec<&str> = results
        .iter()
        .filter_map(|r| r["measure"].as_str())
        .collect();
    measures.dedup();
    // Every measure of the registry, in its order.
    let every: Vec<&str> = chrlab::measures::REGISTRY
        .iter()
        .map(|m| m.measure.slug())
        .collect();
    assert_eq!(measures, every);
    assert!(
        json["router"]
            .as_str()
            .unwrap_or_default()
            .contains("container of"),
        "{json:#}"
    );
    assert!(left_under(&runs).is_empty(), "{:?}", left_under(&runs));
    let _ = std::fs::remove_dir_all(&runs);
}

/// Starts `chrlab check` on `image` with its run directories under `runs`, and returns once
/// its router container exists (mid-start: networks made, container created).
fn chrlab_mid_start(image: &str, runs: &Path) -> Child {
    let child = Command::new(env!("CARGO_BIN_EXE_chrlab"))
        .args(["check", "--target", &format!("container:{image}")])
        .current_dir(REPO)
        .env("CHRLAB_RUN_DIR", runs)
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chrlab check");
    assert!(
        wait_until(Duration::from_secs(60), || left_under(runs)
            .iter()
            .any(|l| l.starts_with("container"))),
        "chrlab never created its container"
    );
    child
}

#[test]
fn a_sigkilled_run_leaves_its_container_and_the_next_run_removes_it_by_label() {
    let Some(image) = sim_image("kill") else {
        return;
    };
    let runs = scratch("kill-runs");
    let mut child = chrlab_mid_start(&image.tag, &runs);
    child.kill().expect("SIGKILL chrlab");
    let _ = child.wait();
    let left = left_under(&runs);
    assert!(
        left.iter().any(|l| l.starts_with("container"))
            && left.iter().any(|l| l.starts_with("network")),
        "a SIGKILLed run cannot clean up after itself: {left:?}"
    );
    // The next run reaps by label: what every container lab does before it starts.
    let reaped = runtime().block_on(async {
        let engine = Engine::connect().await.expect("the engine");
        owner::reap(&engine).await.expect("reap")
    });
    assert!(reaped.containers >= 1 && reaped.networks >= 2, "{reaped:?}");
    assert!(left_under(&runs).is_empty(), "{:?}", left_under(&runs));
    // The test's own image has a live owner: it was left alone.
    let kept = Command::new("docker")
        .args(["image", "inspect", &image.tag])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("docker image inspect");
    assert!(
        kept.success(),
        "the reaper removed {}, whose owner is alive",
        image.tag
    );
    let _ = std::fs::remove_dir_all(&runs);
    drop(image);
}

#[test]
fn sigterm_mid_start_removes_everything_and_exits_143() {
    let Some(image) = sim_image("term") else {
        return;
    };
    let runs = scratch("term-runs");
    let mut child = chrlab_mid_start(&image.tag, &runs);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(143), "{status:?}");
    assert!(left_under(&runs).is_empty(), "{:?}", left_under(&runs));
    let _ = std::fs::remove_dir_all(&runs);
}

#[test]
fn an_image_the_engine_lacks_is_a_usage_error_naming_it() {
    if !require(Need::CONTAINER_LAB) {
        return;
    }
    let err = runtime()
        .block_on(ContainerLab::start(ContainerLabConfig::new(
            "missing",
            "chrlab-test/no-such-image:none",
        )))
        .err()
        .expect("no such image");
    assert!(err.is_usage(), "{err}");
    let text = format!("{err}");
    assert!(text.contains("chrlab-test/no-such-image:none"), "{text}");
}

#[test]
fn a_chr_container_boots_the_standin_under_qemu_and_the_router_owns_both_addresses() {
    if !require(&[Need::Docker, Need::Qemu, Need::Standin]) {
        return;
    }
    let disk = standin_dir().expect("checked").join("disk.img");
    let image = TestImage::build_with(
        "images/container/chr/build.sh",
        &format!("chrlab-test/chr:standin-{}", std::process::id()),
        &["--disk".into(), disk.display().to_string()],
    );
    runtime().block_on(async {
        let mut config = ContainerLabConfig::new("chr-container", &image.tag);
        // Here /dev/kvm cannot run a guest; elsewhere the lab would choose KVM itself.
        config.accel = Some(chrlab::qemu::Accel::Tcg);
        let lab = ContainerLab::start(config)
            .await
            .expect("boot the stand-in in a CHR container");
        eprintln!("{} ready in {:?}", lab.describe(), lab.start_time());
        assert_eq!(lab.layout(), Layout::DockerRouterOs);
        assert!(lab.describe().contains("QEMU tcg"), "{}", lab.describe());
        // The console's first login set the container's addresses on the router's ethers.
        let console =
            std::fs::read_to_string(lab.run_dir().expect("a run directory").join("console.log"))
                .expect("the console log");
        assert!(console.contains("Login: "), "{console}");
        let subnets = lab.subnets();
        let routers: Vec<String> = subnets
            .iter()
            .map(|s| {
                let b = subnet::candidates().find(|b| &b.cidr() == s).unwrap();
                b.router().to_string()
            })
            .collect();
        assert!(
            console.contains(&format!(
                "/ip address add address={}/28 interface=ether1",
                routers[0]
            )) && console.contains(&format!(
                "/ip address add address={}/28 interface=ether2",
                routers[1]
            )),
            "{console}"
        );
        let addresses = Operator::new(&lab)
            .exec(Role::Trusted, "/ip address print terse")
            .await
            .expect("read /ip address");
        assert!(addresses.contains(&routers[1]), "{addresses}");
        two_sources_and_an_enforced_drop(&lab).await;
        let run = lab.run_id().unwrap().to_string();
        Box::new(lab).shutdown().await;
        assert!(labelled("container", &format!("{RUN_LABEL}={run}")).is_empty());
        assert!(labelled("network", &format!("{RUN_LABEL}={run}")).is_empty());
    });
}
