//! The README's run command's main job: `stakebid dev --exit-after-demo`
//! starts anvil, deploys, runs the node with three bonded solvers and the
//! six-staker demo, and exits 0 only when every demo intent settled on-chain.

use std::process::Command;

use stakebid_tests::{free_port, scratch};

use crate::BIN;

#[test]
fn stakebid_dev_settles_its_demo_on_chain_and_stops_what_it_started() {
    let dir = scratch("e2e-dev");
    let http = format!("127.0.0.1:{}", free_port().expect("a free port"));
    let chain_port = free_port().expect("a free port").to_string();
    let out = Command::new(BIN)
        .args([
            "dev",
            "--exit-after-demo",
            "--http",
            &http,
            "--chain-port",
            &chain_port,
            "--data-dir",
        ])
        .arg(dir.join("dev"))
        .output()
        .expect("stakebid runs");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stakebid dev failed:\n{log}");
    assert!(log.contains("demo done: 6 intents settled on-chain"), "{log}");
    assert_eq!(log.matches(": settled; on-chain now:").count(), 6, "{log}");
    assert!(
        log.contains("settled") && log.contains(" gas"),
        "settlements are reported with their gas:\n{log}"
    );
    // Everything it started is stopped: nobody answers on its ports.
    assert!(std::net::TcpStream::connect(&http).is_err(), "the node still listens");
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", chain_port.parse::<u16>().unwrap())).is_err(),
        "anvil still listens"
    );
}

/// `stakebid cluster --exit-after-demo`: the replicated setup (a private
/// Postgres, three NATS nodes, two nodes, three solver processes) settles
/// the same demo, reports who leads, and stops everything it started.
#[test]
fn stakebid_cluster_settles_the_demo_with_one_leader_and_stops_everything() {
    let dir = scratch("e2e-cluster");
    let port = free_port().expect("a free port");
    let http = format!("127.0.0.1:{port}");
    let chain_port = free_port().expect("a free port").to_string();
    let out = Command::new(BIN)
        .args(["cluster", "--exit-after-demo", "--http", &http, "--chain-port", &chain_port])
        .arg("--data-dir")
        .arg(dir.join("cluster"))
        .output()
        .expect("stakebid runs");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stakebid cluster failed:\n{log}");
    assert!(log.contains("demo done: 6 intents settled on-chain"), "{log}");
    assert!(log.contains("node-1 up on") && log.contains("leads (epoch 1)"), "{log}");
    assert!(log.contains("node-2 up on") && log.contains("stands by"), "{log}");
    assert!(log.contains("Postgres up on") && log.contains("NATS cluster up"), "{log}");
    let conf = std::fs::read_to_string(dir.join("cluster/nats-0.conf")).unwrap();
    for p in conf.lines().filter(|l| l.starts_with("listen:")) {
        assert!(p.contains("127.0.0.1"), "NATS listens on 127.0.0.1 only: {p}");
    }
    for addr in [http.clone(), format!("127.0.0.1:{}", port + 1)] {
        assert!(std::net::TcpStream::connect(&addr).is_err(), "{addr} still listens");
    }
    let pg = log.split("Postgres up on 127.0.0.1:").nth(1).and_then(|r| r.split(' ').next());
    let pg_port: u16 = pg.and_then(|p| p.parse().ok()).expect("the Postgres port is printed");
    assert!(std::net::TcpStream::connect(("127.0.0.1", pg_port)).is_err(), "Postgres still runs");
}
