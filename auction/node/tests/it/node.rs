//! Nodes started in-process through `NodeBuilder`: leadership handed over
//! between two nodes on one Postgres (a clean shutdown, then a leader
//! aborted without releasing its lease), and a store that blocks every
//! call while `/healthz` and `/metrics` keep answering.

use alloy::primitives::{Address, B256};
use alloy::signers::local::PrivateKeySigner;
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use stakebid_auction::domain::outcome::Outcome;
use stakebid_auction::domain::phase::Phase;
use stakebid_intents::{IntentId, SignedIntent};
use stakebid_node::config::{LeaseOptions, StoreConfig};
use stakebid_node::pg::local::LocalPostgres;
use stakebid_node::port::prelude::*;
use stakebid_node::port::{
    AuctionHead, AuctionRecord, NodeState, OwnerPage, Record, Recovery, Status, StoreError,
};
use stakebid_node::store::Store;
use stakebid_node::{NodeBuilder, NodeConfig, NodeHandle};
use stakebid_settlement::executor::Journal;

const TTL: Duration = Duration::from_secs(1);
const ROUND: Duration = Duration::from_secs(2);

fn config(store: StoreConfig, name: &str) -> NodeConfig {
    let mut c = NodeConfig {
        store,
        listen: "127.0.0.1:0".into(),
        auctioneer_key: Some(PrivateKeySigner::from_bytes(&B256::repeat_byte(0x42)).unwrap()),
        lease: LeaseOptions { ttl: Some(TTL), name: Some(name.into()) },
        ..NodeConfig::default()
    };
    c.rounds.every_secs = ROUND.as_secs();
    c.rounds.commit_secs = 1;
    c.rounds.reveal_secs = 1;
    c
}

/// Waits up to `limit` for `f`; how long it took.
async fn within(limit: Duration, f: impl Fn() -> bool) -> Option<Duration> {
    let t = Instant::now();
    while t.elapsed() <= limit {
        if f() {
            return Some(t.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

fn leading(n: &NodeHandle) -> bool {
    n.leadership().is_some_and(|l| l.leading())
}

async fn leader_view(n: &NodeHandle) -> serde_json::Value {
    let v: serde_json::Value =
        reqwest::get(format!("{}/v1/health", n.url())).await.unwrap().json().await.unwrap();
    v["leader"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_on_one_postgres_hand_over_on_shutdown_and_after_an_abort() {
    let scratch = stakebid_tests::scratch("node-lead");
    let pg = LocalPostgres::start(&scratch);
    let url = pg.database("lead");
    let a =
        NodeBuilder::new(config(StoreConfig::Postgres(url.clone()), "a")).start().await.unwrap();
    assert!(within(ROUND, || leading(&a)).await.is_some(), "the first node leads");
    let b =
        NodeBuilder::new(config(StoreConfig::Postgres(url.clone()), "b")).start().await.unwrap();
    tokio::time::sleep(TTL).await;
    assert!(leading(&a) && !leading(&b), "one leader at a time");
    assert_eq!(leader_view(&b).await["holder"], "a", "the standby serves who leads");
    // A clean shutdown releases the lease: B leads within one round.
    a.shutdown().await;
    let took = within(ROUND, || leading(&b)).await;
    assert!(took.is_some(), "B did not lead within one round of A's shutdown");
    assert_eq!(leader_view(&b).await["this_node"], true);
    assert_eq!(leader_view(&b).await["epoch"], 2);
    // A leader aborted without releasing: C leads once the lease expires,
    // within its TTL plus one round, and not before it expired.
    let c =
        NodeBuilder::new(config(StoreConfig::Postgres(url.clone()), "c")).start().await.unwrap();
    tokio::time::sleep(TTL / 2).await;
    assert!(!leading(&c));
    b.abort().await;
    let took = within(TTL + ROUND, || leading(&c)).await;
    assert!(took.is_some(), "C did not lead within the lease's TTL plus one round");
    assert_eq!(leader_view(&c).await["epoch"], 3);
    assert_eq!(c.health().rounds, Some(true), "C's round thread runs its term");
    c.shutdown().await;
    drop(pg);
}

/// A store whose every call waits while its gate is closed.
struct Gated {
    inner: Store,
    closed: Mutex<bool>,
    opened: Condvar,
}

impl Gated {
    fn wait(&self) {
        let mut closed = self.closed.lock().unwrap();
        while *closed {
            closed = self.opened.wait(closed).unwrap();
        }
    }
    fn set(&self, closed: bool) {
        *self.closed.lock().unwrap() = closed;
        self.opened.notify_all();
    }
}

impl IntentStore for Gated {
    fn accept(
        &self,
        g: &[(IntentId, SignedIntent)],
    ) -> Result<Vec<Result<(), StoreError>>, StoreError> {
        self.wait();
        self.inner.accept(g)
    }
    fn get(&self, id: &IntentId) -> Result<Option<Record>, StoreError> {
        self.wait();
        self.inner.get(id)
    }
    fn transition(&self, id: &IntentId, to: Status) -> Result<(), StoreError> {
        self.wait();
        self.inner.transition(id, to)
    }
    fn transition_all(&self, m: &[(IntentId, Status)]) -> Result<(), StoreError> {
        self.wait();
        self.inner.transition_all(m)
    }
    fn with_status(&self, s: Status) -> Result<Vec<(IntentId, Record)>, StoreError> {
        self.wait();
        self.inner.with_status(s)
    }
    fn ids_with_status(&self, s: Status) -> Result<Vec<IntentId>, StoreError> {
        self.wait();
        self.inner.ids_with_status(s)
    }
    fn pending_of(&self, o: &Address) -> Result<usize, StoreError> {
        self.wait();
        self.inner.pending_of(o)
    }
    fn count_status(&self, s: Status) -> Result<usize, StoreError> {
        self.wait();
        self.inner.count_status(s)
    }
    fn owner_page(&self, o: &Address, c: Option<u64>, l: usize) -> Result<OwnerPage, StoreError> {
        self.wait();
        self.inner.owner_page(o, c, l)
    }
    fn count(&self) -> Result<usize, StoreError> {
        self.wait();
        self.inner.count()
    }
}

impl AuctionStore for Gated {
    fn open_auction(&self, r: &AuctionRecord) -> Result<(), StoreError> {
        self.wait();
        self.inner.open_auction(r)
    }
    fn auction(&self, id: u64) -> Result<Option<AuctionRecord>, StoreError> {
        self.wait();
        self.inner.auction(id)
    }
    fn set_phase(&self, id: u64, to: Phase) -> Result<(), StoreError> {
        self.wait();
        self.inner.set_phase(id, to)
    }
    fn conclude(
        &self,
        id: u64,
        o: Outcome,
        p: Phase,
        m: &[(IntentId, Status)],
    ) -> Result<(), StoreError> {
        self.wait();
        self.inner.conclude(id, o, p, m)
    }
    fn refallback(
        &self,
        id: u64,
        o: Outcome,
        p: Phase,
        m: &[(IntentId, Status)],
    ) -> Result<(), StoreError> {
        self.wait();
        self.inner.refallback(id, o, p, m)
    }
    fn record_settlement(
        &self,
        id: u64,
        o: Outcome,
        p: Phase,
        m: &[(IntentId, Status)],
    ) -> Result<(), StoreError> {
        self.wait();
        self.inner.record_settlement(id, o, p, m)
    }
    fn publish(&self, id: u64, o: Outcome) -> Result<(), StoreError> {
        self.wait();
        self.inner.publish(id, o)
    }
    fn auction_page(&self, b: Option<u64>, l: usize) -> Result<Vec<AuctionHead>, StoreError> {
        self.wait();
        self.inner.auction_page(b, l)
    }
    fn auction_by_tx(&self, tx: &B256) -> Result<Option<u64>, StoreError> {
        self.wait();
        self.inner.auction_by_tx(tx)
    }
    fn auctions_in(&self, p: Phase) -> Result<Vec<u64>, StoreError> {
        self.wait();
        self.inner.auctions_in(p)
    }
    fn recover(&self) -> Result<Recovery, StoreError> {
        self.wait();
        self.inner.recover()
    }
    fn last_auction_id(&self) -> Result<u64, StoreError> {
        self.wait();
        self.inner.last_auction_id()
    }
}

impl StateStore for Gated {
    fn node_state(&self) -> Result<NodeState, StoreError> {
        self.wait();
        self.inner.node_state()
    }
    fn save_node_state(&self, s: &NodeState) -> Result<(), StoreError> {
        self.wait();
        self.inner.save_node_state(s)
    }
}

impl JournalStore for Gated {
    fn journal(&self, name: &str) -> Result<Box<dyn Journal>, StoreError> {
        self.wait();
        self.inner.journal(name)
    }
}

/// The node runs on a runtime of two workers, the client on its own, so a
/// node whose handlers waited on the store on a worker fails this test
/// (no answer within 5 s) instead of hanging it.
#[test]
fn health_and_metrics_answer_while_every_store_call_is_held() {
    let dir = stakebid_tests::scratch("node-gated");
    let gated = Arc::new(Gated {
        inner: Store::open(Path::new(&dir)).unwrap(),
        closed: Mutex::new(false),
        opened: Condvar::new(),
    });
    let mut cfg = config(StoreConfig::Sled(dir.clone()), "gated");
    cfg.run_auctions = false;
    let node_rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let node = node_rt.block_on(NodeBuilder::new(cfg).store(gated.clone(), None).start()).unwrap();
    let client_rt = tokio::runtime::Runtime::new().unwrap();
    let client = reqwest::Client::new();
    let get = |path: String| {
        let (c, url) = (client.clone(), format!("{}{path}", node.url()));
        let (tx, rx) = std::sync::mpsc::channel();
        client_rt.spawn(async move {
            let _ = tx.send(c.get(url).send().await.map(|r| r.status().as_u16()).ok());
        });
        rx
    };
    gated.set(true);
    // More held reads than the node has workers.
    let reads = [
        format!("/v1/intents/{}", B256::repeat_byte(7)),
        "/v1/auctions".to_string(),
        "/v1/stats".to_string(),
        "/v1/solvers".to_string(),
        format!("/v1/owners/{}/intents", Address::repeat_byte(1)),
        "/v1/search?q=12".to_string(),
    ];
    let held: Vec<_> = reads.iter().cycle().take(12).map(|p| get(p.clone())).collect();
    std::thread::sleep(Duration::from_millis(300));
    let finished = held.iter().filter(|h| h.try_recv().is_ok()).count();
    let answered: Vec<(&str, Option<u16>)> = ["/healthz", "/metrics", "/v1/node", "/openapi.json"]
        .into_iter()
        .map(|p| (p, get(p.to_string()).recv_timeout(Duration::from_secs(5)).ok().flatten()))
        .collect();
    // Released before asserting, so a failure cannot leave the node stuck.
    gated.set(false);
    assert_eq!(finished, 0, "the store is held: no read can finish");
    for (path, status) in answered {
        assert_eq!(status, Some(200), "{path} must answer while the store is held");
    }
    for h in held {
        let status = h.recv_timeout(Duration::from_secs(5)).unwrap().unwrap();
        assert!(status == 200 || status == 404, "a held read answers once released: {status}");
    }
    node_rt.block_on(node.shutdown());
}

/// What a node serves at `path`, as JSON.
async fn view(node: &NodeHandle, path: &str) -> serde_json::Value {
    reqwest::get(format!("{}{path}", node.url())).await.unwrap().json().await.unwrap()
}

/// Every view an earlier main's node served from its store (the fixture's
/// `expected-*.json`), served the same by a node of today's code opening
/// that store.
async fn serves_the_same(node: &NodeHandle, expected: &Path) {
    let want: std::collections::BTreeMap<String, serde_json::Value> =
        serde_json::from_slice(&std::fs::read(expected).unwrap()).unwrap();
    let auctions = want.keys().filter(|p| p.starts_with("/v1/auctions/")).count();
    assert!(auctions >= 1 && want.len() > auctions + 3, "the fixture holds rounds: {want:?}");
    let awarded = want.values().filter(|v| v["status"] == "awarded").count();
    assert!(awarded >= 1, "the fixture holds awarded intents");
    for (path, v) in &want {
        assert_eq!(&view(node, path).await, v, "{path} differs from what the previous main served");
    }
}

/// A node holding escrowed intents must not be stranded by an upgrade:
/// stores written by the main before this crate split (a sled directory
/// and a Postgres dump; `tests/fixtures/previous-main/make.sh`) open, and
/// every auction, intent and solver view reads as the old node served it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stores_written_by_the_previous_main_open_and_serve_the_same_views() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/previous-main");
    let scratch = stakebid_tests::scratch("node-previous-main");
    // sled rewrites a store it opens: a copy.
    crate::store::copy_dir(&fixture.join("sled"), &scratch.join("sled"));
    let mut cfg = config(StoreConfig::Sled(scratch.join("sled")), "sled");
    cfg.run_auctions = false;
    let node = NodeBuilder::new(cfg).start().await.unwrap();
    serves_the_same(&node, &fixture.join("expected-sled.json")).await;
    node.shutdown().await;
    let pg = LocalPostgres::start(&scratch);
    let url = pg.database("prev");
    let psql = stakebid_node::pg::local::postgres_bin().join("psql");
    let dump = fixture.join("prev.sql");
    let st = std::process::Command::new(psql)
        .args([url.as_str(), "-q", "-v", "ON_ERROR_STOP=1", "-f"])
        .arg(&dump)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(st.success(), "the dump restores");
    let mut cfg = config(StoreConfig::Postgres(url), "pg");
    cfg.run_auctions = false;
    let node = NodeBuilder::new(cfg).start().await.unwrap();
    serves_the_same(&node, &fixture.join("expected-pg.json")).await;
    node.shutdown().await;
    drop(pg);
}
