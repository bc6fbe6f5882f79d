//! The README's run command's main job: `stakebid dev --exit-after-demo`
//! starts anvil, deploys, runs the node with three bonded solvers and the
//! six-staker demo, and exits 0 only when every demo intent settled on-chain.

use std::process::Command;

use stakebid_tests::{free_port, scratch};

use crate::BIN;

#[test]
fn stakebid_dev_settles_its_demo_on_chain_and_stops_what_it_started() {
    let dir = scratch("e2e-dev");
    let http = format!("127.0.0.1:{}", free_port());
    let chain_port = free_port().to_string();
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
