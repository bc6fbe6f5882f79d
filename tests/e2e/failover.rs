//! Failover while settling on a real chain: anvil with the contracts, a
//! private Postgres, a 3-node NATS cluster, two nodes sharing the store,
//! three solver processes, each on a different NATS node. The leader is
//! SIGKILLed while a round commits; while it reveals; after an award,
//! before its settlement is sent (anvil paused with SIGSTOP while the round
//! closes, so the leader's chain calls hang); and with its settlement sent
//! but not yet mined (anvil mines every 3 s, so the dead leader's signed
//! transaction lands after it died). Then the leader is paused (SIGSTOP)
//! past its lease while a round commits and resumed: its write is refused
//! (`store.fenced`) and it stands by. Each time the standby takes over; a
//! killed node comes back as the new standby. Across the run: every
//! acknowledged intent is present, every funded intent settles, and the
//! chain's `IntentSettled` events name each intent exactly once — the new
//! leader reconciles the dead one's settlement instead of sending another.

use std::time::{Duration, Instant};

use alloy::primitives::U256;
use alloy::providers::{Provider, ProviderBuilder};
use serde_json::Value;

use stakebid_intents::batch::generate;
use stakebid_intents::market::Market;
use stakebid_intents::Domain;
use stakebid_settlement::contracts::Settlement;
use stakebid_settlement::Confirm;
use stakebid_tests::{
    anvil, anvil_key, get, http, scratch, solver_key, unix_now, wait_for, Node, Proc,
};

use crate::{args, BIN};
use stakebid_node::pg::local::LocalPostgres as Postgres;

fn leads(n: &Node) -> bool {
    http(&n.addr, "GET", "/v1/health", "").is_some_and(|(_, v)| v["leader"]["this_node"] == true)
}

fn auctions(addr: &str) -> Vec<Value> {
    get(addr, "/v1/auctions?limit=200")["auctions"].as_array().cloned().unwrap_or_default()
}

#[test]
fn the_leader_dies_at_each_stage_of_a_round_and_every_intent_settles_once() {
    let dir = scratch("failover");
    let (anvil_proc, url) = anvil(&dir);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dep = stakebid_tests::deploy(BIN, &dir, &url);
    let d = stakebid_settlement::deploy::load(&dep).unwrap();
    let market = d.apply(&Market::snapshot());
    let domain = Domain { chain_id: d.chain_id, settlement: d.settlement };
    // ETH intents only, each escrowed for its owner.
    let intents: Vec<_> = generate(&market, &domain, 40, 91, unix_now())
        .into_iter()
        .filter(|s| s.intent.asset.is_zero())
        .take(16)
        .collect();
    let rpc: alloy::transports::http::reqwest::Url = url.parse().unwrap();
    rt.block_on(async {
        let funder = stakebid_settlement::deploy::wallet_provider(&rpc, &anvil_key(1));
        let s = Settlement::new(d.settlement, funder);
        for si in &intents {
            s.depositFor(si.intent.owner).value(si.intent.amount).confirm().await.unwrap();
        }
    });
    let mut node_args = args(&[
        "--deployment",
        dep.to_str().unwrap(),
        "--rpc-url",
        &url,
        "--round-secs",
        "2",
        "--commit-secs",
        "1",
        "--reveal-secs",
        "1",
        "--batch-size",
        "4",
        "--scenarios",
        "100",
    ]);
    for n in 0..3 {
        let two = U256::from(2) * U256::from(10u128.pow(18));
        rt.block_on(crate::fund_and_bond(&rpc, d.registry, &anvil_key(1), &solver_key(n), two));
        node_args.extend(["--solver".to_string(), solver_key(n).address().to_string()]);
    }
    let nats = stakebid_tests::NatsCluster::start(&dir);
    let pg = Postgres::start(&dir);
    let store = pg.database("failover");
    let node_nats = nats.spec.url(stakebid_sdk::cluster::Role::Auctioneer);
    node_args.extend(args(&["--nats", &node_nats, "--store", &store]));
    let start = |name: &str| Node::start(BIN, &dir.join(name), None, &node_args);
    let mut leader = start("a");
    assert!(wait_for(Duration::from_secs(10), || leads(&leader).then_some(())).is_some());
    let mut standby = start("b");
    let api = format!("http://{}", leader.addr);
    let _solvers: Vec<Proc> = ["optimal", "greedy", "waterfill"]
        .iter()
        .enumerate()
        .map(|(n, s)| {
            let url = nats.spec.solver_url(n, n);
            crate::solver_process(&dir, n as u8, s, &api, Some(&url), false)
        })
        .collect();
    // Interval mining from here: a sent settlement waits up to 3 s.
    let read = ProviderBuilder::new().connect_http(rpc.clone()).erased();
    rt.block_on(async {
        read.raw_request::<_, ()>("evm_setAutomine".into(), (false,)).await.unwrap();
        read.raw_request::<_, ()>("evm_setIntervalMining".into(), (3u64,)).await.unwrap();
    });
    let mut ids = Vec::new();
    for (n, si) in intents.iter().enumerate() {
        let body = serde_json::json!({ "typed_data": si.intent.typed_data(&domain), "signature": si.signature });
        let to = if n % 2 == 0 { &leader.addr } else { &standby.addr };
        assert_eq!(http(to, "POST", "/v1/intents", &body.to_string()).unwrap().0, 201);
        ids.push(si.intent.id(&domain).0);
    }
    let pending_txs = || -> u64 {
        rt.block_on(async {
            let v: Value = read.raw_request("txpool_status".into(), ()).await.unwrap();
            let p = &v["pending"];
            p.as_u64()
                .or_else(|| {
                    p.as_str()
                        .and_then(|s| u64::from_str_radix(s.trim_start_matches("0x"), 16).ok())
                })
                .unwrap_or(0)
        })
    };
    let mut takeovers = Vec::new();
    let mut sealed_checks = 0;
    let fresh = |addr: &str, phase: &str, seen: &[u64]| {
        auctions(addr)
            .into_iter()
            .find(|a| a["phase"] == phase && !seen.contains(&a["id"].as_u64().unwrap()))
    };
    let points = ["committing", "revealing", "awarded, unsent", "awarded, pending", "paused"];
    for point in points {
        let phase = match point {
            "awarded, unsent" => "revealing",
            "awarded, pending" => "awarded",
            "paused" => "committing",
            p => p,
        };
        let seen: Vec<u64> =
            auctions(&standby.addr).iter().filter_map(|a| a["id"].as_u64()).collect();
        let hit = wait_for(Duration::from_secs(90), || {
            // Sealed means sealed on every node: a committing round shows no
            // bid (no outcome, no plan) on the leader or the standby.
            for node in [&leader, &standby] {
                for x in auctions(&node.addr).iter().filter(|x| x["phase"] == "committing") {
                    let v = get(&node.addr, &format!("/v1/auctions/{}", x["id"]));
                    assert!(
                        v["outcome"].is_null() && !v.to_string().contains("allocations"),
                        "{v}"
                    );
                    sealed_checks += 1;
                }
            }
            let a = fresh(&standby.addr, phase, &seen)?;
            if point == "awarded, unsent" {
                // The chain stops answering while this round closes: its
                // award is stored, its settlement cannot be sent.
                anvil_proc.signal("STOP");
                let id = a["id"].as_u64().unwrap();
                let awarded = wait_for(Duration::from_secs(15), || {
                    let p = get(&standby.addr, &format!("/v1/auctions/{id}"))["phase"].clone();
                    (p != "revealing").then_some(p)
                });
                if awarded.as_ref().is_some_and(|p| p == "awarded") {
                    return Some(a);
                }
                anvil_proc.signal("CONT");
                return None;
            }
            // After the award: wait until its settlement is sent, unmined.
            (point != "awarded, pending" || pending_txs() > 0).then_some(a)
        })
        .unwrap_or_else(|| panic!("no auction reached {point}:\n{}", leader.proc.log()));
        let t = Instant::now();
        if point == "paused" {
            leader.proc.signal("STOP");
        } else {
            leader.proc.kill();
        }
        let took = wait_for(Duration::from_secs(10), || leads(&standby).then_some(()));
        assert!(took.is_some(), "no takeover after {point}:\n{}", standby.proc.log());
        takeovers.push((point, hit["id"].as_u64().unwrap(), t.elapsed()));
        if point == "awarded, unsent" {
            anvil_proc.signal("CONT");
        }
        let old = if leader.dir.ends_with("a") { "a" } else { "b" };
        std::mem::swap(&mut leader, &mut standby);
        if point == "paused" {
            // Resumed past its lease: its next write is refused, it stands by.
            std::thread::sleep(Duration::from_secs(1));
            standby.proc.signal("CONT");
            let down = wait_for(Duration::from_secs(10), || {
                let log = standby.proc.log();
                (log.contains("store.fenced") && log.contains("standing by")).then_some(())
            });
            assert!(
                down.is_some(),
                "the resumed leader is fenced and stands by:\n{}",
                standby.proc.log()
            );
            assert!(leads(&leader) && !leads(&standby));
        } else {
            standby = start(old);
        }
    }
    eprintln!("takeovers (point, auction, time to lead): {takeovers:?}");
    assert!(sealed_checks > 0, "committing rounds were looked at");
    for (point, _, after) in &takeovers {
        // One round interval (2 s), plus the 50 ms poll.
        assert!(*after < Duration::from_millis(2_100), "took {after:?} after a kill while {point}");
    }
    let all = wait_for(Duration::from_secs(120), || {
        ids.iter()
            .all(|id| get(&leader.addr, &format!("/v1/intents/{id}"))["status"] == "settled")
            .then_some(())
    });
    assert!(
        all.is_some(),
        "every funded intent settles:\n{}\n---\n{}",
        leader.proc.log(),
        standby.proc.log()
    );
    // Exactly once each, by the chain's own record.
    let seen = crate::settled_on_chain(&rt, &read, d.settlement);
    for id in &ids {
        assert_eq!(seen.get(id), Some(&1), "intent {id} settled {:?} times on-chain", seen.get(id));
    }
    assert_eq!(seen.len(), ids.len());
    // The awards whose settlement was unsent, then in flight, are settled.
    for (_, id, _) in &takeovers[2..4] {
        assert_eq!(get(&leader.addr, &format!("/v1/auctions/{id}"))["phase"], "settled");
    }
    drop(pg);
}
