//! End-to-end suites: real processes (nats-server, the node, solver
//! processes, headless Chromium) started by the harness in
//! `stakebid-tests` on 127.0.0.1 and stopped when each test ends.

mod chain;
mod crash;
mod dev;
mod explorer;
mod flow;
mod forged;
mod hostile;
mod limits;
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
