//! Issue 28's crowding attacks, on anvil with a deployment and the demo
//! solvers: 100 funded owners, each with one 0.01 ETH intent no plan can
//! meet (a 50 % yield floor) and an id ground to start with `0x00` (ids
//! used to be the batch order), and then 10,000 intents from 10,000 fresh
//! unfunded keys. A third staker's funded intent still enters the first
//! round that opens after it arrives and settles, and the gap between
//! rounds stays within 10 % of what it was before the 10,000 arrived.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use alloy::primitives::{keccak256, U256};
use alloy::signers::local::PrivateKeySigner;

use stakebid_intents::batch::Profile;
use stakebid_intents::{Domain, Intent, SignedIntent, NATIVE_ETH};
use stakebid_settlement::contracts::Settlement;
use stakebid_settlement::deploy::wallet_provider;
use stakebid_settlement::Confirm;
use stakebid_tests::{anvil, anvil_key, get, http, scratch, unix_now, wait_for, Node};

use crate::{on_chain, BIN};

const CENT: u128 = 10_000_000_000_000_000; // 0.01 ETH

fn key(tag: &str, n: u64) -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&keccak256(format!("crowd/{tag}/{n}"))).unwrap()
}

fn signed(i: Intent, domain: &Domain, k: &PrivateKeySigner) -> SignedIntent {
    let signature = stakebid_intents::sign(&i, domain, k).as_bytes().to_vec().into();
    SignedIntent { intent: i, domain: *domain, signature, permit: None }
}

fn body(s: &SignedIntent) -> String {
    serde_json::json!({ "typed_data": s.intent.typed_data(&s.domain), "signature": s.signature })
        .to_string()
}

fn latest(addr: &str) -> u64 {
    get(addr, "/v1/auctions?limit=1")["auctions"][0]["id"].as_u64().unwrap_or(0)
}

/// Seconds between the next `n + 1` round openings, as seen by polling.
fn intervals(addr: &str, n: usize) -> Vec<f64> {
    let mut last = latest(addr);
    let mut seen: Vec<Instant> = vec![];
    let deadline = Instant::now() + Duration::from_secs(40 * (n as u64 + 1));
    while seen.len() < n + 1 && Instant::now() < deadline {
        let now = latest(addr);
        if now > last {
            last = now;
            seen.push(Instant::now());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(seen.len(), n + 1, "rounds stopped opening");
    seen.windows(2).map(|w| (w[1] - w[0]).as_secs_f64()).collect()
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

#[test]
fn ground_ids_and_ten_thousand_unfunded_keys_do_not_delay_a_funded_staker_or_the_rounds() {
    let dir = scratch("e2e-crowd");
    let (_anvil, url) = anvil(&dir);
    let dep = stakebid_tests::deploy(BIN, &dir, &url);
    let d = stakebid_settlement::deploy::load(&dep).unwrap();
    let domain = Domain { chain_id: d.chain_id, settlement: d.settlement };
    let node_args = on_chain(&dep, &url, &["--rate-per-ip", "1000000"]);
    let node = Node::start(BIN, &dir, None, &node_args);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let funder = wallet_provider(&url.parse().unwrap(), &anvil_key(1));
    let escrow = Settlement::new(d.settlement, funder);
    let deadline = unix_now() + 86_400;

    // 100 funded owners, one unplannable intent each, ids ground to 0x00….
    let mut ground = vec![];
    for n in 0..100u64 {
        let k = key("ground", n);
        let mut i = Profile::Balanced.intent(
            k.address(),
            NATIVE_ETH,
            U256::from(CENT),
            U256::ZERO,
            deadline,
        );
        i.minNetApyBps = 5_000;
        while i.id(&domain).0[0] != 0 {
            i.nonce += U256::from(1);
        }
        rt.block_on(escrow.depositFor(k.address()).value(U256::from(CENT)).confirm()).unwrap();
        ground.push(signed(i, &domain, &k));
    }
    for s in &ground {
        let (code, v) = http(&node.addr, "POST", "/v1/intents", &body(s)).unwrap();
        assert_eq!(code, 201, "{v}");
    }
    // The unloaded gap between rounds (the ground intents keep rounds going).
    let base = mean(&intervals(&node.addr, 5));

    // 10,000 fresh keys, nothing escrowed, sent from four threads.
    let spam: Vec<String> = (0..10_000u64)
        .map(|n| {
            let k = key("spam", n);
            let i = Profile::Balanced.intent(
                k.address(),
                NATIVE_ETH,
                U256::from(CENT),
                U256::ZERO,
                deadline,
            );
            body(&signed(i, &domain, &k))
        })
        .collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let Some(b) = spam.get(n) else { break };
                let (code, v) = http(&node.addr, "POST", "/v1/intents", b).unwrap();
                assert_eq!(code, 201, "{v}");
            });
        }
    });

    // The third staker, funded, plannable.
    let k = key("staker", 0);
    let i = Profile::Balanced.intent(
        k.address(),
        NATIVE_ETH,
        U256::from(CENT * 100),
        U256::ZERO,
        deadline,
    );
    rt.block_on(escrow.depositFor(k.address()).value(i.amount).confirm()).unwrap();
    let mine = signed(i, &domain, &k);
    let id = mine.intent.id(&domain).0;
    let before = latest(&node.addr);
    let (code, v) = http(&node.addr, "POST", "/v1/intents", &body(&mine)).unwrap();
    assert_eq!(code, 201, "{v}");
    let after = latest(&node.addr);
    let loaded = mean(&intervals(&node.addr, 5));

    let settled = wait_for(Duration::from_secs(60), || {
        let v = get(&node.addr, &format!("/v1/intents/{id}"));
        (v["status"] == "settled").then_some(v)
    });
    let v = settled.unwrap_or_else(|| {
        panic!("{}\n{}", get(&node.addr, &format!("/v1/intents/{id}")), node.proc.log())
    });
    // It entered the first round opened after it arrived.
    let first = v["auction"].as_u64().expect("the auction it settled in");
    assert!(first > before && first <= after + 1, "auctioned in {first}, arrived after {before}");
    // An unfunded one says why it waits.
    let spam_id = {
        let k = key("spam", 0);
        Profile::Balanced
            .intent(k.address(), NATIVE_ETH, U256::from(CENT), U256::ZERO, deadline)
            .id(&domain)
            .0
    };
    let w = get(&node.addr, &format!("/v1/intents/{spam_id}"));
    assert_eq!(w["status"], "pending", "{w}");
    assert_eq!(w["waiting"]["reason"], "funding", "{w}");
    eprintln!(
        "round gap: {base:.2} s unloaded, {loaded:.2} s with 10,000 unfunded intents waiting"
    );
    assert!(loaded <= base * 1.10, "rounds every {loaded:.2} s under load, {base:.2} s before");
}
