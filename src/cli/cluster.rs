//! The pieces `stakebid dev --cluster` (and `stakebid cluster`) adds to the
//! devnet: a 3-node NATS cluster with per-role users, a private Postgres,
//! two nodes sharing it (one leads, one stands by) and three solver
//! processes, each on a different NATS node. All on 127.0.0.1; every
//! process started here is returned to the caller, which stops it.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use stakebid_sdk::cluster::{ClusterSpec, Role};

use super::CliError;

fn err(code: &str, e: impl std::fmt::Display) -> CliError {
    CliError::new(code, e.to_string())
}

fn port() -> Result<u16, CliError> {
    stakebid_bus::net::free_port().map_err(|e| err("cli.io", e))
}

/// Started processes, named.
pub(crate) type Procs = Vec<(String, Child)>;

/// Three `nats-server`s from generated configs in `dir`, routed together.
pub(crate) fn nats(dir: &Path) -> Result<(Procs, ClusterSpec), CliError> {
    // Dev passwords: fresh per run, written only into the configs in `dir`.
    let pid = std::process::id();
    let spec = ClusterSpec {
        // Each a free 127.0.0.1 port.
        client_ports: (0..3).map(|_| port()).collect::<Result<_, _>>()?,
        route_ports: (0..3).map(|_| port()).collect::<Result<_, _>>()?,
        auctioneer_password: format!("dev-auctioneer-{pid}"),
        // One user per solver the cluster runs (the dev solver keys).
        solvers: (0..stakebid_solver::STRATEGIES.len() as u8)
            .map(|n| stakebid_sdk::cluster::SolverUser {
                address: super::keys::dev_solver_key(n).address(),
                password: format!("dev-solver-{n}-{pid}"),
            })
            .collect(),
    };
    let mut procs = Vec::new();
    for i in 0..3 {
        let conf = dir.join(format!("nats-{i}.conf"));
        std::fs::write(&conf, spec.config(i)).map_err(|e| err("cli.io", e))?;
        let log = std::fs::File::create(dir.join(format!("nats-{i}.log")))
            .map_err(|e| err("cli.io", e))?;
        let child = Command::new("nats-server")
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| {
                err(
                    "dev.nats",
                    format!("cannot start nats-server (tests/setup.sh installs it): {e}"),
                )
            })?;
        procs.push((format!("nats-server {i}"), child));
    }
    let end = Instant::now() + Duration::from_secs(10);
    for p in &spec.client_ports {
        while std::net::TcpStream::connect(("127.0.0.1", *p)).is_err() {
            if Instant::now() > end {
                return Err(err("dev.nats", format!("nats-server did not listen on {p}")));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    Ok((procs, spec))
}

/// The arguments that put a node on the cluster: the shared store, the
/// NATS nodes as the auctioneer, its name in the lease, its own data dir.
pub(crate) fn node_args(store: &str, spec: &ClusterSpec, name: &str, dir: &Path) -> Vec<String> {
    vec![
        "--store".into(),
        store.into(),
        "--nats".into(),
        spec.url(Role::Auctioneer),
        "--node-name".into(),
        name.into(),
        "--data-dir".into(),
        dir.join(name).display().to_string(),
    ]
}

/// `stakebid solver run` for each shipped strategy with dev key `keys[n]`,
/// solver `n` on NATS node `n`, logs in `dir`.
pub(crate) fn solvers(
    dir: &Path,
    api: &str,
    spec: &ClusterSpec,
    keys: &[String],
) -> Result<Procs, CliError> {
    let exe = std::env::current_exe().map_err(|e| err("cli.io", e))?;
    let mut procs = Vec::new();
    for (n, strategy) in stakebid_solver::STRATEGIES.iter().enumerate() {
        let name = format!("solver-{strategy}");
        let url = spec.solver_url(n, n);
        let log =
            std::fs::File::create(dir.join(format!("{name}.log"))).map_err(|e| err("cli.io", e))?;
        let child = Command::new(&exe)
            .args(["solver", "run", "--strategy", strategy, "--node", api, "--name", &name])
            .args(["--nats", &url])
            .arg("--data-dir")
            .arg(dir.join("solver-books"))
            .env("STAKEBID_SOLVER_KEY", &keys[n])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| err("dev.solver", e))?;
        procs.push((name, child));
    }
    Ok(procs)
}
