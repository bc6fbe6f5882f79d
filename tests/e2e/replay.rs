//! Genuine messages carried into rounds they were not made for (issue 28):
//! two deployments on one anvil chain share one NATS server, so each node
//! and each demo solver sees the sibling's announcements, phase messages,
//! commitments and reveals (same subjects, same auction ids, the same demo
//! solver keys). Then node A's store is wiped and A restarted: its auction
//! ids start again at 1, and every commitment and reveal recorded in A's
//! first life is replayed into the new round of the same id, on the bus
//! and over HTTP. Every replay is refused with a code, both deployments
//! settle their intents, no round records a fault, nobody is penalized and
//! every bond on both registries is unchanged.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use alloy::primitives::{Address, U256};
use alloy::providers::{Provider, ProviderBuilder};
use serde_json::{json, Value};

use stakebid_intents::batch::generate;
use stakebid_intents::envelope::{Envelope, Kind};
use stakebid_intents::{Domain, Market, SignedIntent};
use stakebid_sdk::Bus;
use stakebid_settlement::contracts::Settlement;
use stakebid_settlement::deploy::{wallet_provider, Deployment};
use stakebid_settlement::registry::SolverRegistry;
use stakebid_settlement::Confirm;
use stakebid_tests::{
    anvil, anvil_key, get, http, nats, scratch, solver_key, unix_now, wait_for, Node,
};

use crate::{on_chain, BIN};

fn node(dir: &std::path::Path, dep: &std::path::Path, rpc: &str, nats: &str) -> Node {
    Node::start(BIN, dir, None, &on_chain(dep, rpc, &["--nats", nats]))
}

/// Funds and submits `n` ETH intents to `node` for deployment `d`; their ids.
fn stake(
    rt: &tokio::runtime::Runtime,
    rpc: &str,
    d: &Deployment,
    node: &Node,
    n: usize,
    seed: u64,
) -> Vec<alloy::primitives::B256> {
    let domain = Domain { chain_id: d.chain_id, settlement: d.settlement };
    let intents: Vec<SignedIntent> =
        generate(&d.apply(&Market::snapshot()), &domain, 40, seed, unix_now())
            .into_iter()
            .filter(|s| s.intent.asset.is_zero())
            .take(n)
            .collect();
    let funder = wallet_provider(&rpc.parse().unwrap(), &anvil_key(1));
    rt.block_on(async {
        for s in &intents {
            let st = Settlement::new(d.settlement, funder.clone());
            st.depositFor(s.intent.owner).value(s.intent.amount).confirm().await.unwrap();
        }
    });
    intents
        .iter()
        .map(|s| {
            let body =
                json!({ "typed_data": s.intent.typed_data(&s.domain), "signature": s.signature });
            let (st, v) = http(&node.addr, "POST", "/v1/intents", &body.to_string()).unwrap();
            assert_eq!(st, 201, "{v}");
            s.intent.id(&domain).0
        })
        .collect()
}

fn all_settled(node: &Node, ids: &[alloy::primitives::B256]) {
    let ok = wait_for(Duration::from_secs(90), || {
        ids.iter()
            .all(|id| get(&node.addr, &format!("/v1/intents/{id}"))["status"] == "settled")
            .then_some(())
    });
    assert!(ok.is_some(), "not all settled on {}:\n{}", node.addr, node.proc.log());
}

fn no_faults_or_penalties(node: &Node) {
    let page = get(&node.addr, "/v1/auctions?limit=100");
    for a in page["auctions"].as_array().unwrap() {
        let v = get(&node.addr, &format!("/v1/auctions/{}", a["id"]));
        assert!(v["outcome"].is_null() || v["outcome"]["faults"] == json!([]), "{v}");
    }
    for s in get(&node.addr, "/v1/solvers")["solvers"].as_array().unwrap() {
        assert_eq!(s["penalties"], json!([]), "{s}");
    }
}

fn bonds(rt: &tokio::runtime::Runtime, rpc: &str, regs: &[Address]) -> Vec<(U256, U256)> {
    let read = ProviderBuilder::new().connect_http(rpc.parse().unwrap()).erased();
    rt.block_on(async {
        let mut out = vec![];
        for r in regs {
            for n in 0..3 {
                let reg = SolverRegistry::new(*r, read.clone());
                let b = reg.bonds(solver_key(n).address()).call().await.unwrap();
                out.push((b.amount, b.queued));
            }
        }
        out
    })
}

#[test]
fn sibling_deployments_on_one_bus_and_a_wiped_store_replay_nothing_into_a_round() {
    let dir = scratch("e2e-replay");
    let (_nats, nats_url) = nats(&dir);
    let (_anvil, rpc) = anvil(&dir);
    let (da, db) = (dir.join("a"), dir.join("b"));
    std::fs::create_dir_all(&da).unwrap();
    std::fs::create_dir_all(&db).unwrap();
    let (dep_a, dep_b) =
        (stakebid_tests::deploy(BIN, &da, &rpc), stakebid_tests::deploy(BIN, &db, &rpc));
    let (a_dep, b_dep): (Deployment, Deployment) = (
        stakebid_settlement::deploy::load(&dep_a).unwrap(),
        stakebid_settlement::deploy::load(&dep_b).unwrap(),
    );
    assert_ne!(a_dep.settlement, b_dep.settlement);
    let dom_a = Domain { chain_id: a_dep.chain_id, settlement: a_dep.settlement };
    let rt = tokio::runtime::Runtime::new().unwrap();

    // Everything on the bus, as anyone connected could record it.
    let seen: Arc<Mutex<Vec<Envelope>>> = Arc::default();
    let bus = rt.block_on(Bus::nats(&nats_url)).unwrap();
    let mut rx = rt.block_on(bus.subscribe("stakebid.>")).unwrap();
    let rec = seen.clone();
    rt.spawn(async move {
        while let Some(env) = rx.recv().await {
            rec.lock().unwrap().push(env);
        }
    });

    let mut a = node(&da, &dep_a, &rpc, &nats_url);
    // Both nodes use the dev executor, which funds each one's demo solvers.
    rt.block_on(async {
        let f = wallet_provider(&rpc.parse().unwrap(), &anvil_key(2));
        let top_up = U256::from(100u128 * 10u128.pow(18));
        stakebid_settlement::deploy::send_eth(&f, b_dep.executor, top_up).await.unwrap();
    });
    let b = node(&db, &dep_b, &rpc, &nats_url);
    let (ia, ib) = (stake(&rt, &rpc, &a_dep, &a, 3, 70), stake(&rt, &rpc, &b_dep, &b, 3, 71));
    all_settled(&a, &ia);
    all_settled(&b, &ib);
    no_faults_or_penalties(&a);
    no_faults_or_penalties(&b);

    // A's first life, as recorded: its solvers' commitments and reveals.
    let old: Vec<Envelope> = seen
        .lock()
        .unwrap()
        .iter()
        .filter(|e| matches!(e.kind(), Ok((_, Kind::Commitment | Kind::Reveal))))
        .filter(|e| e.open::<Value>(&dom_a, |_| true).is_ok())
        .cloned()
        .collect();
    assert!(!old.is_empty(), "A's solvers committed on the bus");

    // A's store wiped: auction ids start again at 1.
    a.proc.kill();
    std::fs::remove_dir_all(da.join("store")).unwrap();
    let a = node(&da, &dep_a, &rpc, &nats_url);
    let regs = [a_dep.registry, b_dep.registry];
    let more = stake(&rt, &rpc, &a_dep, &a, 3, 72);
    // Replay into every new round whose id A's first life used.
    let mut replayed = 0;
    let mut refusals = std::collections::BTreeSet::new();
    let mut done = std::collections::BTreeSet::new();
    let mut before: Option<Vec<(U256, U256)>> = None;
    let until = Instant::now() + Duration::from_secs(90);
    while Instant::now() < until && done.len() < 2 {
        let head = &get(&a.addr, "/v1/auctions?limit=1")["auctions"][0];
        let (Some(id), Some(phase)) = (head["id"].as_u64(), head["phase"].as_str()) else {
            std::thread::sleep(Duration::from_millis(100));
            continue;
        };
        let kind = match phase {
            "committing" => Kind::Commitment,
            "revealing" => Kind::Reveal,
            _ => {
                std::thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        if !done.insert((id, phase.to_string())) {
            std::thread::sleep(Duration::from_millis(100));
            continue;
        }
        before.get_or_insert_with(|| bonds(&rt, &rpc, &regs));
        for e in old.iter().filter(|e| e.kind().ok() == Some((id, kind))) {
            rt.block_on(bus.publish(e)).unwrap();
            let path = match kind {
                Kind::Commitment => format!("/v1/auctions/{id}/commitments"),
                _ => format!("/v1/auctions/{id}/reveals"),
            };
            let (st, v) = http(&a.addr, "POST", &path, &e.body).unwrap();
            assert!(st >= 400, "{path}: a replay was taken: {v}");
            refusals.insert(v["code"].as_str().unwrap_or_default().to_string());
            replayed += 1;
        }
    }
    assert!(replayed > 0, "a new round reused an old id: {done:?}");
    eprintln!("{replayed} replays refused with {refusals:?}");
    all_settled(&a, &more);
    std::thread::sleep(Duration::from_secs(6));
    no_faults_or_penalties(&a);
    no_faults_or_penalties(&b);
    assert_eq!(bonds(&rt, &rpc, &regs), before.unwrap(), "a bond changed");
}
