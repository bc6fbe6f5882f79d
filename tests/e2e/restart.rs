//! A solver restarted between its commitment and its reveal (issue 31):
//! the bid cannot be recomputed, so `stakebid solver run` writes every
//! reveal to its book (sled, flushed) before the commitment leaves; the
//! restarted process finds it there and reveals — on the `revealing`
//! announcement, or at once when that went by while it was down — and the
//! round scores its bid with no fault and no penalty.

use std::time::Duration;

use stakebid_tests::{get, http, intent_bodies, scratch, solver_key, unix_now, wait_for, Node};

use crate::{args, solver_process, BIN};

#[test]
fn a_solver_restarted_between_commit_and_reveal_reveals_from_its_book_and_is_not_penalized() {
    let dir = scratch("e2e-solver-restart");
    let me = solver_key(0).address();
    let mut extra = args(&["--round-secs", "1", "--commit-secs", "4", "--reveal-secs", "3"]);
    extra.extend(crate::register(1));
    let node = Node::start(BIN, &dir, None, &extra);
    let api = format!("http://{}", node.addr);
    let mut solver = solver_process(&dir, 0, "greedy", &api, None, false);
    for (body, _) in intent_bodies(&node.domain(), 3, 31, unix_now()) {
        let (code, v) = http(&node.addr, "POST", "/v1/intents", &body).expect("the node answers");
        assert_eq!(code, 201, "{v}");
    }
    // Killed (SIGKILL: no chance to flush anything) right after it sealed.
    let auction = wait_for(Duration::from_secs(30), || {
        let log = solver.log();
        let at = log.find("sealed a bid")?;
        let head = &log[..at];
        head[head.rfind("auction ")? + 8..].split(':').next()?.trim().parse::<u64>().ok()
    })
    .expect("the solver seals a bid");
    solver.kill();
    assert!(!solver.log().contains("revealed"), "killed before its reveal: {}", solver.log());
    let again = solver_process(&dir, 0, "greedy", &api, None, false);
    let revealed = wait_for(Duration::from_secs(20), || {
        again.log().contains(&format!("auction {auction}: revealed")).then_some(())
    });
    assert!(revealed.is_some(), "the restarted solver reveals from its book: {}", again.log());
    assert!(again.log().contains("holds reveals owed to 1 round"), "{}", again.log());
    let outcome = wait_for(Duration::from_secs(20), || {
        let v = get(&node.addr, &format!("/v1/auctions/{auction}"));
        (!v["outcome"].is_null()).then_some(v["outcome"].clone())
    })
    .expect("the round concludes");
    let mine = |bids: &serde_json::Value| {
        bids.as_array()
            .unwrap()
            .iter()
            .any(|b| b["solver"].as_str().unwrap().eq_ignore_ascii_case(&me.to_string()))
    };
    assert!(mine(&outcome["bids"]), "its bid was opened and scored: {outcome}");
    assert_eq!(outcome["faults"], serde_json::json!([]), "no unopened commitment: {outcome}");
    let solvers = get(&node.addr, "/v1/solvers");
    let entry = solvers["solvers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["solver"].as_str().unwrap().eq_ignore_ascii_case(&me.to_string()))
        .cloned()
        .expect("the solver is listed");
    assert_eq!(entry["penalties"], serde_json::json!([]), "no penalty: {entry}");
}
