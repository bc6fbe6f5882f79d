//! What the shared Postgres store costs against sled, measured in one run
//! on this machine (it needs Debian's postgresql; the bench starts a
//! private cluster and stops it):
//!
//! - durable intake through the HTTP API (signed intents: JSON, EIP-712,
//!   signature recovery, validation, the group-committed write, the 201),
//!   64 requests in flight: one node on sled (the baseline) against two API
//!   nodes over one Postgres, the load split between them; intents/s and
//!   each request's latency (p50, p99);
//! - the store's share of a round, one node each: read the pool, open an
//!   auction over 100 intents (record and moves in one transaction), mark it
//!   revealing, void it (intents back to the pool) — the writes a round makes
//!   around its solving and scoring, which do not depend on the store;
//! - whole rounds without their commit and reveal windows (which are time
//!   the node waits, the same on both): open, three in-process solvers
//!   commit and reveal, scoring, winner selection, the award.
//!
//! `cargo bench -p stakebid-node --bench replicated`
#![allow(missing_docs)]

use alloy::primitives::Address;
use futures_util::StreamExt;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy::primitives::B256;
use alloy::signers::local::PrivateKeySigner;
use stakebid_auction::domain::phase::Phase;
use stakebid_auction::domain::registry::Registry;
use stakebid_intents::{batch, Domain, Market, Policy, Wei};
use stakebid_node::api::{router, AppState, Intake};
use stakebid_node::auctioneer::{Auctioneer, Participant};
use stakebid_node::pg::local::LocalPostgres;
use stakebid_node::pg::PgStore;
use stakebid_node::port::prelude::*;
use stakebid_node::port::{AuctionRecord, Status};
use stakebid_node::store::Store;

const INTENTS: usize = 6_000;
const IN_FLIGHT: usize = 64;

fn serve(rt: &tokio::runtime::Runtime, store: Arc<dyn NodeStore>, d: Domain) -> String {
    rt.block_on(async {
        let mut state = AppState::new(
            store.clone(),
            Policy::new(d),
            stakebid_node::market::MarketFeed::fixed(Market::snapshot()),
            Arc::new(|| 1_790_000_000),
        );
        // One generator owner signs hundreds here: no per-owner cap.
        state.intake = Intake::with_owner_cap(store, usize::MAX);
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(l, router(state)).await.unwrap() });
        format!("http://{addr}/v1/intents")
    })
}

/// Posts `INTENTS` fresh signed intents round-robin over `urls`:
/// (intents/s, p50, p99).
fn intake(
    rt: &tokio::runtime::Runtime,
    urls: &[String],
    d: &Domain,
    seed: u64,
) -> (f64, Duration, Duration) {
    let reqs: Vec<(String, String)> = batch::generate(
        &Market::snapshot(),
        d,
        INTENTS,
        seed,
        1_790_000_000,
    )
    .into_iter()
    .enumerate()
    .map(|(n, s)| {
        let body =
            json!({ "typed_data": s.intent.typed_data(&s.domain), "signature": s.signature });
        (urls[n % urls.len()].clone(), body.to_string())
    })
    .collect();
    let client = reqwest::Client::new();
    let start = Instant::now();
    let mut lat: Vec<Duration> = rt.block_on(async {
        futures_util::stream::iter(reqs)
            .map(|(url, body)| {
                let c = client.clone();
                async move {
                    let t = Instant::now();
                    let r = c
                        .post(&url)
                        .header("content-type", "application/json")
                        .body(body)
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(r.status(), 201);
                    t.elapsed()
                }
            })
            .buffer_unordered(IN_FLIGHT)
            .collect()
            .await
    });
    let rate = INTENTS as f64 / start.elapsed().as_secs_f64();
    lat.sort();
    (rate, lat[lat.len() / 2], lat[lat.len() * 99 / 100])
}

/// The store's share of `rounds` rounds over 100 pending intents each:
/// median and p99 per round.
fn rounds(store: &dyn NodeStore, first: u64, n: u64) -> (Duration, Duration) {
    let mut ts = Vec::new();
    for id in first..first + n {
        let t = Instant::now();
        let pool = store.with_status(Status::Pending).unwrap();
        let rec = AuctionRecord {
            id,
            intents: pool.iter().take(100).map(|(i, _)| *i).collect(),
            seed: alloy::primitives::B256::ZERO,
            commit_deadline: 1,
            reveal_deadline: 2,
            phase: Phase::Committing,
            public: None,
        };
        store.open_auction(&rec).unwrap();
        store.set_phase(id, Phase::Revealing).unwrap();
        store.set_phase(id, Phase::Voided).unwrap();
        ts.push(t.elapsed());
    }
    ts.sort();
    (ts[ts.len() / 2], ts[ts.len() * 99 / 100])
}

/// Whole rounds without their windows: open (batch of 20 from the pool),
/// three honest solvers (optimal, greedy, waterfill) commit and reveal,
/// scoring, winner selection and the award, every store write included.
/// Median and p99 of `n` rounds.
fn whole_rounds(store: &dyn NodeStore, d: Domain, n: usize) -> (Duration, Duration) {
    let key = PrivateKeySigner::from_bytes(&B256::repeat_byte(0xa0)).unwrap();
    let mut ps: Vec<Box<dyn Participant>> = ["optimal", "greedy", "waterfill"]
        .iter()
        .enumerate()
        .map(|(i, s)| {
            Box::new(stakebid_solver::in_process::InProcess::new(
                PrivateKeySigner::from_bytes(&B256::repeat_byte(0x10 + i as u8)).unwrap(),
                stakebid_solver::by_name(s, 5).unwrap(),
            )) as Box<dyn Participant>
        })
        .collect();
    let mut registry = Registry::new();
    for p in &ps {
        registry.bond(p.address(), Wei(2 * 10u128.pow(18)));
    }
    let shape = stakebid_node::config::RoundConfig {
        scenarios: 100,
        batch_size: 20,
        commit_secs: 10,
        reveal_secs: 10,
        ..Default::default()
    };
    let mut a = Auctioneer::new(store, Market::snapshot(), key, d, &shape);
    a.registry = registry;
    a.next_id = store.last_auction_id().unwrap() + 1;
    let mut ts = Vec::new();
    for _ in 0..n {
        let t = Instant::now();
        let r = a.round(1_790_000_000, &mut ps).unwrap().expect("the pool has intents");
        assert!(!r.awards.is_empty(), "{r:?}");
        ts.push(t.elapsed());
    }
    ts.sort();
    (ts[ts.len() / 2], ts[ts.len() * 99 / 100])
}

fn main() {
    let d = Domain { chain_id: 31337, settlement: Address::repeat_byte(1) };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let tmp =
        std::env::temp_dir().join(format!("stakebid-bench-replicated-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    let pg = LocalPostgres::start(&tmp.join("pg"));
    let url = pg.database("bench");
    let sled: Arc<dyn NodeStore> = Arc::new(Store::open(&tmp.join("sled")).unwrap());
    let a: Arc<dyn NodeStore> = Arc::new(PgStore::open(&url).unwrap());
    let b: Arc<dyn NodeStore> = Arc::new(PgStore::open(&url).unwrap());
    let one = [serve(&rt, sled.clone(), d)];
    let two = [serve(&rt, a.clone(), d), serve(&rt, b.clone(), d)];
    // Warm both (connections, caches), then measure back to back.
    intake(&rt, &one, &d, 1);
    intake(&rt, &two, &d, 2);
    println!("{INTENTS} signed intents, {IN_FLIGHT} in flight, durable before 201:");
    println!("{:<36} {:>10} {:>9} {:>9}", "", "intents/s", "p50 ms", "p99 ms");
    for (name, urls, seed) in
        [("one node, sled (baseline)", &one[..], 3), ("two API nodes, one Postgres", &two[..], 4)]
    {
        let (r, p50, p99) = intake(&rt, urls, &d, seed);
        println!(
            "{name:<36} {r:>10.0} {:>9.2} {:>9.2}",
            p50.as_secs_f64() * 1e3,
            p99.as_secs_f64() * 1e3
        );
    }
    println!("\nthe store's share of a round (pool read, open over 100 intents, revealing, void), 50 rounds:");
    for (name, store) in [("sled", &sled), ("Postgres", &a)] {
        let (p50, p99) = rounds(&**store, 1, 50);
        println!(
            "{name:<36} p50 {:>7.2} ms  p99 {:>7.2} ms",
            p50.as_secs_f64() * 1e3,
            p99.as_secs_f64() * 1e3
        );
    }
    println!("\nwhole rounds without their windows (open over 20 intents, 3 solvers commit and reveal, scoring, selection, award), 20 rounds:");
    for (name, store) in [("sled", &sled), ("Postgres", &a)] {
        let (p50, p99) = whole_rounds(&**store, d, 20);
        println!(
            "{name:<36} p50 {:>7.2} ms  p99 {:>7.2} ms",
            p50.as_secs_f64() * 1e3,
            p99.as_secs_f64() * 1e3
        );
    }
    drop(pg);
    let _ = std::fs::remove_dir_all(&tmp);
}
