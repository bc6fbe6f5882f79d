//! `stakebid market read` as a user runs it: against a devnet it prints
//! the market the node uses (same hash at the same block); against the
//! shipped mainnet protocols file — the stand-ins placed at mainnet's real
//! addresses on an anvil with chain id 1 — it reads every listed contract.

use alloy::network::EthereumWallet;
use alloy::primitives::{address, Address, U256};
use alloy::providers::{Provider, ProviderBuilder};
use serde_json::Value;
use std::process::Command;

use stakebid_settlement::contracts::{MockEigenLayer, MockLido, MockRocketPool};
use stakebid_settlement::Confirm;
use stakebid_tests::{
    anvil, anvil_key, anvil_with, deploy, get, http, intent_bodies, scratch, unix_now, wait_for,
    Node,
};

use crate::{args, BIN};

const WAD: u128 = 1_000_000_000_000_000_000;

fn market_read(extra: &[&str]) -> Value {
    let out = Command::new(BIN).args(["market", "read", "--json"]).args(extra).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn market_read_on_a_devnet_prints_the_market_its_node_uses_and_the_node_serves_it_by_hash() {
    let dir = scratch("market-devnet");
    let (_anvil, rpc) = anvil(&dir);
    let dep = deploy(BIN, &dir, &rpc);
    let dep_s = dep.display().to_string();
    let node = Node::start(
        BIN,
        &dir,
        None,
        &args(&["--deployment", &dep_s, "--rpc-url", &rpc, "--no-auctions"]),
    );
    let now = get(&node.addr, "/v1/market");
    assert_eq!(now["status"]["source"], "chain", "{}", now["status"]);
    let block = now["status"]["block"].as_u64().expect("read at a block");
    let read =
        market_read(&["--rpc-url", &rpc, "--deployment", &dep_s, "--block", &block.to_string()]);
    assert_eq!(read["hash"], now["hash"], "the same market at the same block");
    assert_eq!(read["block"], block);
    // The node keeps the markets it used, by hash; unknown and malformed hashes are coded.
    let by_hash = get(&node.addr, &format!("/v1/markets/{}", now["hash"].as_str().unwrap()));
    assert_eq!(by_hash["hash"], now["hash"]);
    let zero = format!("/v1/markets/0x{}", "0".repeat(64));
    let (s, v) = http(&node.addr, "GET", &zero, "").unwrap();
    assert_eq!((s, v["code"].as_str()), (404, Some("market.unknown")));
    let (s, v) = http(&node.addr, "GET", "/v1/markets/nothex", "").unwrap();
    assert_eq!((s, v["code"].as_str()), (400, Some("market.bad_hash")));
    let health = get(&node.addr, "/v1/health");
    assert_eq!(health["status"], "ok", "{health}");
}

#[test]
fn a_node_whose_rpc_dies_stops_auctions_with_a_code_and_keeps_taking_intents() {
    let dir = scratch("market-rpc-dies");
    let (mut chain, rpc) = anvil(&dir);
    let dep = deploy(BIN, &dir, &rpc);
    let dep_s = dep.display().to_string();
    let node = Node::start(
        BIN,
        &dir,
        None,
        &args(&[
            "--deployment",
            &dep_s,
            "--rpc-url",
            &rpc,
            "--round-secs",
            "1",
            "--max-stale-rounds",
            "2",
        ]),
    );
    assert_eq!(get(&node.addr, "/v1/health")["status"], "ok");
    chain.kill();
    // Two rounds on the previous market, flagged stale; then no new auctions.
    let stopped = wait_for(std::time::Duration::from_secs(30), || {
        let h = get(&node.addr, "/v1/health");
        (h["status"] == "auctions_stopped").then_some(h)
    })
    .expect("auctions stop once the chain has been unreadable for too long");
    assert_eq!(stopped["market"]["stopped"]["code"], "market.stale", "{stopped}");
    assert!(stopped["market"]["stale"].as_bool().unwrap(), "{stopped}");
    // The RPC's error is served without its URL (a provider key would be in it).
    let port = rpc.rsplit(':').next().unwrap();
    assert!(
        !stopped.to_string().contains(&rpc) && !stopped.to_string().contains(port),
        "{stopped}"
    );
    // Intake goes on: every intent acknowledged is stored and waits in the pool.
    let mut taken = vec![];
    for (body, id) in intent_bodies(&node.domain(), 6, 3, unix_now()) {
        let (s, v) = http(&node.addr, "POST", "/v1/intents", &body).unwrap();
        if s == 201 {
            taken.push(id);
        } else {
            assert_eq!(
                v["code"], "intent.unsupported_asset",
                "only another chain's token is refused: {v}"
            );
        }
    }
    assert!(!taken.is_empty());
    std::thread::sleep(std::time::Duration::from_secs(3));
    for id in &taken {
        assert_eq!(get(&node.addr, &format!("/v1/intents/{id}"))["status"], "pending");
    }
    assert_eq!(
        get(&node.addr, "/v1/auctions")["auctions"].as_array().unwrap().len(),
        0,
        "no round opened"
    );
}

// Ethereum mainnet's addresses, as in settlement/data/protocols-mainnet.json.
const STETH: Address = address!("ae7ab96520DE3A18E5e111B5EaAb095312D7fE84");
const RETH: Address = address!("ae78736Cd615f374D3085123A210448E74Fc6393");
const RP_DEPOSIT_POOL: Address = address!("DD3f50F8A6CafbE9b31a427582963f465E745AF8");
const DELEGATION_MANAGER: Address = address!("39053D51B77DC0d36036Fc1fCc8Cb819df8Ef37A");
const ALLOCATION_MANAGER: Address = address!("948a420b8CC1d6BFd0B6087C2E7c344a2CD0bc39");
const STETH_STRATEGY: Address = address!("93c4b944D05dfe6df7645A86cd2206016c51564D");

#[test]
fn the_mainnet_protocols_file_reads_every_listed_contract_placed_on_anvil() {
    let dir = scratch("market-mainnet");
    let (_anvil, rpc) = anvil_with(&dir, &["--chain-id", "1"]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let ops = rt.block_on(place_stand_ins(&rpc));
    let read = market_read(&["--rpc-url", &rpc, "--from-block", "0"]);
    let m = &read["market"];
    let asset =
        |id: &str| m["assets"].as_array().unwrap().iter().find(|a| a["id"] == id).unwrap().clone();
    // Lido: the stake limit, read at stETH's real address.
    let steth = asset("stETH");
    assert_eq!(steth["deposit_cap"], (150_000 * WAD).to_string());
    assert!(steth["sources"]["deposit_cap"].as_str().unwrap().starts_with("chain:"));
    // Rocket Pool: the rate from rETH, the room from the deposit pool.
    let reth = asset("rETH");
    assert_eq!(reth["exchange_rate"], (WAD / 100 * 111).to_string());
    assert_eq!(reth["deposit_cap"], (4_000 * WAD).to_string());
    // EigenLayer: both registered operators, their stake and allocations,
    // and the 14-day delay from minWithdrawalDelayBlocks = 100,800.
    let operators = m["operators"].as_array().unwrap();
    assert_eq!(operators.len(), 2, "{operators:?}");
    for op in &ops {
        let o = operators
            .iter()
            .find(|o| o["address"].as_str().unwrap().eq_ignore_ascii_case(&op.to_string()))
            .unwrap_or_else(|| panic!("operator {op} read: {operators:?}"));
        assert_eq!(o["delegated"], (1_000 * WAD).to_string());
        assert_eq!(o["allocations"][0]["magnitude"], (3 * WAD / 10).to_string());
    }
    assert_eq!(m["restaking"]["withdrawal_delay_days"], 14);
    // Not in the parameter file: the service takes its most pessimistic figures, flagged.
    let svc = m["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"].as_str().unwrap().starts_with("service "))
        .unwrap();
    assert!(svc["sources"]["fault_probability"]
        .as_str()
        .unwrap()
        .contains("not in the parameter file"));
}

/// Places the stand-ins' code at mainnet's addresses and sets them up;
/// returns the two operators registered.
async fn place_stand_ins(rpc: &str) -> Vec<Address> {
    let key = anvil_key(0);
    let p = ProviderBuilder::new()
        .wallet(EthereumWallet::from(key.clone()))
        .connect_http(rpc.parse().unwrap())
        .erased();
    let set_code = |at: Address, from: Address| {
        let p = p.clone();
        async move {
            let code = p.get_code_at(from).await.unwrap();
            let _: Value = p.raw_request("anvil_setCode".into(), (at, code)).await.unwrap();
        }
    };
    let lido = MockLido::deploy(p.clone(), U256::ZERO, U256::ZERO, 0, U256::ZERO).await.unwrap();
    set_code(STETH, *lido.address()).await;
    let lido = MockLido::new(STETH, p.clone());
    lido.handleOracleReport(U256::from(9_000_000 * WAD)).confirm().await.unwrap();
    lido.setStakeLimit(U256::from(150_000 * WAD), U256::from(20 * WAD)).confirm().await.unwrap();
    let pool = MockRocketPool::deploy(
        p.clone(),
        "Rocket Pool ETH".into(),
        "rETH".into(),
        U256::from(WAD),
        U256::ZERO,
        U256::ZERO,
        true,
    )
    .await
    .unwrap();
    set_code(RETH, *pool.address()).await;
    set_code(RP_DEPOSIT_POOL, *pool.address()).await;
    MockRocketPool::new(RETH, p.clone())
        .setExchangeRate(U256::from(WAD / 100 * 111))
        .confirm()
        .await
        .unwrap();
    let dp = MockRocketPool::new(RP_DEPOSIT_POOL, p.clone());
    dp.setMaximumDepositPoolSize(U256::from(4_000 * WAD)).confirm().await.unwrap();
    dp.setDepositEnabled(true).confirm().await.unwrap();
    let eigen = MockEigenLayer::deploy(p.clone(), 0).await.unwrap();
    set_code(DELEGATION_MANAGER, *eigen.address()).await;
    set_code(ALLOCATION_MANAGER, *eigen.address()).await;
    // minWithdrawalDelayBlocks is the stand-in's first storage slot.
    let slot0 =
        (DELEGATION_MANAGER, U256::ZERO, alloy::primitives::B256::from(U256::from(100_800u64)));
    let _: Value = p.raw_request("anvil_setStorageAt".into(), slot0).await.unwrap();
    let mut ops = vec![];
    for n in 1..=2 {
        let k = anvil_key(n);
        let as_op = ProviderBuilder::new()
            .wallet(EthereumWallet::from(k.clone()))
            .connect_http(rpc.parse().unwrap())
            .erased();
        for at in [DELEGATION_MANAGER, ALLOCATION_MANAGER] {
            let e = MockEigenLayer::new(at, as_op.clone());
            e.registerAsOperator(Address::ZERO, 0, String::new()).confirm().await.unwrap();
        }
        MockEigenLayer::new(DELEGATION_MANAGER, p.clone())
            .seedOperatorShares(k.address(), STETH_STRATEGY, U256::from(1_000 * WAD))
            .confirm()
            .await
            .unwrap();
        let avs = address!("870679E138bCdf293b7Ff14dD44b70FC97e12fc0");
        MockEigenLayer::new(ALLOCATION_MANAGER, as_op)
            .modifyAllocations(k.address(), avs, 0, (3 * WAD / 10) as u64)
            .confirm()
            .await
            .unwrap();
        ops.push(k.address());
    }
    ops
}

/// A node that runs no rounds (`--no-auctions` here; a standby takes the
/// same path until it leads) keeps reading the chain's market, so its
/// quotes and `/v1/market` follow new blocks instead of the block it read
/// at start.
#[test]
fn a_node_that_runs_no_rounds_keeps_its_market_fresh() {
    let dir = scratch("market-follow");
    let (_anvil, rpc) = anvil(&dir);
    let dep = deploy(BIN, &dir, &rpc);
    let dep_s = dep.display().to_string();
    let a =
        args(&["--deployment", &dep_s, "--rpc-url", &rpc, "--no-auctions", "--round-secs", "1"]);
    let node = Node::start(BIN, &dir, None, &a);
    let block = || get(&node.addr, "/v1/market")["status"]["block"].as_u64();
    let first = block().expect("read from the chain at a block");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let p = ProviderBuilder::new().connect_http(rpc.parse().unwrap());
        for _ in 0..3 {
            p.raw_request::<_, serde_json::Value>("evm_mine".into(), ()).await.unwrap();
        }
    });
    let later = wait_for(std::time::Duration::from_secs(15), || block().filter(|b| *b > first));
    assert!(later.is_some(), "the market stayed at block {first}:\n{}", node.proc.log());
}
