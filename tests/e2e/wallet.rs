//! The wallet path and the public record on a real chain: the viem
//! example (`sdk/js/stake.mjs`, a private-key account standing in for the
//! wallet) escrows ETH, signs the node's typed data with `signTypedData`,
//! submits and sees its intent settle; the explorer shows the settlement in
//! headless Chromium; the node is killed and restarted with nothing lost
//! and nothing settled twice; a solver that goes silent after committing
//! loses bond on-chain while the rounds complete.

use stakebid_settlement::Confirm;
use std::process::Command;
use std::time::Duration;

use alloy::primitives::{utils::parse_ether, Address};
use alloy::providers::{Provider, ProviderBuilder};

use stakebid_settlement::contracts::Settlement;
use stakebid_settlement::registry::OnChainRegistry;
use stakebid_tests::{anvil, anvil_key, get, http, scratch, unix_now, wait_for, Node, Proc};

use crate::explorer::render;
use crate::{args, BIN};

/// The silent solver's key (dev only).
const SILENT: &str = "0x1717171717171717171717171717171717171717171717171717171717171717";

fn node_args(dep: &str, rpc: &str) -> Vec<String> {
    let silent: alloy::signers::local::PrivateKeySigner = SILENT.parse().unwrap();
    let who = silent.address().to_string();
    args(&[
        "--solver",
        &who,
        "--deployment",
        dep,
        "--rpc-url",
        rpc,
        "--run-solvers",
        "optimal,greedy",
        "--round-secs",
        "1",
        "--commit-secs",
        "3",
        "--reveal-secs",
        "1",
        "--batch-size",
        "6",
        "--scenarios",
        "100",
    ])
}

#[test]
fn a_viem_wallet_settles_the_explorer_shows_it_and_a_restart_loses_nothing() {
    let dir = scratch("e2e-wallet");
    let (_anvil, rpc) = anvil(&dir);
    let dep = dir.join("deployment.json");
    let ok =
        Command::new(BIN).args(["deploy", "--rpc-url", &rpc, "--out"]).arg(&dep).output().unwrap();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let d = stakebid_settlement::deploy::load(&dep).unwrap();
    let dep_s = dep.to_str().unwrap().to_string();

    // A third solver, its own process over HTTP, that commits and never reveals.
    let silent_key = SILENT;
    let silent: alloy::signers::local::PrivateKeySigner = silent_key.parse().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let url = rpc.parse().unwrap();
    rt.block_on(crate::fund_and_bond(
        &url,
        d.registry,
        &anvil_key(1),
        &silent,
        parse_ether("2").unwrap(),
    ));
    let mut node = Node::start(BIN, &dir, None, &node_args(&dep_s, &rpc));
    let api = format!("http://{}", node.addr);
    let _silent = Proc::start(
        "solver-silent",
        BIN,
        &args(&[
            "solver",
            "run",
            "--strategy",
            "greedy",
            "--key",
            silent_key,
            "--node",
            &api,
            "--withhold-reveals",
            "--name",
            "solver-silent",
            "--data-dir",
            &dir.join("solver-books").display().to_string(),
        ]),
        &dir,
    );

    // The wallet: viem, under node.
    let js = concat!(env!("CARGO_MANIFEST_DIR"), "/sdk/js/stake.mjs");
    let wallet_key = format!("0x{}", alloy::hex::encode(anvil_key(2).to_bytes()));
    let out = Command::new("node")
        .args([js, &api, &rpc, &wallet_key, "3", "balanced"])
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "the viem wallet failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        node.proc.log()
    );
    let result: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result["status"], "settled");
    let id = result["id"].as_str().unwrap().to_string();
    // On-chain: the wallet's 3 ETH left its escrow; its intent's award is recorded with a transaction.
    let read = ProviderBuilder::new().connect_http(url.clone()).erased();
    rt.block_on(async {
        let s = Settlement::new(d.settlement, read.clone());
        assert_eq!(
            s.escrowOf(anvil_key(2).address()).call().await.unwrap(),
            alloy::primitives::U256::ZERO
        );
    });
    let rec = get(&node.addr, &format!("/v1/intents/{id}"));
    assert_eq!(rec["status"], "settled");

    // The explorer shows the settled auction.
    let list = get(&node.addr, "/v1/auctions");
    let auction =
        list["auctions"].as_array().unwrap().iter().find(|a| a["phase"] == "settled").unwrap()
            ["id"]
            .as_u64()
            .unwrap();
    let page = render(&format!("http://{}/#/auction/{auction}", node.addr));
    assert!(
        page.contains("Settlement") && page.contains(">settled<") && page.contains(" gas"),
        "explorer:\n{page}"
    );

    // More intents; the node is killed mid-run and restarted on the same store and chain.
    let domain = node.domain();
    let m = d.apply(&stakebid_intents::Market::snapshot());
    let gen = stakebid_intents::batch::generate(&m, &domain, 12, 41, unix_now());
    let bodies: Vec<(String, alloy::primitives::B256)> = gen
        .iter()
        .map(|s| {
            let b = serde_json::json!({ "typed_data": s.intent.typed_data(&s.domain), "signature": s.signature });
            (b.to_string(), s.intent.id(&s.domain).0)
        })
        .collect();
    // Fund the generated stakers' escrow (they pay in ETH or tokens; token ones are left pending).
    rt.block_on(async {
        let funder = ProviderBuilder::new()
            .wallet(alloy::network::EthereumWallet::from(anvil_key(1)))
            .connect_http(url.clone())
            .erased();
        let s = Settlement::new(d.settlement, funder);
        for si in &gen {
            if si.intent.asset.is_zero() {
                s.depositFor(si.intent.owner).value(si.intent.amount).confirm().await.unwrap();
            }
        }
    });
    for (b, _) in &bodies {
        assert_eq!(http(&node.addr, "POST", "/v1/intents", b).unwrap().0, 201);
    }
    // Kill once the first of them is awarded (settlement may be in flight).
    wait_for(Duration::from_secs(60), || {
        bodies
            .iter()
            .any(|(_, id)| get(&node.addr, &format!("/v1/intents/{id}"))["status"] != "pending")
            .then_some(())
    })
    .expect("a round started");
    node.proc.kill();
    let node = Node::start(BIN, &dir, Some(&node.addr), &node_args(&dep_s, &rpc));
    let eth_ids: Vec<&alloy::primitives::B256> = bodies
        .iter()
        .zip(&gen)
        .filter(|(_, g)| g.intent.asset.is_zero())
        .map(|((_, id), _)| id)
        .collect();
    assert!(eth_ids.len() >= 6);
    let all = wait_for(Duration::from_secs(120), || {
        eth_ids
            .iter()
            .all(|id| get(&node.addr, &format!("/v1/intents/{id}"))["status"] == "settled")
            .then_some(())
    });
    assert!(all.is_some(), "after the restart:\n{}", node.proc.log());
    // Nothing lost: every intent is still known. Nothing settled twice: the
    // chain's IntentSettled events name each intent at most once.
    for (_, id) in &bodies {
        assert_eq!(http(&node.addr, "GET", &format!("/v1/intents/{id}"), "").unwrap().0, 200);
    }
    let seen = crate::settled_on_chain(&rt, &read, d.settlement);
    assert!(seen.values().all(|n| *n == 1), "settled twice on-chain: {seen:?}");
    assert_eq!(
        seen.len(),
        1 + eth_ids.len(),
        "the wallet's and every funded staker's intent, once each"
    );
    // Unfunded ones (token payers without allowance) wait in the pool, held back.
    for (_, id) in bodies.iter().filter(|(_, id)| !eth_ids.contains(&id)) {
        assert_eq!(get(&node.addr, &format!("/v1/intents/{id}"))["status"], "pending");
    }

    // The silent solver lost bond on-chain for its unrevealed commitments.
    let bond = rt
        .block_on(OnChainRegistry::at(d.registry, read.clone()).bond_of(silent.address()))
        .unwrap();
    assert!(bond < parse_ether("2").unwrap(), "the silent solver was slashed on-chain: {bond}");
    let _ = Address::ZERO;
}
