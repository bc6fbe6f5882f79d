//! The auction flow over both buses: intents over HTTP, three solvers with
//! different strategies, sealed bids, and the optimal strategy winning.

use serde_json::Value;
use stakebid_node::port::prelude::*;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use stakebid_intents::envelope::{CommitMsg, Envelope, Kind, OpenMsg};
use stakebid_sdk::Bus;
use stakebid_tests::{get, http, intent_bodies, scratch, solver_key, unix_now, wait_for, Node};

use crate::{args, nats_node, solver_process, with_solvers, BIN};

/// Submits intents, waits until every one is awarded, returns the outcomes.
fn auction_everything(node: &Node, count: usize, seed: u64) -> Vec<Value> {
    let bodies = intent_bodies(&node.domain(), count, seed, unix_now());
    for (b, _) in &bodies {
        let (s, v) = http(&node.addr, "POST", "/v1/intents", b).unwrap();
        assert_eq!(s, 201, "{v}");
    }
    // An intent no strategy can plan under one round's scenarios waits for
    // a round whose scenarios admit it (each round draws new ones); under a
    // loaded CI machine rounds are slower, so allow for more of them.
    let all_awarded = wait_for(Duration::from_secs(180), || {
        bodies
            .iter()
            .all(|(_, id)| get(&node.addr, &format!("/v1/intents/{id}"))["status"] == "awarded")
            .then_some(())
    });
    assert!(all_awarded.is_some(), "not every intent was awarded:\n{}", node.proc.log());
    let list = get(&node.addr, "/v1/auctions?limit=200");
    let ids: Vec<u64> =
        list["auctions"].as_array().unwrap().iter().map(|a| a["id"].as_u64().unwrap()).collect();
    ids.iter()
        .filter_map(|id| {
            wait_for(Duration::from_secs(10), || {
                let a = get(&node.addr, &format!("/v1/auctions/{id}"));
                (!a["outcome"].is_null()).then(|| a["outcome"].clone())
            })
        })
        .collect()
}

/// Intents won per solver over all outcomes; no intent twice.
fn wins(outcomes: &[Value]) -> BTreeMap<String, usize> {
    let mut per = BTreeMap::new();
    let mut seen = std::collections::BTreeSet::new();
    for o in outcomes {
        for b in o["bids"].as_array().unwrap().iter().filter(|b| b["won"] == true) {
            for id in b["scores"].as_object().unwrap().keys() {
                assert!(seen.insert(id.clone()), "intent {id} awarded twice");
            }
            *per.entry(b["solver"].as_str().unwrap().to_lowercase()).or_default() +=
                b["scores"].as_object().unwrap().len();
        }
    }
    per
}

fn optimal_wins_most(per: &BTreeMap<String, usize>) {
    let optimal = solver_key(0).address().to_string().to_lowercase();
    let best = per.iter().max_by_key(|(_, n)| **n).map(|(s, _)| s.clone());
    assert_eq!(best, Some(optimal), "intents won per solver: {per:?}");
}

/// While an auction is committing, the API shows commitment hashes only.
fn sealed_during_commit(addr: &str) -> Option<Value> {
    let list = get(addr, "/v1/auctions");
    let a = list["auctions"].as_array()?.iter().find(|a| a["phase"] == "committing")?.clone();
    let v = get(addr, &format!("/v1/auctions/{}", a["id"]));
    (v["phase"] == "committing").then_some(v)
}

#[test]
fn nats_bus_with_three_solver_processes() {
    let (dir, _nats, url, node) = nats_node("nats-flow", 4);
    let base = format!("http://{}", node.addr);
    // Two solvers on NATS, one over plain HTTP (events + POST); the fourth
    // commits and never reveals: penalized, and rounds still complete.
    let solvers = [
        solver_process(&dir, 0, "optimal", &base, Some(&url), false),
        solver_process(&dir, 1, "greedy", &base, Some(&url), false),
        solver_process(&dir, 2, "waterfill", &base, None, false),
        solver_process(&dir, 3, "optimal", &base, Some(&url), true),
    ];
    // An observer on the bus records what anyone could see, and when.
    let seen: Arc<Mutex<Vec<(u64, Envelope)>>> = Arc::default();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let bus = rt.block_on(Bus::nats(&url)).unwrap();
    let mut rx = rt.block_on(bus.subscribe("stakebid.>")).unwrap();
    let rec = seen.clone();
    rt.spawn(async move {
        while let Some(env) = rx.recv().await {
            rec.lock().unwrap().push((unix_now(), env));
        }
    });
    let watcher = {
        let addr = node.addr.clone();
        std::thread::spawn(move || {
            wait_for(Duration::from_secs(60), || sealed_during_commit(&addr))
        })
    };
    let outcomes = auction_everything(&node, 24, 11);
    // Sealed on the API during the commit window: hashes, no bids.
    let during = watcher.join().unwrap().expect("saw an auction while it was committing");
    assert!(during["outcome"].is_null(), "{during}");
    for c in during["commitments"].as_array().unwrap() {
        assert_eq!(c.as_object().unwrap().len(), 2, "only solver and hash: {c}");
    }
    // Sealed on the bus: before an auction's commit deadline, nothing but
    // its announcement and bare commitments; every message is signed.
    let seen = seen.lock().unwrap();
    let mut deadlines = BTreeMap::new();
    for (_, env) in seen.iter() {
        if let Ok((id, Kind::Open)) = env.kind() {
            let m: OpenMsg = env.open(&node.domain(), |_| true).expect("signed announcement");
            deadlines.insert(id, m.open.commitDeadline);
        }
    }
    assert!(!deadlines.is_empty());
    let mut commitments = 0;
    for (at, env) in seen.iter() {
        let (id, kind) = env.kind().unwrap();
        match kind {
            Kind::Commitment => {
                let c: CommitMsg = env.open(&node.domain(), |_| true).expect("signed commitment");
                assert_eq!(c.solver, env.sender);
                assert!(!env.body.contains("plans"), "a commitment carries no bid");
                commitments += 1;
            }
            Kind::Reveal => {
                assert!(*at >= deadlines[&id], "reveal seen before the commit deadline")
            }
            _ => {}
        }
    }
    assert!(commitments >= 2, "both NATS solvers committed");
    optimal_wins_most(&wins(&outcomes));
    // The HTTP solver took part too.
    assert!(solvers[2].log().contains("revealed"), "{}", solvers[2].log());
    // The silent one lost bond for every unrevealed commitment, and won nothing.
    let silent = solver_key(3).address();
    assert!(!wins(&outcomes).contains_key(&silent.to_string().to_lowercase()));
    let reg = get(&node.addr, "/v1/solvers");
    let rec = reg["solvers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["solver"] == silent.to_string()) // checksummed
        .unwrap()
        .clone();
    let penalties = rec["penalties"].as_array().unwrap();
    assert!(
        !penalties.is_empty() && penalties.iter().all(|p| p["offence"] == "unrevealed"),
        "{rec}"
    );
    assert!(rec["bond"].as_str().unwrap().parse::<u128>().unwrap() < 2 * 10u128.pow(18));
}

#[test]
fn in_process_bus_with_three_solvers() {
    let dir = scratch("local-flow");
    let node = Node::start(BIN, &dir, None, &with_solvers(3, 2, &[]));
    let outcomes = auction_everything(&node, 24, 12);
    let per = wins(&outcomes);
    optimal_wins_most(&per);
    // All three took part (a round can have no bid at all: an intent no
    // strategy can meet under that round's scenarios).
    let bidders: std::collections::BTreeSet<&str> = outcomes
        .iter()
        .flat_map(|o| o["bids"].as_array().unwrap().iter().filter_map(|b| b["solver"].as_str()))
        .collect();
    assert_eq!(bidders.len(), 3, "{outcomes:?}");
    // Anyone can audit a round: replay re-scores and re-selects from what
    // the node published.
    let replay = |addr: &str| {
        std::process::Command::new(BIN)
            .args(["auction", "replay", "--node", &format!("http://{addr}"), "--id", "1"])
            .output()
            .unwrap()
    };
    let ok = replay(&node.addr);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let v: Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(v["matches"], true, "{v}");
    // A node that publishes a doctored outcome is caught: inflate the
    // winner's score in the store, restart, replay.
    let mut node = node;
    node.proc.kill();
    {
        let store = stakebid_node::store::Store::open(&node.dir.join("store")).unwrap();
        let mut public = store.auction(1).unwrap().unwrap().public.unwrap();
        public.total_score = 999_999_999_999_999_999_999;
        store.publish(1, public).unwrap();
    }
    let node = Node::start(BIN, &node.dir, Some(&node.addr), &args(&["--no-auctions"]));
    let bad = replay(&node.addr);
    assert!(!bad.status.success());
    let v: Value = serde_json::from_slice(&bad.stdout).unwrap();
    assert_eq!(v["code"], "replay.mismatch", "{v}");
}
