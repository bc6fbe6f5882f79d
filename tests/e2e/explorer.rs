//! The explorer in headless Chromium (Debian's `chromium`) against a node
//! without a chain: the auction list, and one auction's bids and winner.
//! The full browser suite on `stakebid dev` is in `browser.rs`.

use std::process::Command;
use std::time::Duration;

use stakebid_tests::{get, http, intent_bodies, scratch, solver_key, unix_now, wait_for, Node};

use crate::{with_solvers, BIN};

pub(crate) fn render(url: &str) -> String {
    // playwright-core drives Debian's chromium and waits until the page has
    // rendered (a live page keeps event streams open, so --dump-dom would
    // wait for ever or dump too early).
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/js/render.mjs");
    let out = Command::new("node")
        .args([script, url])
        .output()
        .expect("node runs (tests/setup.sh installs playwright-core)");
    assert!(out.status.success(), "render {url}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_explorer_shows_a_settled_round_in_a_real_browser() {
    let dir = scratch("explorer");
    let node = Node::start(BIN, &dir, None, &with_solvers(2, 1, &[]));
    let bodies = intent_bodies(&node.domain(), 4, 31, unix_now());
    for (b, _) in &bodies {
        assert_eq!(http(&node.addr, "POST", "/v1/intents", b).unwrap().0, 201);
    }
    let auction = wait_for(Duration::from_secs(60), || {
        let l = get(&node.addr, "/v1/auctions");
        l["auctions"]
            .as_array()?
            .iter()
            .find(|a| a["phase"] == "awarded")
            .and_then(|a| a["id"].as_u64())
    })
    .expect("an awarded auction");
    let list = render(&format!("http://{}/", node.addr));
    assert!(list.contains(&format!("#/auction/{auction}")), "auction list:\n{list}");
    assert!(list.contains("awarded"), "{list}");
    let page = render(&format!("http://{}/#/auction/{auction}", node.addr));
    let outcome = get(&node.addr, &format!("/v1/auctions/{auction}"))["outcome"].clone();
    let winner = outcome["bids"].as_array().unwrap().iter().find(|b| b["won"] == true).unwrap()
        ["solver"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(page.contains("Bids"), "auction page:\n{page}");
    assert!(
        page.to_lowercase().contains(&winner.to_lowercase()),
        "winner {winner} on the page:\n{page}"
    );
    assert!(page.contains(r#"class="won">won"#), "{page}");
    // The three solvers' bids are each listed.
    assert!(page.matches(r#"class="bid""#).count() >= 3, "{page}");
    let me = solver_key(0).address();
    let solver = render(&format!("http://{}/#/solver/{me}", node.addr));
    assert!(
        solver.contains("Eligible")
            && solver.to_lowercase().contains(&me.to_string().to_lowercase()),
        "{solver}"
    );
    // Its rounds (issue 31): the API's page, and the same rows on its page
    // with scores in exact ETH and the gap in bps.
    let rounds = get(&node.addr, &format!("/v1/solvers/{me}/rounds?limit=50"));
    let round = rounds["rounds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["auction"] == auction)
        .cloned()
        .unwrap_or_else(|| panic!("auction {auction} among its rounds: {rounds}"));
    let mine = outcome["bids"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["solver"].as_str().unwrap().eq_ignore_ascii_case(&me.to_string()))
        .cloned()
        .expect("solver 0 bid");
    let bid = &round["bids"][0];
    assert_eq!(bid["bid_hash"], mine["bid_hash"], "{round}");
    assert_eq!(bid["score"], mine["total"], "the score the node published: {round}");
    assert_eq!(bid["status"], if mine["won"] == true { "won" } else { "lost" }, "{round}");
    let exact =
        stakebid_intents::units::eth_exact(mine["total"].as_str().unwrap().parse().unwrap());
    assert!(solver.contains(r#"id="rounds""#), "{solver}");
    assert!(
        solver.contains(&format!(r#"<td class="num score">{exact}</td>"#)),
        "{exact} on:\n{solver}"
    );
    // Paged: one at a time, the cursor leads to the next (older) round.
    let one = get(&node.addr, &format!("/v1/solvers/{me}/rounds?limit=1"));
    if let Some(c) = one["next_cursor"].as_u64() {
        let next = get(&node.addr, &format!("/v1/solvers/{me}/rounds?limit=1&cursor={c}"));
        for r in next["rounds"].as_array().unwrap() {
            assert!(r["auction"].as_u64().unwrap() < one["rounds"][0]["auction"].as_u64().unwrap());
        }
    }
    let (code, bad) = http(&node.addr, "GET", "/v1/solvers/0xnope/rounds", "").unwrap();
    assert_eq!(code, 400, "{bad}");
}
