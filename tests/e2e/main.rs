//! End-to-end suites: real processes (nats-server, the node, solver
//! processes, headless Chromium) started by the harness in
//! `stakebid-tests` on 127.0.0.1 and stopped when each test ends.

mod api;
mod browser;
mod chain;
mod cluster;
mod crash;
mod crowd;
mod dev;
mod engine;
mod explorer;
mod failover;
mod faults;
mod flow;
mod forged;
mod hostile;
mod impersonation;
mod limits;
mod market;
mod replay;
mod restart;
mod stall;
mod wallet;

/// The binary under test (cargo builds it before these tests).
pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_stakebid");

/// `--solver ADDRESS` arguments registering dev solvers 0..n.
pub(crate) fn register(n: u8) -> Vec<String> {
    (0..n)
        .flat_map(|i| ["--solver".to_string(), stakebid_tests::solver_key(i).address().to_string()])
        .collect()
}

/// Arguments as owned strings.
pub(crate) fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

/// Node arguments: the three shipped strategies as in-process solvers, a
/// round every second with the given windows (s), plus `extra`.
pub(crate) fn with_solvers(commit: u32, reveal: u32, extra: &[&str]) -> Vec<String> {
    let mut a = args(&["--run-solvers", "optimal,greedy,waterfill", "--round-secs", "1"]);
    a.extend([
        "--commit-secs".into(),
        commit.to_string(),
        "--reveal-secs".into(),
        reveal.to_string(),
    ]);
    a.extend(args(extra));
    a
}

/// Node arguments for deployment file `dep` on the chain at `rpc`: its
/// demo solvers, a round every second, 2-s windows, 50 scenarios, plus `extra`.
pub(crate) fn on_chain(dep: &std::path::Path, rpc: &str, extra: &[&str]) -> Vec<String> {
    let mut a = args(&["--deployment", &dep.to_string_lossy(), "--rpc-url", rpc, "--demo-solvers"]);
    a.extend(args(&[
        "--round-secs",
        "1",
        "--commit-secs",
        "2",
        "--reveal-secs",
        "2",
        "--scenarios",
        "50",
    ]));
    a.extend(args(extra));
    a
}

/// `stakebid solver run` with dev solver key `n` and `strategy`, talking to
/// the node at `base` over HTTP and, with `nats`, on the bus; waits until it
/// listens.
pub(crate) fn solver_process(
    dir: &std::path::Path,
    n: u8,
    strategy: &str,
    base: &str,
    nats: Option<&str>,
    withhold_reveals: bool,
) -> stakebid_tests::Proc {
    let key = format!("0x{}", alloy::hex::encode(stakebid_tests::solver_key(n).to_bytes()));
    let mut a = args(&["solver", "run", "--strategy", strategy, "--key", &key, "--node", base]);
    // Its book of sealed bids lives with the test's other files.
    a.extend(args(&["--data-dir", &dir.join("solver-books").display().to_string()]));
    if let Some(url) = nats {
        a.extend(args(&["--nats", url]));
    }
    if withhold_reveals {
        a.push("--withhold-reveals".into());
    }
    let p = stakebid_tests::Proc::start(&format!("solver-{n}-{strategy}"), BIN, &a, dir);
    let up = stakebid_tests::wait_for(std::time::Duration::from_secs(20), || {
        p.log().contains("listening").then_some(())
    });
    assert!(up.is_some(), "{} did not start: {}", p.name, p.log());
    p
}

/// A node on a fresh nats-server (rounds every second, 3 s commit and 2 s
/// reveal windows) with dev solvers 0..`solvers` registered: (scratch dir,
/// the nats-server, its URL, the node).
pub(crate) fn nats_node(
    test: &str,
    solvers: u8,
) -> (std::path::PathBuf, stakebid_tests::Proc, String, stakebid_tests::Node) {
    let dir = stakebid_tests::scratch(test);
    let (nats, url) = stakebid_tests::nats(&dir);
    let mut extra =
        args(&["--nats", &url, "--round-secs", "1", "--commit-secs", "3", "--reveal-secs", "2"]);
    extra.extend(register(solvers));
    let node = stakebid_tests::Node::start(BIN, &dir, None, &extra);
    (dir, nats, url, node)
}

/// Funds `solver` from `funder` (the bond and some gas) and has it bond
/// `amount` on the SolverRegistry from its own wallet.
pub(crate) async fn fund_and_bond(
    rpc: &alloy::transports::http::reqwest::Url,
    registry: alloy::primitives::Address,
    funder: &alloy::signers::local::PrivateKeySigner,
    solver: &alloy::signers::local::PrivateKeySigner,
    amount: alloy::primitives::U256,
) {
    use stakebid_settlement::deploy::{send_eth, wallet_provider};
    let gas = alloy::primitives::U256::from(10u128.pow(17));
    send_eth(&wallet_provider(rpc, funder), solver.address(), amount + gas).await.unwrap();
    stakebid_settlement::registry::ensure_bond(rpc, registry, solver, amount).await.unwrap();
}

/// How many times the chain's `IntentSettled` events of `settlement` name
/// each intent id (the on-chain record of "settled once").
pub(crate) fn settled_on_chain(
    rt: &tokio::runtime::Runtime,
    read: &alloy::providers::DynProvider,
    settlement: alloy::primitives::Address,
) -> std::collections::BTreeMap<alloy::primitives::B256, usize> {
    use alloy::providers::Provider;
    use stakebid_settlement::contracts::Settlement;
    let logs = rt.block_on(async {
        let f = alloy::rpc::types::Filter::new()
            .address(settlement)
            .event_signature(
                <Settlement::IntentSettled as alloy::sol_types::SolEvent>::SIGNATURE_HASH,
            )
            .from_block(0);
        read.get_logs(&f).await.unwrap()
    });
    let mut seen = std::collections::BTreeMap::new();
    for l in &logs {
        let ev = l.log_decode::<Settlement::IntentSettled>().unwrap();
        *seen.entry(ev.inner.data.intentId).or_insert(0) += 1;
    }
    seen
}
