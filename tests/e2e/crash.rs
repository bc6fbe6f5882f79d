//! Crash safety: the node is SIGKILLed during a commit window, during a
//! reveal window and right after an award, and restarted on the same data
//! dir each time. No accepted intent is lost and none is awarded twice.

use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

use stakebid_tests::{get, http, intent_bodies, scratch, unix_now, wait_for, Node};

use crate::{with_solvers, BIN};

fn auctions(addr: &str) -> Vec<Value> {
    get(addr, "/v1/auctions?limit=200")["auctions"].as_array().cloned().unwrap_or_default()
}

#[test]
fn a_node_killed_mid_auction_loses_nothing_and_awards_nothing_twice() {
    let dir = scratch("crash");
    let extra = with_solvers(2, 2, &["--batch-size", "6"]);
    let mut node = Node::start(BIN, &dir, None, &extra);
    let addr = node.addr.clone();
    let bodies = intent_bodies(&node.domain(), 30, 21, unix_now());
    for (b, _) in &bodies {
        assert_eq!(http(&addr, "POST", "/v1/intents", b).unwrap().0, 201);
    }
    let mut killed_in = BTreeMap::new();
    for point in ["committing", "revealing", "awarded"] {
        let seen_before: Vec<u64> = auctions(&addr)
            .iter()
            .filter(|a| a["phase"] == point)
            .filter_map(|a| a["id"].as_u64())
            .collect();
        let hit = wait_for(Duration::from_secs(40), || {
            auctions(&addr)
                .into_iter()
                .find(|a| a["phase"] == point && !seen_before.contains(&a["id"].as_u64().unwrap()))
                .and_then(|a| a["id"].as_u64())
        })
        .unwrap_or_else(|| panic!("no auction reached {point}:\n{}", node.proc.log()));
        node.proc.kill();
        killed_in.insert(hit, point);
        node = Node::start(BIN, &dir, Some(&addr), &extra);
        // Nothing accepted is lost.
        for (_, id) in &bodies {
            let (s, v) = http(&addr, "GET", &format!("/v1/intents/{id}"), "").unwrap();
            assert_eq!(s, 200, "intent {id} lost after a kill during {point}: {v}");
        }
    }
    // Rounds killed before scoring were voided, their intents re-auctioned.
    for (id, point) in &killed_in {
        let phase = get(&addr, &format!("/v1/auctions/{id}"))["phase"].clone();
        match *point {
            "awarded" => assert_eq!(phase, "awarded"),
            _ => assert_eq!(phase, "voided", "auction {id} killed while {point}"),
        }
    }
    let done = wait_for(Duration::from_secs(120), || {
        bodies
            .iter()
            .all(|(_, id)| get(&addr, &format!("/v1/intents/{id}"))["status"] == "awarded")
            .then_some(())
    });
    assert!(done.is_some(), "every intent is eventually awarded:\n{}", node.proc.log());
    // Each intent is in exactly one award over all auctions.
    let mut awarded: BTreeMap<String, u64> = BTreeMap::new();
    for a in auctions(&addr) {
        let id = a["id"].as_u64().unwrap();
        let o = wait_for(Duration::from_secs(10), || {
            let v = get(&addr, &format!("/v1/auctions/{id}"));
            (v["phase"] == "voided" || !v["outcome"].is_null()).then_some(v)
        })
        .unwrap();
        for aw in o["outcome"]["awards"].as_array().into_iter().flatten() {
            for i in aw["award"]["intentIds"].as_array().unwrap() {
                let prev = awarded.insert(i.as_str().unwrap().to_string(), id);
                assert!(prev.is_none(), "intent {i} awarded in auctions {prev:?} and {id}");
            }
        }
    }
    assert_eq!(awarded.len(), bodies.len());
}
