//! Nodes sharing a Postgres store: every node takes intents and serves
//! reads; the lease holder alone runs rounds. The leader is SIGKILLed and
//! the standby takes over; a leader paused past its lease is fenced and
//! steps down; a Postgres outage answers 503 with a code and recovers by
//! itself. All on real processes (a private Postgres cluster, the nodes
//! with their in-process solvers).

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use stakebid_tests::{get, http, intent_bodies, scratch, unix_now, wait_for, Node};

use crate::{args, BIN};
use stakebid_node::pg::local::LocalPostgres as Postgres;

/// Round every 2 s (1 s commit, 1 s reveal), so the default lease is
/// 1.2 s and a standby takes over within one round interval.
fn node(dir: &Path, url: &str, extra: &[&str]) -> Node {
    let mut a = args(&["--store", url, "--run-solvers", "optimal,greedy,waterfill"]);
    a.extend(args(&["--round-secs", "2", "--commit-secs", "1", "--reveal-secs", "1"]));
    a.extend(args(extra));
    Node::start(BIN, dir, None, &a)
}

fn leader(addr: &str) -> Value {
    get(addr, "/v1/health")["leader"].clone()
}

fn leads(n: &Node) -> bool {
    http(&n.addr, "GET", "/v1/health", "").is_some_and(|(_, v)| v["leader"]["this_node"] == true)
}

fn auctions(addr: &str) -> Vec<Value> {
    get(addr, "/v1/auctions?limit=200")["auctions"].as_array().cloned().unwrap_or_default()
}

/// Every intent awarded, each in exactly one award over all auctions.
fn each_awarded_once(addr: &str, ids: &[alloy::primitives::B256], log: &dyn Fn() -> String) {
    let done = wait_for(Duration::from_secs(90), || {
        ids.iter()
            .all(|id| get(addr, &format!("/v1/intents/{id}"))["status"] == "awarded")
            .then_some(())
    });
    assert!(done.is_some(), "every intent is eventually awarded:\n{}", log());
    let mut awarded: BTreeMap<String, u64> = BTreeMap::new();
    for a in auctions(addr) {
        let id = a["id"].as_u64().unwrap();
        let v = get(addr, &format!("/v1/auctions/{id}"));
        for aw in v["outcome"]["awards"].as_array().into_iter().flatten() {
            for i in aw["award"]["intentIds"].as_array().unwrap() {
                let prev = awarded.insert(i.as_str().unwrap().to_string(), id);
                assert!(prev.is_none(), "intent {i} awarded in auctions {prev:?} and {id}");
            }
        }
    }
    assert_eq!(awarded.len(), ids.len(), "every intent in one award");
}

#[test]
fn the_standby_takes_over_when_the_leader_dies_and_nothing_is_lost_or_awarded_twice() {
    let dir = scratch("cluster-failover");
    let pg = Postgres::start(&dir);
    let url = pg.database("failover");
    let mut a = node(&dir.join("a"), &url, &["--batch-size", "4"]);
    assert!(wait_for(Duration::from_secs(10), || leads(&a).then_some(())).is_some());
    let b = node(&dir.join("b"), &url, &["--batch-size", "4"]);
    // The standby knows the leader once it has read the lease (its first
    // try runs just after it starts listening).
    let seen =
        wait_for(Duration::from_secs(10), || (!leader(&b.addr)["holder"].is_null()).then_some(()));
    assert!(seen.is_some(), "the standby reads the lease: {}", leader(&b.addr));
    let la = leader(&a.addr);
    assert_eq!(leader(&b.addr)["holder"], la["holder"], "both see one leader");
    assert_eq!(leader(&b.addr)["this_node"], false);
    assert_eq!(get(&b.addr, "/v1/node")["leader"]["epoch"], la["epoch"]);
    // Intake on both nodes; each intent readable from the other.
    let bodies = intent_bodies(&a.domain(), 16, 41, unix_now());
    for (n, (body, _)) in bodies.iter().enumerate() {
        let to = if n % 2 == 0 { &a.addr } else { &b.addr };
        assert_eq!(http(to, "POST", "/v1/intents", body).unwrap().0, 201);
    }
    for (n, (_, id)) in bodies.iter().enumerate() {
        let other = if n % 2 == 0 { &b.addr } else { &a.addr };
        assert_eq!(http(other, "GET", &format!("/v1/intents/{id}"), "").unwrap().0, 200);
    }
    // The leader dies while a round is committing.
    let hit = wait_for(Duration::from_secs(30), || {
        auctions(&b.addr).into_iter().find(|x| x["phase"] == "committing")
    })
    .expect("a round opens");
    let killed_in = hit["id"].as_u64().unwrap();
    a.proc.kill();
    let t = Instant::now();
    let took = wait_for(Duration::from_secs(10), || leads(&b).then_some(()));
    assert!(took.is_some(), "the standby did not take over:\n{}", b.proc.log());
    let after = t.elapsed();
    let lb = leader(&b.addr);
    assert!(lb["epoch"].as_i64() > la["epoch"].as_i64(), "a takeover bumps the epoch: {lb}");
    // One round interval is 2 s; the poll above adds up to 50 ms.
    assert!(after < Duration::from_millis(2_100), "took over after {after:?}");
    eprintln!("takeover after {after:?}");
    // The dead leader's unscored round is voided (no penalties); its
    // intents go to the new leader's rounds.
    let voided = wait_for(Duration::from_secs(10), || {
        (get(&b.addr, &format!("/v1/auctions/{killed_in}"))["phase"] == "voided").then_some(())
    });
    assert!(voided.is_some(), "auction {killed_in} voided by the new leader");
    // Intake continues on the survivor.
    let more = intent_bodies(&b.domain(), 4, 42, unix_now());
    for (body, _) in &more {
        assert_eq!(http(&b.addr, "POST", "/v1/intents", body).unwrap().0, 201);
    }
    let ids: Vec<_> = bodies.iter().chain(&more).map(|x| x.1).collect();
    each_awarded_once(&b.addr, &ids, &|| b.proc.log());
    drop(pg);
}

#[test]
fn a_leader_paused_past_its_lease_is_fenced_and_steps_down() {
    let dir = scratch("cluster-fence");
    let pg = Postgres::start(&dir);
    let url = pg.database("fence");
    let a = node(&dir.join("a"), &url, &["--batch-size", "4"]);
    assert!(wait_for(Duration::from_secs(10), || leads(&a).then_some(())).is_some());
    let b = node(&dir.join("b"), &url, &["--batch-size", "4"]);
    let bodies = intent_bodies(&a.domain(), 12, 43, unix_now());
    for (body, _) in &bodies[..6] {
        assert_eq!(http(&a.addr, "POST", "/v1/intents", body).unwrap().0, 201);
    }
    // Paused, not killed: its connections (and any session lock) stay open.
    wait_for(Duration::from_secs(30), || {
        auctions(&b.addr).into_iter().find(|x| x["phase"] == "committing")
    })
    .expect("a round opens");
    a.proc.signal("STOP");
    assert!(
        wait_for(Duration::from_secs(10), || leads(&b).then_some(())).is_some(),
        "the standby takes the lease of a paused leader:\n{}",
        b.proc.log()
    );
    for (body, _) in &bodies[6..] {
        assert_eq!(http(&b.addr, "POST", "/v1/intents", body).unwrap().0, 201);
    }
    std::thread::sleep(Duration::from_secs(3));
    a.proc.signal("CONT");
    // Resumed inside the commit window it was paused in, it wakes to mark
    // the round revealing: that write is refused, and it stands by.
    let down = wait_for(Duration::from_secs(10), || {
        let log = a.proc.log();
        (log.contains("store.fenced") && log.contains("standing by")).then_some(())
    });
    assert!(down.is_some(), "the resumed leader is fenced and steps down:\n{}", a.proc.log());
    assert_eq!(leader(&a.addr)["this_node"], false);
    assert!(leads(&b));
    let ids: Vec<_> = bodies.iter().map(|x| x.1).collect();
    each_awarded_once(&b.addr, &ids, &|| format!("{}\n---\n{}", a.proc.log(), b.proc.log()));
    let log = a.proc.log();
    assert!(!log.contains("panicked"), "{log}");
    drop(pg);
}

#[test]
fn a_postgres_outage_answers_503_with_a_code_and_recovers_by_itself() {
    let dir = scratch("cluster-outage");
    let mut pg = Postgres::start(&dir);
    let url = pg.database("outage");
    let n = node(&dir.join("a"), &url, &["--no-auctions"]);
    // A node that runs no rounds only watches the lease: taking it would
    // stop every round in the cluster.
    std::thread::sleep(Duration::from_millis(500));
    assert_ne!(leader(&n.addr)["this_node"], true, "a --no-auctions node took the lease");
    let bodies = intent_bodies(&n.domain(), 3, 44, unix_now());
    assert_eq!(http(&n.addr, "POST", "/v1/intents", &bodies[0].0).unwrap().0, 201);
    pg.stop();
    let (status, v) = http(&n.addr, "POST", "/v1/intents", &bodies[1].0).unwrap();
    assert_eq!(status, 503, "{v}");
    assert_eq!(v["code"], "store.unavailable", "{v}");
    assert!(v["message"].as_str().unwrap().contains("nothing was stored"), "{v}");
    // Every read endpoint says the store is down: none answers a zero, an
    // empty page or a 404 it cannot know.
    let signed: serde_json::Value = serde_json::from_str(&bodies[0].0).unwrap();
    let owner = signed["typed_data"]["message"]["owner"].as_str().map(str::to_string);
    let mut reads = vec![
        format!("/v1/intents/{}", bodies[0].1),
        "/v1/auctions".to_string(),
        "/v1/auctions/1".to_string(),
        "/v1/stats".to_string(),
        "/v1/solvers".to_string(),
        format!("/v1/search?q={}", bodies[0].1),
        "/v1/search?q=1".to_string(),
    ];
    reads.extend(owner.map(|o| format!("/v1/owners/{o}/intents")));
    assert_eq!(reads.len(), 8, "the owner is read from the signed body");
    for path in &reads {
        let (status, v) = http(&n.addr, "GET", path, "").unwrap();
        assert_eq!((status, v["code"].as_str()), (503, Some("store.unavailable")), "{path}: {v}");
    }
    std::thread::sleep(Duration::from_secs(10));
    pg.resume();
    // The store reconnects on its own; the refused intent was not stored,
    // so it is taken now, and the first one survived.
    let back = wait_for(Duration::from_secs(20), || {
        let (s, _) = http(&n.addr, "POST", "/v1/intents", &bodies[1].0)?;
        (s == 201).then_some(())
    });
    assert!(back.is_some(), "intake recovers:\n{}", n.proc.log());
    assert_eq!(http(&n.addr, "POST", "/v1/intents", &bodies[2].0).unwrap().0, 201);
    for (_, id) in &bodies {
        assert_eq!(http(&n.addr, "GET", &format!("/v1/intents/{id}"), "").unwrap().0, 200);
    }
}

/// The bus on a 3-node NATS cluster with per-role users: the node connects
/// as the auctioneer, each solver process as `solver` to a different NATS
/// node. Solver credentials cannot publish an announcement. One NATS node
/// (the one a solver is connected to) is killed during a commit window:
/// that round and the next complete, the solver reconnects through the
/// cluster, and no solver is penalised.
#[test]
fn rounds_complete_on_a_nats_cluster_that_loses_a_node_and_solvers_cannot_announce() {
    use stakebid_intents::envelope::{
        solver_subject, subject, Envelope, Kind, PhaseMsg, ANNOUNCEMENTS,
    };
    use stakebid_sdk::cluster::Role;
    use stakebid_sdk::Bus;
    let dir = scratch("cluster-nats");
    let mut nats = stakebid_tests::NatsCluster::start(&dir);
    let pg = Postgres::start(&dir);
    let url = pg.database("nats");
    let node_url = nats.spec.url(Role::Auctioneer);
    let mut a = args(&["--store", &url, "--nats", &node_url, "--batch-size", "4"]);
    a.extend(args(&["--round-secs", "2", "--commit-secs", "2", "--reveal-secs", "1"]));
    a.extend(crate::register(3));
    let n = Node::start(BIN, &dir.join("a"), None, &a);
    let base = format!("http://{}", n.addr);
    let solver_url = |i: usize| nats.spec.solver_url(i, i);
    let _solvers: Vec<stakebid_tests::Proc> = ["optimal", "greedy", "waterfill"]
        .iter()
        .enumerate()
        .map(|(i, s)| crate::solver_process(&dir, i as u8, s, &base, Some(&solver_url(i)), false))
        .collect();
    // Each solver's credentials publish its own bids only: it cannot
    // announce, nor send on another solver's subjects (the server drops
    // both), nor read another solver's bids; an announcement it replays on
    // its own subject is dropped by every receiver before any solver acts.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (heard, peeked, acted) = rt.block_on(async {
        let watcher = Bus::nats(&node_url).await.unwrap();
        let mut rx = watcher.subscribe("stakebid.auctions.999999.>").await.unwrap();
        let solver = Bus::nats(&solver_url(2)).await.unwrap();
        // Subscribing to other solvers' bids is refused by the server: nothing arrives.
        let mut peek = solver.subscribe("stakebid.auctions.*.commitment.*").await.unwrap();
        let mut solver_view = solver.subscribe(ANNOUNCEMENTS).await.unwrap();
        let key = stakebid_tests::solver_key(2);
        let victim = stakebid_tests::solver_key(0).address();
        let d = n.domain();
        let phase = PhaseMsg { auction: 999_999, round: Default::default(), epoch: 0 };
        let fake = Envelope::seal(&d, subject(999_999, Kind::Open), &phase, &key);
        let _ = solver.publish(&fake).await;
        let as_victim = solver_subject(999_999, Kind::Commitment, victim);
        let _ = solver.publish(&Envelope::seal(&d, as_victim, &phase, &key)).await;
        let own = solver_subject(999_999, Kind::Commitment, key.address());
        solver.publish(&Envelope::seal(&d, own, &phase, &key)).await.unwrap();
        let mut got = Vec::new();
        while let Ok(Some(e)) = tokio::time::timeout(Duration::from_secs(2), rx.recv()).await {
            got.push(e.subject);
        }
        let peeked =
            tokio::time::timeout(Duration::from_millis(500), peek.recv()).await.ok().flatten();
        let acted = tokio::time::timeout(Duration::from_millis(500), solver_view.recv())
            .await
            .ok()
            .flatten()
            .filter(|e| e.subject.contains("999999"));
        (got, peeked, acted)
    });
    assert_eq!(
        heard,
        vec![solver_subject(999_999, Kind::Commitment, stakebid_tests::solver_key(2).address())],
        "only the solver's own bid got through"
    );
    assert!(peeked.is_none(), "a solver read another solver's bid: {peeked:?}");
    assert!(acted.is_none(), "a solver saw a forged announcement: {acted:?}");
    let bodies = intent_bodies(&n.domain(), 12, 45, unix_now());
    // Announcements carry the leader's lease epoch (solvers ignore older ones).
    let mut opens = rt.block_on(async {
        Bus::nats(&node_url).await.unwrap().subscribe("stakebid.auctions.*.open").await.unwrap()
    });
    for (body, _) in &bodies[..4] {
        assert_eq!(http(&n.addr, "POST", "/v1/intents", body).unwrap().0, 201);
    }
    let open = rt
        .block_on(async { tokio::time::timeout(Duration::from_secs(20), opens.recv()).await })
        .expect("an announcement")
        .unwrap();
    let body: Value = serde_json::from_str(&open.body).unwrap();
    let epoch = leader(&n.addr)["epoch"].as_i64().unwrap();
    assert!(epoch >= 1);
    assert_eq!(body["epoch"].as_i64(), Some(epoch), "{}", open.body);
    // That genuine announcement, replayed by solver 2 on the one subject its
    // credentials may publish on (its own commitments): no solver can read
    // that subject, and the node's bus drops it (its signed subject is not
    // the one it arrived on) — nobody acts on it.
    let replayed = rt.block_on(async {
        let watcher = Bus::nats(&node_url).await.unwrap();
        let mut rx = watcher.subscribe("stakebid.auctions.*.commitment.*").await.unwrap();
        let u = &nats.spec.solvers[2];
        let raw = async_nats::ConnectOptions::new()
            .user_and_password(u.user(), u.password.clone())
            .connect(format!("127.0.0.1:{}", nats.spec.client_ports[2]))
            .await
            .unwrap();
        let own = solver_subject(1, Kind::Commitment, u.address);
        raw.publish(own, serde_json::to_vec(&open).unwrap().into()).await.unwrap();
        raw.flush().await.unwrap();
        // Genuine commitments of the round pass by; the replay must not.
        let mut got = vec![];
        while let Ok(Some(e)) = tokio::time::timeout(Duration::from_secs(2), rx.recv()).await {
            got.push(e);
        }
        got.into_iter().find(|e| e.body == open.body)
    });
    assert!(replayed.is_none(), "a replayed announcement got through: {replayed:?}");
    // A round commits; the NATS node solver 1 is on dies. (More intents
    // first: the first round may have awarded all of its own and closed
    // while the replay was watched, and no round opens on an empty pool.)
    for (body, _) in &bodies[4..8] {
        assert_eq!(http(&n.addr, "POST", "/v1/intents", body).unwrap().0, 201);
    }
    let hit = wait_for(Duration::from_secs(30), || {
        auctions(&n.addr).into_iter().find(|x| x["phase"] == "committing")
    })
    .expect("a round opens");
    nats.nodes[1].kill();
    for (body, _) in &bodies[8..] {
        assert_eq!(http(&n.addr, "POST", "/v1/intents", body).unwrap().0, 201);
    }
    let id = hit["id"].as_u64().unwrap();
    let done = wait_for(Duration::from_secs(20), || {
        let p = get(&n.addr, &format!("/v1/auctions/{id}"))["phase"].clone();
        (p == "awarded" || p == "scored").then_some(p)
    });
    assert!(done.is_some(), "the round completes without NATS node 1:\n{}", n.proc.log());
    let ids: Vec<_> = bodies.iter().map(|x| x.1).collect();
    each_awarded_once(&n.addr, &ids, &|| n.proc.log());
    // Solver 1 took part again after its NATS node died (reconnected to
    // another), and nobody was penalised.
    let later: Vec<Value> = auctions(&n.addr)
        .into_iter()
        .filter(|x| x["id"].as_u64().unwrap() > id && x["phase"] == "awarded")
        .collect();
    assert!(!later.is_empty(), "rounds after the kill");
    let s1 = stakebid_tests::solver_key(1).address().to_string().to_lowercase();
    let bid_again = later.iter().any(|x| {
        let v = get(&n.addr, &format!("/v1/auctions/{}", x["id"]));
        v["outcome"]["bids"].to_string().to_lowercase().contains(&s1)
    });
    assert!(bid_again, "solver 1 bids again through another NATS node");
    for s in get(&n.addr, "/v1/solvers")["solvers"].as_array().unwrap() {
        assert_eq!(s["penalties"].as_array().map(Vec::len), Some(0), "{s}");
    }
    drop(pg);
}
