//! Settlement faults on real processes (issue 15): anvil, `stakebid
//! deploy`, the node with the deployment, solvers bonded on-chain.
//!
//! - A solver that pulls its whole bond out between its commitment and the
//!   award aborts its own award: the node's simulation reverts
//!   `SolverNotEligible`, the solver's doing, and the SolverRegistry takes
//!   the fixed settlement-fault penalty — exactly once, although the node
//!   is SIGKILLed with its slash transaction sent and unmined, and the
//!   restarted node, finding it unconfirmed in its journal, tries again
//!   (the registry's once-rule refuses the second before it is sent).
//! - One staker's two intents on an escrow that covers one do not block
//!   anyone: the node offers only what the escrow covers, the other
//!   stakers' intents settle, the rounds end, and the held-back intent
//!   settles once its owner tops up.

use std::time::Duration;

use alloy::primitives::{Address, U256};
use alloy::providers::{Provider, ProviderBuilder};
use alloy::sol_types::SolEvent;

use stakebid_intents::batch::generate;
use stakebid_intents::{Domain, Market, SignedIntent};
use stakebid_settlement::contracts::Settlement;
use stakebid_settlement::deploy::{wallet_provider, Deployment};
use stakebid_settlement::registry::SolverRegistry;
use stakebid_settlement::Confirm;
use stakebid_tests::{anvil, anvil_key, get, http, scratch, solver_key, unix_now, wait_for, Node};

use crate::{args, BIN};

fn eth(x: u64) -> U256 {
    U256::from(x) * U256::from(10u128.pow(18))
}

/// anvil and a deployment from `stakebid deploy`.
fn chain(dir: &std::path::Path) -> (stakebid_tests::Proc, String, std::path::PathBuf, Deployment) {
    let (anvil, url) = anvil(dir);
    let dep = stakebid_tests::deploy(BIN, dir, &url);
    let d = stakebid_settlement::deploy::load(&dep).unwrap();
    (anvil, url, dep, d)
}

/// `n` ETH-paid intents from distinct stakers on the deployed market.
fn eth_intents(d: &Deployment, n: usize, seed: u64) -> Vec<SignedIntent> {
    let market = d.apply(&Market::snapshot());
    let domain = Domain { chain_id: d.chain_id, settlement: d.settlement };
    let all = generate(&market, &domain, 40, seed, unix_now());
    all.into_iter().filter(|s| s.intent.asset.is_zero()).take(n).collect()
}

fn body(s: &SignedIntent) -> String {
    serde_json::json!({ "typed_data": s.intent.typed_data(&s.domain), "signature": s.signature })
        .to_string()
}

fn submit(addr: &str, s: &SignedIntent) {
    let (code, v) = http(addr, "POST", "/v1/intents", &body(s)).expect("the node answers");
    assert_eq!(code, 201, "{v}");
}

async fn escrow_for(url: &str, d: &Deployment, owner: Address, amount: U256) {
    let funder = wallet_provider(&url.parse().unwrap(), &anvil_key(1));
    let s = Settlement::new(d.settlement, funder);
    s.depositFor(owner).value(amount).confirm().await.unwrap();
}

fn status(addr: &str, id: &alloy::primitives::B256) -> String {
    get(addr, &format!("/v1/intents/{id}"))["status"].as_str().unwrap_or_default().to_string()
}

fn latest_phase(addr: &str) -> Option<(u64, String)> {
    let page = get(addr, "/v1/auctions?limit=1");
    let a = page["auctions"].get(0)?;
    Some((a["id"].as_u64()?, a["phase"].as_str()?.to_string()))
}

#[test]
fn a_solver_that_aborts_its_own_award_is_slashed_on_chain_once_across_a_node_sigkill() {
    let dir = scratch("e2e-abort");
    let (_anvil, url, dep, d) = chain(&dir);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let rpc: alloy::transports::http::reqwest::Url = url.parse().unwrap();
    let lazy = solver_key(5);
    rt.block_on(crate::fund_and_bond(&rpc, d.registry, &anvil_key(1), &lazy, eth(2)));
    let node_args = args(&[
        "--deployment",
        dep.to_str().unwrap(),
        "--rpc-url",
        &url,
        "--round-secs",
        "1",
        "--commit-secs",
        "3",
        "--reveal-secs",
        "3",
        "--scenarios",
        "50",
        "--solver",
        &lazy.address().to_string(),
    ]);
    let mut node = Node::start(BIN, &dir, None, &node_args);
    let api = format!("http://{}", node.addr);
    let _solver = crate::solver_process(&dir, 5, "greedy", &api, None, false);
    let intents = eth_intents(&d, 2, 15);
    for s in &intents {
        rt.block_on(escrow_for(&url, &d, s.intent.owner, s.intent.amount));
        submit(&node.addr, s);
    }
    // Its commitment is in (the round is revealing): the solver queues its
    // whole bond out, so the award it is about to win cannot settle.
    let revealing = wait_for(Duration::from_secs(40), || {
        latest_phase(&node.addr).filter(|(_, p)| p == "revealing").map(|(id, _)| id)
    })
    .expect("a round reaches its reveal window");
    let reg = SolverRegistry::new(d.registry, wallet_provider(&rpc, &lazy));
    rt.block_on(async { reg.queueWithdrawal(eth(2)).confirm().await.unwrap() });
    // From here blocks are mined by hand: the node's slash waits in the
    // pool, and the node is SIGKILLed exactly then — the penalty decided,
    // journalled and sent, its receipt never seen.
    let p = ProviderBuilder::new().connect_http(rpc.clone());
    let rpc_call = |method: &str, params: serde_json::Value| {
        let _: serde_json::Value =
            rt.block_on(p.raw_request(method.to_string().into(), params)).unwrap();
    };
    rpc_call("evm_setAutomine", serde_json::json!([false]));
    let nonces = || {
        rt.block_on(async {
            let pending = p.get_transaction_count(d.auctioneer).pending().await.unwrap();
            let mined = p.get_transaction_count(d.auctioneer).latest().await.unwrap();
            (pending, mined)
        })
    };
    let (_, before) = nonces();
    let decided = wait_for(Duration::from_secs(30), || {
        let (pending, mined) = nonces();
        (node.proc.log().contains("SolverNotEligible") && pending > mined).then_some(())
    });
    assert!(decided.is_some(), "the slash is sent as the solver's doing: {}", node.proc.log());
    node.proc.kill();
    // Restarted, the node finds the penalty journalled but not marked done
    // and tries it again: the registry's once-rule refuses the second
    // (`AlreadySlashed`, against the pending state that holds the first),
    // so no second slash transaction is ever sent.
    let node = Node::start(BIN, &dir, None, &node_args);
    let retried = wait_for(Duration::from_secs(30), || {
        node.proc.log().matches("0x16e5043d").next().map(|_| ())
    });
    assert!(retried.is_some(), "the restarted node retries the penalty: {}", node.proc.log());
    assert_eq!(nonces().0, before + 1, "one slash transaction in all");
    rpc_call("evm_setAutomine", serde_json::json!([true]));
    rpc_call("evm_mine", serde_json::json!([]));
    // Exactly one settlement-fault penalty for that auction, on-chain.
    let slashes = || {
        let f = alloy::rpc::types::Filter::new()
            .address(d.registry)
            .event_signature(SolverRegistry::Slashed::SIGNATURE_HASH)
            .from_block(0);
        let logs = rt.block_on(p.get_logs(&f)).unwrap();
        logs.iter()
            .filter_map(|l| l.log_decode::<SolverRegistry::Slashed>().ok())
            .map(|l| l.inner.data)
            .filter(|e| e.solver == lazy.address())
            .collect::<Vec<_>>()
    };
    let first = wait_for(Duration::from_secs(30), || (!slashes().is_empty()).then_some(()));
    assert!(first.is_some(), "slashed after the restart: {}", node.proc.log());
    // A few more rounds: nothing is taken again.
    std::thread::sleep(Duration::from_secs(4));
    let s = slashes();
    assert_eq!(s.len(), 1, "{s:?}");
    assert_eq!((s[0].offence, s[0].amount), (4, U256::from(25) * U256::from(10u128.pow(16))));
    let bond = rt.block_on(async { reg.bonds(lazy.address()).call().await.unwrap() });
    assert_eq!(bond.amount, eth(2) - U256::from(25) * U256::from(10u128.pow(16)));
    // The intents were not lost: back in the pool (no other solver bids).
    assert!(revealing > 0);
    for s in &intents {
        let st = status(&node.addr, &s.intent.id(&s.domain).0);
        assert!(st == "pending" || st == "in_auction", "{st}");
    }
}

#[test]
fn one_stakers_two_intents_on_one_escrow_do_not_block_the_others() {
    let dir = scratch("e2e-escrow");
    let (_anvil, url, dep, d) = chain(&dir);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let node = Node::start(BIN, &dir, None, &crate::on_chain(&dep, &url, &[]));
    let mut intents = eth_intents(&d, 3, 16);
    // The first staker signs a second intent for the same amount (the next
    // nonce) but escrows for one of them only.
    let first = intents[0].clone();
    let mut twin = first.intent.clone();
    twin.nonce += U256::from(1);
    let key = (0..40)
        .map(|n| stakebid_intents::batch::staker_key(16, n))
        .find(|k| k.address() == first.intent.owner)
        .expect("the generator's key for the first staker");
    let sig = stakebid_intents::sign(&twin, &first.domain, &key);
    intents.push(SignedIntent {
        intent: twin,
        domain: first.domain,
        signature: alloy::primitives::Bytes::from(sig.as_bytes()),
        permit: None,
    });
    rt.block_on(escrow_for(&url, &d, first.intent.owner, first.intent.amount));
    for s in &intents[1..3] {
        rt.block_on(escrow_for(&url, &d, s.intent.owner, s.intent.amount));
    }
    for s in &intents {
        submit(&node.addr, s);
    }
    let ids: Vec<_> = intents.iter().map(|s| s.intent.id(&s.domain).0).collect();
    // The other stakers' intents and one of the first staker's settle.
    let settled = wait_for(Duration::from_secs(60), || {
        let st: Vec<String> = ids.iter().map(|id| status(&node.addr, id)).collect();
        (st[1] == "settled" && st[2] == "settled" && (st[0] == "settled") != (st[3] == "settled"))
            .then_some(st)
    });
    assert!(settled.is_some(), "{}", node.proc.log());
    // The rounds end: nothing stays awarded, nothing failed.
    let rounds_end = wait_for(Duration::from_secs(20), || {
        let page = get(&node.addr, "/v1/auctions?limit=20");
        let phases: Vec<String> = page["auctions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["phase"].as_str().unwrap().to_string())
            .collect();
        phases.iter().all(|p| p != "awarded").then_some(phases)
    });
    assert!(rounds_end.is_some());
    // The held-back intent says why it waits.
    let held = if settled.as_ref().unwrap()[0] == "settled" { ids[3] } else { ids[0] };
    let said = wait_for(Duration::from_secs(10), || {
        let v = get(&node.addr, &format!("/v1/intents/{held}"));
        (v["waiting"]["reason"] == "funding").then_some(v)
    });
    assert!(said.is_some(), "{}", get(&node.addr, &format!("/v1/intents/{held}")));
    // Topped up, the held-back intent settles too.
    rt.block_on(escrow_for(&url, &d, first.intent.owner, first.intent.amount));
    let all = wait_for(Duration::from_secs(60), || {
        ids.iter().all(|id| status(&node.addr, id) == "settled").then_some(())
    });
    assert!(all.is_some(), "{}", node.proc.log());
}
