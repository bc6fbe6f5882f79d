//! The soak (issue 15): a whole local marketplace on real processes —
//! anvil mining a block a second, `stakebid deploy`, the node with the
//! deployment and its three demo solvers bonded on-chain — run for
//! `SOAK_SECS` (default 45; `tests/soak.sh` runs 600) while:
//!
//! - stakers submit intents continuously (each acknowledged one is
//!   recorded with its latency); some sign two intents on an escrow that
//!   covers one, some cancel on-chain right after submitting, some
//!   front-run their own settlement with a higher tip when they see it
//!   awarded;
//! - a killer SIGKILLs the node every few seconds at a chosen point —
//!   while committing, while revealing, right after an award, with a
//!   settlement pending — and restarts it on the same store;
//! - a forger posts unsigned and wrongly signed commitments and reveals
//!   naming the honest solvers.
//!
//! Then, once the node is quiet, it prints acknowledged / lost, double
//! settlements (`IntentSettled` events per intent), skipped intents by
//! reason (`IntentSkipped`), penalties against the honest solvers
//! (`Slashed`), intake latency p50 / p99 — and fails on any loss, any
//! double settlement or any penalty an honest solver did not earn.
//! Everything listens on 127.0.0.1 and is stopped at the end.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use alloy::primitives::{Address, Bytes, B256, U256};
use alloy::providers::{Provider, ProviderBuilder};
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::SolEvent;

use stakebid_intents::batch::generate;
use stakebid_intents::envelope::{CommitMsg, RevealMsg};
use stakebid_intents::protocol::{Bid, RoundBinding};
use stakebid_intents::{sign, Domain, Intent, Market, SignedIntent};
use stakebid_settlement::contracts::Settlement;
use stakebid_settlement::deploy::{wallet_provider, Deployment};
use stakebid_settlement::registry::SolverRegistry;
use stakebid_settlement::Confirm;
use stakebid_tests::{anvil, anvil_key, http, http_raw, scratch, unix_now, wait_for, Node};

const BIN: &str = env!("CARGO_BIN_EXE_stakebid");
const STAKERS: usize = 12;

fn secs() -> u64 {
    std::env::var("SOAK_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(45)
}

/// A small deterministic generator (the run is reproducible by `SOAK_SEED`).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn staker(n: usize) -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&alloy::primitives::keccak256(format!("stakebid soak staker {n}")))
        .unwrap()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Habit {
    /// Funds what it signs.
    Plain,
    /// Signs two intents on an escrow that covers one.
    DoubleSubmit,
    /// Cancels on-chain right after submitting.
    Canceller,
    /// Cancels with a higher tip when it sees its intent awarded.
    FrontRunner,
}

fn habit(n: usize) -> Habit {
    match n % 4 {
        0 | 1 => Habit::Plain,
        2 => Habit::DoubleSubmit,
        _ => {
            if n % 8 == 3 {
                Habit::Canceller
            } else {
                Habit::FrontRunner
            }
        }
    }
}

struct Shared {
    addr: Mutex<String>,
    stop: AtomicBool,
    /// Acknowledged intents: id → (owner index, nonce).
    acked: Mutex<BTreeMap<B256, (usize, u64)>>,
    latencies: Mutex<Vec<f64>>,
    kills: AtomicUsize,
    forged: AtomicUsize,
    refused: AtomicUsize,
}

fn body(s: &SignedIntent) -> String {
    serde_json::json!({ "typed_data": s.intent.typed_data(&s.domain), "signature": s.signature })
        .to_string()
}

fn status(addr: &str, id: &B256) -> Option<String> {
    let (code, v) = http(addr, "GET", &format!("/v1/intents/{id}"), "")?;
    (code == 200).then(|| v["status"].as_str().unwrap_or_default().to_string())
}

fn latest(addr: &str) -> Option<(u64, String)> {
    let (_, page) = http(addr, "GET", "/v1/auctions?limit=1", "")?;
    let a = page["auctions"].get(0)?;
    Some((a["id"].as_u64()?, a["phase"].as_str()?.to_string()))
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[((v.len() - 1) as f64 * p).round() as usize]
}

#[test]
fn soak() {
    let secs = secs();
    let dir = scratch("soak");
    let (_anvil, url) = anvil(&dir);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let rpc: alloy::transports::http::reqwest::Url = url.parse().unwrap();
    let dep = stakebid_tests::deploy(BIN, &dir, &url);
    let d: Deployment = stakebid_settlement::deploy::load(&dep).unwrap();
    let market = d.apply(&Market::snapshot());
    let domain = Domain { chain_id: d.chain_id, settlement: d.settlement };
    // Templates: plannable ETH intents from the generator, re-signed per staker.
    let templates: Vec<Intent> = generate(&market, &domain, 60, 5, unix_now())
        .into_iter()
        .filter(|s| s.intent.asset.is_zero())
        .map(|s| s.intent)
        .collect();
    assert!(templates.len() >= 8);
    // Stakers: gas money, and escrow for most.
    rt.block_on(async {
        let funder = wallet_provider(&rpc, &anvil_key(2));
        let s = Settlement::new(d.settlement, funder.clone());
        for n in 0..STAKERS {
            let a = staker(n).address();
            stakebid_settlement::deploy::send_eth(&funder, a, U256::from(10u128.pow(18)))
                .await
                .unwrap();
            if habit(n) != Habit::DoubleSubmit {
                s.depositFor(a)
                    .value(U256::from(200u128) * U256::from(10u128.pow(18)))
                    .confirm()
                    .await
                    .unwrap();
            }
        }
    });
    // From now on a block a second: transactions wait in the pool, so a
    // staker can get ahead of a settlement and a kill can catch one pending.
    let p = ProviderBuilder::new().connect_http(rpc.clone());
    let _: serde_json::Value =
        rt.block_on(p.raw_request("evm_setIntervalMining".into(), (1,))).unwrap();

    let node_args: Vec<String> = [
        "--deployment",
        dep.to_str().unwrap(),
        "--rpc-url",
        &url,
        "--demo-solvers",
        "--round-secs",
        "1",
        "--commit-secs",
        "2",
        "--reveal-secs",
        "2",
        "--scenarios",
        "40",
        "--batch-size",
        "12",
        "--replace-after-ms",
        "4000",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let node = Node::start(BIN, &dir, None, &node_args);
    let honest: Vec<Address> = (0..3).map(|n| stakebid_tests::solver_key(n).address()).collect();
    let shared = Arc::new(Shared {
        addr: Mutex::new(node.addr.clone()),
        stop: AtomicBool::new(false),
        acked: Mutex::new(BTreeMap::new()),
        latencies: Mutex::new(vec![]),
        kills: AtomicUsize::new(0),
        forged: AtomicUsize::new(0),
        refused: AtomicUsize::new(0),
    });
    let seed: u64 =
        std::env::var("SOAK_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(20261202);
    println!("[soak] {secs} s, seed {seed}, {STAKERS} stakers, node on {}", node.addr);

    // Stakers.
    let intake = {
        let (sh, d, templates, url) = (shared.clone(), d.clone(), templates.clone(), url.clone());
        std::thread::spawn(move || {
            let rt = tokio::runtime::Runtime::new().unwrap();
            let rpc: alloy::transports::http::reqwest::Url = url.parse().unwrap();
            let mut rng = Rng(seed | 1);
            let mut nonce = [0u64; STAKERS];
            let mut watching: Vec<(B256, usize, u64)> = vec![];
            while !sh.stop.load(Ordering::Relaxed) {
                let n = rng.below(STAKERS as u64) as usize;
                let k = staker(n);
                let mut i = templates[rng.below(templates.len() as u64) as usize].clone();
                i.owner = k.address();
                i.deadline = unix_now() + 3_600;
                let copies = if habit(n) == Habit::DoubleSubmit { 2 } else { 1 };
                if copies == 2 {
                    // Escrow for one of the two.
                    let s = Settlement::new(d.settlement, wallet_provider(&rpc, &anvil_key(2)));
                    let _ = rt
                        .block_on(async { s.depositFor(k.address()).value(i.amount).send().await });
                }
                for _ in 0..copies {
                    i.nonce = U256::from(nonce[n]);
                    nonce[n] += 1;
                    let sig = sign(&i, &domain, &k);
                    let s = SignedIntent {
                        intent: i.clone(),
                        domain,
                        signature: Bytes::from(sig.as_bytes()),
                        permit: None,
                    };
                    let id = s.intent.id(&domain).0;
                    let addr = sh.addr.lock().unwrap().clone();
                    let t = Instant::now();
                    match http(&addr, "POST", "/v1/intents", &body(&s)) {
                        Some((201, _)) => {
                            sh.latencies.lock().unwrap().push(t.elapsed().as_secs_f64() * 1e3);
                            sh.acked.lock().unwrap().insert(id, (n, i.nonce.to()));
                            match habit(n) {
                                Habit::Canceller => {
                                    let s =
                                        Settlement::new(d.settlement, wallet_provider(&rpc, &k));
                                    let _ = rt.block_on(async {
                                        s.invalidateNonces(vec![i.nonce]).send().await
                                    });
                                }
                                Habit::FrontRunner => watching.push((id, n, i.nonce.to())),
                                _ => {}
                            }
                        }
                        Some((code, _)) if code < 500 => {
                            sh.refused.fetch_add(1, Ordering::Relaxed);
                        }
                        _ => {} // the node is down: not acknowledged, nothing to lose
                    }
                }
                // Front-runners: cancel with a 50 gwei tip once awarded.
                let addr = sh.addr.lock().unwrap().clone();
                watching.retain(|(id, n, nonce)| match status(&addr, id).as_deref() {
                    Some("awarded") => {
                        let s = Settlement::new(d.settlement, wallet_provider(&rpc, &staker(*n)));
                        let _ = rt.block_on(async {
                            s.invalidateNonces(vec![U256::from(*nonce)])
                                .max_priority_fee_per_gas(50_000_000_000)
                                .max_fee_per_gas(300_000_000_000)
                                .gas(100_000)
                                .send()
                                .await
                        });
                        false
                    }
                    Some("pending") | Some("in_auction") | None => true,
                    _ => false,
                });
                std::thread::sleep(Duration::from_millis(150 + rng.below(150)));
            }
        })
    };

    // Forger: unsigned and wrongly signed messages naming the honest solvers.
    let forger = {
        let (sh, honest) = (shared.clone(), honest.clone());
        std::thread::spawn(move || {
            let attacker = staker(999);
            let mut n = 0u64;
            while !sh.stop.load(Ordering::Relaxed) {
                let addr = sh.addr.lock().unwrap().clone();
                if let Some((id, _)) = latest(&addr) {
                    let victim = honest[(n % 3) as usize];
                    let salt = B256::from(U256::from(n));
                    // Forgeries need no real round: none of them is the victim's.
                    let at = RoundBinding { domain, auction: id, round: B256::ZERO };
                    let bid = Bid { auctionId: id, solver: victim, plans: vec![] };
                    let unsigned = RevealMsg { bid: bid.clone(), salt, signature: Bytes::new() };
                    let mut wrong = RevealMsg::seal(
                        &at,
                        Bid { solver: attacker.address(), ..bid.clone() },
                        salt,
                        &attacker,
                    );
                    wrong.bid.solver = victim;
                    let (mut commit, _) =
                        CommitMsg::seal(&at, &Bid { solver: attacker.address(), ..bid }, &attacker);
                    commit.solver = victim;
                    for (path, b) in [
                        (
                            format!("/v1/auctions/{id}/reveals"),
                            serde_json::to_vec(&unsigned).unwrap(),
                        ),
                        (format!("/v1/auctions/{id}/reveals"), serde_json::to_vec(&wrong).unwrap()),
                        (
                            format!("/v1/auctions/{id}/commitments"),
                            serde_json::to_vec(&commit).unwrap(),
                        ),
                    ] {
                        if http_raw(&addr, "POST", &path, &b).is_some() {
                            sh.forged.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                n += 1;
                std::thread::sleep(Duration::from_millis(300));
            }
        })
    };

    // Killer: SIGKILL at a chosen point, restart on the same store.
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut node = node;
    let mut rng = Rng(seed.rotate_left(17) | 1);
    let targets = ["committing", "revealing", "awarded", "pending-settlement"];
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_secs(3 + rng.below(5)));
        if Instant::now() >= deadline {
            break;
        }
        let target = targets[rng.below(targets.len() as u64) as usize];
        let phase = if target == "pending-settlement" { "awarded" } else { target };
        let hit = wait_for(Duration::from_secs(8), || {
            latest(&node.addr).filter(|(_, p)| p == phase).map(|_| ())
        });
        if target == "pending-settlement" && hit.is_some() {
            // The executor's transaction waits for the next block.
            std::thread::sleep(Duration::from_millis(150));
        }
        node.proc.kill();
        shared.kills.fetch_add(1, Ordering::Relaxed);
        println!(
            "[soak] SIGKILL #{} at {target}{}",
            shared.kills.load(Ordering::Relaxed),
            if hit.is_some() { "" } else { " (not reached: at random)" }
        );
        std::thread::sleep(Duration::from_millis(300 + rng.below(700)));
        node = Node::start(BIN, &dir, Some(&node.addr.clone()), &node_args);
    }
    shared.stop.store(true, Ordering::Relaxed);
    intake.join().unwrap();
    forger.join().unwrap();

    // Quiet: no round open or awarded, every acknowledged intent final or
    // back in the pool, twice in a row.
    let acked = shared.acked.lock().unwrap().clone();
    let mut calm = 0;
    let quiet = wait_for(Duration::from_secs(120), || {
        let busy = latest(&node.addr).is_none_or(|(_, p)| {
            p == "committing" || p == "revealing" || p == "awarded" || p == "scored"
        });
        let moving = acked.keys().any(|id| {
            matches!(status(&node.addr, id).as_deref(), Some("awarded") | Some("in_auction"))
        });
        calm = if busy || moving { 0 } else { calm + 1 };
        (calm >= 2).then_some(())
    });

    // What the chain says.
    let settled_logs = {
        let f = alloy::rpc::types::Filter::new()
            .address(d.settlement)
            .event_signature(Settlement::IntentSettled::SIGNATURE_HASH)
            .from_block(0);
        rt.block_on(p.get_logs(&f)).unwrap()
    };
    let mut settled: BTreeMap<B256, usize> = BTreeMap::new();
    for l in &settled_logs {
        if let Ok(e) = l.log_decode::<Settlement::IntentSettled>() {
            *settled.entry(e.inner.data.intentId).or_default() += 1;
        }
    }
    let skipped_logs = {
        let f = alloy::rpc::types::Filter::new()
            .address(d.settlement)
            .event_signature(Settlement::IntentSkipped::SIGNATURE_HASH)
            .from_block(0);
        rt.block_on(p.get_logs(&f)).unwrap()
    };
    let mut skipped: BTreeMap<u8, usize> = BTreeMap::new();
    for l in &skipped_logs {
        if let Ok(e) = l.log_decode::<Settlement::IntentSkipped>() {
            *skipped.entry(e.inner.data.reason).or_default() += 1;
        }
    }
    let slashes: Vec<_> = {
        let f = alloy::rpc::types::Filter::new()
            .address(d.registry)
            .event_signature(SolverRegistry::Slashed::SIGNATURE_HASH)
            .from_block(0);
        rt.block_on(p.get_logs(&f))
            .unwrap()
            .iter()
            .filter_map(|l| l.log_decode::<SolverRegistry::Slashed>().ok())
            .map(|l| l.inner.data)
            .filter(|e| honest.contains(&e.solver))
            .collect()
    };
    let (_, solvers) = http(&node.addr, "GET", "/v1/solvers", "").unwrap();
    let off_chain_penalties: usize = solvers["solvers"]
        .as_array()
        .map(|a| {
            a.iter()
                .flat_map(|s| s["penalties"].as_array().cloned().unwrap_or_default())
                .filter(|p| p["amount"].as_str().is_some_and(|a| a != "0"))
                .count()
        })
        .unwrap_or(0);

    let mut by_status: BTreeMap<String, usize> = BTreeMap::new();
    let mut lost = vec![];
    let mut mismatched = vec![];
    for id in acked.keys() {
        match status(&node.addr, id) {
            Some(s) => {
                if (s == "settled") != settled.contains_key(id) {
                    mismatched.push((*id, s.clone()));
                }
                *by_status.entry(s).or_default() += 1;
            }
            None => lost.push(*id),
        }
    }
    let doubles: Vec<_> = settled.iter().filter(|(_, n)| **n > 1).collect();
    let unknown_settled: BTreeSet<_> =
        settled.keys().filter(|id| !acked.contains_key(*id)).collect();
    let mut lat = shared.latencies.lock().unwrap().clone();
    let reason = |r: u8| {
        stakebid_intents::protocol::SkipReason::from_chain_code(r).map(|r| r.name()).unwrap_or("?")
    };
    println!("[soak] ---- {secs} s, {} SIGKILLs of the node, {} forged messages, {} intents refused at intake", shared.kills.load(Ordering::Relaxed), shared.forged.load(Ordering::Relaxed), shared.refused.load(Ordering::Relaxed));
    println!("[soak] acknowledged {}, lost {}, by status {:?}", acked.len(), lost.len(), by_status);
    println!("[soak] settled on-chain {} (IntentSettled), double settlements {}, settled but never acknowledged {}", settled.len(), doubles.len(), unknown_settled.len());
    println!(
        "[soak] skipped by the Settlement: {:?}",
        skipped.iter().map(|(r, n)| (reason(*r), *n)).collect::<Vec<_>>()
    );
    println!(
        "[soak] penalties against honest solvers: {} on-chain, {} in the node's registry",
        slashes.len(),
        off_chain_penalties
    );
    println!(
        "[soak] intake latency p50 {:.1} ms, p99 {:.1} ms over {} acknowledged submissions",
        percentile(&mut lat, 0.5),
        percentile(&mut lat, 0.99),
        lat.len()
    );
    println!(
        "[soak] quiet at the end: {}; store vs chain mismatches: {}",
        quiet.is_some(),
        mismatched.len()
    );
    node.proc.kill();
    assert!(lost.is_empty(), "acknowledged intents lost: {lost:?}");
    assert!(doubles.is_empty(), "double settlements: {doubles:?}");
    assert!(unknown_settled.is_empty(), "settled without being acknowledged: {unknown_settled:?}");
    assert!(
        slashes.is_empty() && off_chain_penalties == 0,
        "honest solvers penalized: {slashes:?} {solvers}"
    );
    assert!(quiet.is_some(), "the node did not settle down");
    assert!(mismatched.is_empty(), "store and chain disagree: {mismatched:?}");
    assert!(!acked.is_empty() && !settled.is_empty(), "the soak did nothing");
}
