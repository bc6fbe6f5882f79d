//! `stakebid dev`: a complete local marketplace on embedded defaults —
//! anvil (installed from npm if missing), the contracts deployed, the node
//! on sled settling on that chain with three bonded solvers (in-process
//! bus, or a NATS server with `--nats`), and a demo: stakers with
//! different risk profiles quote, fund, sign and submit intents that are
//! auctioned and settled; their on-chain positions are printed. Keeps
//! running until Ctrl-C (or `--exit-after-demo`).

use alloy::primitives::{Address, U256};
use alloy::signers::local::PrivateKeySigner;
use clap::Args;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::cluster;
use super::devnet::deploy;
use super::keys::dev_solver_key;
use super::keys::{parse_key, DEV_AUCTIONEER_KEY, DEV_EXECUTOR_KEY, DEV_KEY};
use super::CliError;
use stakebid_intents::batch::Profile;
use stakebid_intents::Market;
use stakebid_node::pg::local::LocalPostgres;
use stakebid_node::run::dev_fund_and_bond;
use stakebid_sdk::Staker;
use stakebid_settlement::deploy::DeployParams;

#[derive(Args, Debug)]
pub(crate) struct DevArgs {
    /// Where the devnet keeps its files (wiped at start: the chain is new each run).
    #[arg(long, default_value = ".stakebid/dev")]
    data_dir: PathBuf,
    /// The node's HTTP address (API and explorer).
    #[arg(long, default_value = "127.0.0.1:8645")]
    http: String,
    /// anvil's port on 127.0.0.1.
    #[arg(long, default_value_t = 8545)]
    chain_port: u16,
    /// Run the bus on a local nats-server (Debian's) instead of in-process.
    #[arg(long)]
    nats: bool,
    /// Stakers in the demo (profiles cycle conservative, balanced, yield-seeking).
    #[arg(long, default_value_t = 6)]
    stakers: usize,
    /// Stop everything once the demo's intents are settled (for scripts).
    #[arg(long)]
    exit_after_demo: bool,
    /// The replicated setup instead of one node: a private Postgres, a
    /// 3-node NATS cluster with per-role users, two nodes sharing the store
    /// (one leads, one stands by; the second on the next port after
    /// `--http`) and three solver processes, one per NATS node.
    #[arg(long)]
    cluster: bool,
    /// The built-in solvers the node runs, bonded on-chain (comma-separated
    /// optimal,greedy,waterfill; single node only): fewer leaves room for
    /// your own (`stakebid solver bond` + `solver run`; docs/solver.md).
    #[arg(long, default_value = "optimal,greedy,waterfill")]
    solvers: String,
}

/// `stakebid cluster`: `stakebid dev --cluster`.
pub(crate) fn run_cluster(mut a: DevArgs) -> Result<(), CliError> {
    a.cluster = true;
    run(a)
}

/// Child processes, killed when dropped.
struct Children(Vec<(String, Child)>);

impl Drop for Children {
    fn drop(&mut self) {
        for (name, c) in self.0.iter_mut().rev() {
            let _ = c.kill();
            let _ = c.wait();
            tracing::info!("[dev] stopped {name}");
        }
    }
}

fn step(msg: &str) {
    tracing::info!("\x1b[1m[dev]\x1b[0m {msg}");
}

fn err(code: &str, e: impl std::fmt::Display) -> CliError {
    CliError::new(code, e.to_string())
}

/// anvil: `$STAKEBID_ANVIL`, the test tools' copy, one on PATH, or npm-installed into the data dir.
fn find_anvil(data: &Path) -> Result<PathBuf, CliError> {
    if let Some(p) = std::env::var_os("STAKEBID_ANVIL") {
        return Ok(p.into());
    }
    let rel = "node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil";
    for base in ["tests/js", ".stakebid/npm"] {
        let p = Path::new(base).join(rel);
        if p.exists() {
            return Ok(p);
        }
    }
    if Command::new("anvil")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
    {
        return Ok("anvil".into());
    }
    let npm = data.parent().unwrap_or(Path::new(".")).join("npm");
    step(&format!("anvil missing: npm install @foundry-rs/anvil@1.7.1 into {}", npm.display()));
    std::fs::create_dir_all(&npm).map_err(|e| err("cli.io", e))?;
    let ok = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--prefix"])
        .arg(&npm)
        .arg("@foundry-rs/anvil@1.7.1")
        .status()
        .map_err(|e| err("dev.npm", format!("cannot run npm (install Node.js): {e}")))?;
    if !ok.success() {
        return Err(err("dev.npm", "npm could not install @foundry-rs/anvil"));
    }
    Ok(npm.join(rel))
}

/// Polls `url` (http://host:port/path) until it answers 2xx: POST `body` if given, else GET.
fn wait_http(url: &str, body: Option<&str>) -> bool {
    use std::io::{Read, Write};
    let rest = url.trim_start_matches("http://");
    let (host, path) =
        rest.split_once('/').map_or((rest, "/".to_string()), |(h, p)| (h, format!("/{p}")));
    for _ in 0..150 {
        if let Ok(mut s) = std::net::TcpStream::connect(host) {
            let (method, b) = body.map_or(("GET", ""), |b| ("POST", b));
            let req = format!(
                "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{b}",
                b.len()
            );
            let mut out = String::new();
            if s.write_all(req.as_bytes()).is_ok()
                && s.read_to_string(&mut out).is_ok()
                && out.starts_with("HTTP/1.1 2")
            {
                return true;
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    false
}

/// The address after `http` (same host, next port): the second node's.
fn second_address(http: &str) -> Result<String, CliError> {
    let (host, port) =
        http.rsplit_once(':')
            .and_then(|(h, p)| Some((h, p.parse::<u16>().ok()?)))
            .ok_or_else(|| err("cli.bad_address", format!("--http {http} is not host:port")))?;
    Ok(format!("{host}:{}", port.wrapping_add(1)))
}

pub(crate) fn run(a: DevArgs) -> Result<(), CliError> {
    for s in a.solvers.split(',').filter(|s| !s.is_empty()) {
        if !stakebid_solver::STRATEGIES.contains(&s) {
            return Err(err(
                "cli.unknown_strategy",
                format!("--solvers {s}: the built-in solvers are optimal, greedy and waterfill"),
            ));
        }
    }
    if a.cluster && a.solvers != "optimal,greedy,waterfill" {
        return Err(err(
            "cli.unknown_strategy",
            "--solvers applies to the single-node devnet; the cluster runs all three",
        ));
    }
    let _ = std::fs::remove_dir_all(&a.data_dir);
    std::fs::create_dir_all(&a.data_dir).map_err(|e| err("cli.io", e))?;
    // Declared before the processes, so it stops after the nodes do.
    let mut _postgres: Option<LocalPostgres> = None;
    let mut kids = Children(vec![]);

    // 1. The chain.
    let anvil = find_anvil(&a.data_dir)?;
    let rpc = format!("http://127.0.0.1:{}", a.chain_port);
    let log = std::fs::File::create(a.data_dir.join("anvil.log")).map_err(|e| err("cli.io", e))?;
    let child = Command::new(&anvil)
        .args(["--host", "127.0.0.1", "--port", &a.chain_port.to_string(), "--accounts", "20"])
        .stdout(log)
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| err("dev.anvil", format!("cannot start {}: {e}", anvil.display())))?;
    kids.0.push(("anvil".into(), child));
    if !wait_http(&rpc, Some(r#"{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}"#)) {
        return Err(err(
            "dev.anvil",
            format!("anvil did not answer on {rpc} (is the port taken? use --chain-port)"),
        ));
    }
    step(&format!("anvil up on {rpc} (chain 31337, 20 funded dev accounts)"));

    // 2. The contracts.
    let deployer = parse_key(DEV_KEY)?;
    let auctioneer = parse_key(DEV_AUCTIONEER_KEY)?;
    let executor = parse_key(DEV_EXECUTOR_KEY)?;
    let mut p = DeployParams::devnet(auctioneer.address(), executor.address(), deployer.address());
    p.withdrawal_delay_blocks = 50;
    let rt = tokio::runtime::Runtime::new().map_err(|e| err("cli.runtime", e))?;
    let d = rt.block_on(deploy(&rpc, &deployer, &Market::snapshot(), &p))?;
    let dep_file = a.data_dir.join("deployment.json");
    stakebid_settlement::deploy::save(&d, &dep_file)?;
    step(&format!(
        "contracts deployed: Settlement {}, SolverRegistry {}, {} positions routed through the Lido / Rocket Pool stand-ins and EigenLayer's own contracts ({})",
        d.settlement,
        d.registry,
        d.positions.len(),
        dep_file.display()
    ));
    step(&format!(
        "EigenLayer: DelegationManager {}, StrategyManager {}, AllocationManager {}, {} strategies, {} operators, {} AVSs — {}",
        d.delegation_manager(),
        d.strategy_manager(),
        d.allocation_manager(),
        d.strategies.len(),
        d.operators.len(),
        d.services.len(),
        d.eigenlayer_version.as_deref().unwrap_or("a stand-in")
    ));

    // 3. The bus.
    let mut node_args: Vec<String> = vec!["node".into()];
    let mut cluster_spec = None;
    if a.cluster {
        let pg_dir = std::env::temp_dir().join(format!("stakebid-dev-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&pg_dir);
        std::fs::create_dir_all(&pg_dir).map_err(|e| err("cli.io", e))?;
        let pg = LocalPostgres::try_start(&pg_dir).map_err(|e| err("dev.postgres", e))?;
        step(&format!(
            "Postgres up on 127.0.0.1:{} (a private cluster in {})",
            pg.port,
            pg_dir.display()
        ));
        let store = pg.database("stakebid");
        _postgres = Some(pg);
        let (procs, spec) = cluster::nats(&a.data_dir)?;
        kids.0.extend(procs);
        step(&format!(
            "NATS cluster up on 127.0.0.1:{:?} (users auctioneer and solver; configs in {})",
            spec.client_ports,
            a.data_dir.display()
        ));
        // External solver processes: bonded on-chain here, registered on both nodes.
        let bond = U256::from(2) * U256::from(10u128.pow(18));
        let url = rpc.parse().map_err(|e| err("cli.bad_url", e))?;
        for n in 0..3u8 {
            let k = dev_solver_key(n);
            rt.block_on(dev_fund_and_bond(&url, d.registry, &executor, &k, bond))?;
            node_args.extend(["--solver".into(), k.address().to_string()]);
        }
        cluster_spec = Some((store, spec));
    } else if a.nats {
        let port = stakebid_bus::net::free_port().unwrap_or(4222);
        let child = Command::new("nats-server")
            .args(["-a", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                err(
                    "dev.nats",
                    format!("cannot start nats-server (tests/setup.sh installs it): {e}"),
                )
            })?;
        kids.0.push(("nats-server".into(), child));
        std::thread::sleep(Duration::from_millis(500));
        node_args.extend(["--nats".into(), format!("nats://127.0.0.1:{port}")]);
        step(&format!("nats-server up on 127.0.0.1:{port}"));
    }

    // 4. The node with three solvers, bonded on-chain.
    let exe = std::env::current_exe().map_err(|e| err("cli.io", e))?;
    let api = format!("http://{}", a.http);
    node_args.extend(
        [
            "--http",
            &a.http,
            "--deployment",
            dep_file.to_str().unwrap_or_default(),
            "--rpc-url",
            &rpc,
            "--round-secs",
            "2",
            "--commit-secs",
            "3",
            "--reveal-secs",
            "2",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    match &cluster_spec {
        None => {
            node_args.extend(["--run-solvers".into(), a.solvers.clone(), "--data-dir".into()]);
            node_args.push(a.data_dir.join("node").display().to_string());
            let child =
                Command::new(&exe).args(&node_args).spawn().map_err(|e| err("dev.node", e))?;
            kids.0.push(("node".into(), child));
            if !wait_http(&format!("{api}/healthz"), None) {
                return Err(err(
                    "dev.node",
                    format!("the node did not come up on {api} (is the port taken? use --http)"),
                ));
            }
            step(&format!(
                "node up: API {api}/v1, explorer {api}/ ; solvers {} bonded on-chain",
                a.solvers.replace(',', ", ")
            ));
        }
        Some((store, spec)) => {
            let second = second_address(&a.http)?;
            for (name, http) in [("node-1", a.http.clone()), ("node-2", second)] {
                let mut args = node_args.clone();
                args.extend(cluster::node_args(store, spec, name, &a.data_dir));
                if let Some(i) = args.iter().position(|x| x == "--http") {
                    args[i + 1] = http.clone();
                }
                let log = std::fs::File::create(a.data_dir.join(format!("{name}.log")))
                    .map_err(|e| err("cli.io", e))?;
                let child = Command::new(&exe)
                    .args(&args)
                    .stderr(log)
                    .spawn()
                    .map_err(|e| err("dev.node", e))?;
                kids.0.push((name.into(), child));
                if !wait_http(&format!("http://{http}/healthz"), None) {
                    return Err(err(
                        "dev.node",
                        format!(
                            "{name} did not come up on {http} (see {}/{name}.log)",
                            a.data_dir.display()
                        ),
                    ));
                }
                let h = stakebid_sdk::Client::new(&format!("http://{http}"));
                // A node answers health before its first lease attempt has
                // finished: wait (bounded) until it knows who leads.
                let mut lead = None;
                for _ in 0..100 {
                    lead = rt
                        .block_on(h.get::<stakebid_sdk::wire::Health>("/v1/health"))
                        .ok()
                        .and_then(|h| h.leader);
                    if lead.is_some() {
                        break;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                let role = match lead {
                    Some(l) if l.this_node => format!("leads (epoch {})", l.epoch),
                    Some(l) => format!("stands by ({} leads)", l.holder),
                    None => "up".into(),
                };
                step(&format!(
                    "{name} up on http://{http}: {role}; log {}/{name}.log",
                    a.data_dir.display()
                ));
            }
            let keys: Vec<String> = (0..3u8)
                .map(|n| format!("0x{}", alloy::hex::encode(dev_solver_key(n).to_bytes())))
                .collect();
            kids.0.extend(cluster::solvers(&a.data_dir, &api, spec, &keys)?);
            step("solvers optimal, greedy, waterfill up as processes, one per NATS node, bonded on-chain");
        }
    }

    // 5. The demo: stakers with different profiles.
    let outcome = rt.block_on(demo(&api, &rpc, a.stakers, &d));
    match &outcome {
        Ok(n) => step(&format!("demo done: {n} intents settled on-chain; explorer {api}/")),
        Err(e) => tracing::error!("[dev] demo failed: {} ({})", e.message, e.code),
    }
    if a.exit_after_demo {
        return outcome.map(drop);
    }
    step("running; Ctrl-C stops the node, the chain and everything else");
    // Ctrl-C or SIGTERM: `kids` stops anvil, the node (and nats-server) when dropped.
    rt.block_on(async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            },
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    });
    Ok(())
}

async fn demo(
    api: &str,
    rpc: &str,
    stakers: usize,
    d: &stakebid_settlement::deploy::Deployment,
) -> Result<usize, CliError> {
    // anvil's dev keys 5.. (from its default mnemonic) are the stakers.
    const KEYS: [&str; 8] = [
        "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
        "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
        "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
        "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
        "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
        "0xf214f2b2cd398c806f84e317254e0f0b801d0643303237d97a22a48e01628897",
        "0x701b615bbdfb9de65240bc28bd21bbc0d996645a3dd57e7b12bc2bdf6f192c82",
        "0xa267530f49f8280200edf313ee7af6b827f2a8bce2897751d06a843f644967b1",
    ];
    let profiles = [
        (Profile::Conservative, "conservative"),
        (Profile::Balanced, "balanced"),
        (Profile::YieldSeeking, "yield-seeking"),
    ];
    let amounts = ["4", "12", "25", "1.5", "8", "40", "2.5", "16"];
    // The token the third staker pays in (minted at Lido's stand-in).
    const DEMO_TOKEN: &str = "stETH";
    let mut ids = vec![];
    let mut people = vec![];
    for n in 0..stakers.min(KEYS.len()) {
        let key: PrivateKeySigner = KEYS[n].parse().map_err(|e| err("cli.bad_key", e))?;
        let s = Staker::connect(api, key, Some(rpc)).await?;
        let (profile, pname) = profiles[n % 3];
        let amount = alloy::primitives::utils::parse_ether(amounts[n])
            .map_err(|e| err("cli.bad_amount", e))?;
        // One staker pays in stETH it minted at Lido's stand-in; the rest in ETH.
        let asset = if n == 2 {
            let lido = *d.assets.get(DEMO_TOKEN).ok_or_else(|| {
                err("cli.no_asset", format!("the deployment has no {DEMO_TOKEN}"))
            })?;
            mint_steth(rpc, KEYS[n], lido, amount).await?;
            lido
        } else {
            Address::ZERO
        };
        let intent = s.new_intent(profile, asset, amount).await?;
        let what = if asset.is_zero() { "ETH".to_string() } else { "stETH".to_string() };
        match s.quote(&intent).await {
            Ok(q) => tracing::info!(
                "[demo] staker {} ({pname}): {} {what}; quote: net APY {} bps, CVaR {} bps, {} positions",
                n + 1,
                amounts[n],
                q.net_apy_bps,
                q.cvar_bps,
                q.positions.len()
            ),
            Err(e) => tracing::warn!("[demo] staker {} ({pname}): no quote: {e}", n + 1),
        }
        let funded = s.fund(&intent).await?;
        let id = s.submit(&intent).await?;
        tracing::info!("[demo] staker {}: {funded}; intent {} submitted", n + 1, id.0);
        ids.push(id);
        people.push(s);
    }
    tracing::info!(
        "[demo] waiting for the auctions and settlements (commit 3 s, reveal 2 s, then on-chain)"
    );
    let mut settled = 0;
    for (n, (s, id)) in people.iter().zip(&ids).enumerate() {
        let st = s.wait(id, Duration::from_secs(120)).await?;
        if st == stakebid_wire::IntentStatus::Settled {
            settled += 1;
        }
        let pos = s.positions().await?;
        let list: Vec<String> = pos
            .iter()
            .map(|p| format!("{} {:.4}", p.position, f64::from(p.amount) / 1e18))
            .collect();
        tracing::info!("[demo] staker {}: {st}; on-chain now: {}", n + 1, list.join(", "));
    }
    if settled < ids.len() {
        return Err(err(
            "dev.not_settled",
            format!("{} of {} intents did not settle", ids.len() - settled, ids.len()),
        ));
    }
    Ok(settled)
}

async fn mint_steth(rpc: &str, key: &str, lido: Address, amount: U256) -> Result<(), CliError> {
    use alloy::providers::{Provider, ProviderBuilder};
    let k: PrivateKeySigner = key.parse().map_err(|e| err("cli.bad_key", e))?;
    let p = ProviderBuilder::new()
        .wallet(alloy::network::EthereumWallet::from(k))
        .connect_http(rpc.parse().map_err(|e| err("cli.bad_url", e))?)
        .erased();
    // The stand-in's binding from its compiled artifact (one ABI source).
    let l = stakebid_settlement::contracts::MockLido::new(lido, p);
    l.submit(Address::ZERO)
        .value(amount)
        .send()
        .await
        .map_err(|e| err("chain.call_failed", e))?
        .get_receipt()
        .await
        .map_err(|e| err("chain.no_receipt", e))?;
    Ok(())
}
