//! Issue 28's "one batch can stop the market", on anvil with 1-second
//! blocks and a 30M block gas limit: 100 intents from 100 fresh owners
//! (each settlement creates the owner's position holders, ~630k gas each:
//! one award of all of them would need ~60M gas, twice a block), and
//! Rocket Pool's deposit pool left with 0.003 ETH of room, under its
//! 0.01 ETH minimum deposit (every plan routing to rETH used to revert
//! `BelowMinimumDeposit`). Rounds keep opening, no settlement fails, and
//! every intent settles.

use std::time::{Duration, Instant};

use alloy::primitives::{keccak256, U256};
use alloy::providers::Provider;
use alloy::signers::local::PrivateKeySigner;

use stakebid_intents::batch::Profile;
use stakebid_intents::{Domain, SignedIntent, NATIVE_ETH};
use stakebid_settlement::contracts::{MockRocketPool, Settlement};
use stakebid_settlement::deploy::wallet_provider;
use stakebid_tests::{anvil_key, anvil_with, get, http, scratch, unix_now, wait_for, Node};

use crate::{on_chain, BIN};

const WEI: u128 = 1_000_000_000_000_000_000;

#[test]
fn a_hundred_fresh_owners_and_a_nearly_full_deposit_pool_never_stall_rounds() {
    let dir = scratch("e2e-stall");
    let (_anvil, url) = anvil_with(&dir, &["--gas-limit", "30000000"]);
    let dep = stakebid_tests::deploy(BIN, &dir, &url);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let rpc: alloy::transports::http::reqwest::Url = url.parse().unwrap();
    // Deployed on instant mining (quick), then a block a second, as a chain runs.
    rt.block_on(async {
        let p = alloy::providers::ProviderBuilder::new().connect_http(rpc.clone());
        p.raw_request::<_, ()>("evm_setIntervalMining".into(), (1u64,)).await.unwrap();
        p.raw_request::<_, ()>("evm_setAutomine".into(), (false,)).await.unwrap();
    });
    let d = stakebid_settlement::deploy::load(&dep).unwrap();
    let domain = Domain { chain_id: d.chain_id, settlement: d.settlement };
    let node_args = on_chain(&dep, &url, &["--rate-per-ip", "0"]);
    let node = Node::start(BIN, &dir, None, &node_args);

    // Rocket Pool's deposit pool filled to 0.003 ETH under its maximum.
    rt.block_on(async {
        let filler = PrivateKeySigner::from_bytes(&keccak256("stall/filler")).unwrap();
        let p = wallet_provider(&rpc, &filler);
        let pool = MockRocketPool::new(d.assets["rETH"], p.clone());
        let room = pool.getMaximumDepositPoolSize().call().await.unwrap()
            - pool.getBalance().call().await.unwrap();
        let fill = room - U256::from(3 * WEI / 1000);
        p.raw_request::<_, ()>(
            "anvil_setBalance".into(),
            (filler.address(), fill + U256::from(WEI)),
        )
        .await
        .unwrap();
        pool.deposit().value(fill).send().await.unwrap().get_receipt().await.unwrap();
        let left = pool.getMaximumDepositPoolSize().call().await.unwrap()
            - pool.getBalance().call().await.unwrap();
        assert_eq!(left, U256::from(3 * WEI / 1000));
    });

    // 100 fresh owners, escrowed in a block or two, one plannable intent each.
    let keys: Vec<PrivateKeySigner> = (0..100u64)
        .map(|n| PrivateKeySigner::from_bytes(&keccak256(format!("stall/{n}"))).unwrap())
        .collect();
    let amount = U256::from(WEI / 10);
    rt.block_on(async {
        let s = Settlement::new(d.settlement, wallet_provider(&rpc, &anvil_key(1)));
        let mut sent = vec![];
        for k in &keys {
            sent.push(s.depositFor(k.address()).value(amount).send().await.unwrap());
        }
        for tx in sent {
            assert!(tx.get_receipt().await.unwrap().status());
        }
    });
    let deadline = unix_now() + 86_400;
    let ids: Vec<_> = keys
        .iter()
        .map(|k| {
            let i = Profile::Balanced.intent(k.address(), NATIVE_ETH, amount, U256::ZERO, deadline);
            let signature = stakebid_intents::sign(&i, &domain, k).as_bytes().to_vec().into();
            let s = SignedIntent { intent: i, domain, signature, permit: None };
            let body = serde_json::json!({ "typed_data": s.intent.typed_data(&domain), "signature": s.signature });
            let (code, v) = http(&node.addr, "POST", "/v1/intents", &body.to_string()).unwrap();
            assert_eq!(code, 201, "{v}");
            s.intent.id(&domain).0
        })
        .collect();

    // Rounds keep opening while the intents settle.
    let mut opened: Vec<(u64, Instant)> = vec![];
    let all = wait_for(Duration::from_secs(240), || {
        let head = get(&node.addr, "/v1/auctions?limit=1")["auctions"][0]["id"].as_u64();
        if let Some(id) = head {
            if opened.last().map(|(l, _)| *l) != Some(id) {
                opened.push((id, Instant::now()));
            }
        }
        ids.iter()
            .all(|id| get(&node.addr, &format!("/v1/intents/{id}"))["status"] == "settled")
            .then_some(())
    });
    assert!(all.is_some(), "not all settled:\n{}", node.proc.log());
    let longest = opened.windows(2).map(|w| (w[1].1 - w[0].1).as_secs_f64()).fold(0.0, f64::max);
    eprintln!("{} rounds opened; the longest gap {longest:.1} s", opened.len());
    assert!(longest < 30.0, "a round waited {longest:.1} s for the one before it");
    // No settlement failed: nothing was over the block, nothing under a minimum.
    let page = get(&node.addr, "/v1/auctions?limit=100");
    let (mut awards, mut legs) = (0, 0);
    for a in page["auctions"].as_array().unwrap() {
        let v = get(&node.addr, &format!("/v1/auctions/{}", a["id"]));
        for b in v["outcome"]["bids"].as_array().into_iter().flatten() {
            assert_ne!(b["settlement_failed"], true, "a settlement failed: {v}");
            awards += usize::from(b["won"] == true);
            // Rocket Pool's room is under its minimum deposit: no winning
            // plan routes ETH through it (they all would otherwise: rETH
            // positions lead the optimal plan on this market).
            if b["won"] == true {
                for p in b["plans"].as_array().into_iter().flatten() {
                    for a in p["allocations"].as_array().into_iter().flatten() {
                        let pos = a["position"].as_str().unwrap_or_default();
                        legs += 1;
                        assert!(!pos.starts_with("rETH"), "a winning plan uses {pos}: {v}");
                    }
                }
            }
        }
    }
    // One award of all 100 would be over the bid gas budget (15M): split.
    // (Since plans keep the minimum position size they have fewer legs, so
    // two or three awards carry what took five or more before.)
    assert!(awards >= 2, "the batch settled in several awards ({awards})");
    assert!(legs >= 100, "the winning plans were read ({legs} legs)");
}
