//! The store conformance suite: every rule `NodeStore` promises, written
//! against the trait so each backend runs the same checks (sled here; a
//! replicated backend calls `conformance` with its own opener). Beside it,
//! sled's own: a real crash (SIGKILL of a writer process) losing nothing
//! acknowledged, and a store of an older layout refused with its code.

use alloy::primitives::{Address, U256};
use stakebid_intents::Coded;
use stakebid_intents::{batch, IntentId, Market, SignedIntent};
use stakebid_node::pg::local::LocalPostgres;
use stakebid_node::pg::PgStore;
use stakebid_node::port::prelude::*;
use stakebid_node::port::NodeState;
use stakebid_node::port::Status;
use stakebid_node::store::Store;
use stakebid_tests::test_domain as domain;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

fn intents(n: usize, seed: u64) -> Vec<(IntentId, SignedIntent)> {
    batch::generate(&Market::snapshot(), &domain(), n, seed, 1_790_000_000)
        .into_iter()
        .map(|s| (s.intent.id(&domain()), s))
        .collect()
}

/// Opens (or reopens) a backend's store in a directory.
type Opener = dyn Fn(&Path) -> Box<dyn NodeStore>;

fn dir(name: &str) -> std::path::PathBuf {
    // Per test thread too: the backends' suites run side by side.
    let thread = std::thread::current().name().unwrap_or("main").replace("::", "-");
    let d =
        std::env::temp_dir().join(format!("stakebid-store-{name}-{}-{thread}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// An auction record in its commit phase over `ids`.
fn auction_record(id: u64, ids: &[(IntentId, SignedIntent)]) -> stakebid_node::port::AuctionRecord {
    stakebid_node::port::AuctionRecord {
        id,
        intents: ids.iter().map(|x| x.0).collect(),
        seed: alloy::primitives::B256::ZERO,
        commit_deadline: 10,
        reveal_deadline: 20,
        phase: stakebid_auction::domain::phase::Phase::Committing,
        public: None,
    }
}

fn accepted_intents_survive_a_reopen_and_replays_are_refused(open: &Opener) {
    let d = dir("reopen");
    let group = intents(300, 1);
    {
        let store = open(&d);
        assert!(store.accept(&group).unwrap().iter().all(|r| r.is_ok()));
    }
    let store = open(&d);
    assert_eq!(store.with_status(Status::Pending).unwrap().len(), 300);
    // The same intent again: replayed.
    let again = store.accept(&group[..1]).unwrap();
    assert_eq!(again[0].as_ref().unwrap_err().code(), "intent.replayed");
    // Other content, same owner and nonce: refused too.
    let (_, mut other) = group[0].clone();
    other.intent.amount += U256::from(1);
    let id = other.intent.id(&domain());
    let r = store.accept(&[(id, other)]).unwrap();
    assert_eq!(r[0].as_ref().unwrap_err().code(), "intent.nonce_reused");
    assert_eq!(store.count().unwrap(), 300);
    // Duplicates inside one group: the first is taken, the second refused.
    let fresh = intents(1, 99);
    let r = store.accept(&[fresh[0].clone(), fresh[0].clone()]).unwrap();
    assert!(r[0].is_ok());
    assert_eq!(r[1].as_ref().unwrap_err().code(), "intent.replayed");
    std::fs::remove_dir_all(&d).unwrap();
}

fn the_lifecycle_refuses_illegal_transitions(open: &Opener) {
    let d = dir("life");
    let store = open(&d);
    let g = intents(1, 2);
    store.accept(&g).unwrap();
    let id = g[0].0;
    let e = store.transition(&id, Status::Settled).unwrap_err();
    assert_eq!(e.code(), "intent.illegal_transition");
    store.transition(&id, Status::InAuction).unwrap();
    store.transition(&id, Status::Pending).unwrap(); // not won: back to the pool
    store.transition(&id, Status::InAuction).unwrap();
    store.transition(&id, Status::Awarded).unwrap();
    store.transition(&id, Status::Settled).unwrap();
    // Settled is final: it can never settle twice.
    assert!(store.transition(&id, Status::Settled).is_err());
    assert!(store.transition(&id, Status::Pending).is_err());
    assert_eq!(store.get(&id).unwrap().unwrap().status, Status::Settled);
    std::fs::remove_dir_all(&d).unwrap();
}

/// Runs only as the child of `a_killed_writer_loses_nothing_it_acknowledged`.
#[test]
fn crash_child() {
    let Ok(path) = std::env::var("STAKEBID_CRASH_DIR") else { return };
    let store = Store::open(std::path::Path::new(&path)).unwrap();
    for round in 0..5 {
        store.accept(&intents(100, 10 + round)).unwrap();
        // Acknowledged only after accept() returned, i.e. after the flush.
        println!("ACK {}", (round + 1) * 100);
    }
    std::thread::sleep(std::time::Duration::from_secs(600));
}

#[test]
fn a_killed_writer_loses_nothing_it_acknowledged() {
    let d = dir("crash");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["store::crash_child", "--exact", "--nocapture", "--test-threads=1"])
        .env("STAKEBID_CRASH_DIR", &d)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut acked = 0;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        if let Some(n) = line.unwrap().strip_prefix("ACK ") {
            acked = n.parse().unwrap();
            if acked == 500 {
                break;
            }
        }
    }
    child.kill().unwrap(); // SIGKILL: no destructors, no final flush
    child.wait().unwrap();
    let store = Store::open(&d).unwrap();
    assert_eq!(acked, 500);
    assert_eq!(store.with_status(Status::Pending).unwrap().len(), 500);
    std::fs::remove_dir_all(&d).unwrap();
}

fn a_restart_voids_unscored_auctions_and_resumes_scored_ones(open: &Opener) {
    use stakebid_auction::domain::phase::Phase;
    let d = dir("auctions");
    let g = intents(20, 3);
    {
        let store = open(&d);
        store.accept(&g).unwrap();
        let rec = auction_record;
        store.open_auction(&rec(1, &g[..10])).unwrap();
        store.open_auction(&rec(2, &g[10..15])).unwrap();
        // An intent cannot be in two auctions.
        let e = store.open_auction(&rec(3, &g[..1])).unwrap_err();
        assert_eq!(e.code(), "intent.not_pending");
        store.set_phase(2, Phase::Revealing).unwrap();
        store.set_phase(2, Phase::Scored).unwrap();
        assert_eq!(
            store.set_phase(2, Phase::Committing).unwrap_err().code(),
            "auction.illegal_transition"
        );
        assert_eq!(store.with_status(Status::InAuction).unwrap().len(), 15);
    } // the node stops here
    let store = open(&d);
    let r = store.recover().unwrap();
    assert_eq!(r.voided, vec![1]);
    assert_eq!(r.resumed, vec![2]);
    assert_eq!(store.auction(1).unwrap().unwrap().phase, Phase::Voided);
    // Auction 1's intents are back in the pool; auction 2's stay in it.
    assert_eq!(store.with_status(Status::Pending).unwrap().len(), 15);
    assert_eq!(store.with_status(Status::InAuction).unwrap().len(), 5);
    // Recovering again changes nothing.
    assert_eq!(store.recover().unwrap().voided, Vec::<u64>::new());
    std::fs::remove_dir_all(&d).unwrap();
}

fn indexes_follow_every_write_and_pages_are_stable(open: &Opener) {
    use stakebid_auction::domain::phase::Phase;
    let d = dir("index");
    // One owner with 25 intents (nonces 0..25), and 10 other owners.
    let (_, base) = intents(1, 7).remove(0);
    let owner = base.intent.owner;
    let mine: Vec<(IntentId, SignedIntent)> = (0..25u64)
        .map(|n| {
            let mut s = base.clone();
            s.intent.nonce = U256::from(n);
            (s.intent.id(&domain()), s)
        })
        .collect();
    let others = intents(10, 8);
    let rec = auction_record;
    {
        let store = open(&d);
        // Accepted in three groups, so "newest first" is observable.
        store.accept(&mine[..10]).unwrap();
        store.accept(&others).unwrap();
        store.accept(&mine[10..]).unwrap();
        // Pages of 10, newest first, covering each intent once.
        let mut seen = Vec::new();
        let mut cursor = None;
        let mut sizes = Vec::new();
        loop {
            let page = store.owner_page(&owner, cursor, 10).unwrap();
            sizes.push(page.intents.len());
            seen.extend(page.intents.iter().map(|(id, _)| *id));
            match page.next {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(sizes, vec![10, 10, 5]);
        let mut want: Vec<IntentId> = mine.iter().rev().map(|x| x.0).collect();
        assert_eq!(seen[..15], want[..15], "the later group comes first");
        seen.sort();
        want.sort();
        assert_eq!(seen, want);
        assert!(store
            .owner_page(&Address::repeat_byte(0xee), None, 10)
            .unwrap()
            .intents
            .is_empty());
        // Status index through auction moves, a void, and direct transitions.
        store.open_auction(&rec(1, &mine[..5])).unwrap();
        store.open_auction(&rec(2, &others[..3])).unwrap();
        store.open_auction(&rec(3, &others[3..4])).unwrap();
        assert_eq!(store.count_status(Status::InAuction).unwrap(), 9);
        assert_eq!(store.count_status(Status::Pending).unwrap(), 26);
        store.set_phase(1, Phase::Voided).unwrap();
        store.transition_all(&[(mine[20].0, Status::Cancelled)]).unwrap();
        assert_eq!(store.count_status(Status::InAuction).unwrap(), 4);
        assert_eq!(store.count_status(Status::Cancelled).unwrap(), 1);
        let pending: Vec<IntentId> =
            store.with_status(Status::Pending).unwrap().into_iter().map(|x| x.0).collect();
        assert_eq!(pending.len(), 30);
        assert!(!pending.contains(&mine[20].0));
        // Auction pages and the phase index.
        let ids = |v: Vec<stakebid_node::port::AuctionHead>| {
            v.into_iter().map(|h| h.id).collect::<Vec<_>>()
        };
        assert_eq!(ids(store.auction_page(None, 2).unwrap()), vec![3, 2]);
        assert_eq!(ids(store.auction_page(Some(2), 2).unwrap()), vec![1]);
        assert_eq!(store.auctions_in(Phase::Committing).unwrap(), vec![2, 3]);
        assert_eq!(store.auctions_in(Phase::Voided).unwrap(), vec![1]);
        assert_eq!(store.last_auction_id().unwrap(), 3);
    }
    std::fs::remove_dir_all(&d).unwrap();
}

/// A round's state beside intents and auctions survives a reopen; fields
/// left out of a save are kept.
fn node_state_round_trips(open: &Opener) {
    let d = dir("state");
    {
        let store = open(&d);
        assert_eq!(store.node_state().unwrap(), NodeState::default());
        let mut reg = stakebid_auction::domain::registry::Registry::new();
        reg.bond(Address::repeat_byte(4), stakebid_intents::Wei(7));
        let s = NodeState {
            registry: Some(reg),
            last_award: Some(alloy::primitives::B256::repeat_byte(9)),
            reserved: None,
        };
        store.save_node_state(&s).unwrap();
        store
            .save_node_state(&NodeState {
                last_award: Some(alloy::primitives::B256::repeat_byte(8)),
                ..NodeState::default()
            })
            .unwrap();
    }
    let store = open(&d);
    let s = store.node_state().unwrap();
    assert_eq!(s.last_award, Some(alloy::primitives::B256::repeat_byte(8)));
    assert_eq!(
        s.registry.unwrap().solvers[&Address::repeat_byte(4)].bond,
        stakebid_intents::Wei(7)
    );
    std::fs::remove_dir_all(&d).unwrap();
}

/// One group: every good intent lands, each refusal is its own, and the
/// whole group is on disk when `accept` returns (a reopen sees it).
fn a_group_commits_whole_with_per_intent_refusals(open: &Opener) {
    let d = dir("group");
    let g = intents(50, 21);
    let mut group = g.clone();
    group.insert(10, g[3].clone()); // a duplicate inside the group
    {
        let store = open(&d);
        let r = store.accept(&group).unwrap();
        assert_eq!(r.iter().filter(|x| x.is_ok()).count(), 50);
        assert_eq!(r[10].as_ref().unwrap_err().code(), "intent.replayed");
    }
    let store = open(&d);
    assert_eq!(store.count_status(Status::Pending).unwrap(), 50);
    assert!(g.iter().all(|(id, _)| store.get(id).unwrap().is_some()));
    std::fs::remove_dir_all(&d).unwrap();
}

/// The settlement journal lives in the store: what `put` wrote is there
/// after a reopen, entries come back in key order.
fn the_settlement_journal_is_durable(open: &Opener) {
    let d = dir("journal");
    {
        let j = open(&d).journal("settlements").unwrap();
        j.put(b"b", b"2".to_vec()).unwrap();
        j.put(b"a", b"1".to_vec()).unwrap();
    }
    let store = open(&d);
    let j = store.journal("settlements").unwrap();
    assert_eq!(j.get(b"a").unwrap(), Some(b"1".to_vec()));
    assert_eq!(
        j.entries().unwrap(),
        vec![(b"a".to_vec(), b"1".to_vec()), (b"b".to_vec(), b"2".to_vec())]
    );
    assert_eq!(store.journal("other").unwrap().entries().unwrap(), vec![]);
    std::fs::remove_dir_all(&d).unwrap();
}

/// Every rule the port promises, against one backend.
pub(crate) fn conformance(open: &Opener) {
    accepted_intents_survive_a_reopen_and_replays_are_refused(open);
    a_group_commits_whole_with_per_intent_refusals(open);
    the_lifecycle_refuses_illegal_transitions(open);
    a_restart_voids_unscored_auctions_and_resumes_scored_ones(open);
    indexes_follow_every_write_and_pages_are_stable(open);
    node_state_round_trips(open);
    the_settlement_journal_is_durable(open);
    a_settled_award_is_found_by_its_transaction(open);
    pending_of_counts_an_owners_pending_intents_through_their_lifecycle(open);
}

/// `pending_of` (the per-owner cap at intake) counts only the owner's
/// pending intents: an auction takes them out, a voided one gives them
/// back, a cancellation takes one for good; a reopen keeps the count.
fn pending_of_counts_an_owners_pending_intents_through_their_lifecycle(open: &Opener) {
    use stakebid_auction::domain::phase::Phase;
    let d = dir("pending-of");
    let group = intents(16, 31);
    let owner = group[0].1.intent.owner;
    let mine: Vec<_> = group.iter().filter(|(_, s)| s.intent.owner == owner).cloned().collect();
    assert!(mine.len() >= 2);
    {
        let store = open(&d);
        store.accept(&group).unwrap();
        assert_eq!(store.pending_of(&owner).unwrap(), mine.len());
        assert_eq!(store.pending_of(&Address::repeat_byte(0x55)).unwrap(), 0);
        store.open_auction(&auction_record(1, &mine)).unwrap();
        assert_eq!(store.pending_of(&owner).unwrap(), 0);
        store.set_phase(1, Phase::Voided).unwrap();
        assert_eq!(store.pending_of(&owner).unwrap(), mine.len());
        store.transition(&mine[0].0, Status::Cancelled).unwrap();
        assert_eq!(store.pending_of(&owner).unwrap(), mine.len() - 1);
    }
    let store = open(&d);
    assert_eq!(store.pending_of(&owner).unwrap(), mine.len() - 1);
}

/// The settlement-transaction index (`auction_by_tx`, what search by
/// transaction hash reads): written with the settlement, durable.
fn a_settled_award_is_found_by_its_transaction(open: &Opener) {
    use alloy::primitives::B256;
    use alloy::signers::local::PrivateKeySigner;
    let d = dir("by-tx");
    let tx = B256::repeat_byte(0x7e);
    let auction = {
        let store = open(&d);
        store.accept(&intents(6, 21)).unwrap();
        let mut ps = vec![crate::auctioneer::solver(1, "greedy", "honest")];
        let key = PrivateKeySigner::from_bytes(&B256::repeat_byte(0xa0)).unwrap();
        let mut a = crate::auctioneer::auctioneer(&*store, crate::auctioneer::bonded(&ps), &key);
        let r = a.round(1_790_000_000, &mut ps).unwrap().expect("a round runs");
        assert_eq!(store.auction_by_tx(&tx).unwrap(), None);
        a.settled(r.auction, r.awards[0].0.bidHash, tx, 21_000, &[]).unwrap();
        assert_eq!(store.auction_by_tx(&tx).unwrap(), Some(r.auction));
        assert_eq!(store.auction_by_tx(&B256::repeat_byte(1)).unwrap(), None);
        r.auction
    };
    let store = open(&d);
    assert_eq!(store.auction_by_tx(&tx).unwrap(), Some(auction), "durable");
    drop(store);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn sled_passes_the_store_conformance_suite() {
    conformance(&|d: &Path| Box::new(Store::open(d).unwrap()) as Box<dyn NodeStore>);
}

/// The same suite on a real Postgres (a private cluster this test starts):
/// each scratch directory of the suite maps to its own database, so a
/// "reopen" is a new store over the same database.
#[test]
fn postgres_passes_the_store_conformance_suite() {
    let scratch = stakebid_tests::scratch("pg-conformance");
    let pg = LocalPostgres::start(&scratch);
    conformance(&move |d: &Path| {
        std::fs::create_dir_all(d).unwrap();
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        d.hash(&mut h);
        let url = pg.database(&format!("s{:016x}", h.finish()));
        Box::new(PgStore::open(&url).unwrap()) as Box<dyn NodeStore>
    });
}

pub(crate) fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

#[test]
fn a_store_of_the_previous_layout_is_refused_with_its_code() {
    // Written by stakebid at 86751cf (the main before typed records): a
    // node that accepted three intents over HTTP; see the fixture's README.
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/store-layout-1");
    let d = dir("layout-1");
    copy_dir(&fixture.join("store"), &d);
    let e = Store::open(&d).err().expect("an old store is refused");
    assert_eq!(e.code(), "store.layout");
    // The sentence names no backend's flag: the CLI adds where the store is.
    assert!(
        e.to_string().contains("record layout 1") && e.to_string().contains("new store"),
        "{e}"
    );
    // Refusing wrote nothing: it is refused again, the same way.
    assert_eq!(Store::open(&d).err().unwrap().code(), "store.layout");
    std::fs::remove_dir_all(&d).unwrap();
}

/// Fencing on the store itself: node A leads (epoch 1); its lease runs out
/// while it is paused; B takes over (epoch 2). A's round, award, node-state
/// and journal writes are then refused with `store.fenced` and change
/// nothing; its intake still works (every node takes intents); B writes.
#[test]
fn a_deposed_leaders_writes_are_refused_on_postgres() {
    use stakebid_node::port::Fence;
    use std::time::Duration;
    let scratch = stakebid_tests::scratch("pg-fence");
    let pg = LocalPostgres::start(&scratch);
    let url = pg.database("fence");
    let a = PgStore::open(&url).unwrap();
    let b = PgStore::open(&url).unwrap();
    let ttl = Duration::from_millis(400);
    let la = a.lease("a", ttl).acquire().unwrap();
    assert_eq!((la.holder.as_str(), la.epoch, la.live), ("a", 1, true));
    a.set_fence(Some(Fence { holder: "a".into(), epoch: la.epoch }));
    // While A's lease is live, B cannot take it.
    assert_eq!(b.lease("b", ttl).acquire().unwrap().holder, "a");
    let g = intents(4, 31);
    a.accept(&g).unwrap();
    a.open_auction(&auction_record(1, &g[..2])).unwrap();
    // A pauses past its lease; B takes over.
    std::thread::sleep(ttl + Duration::from_millis(100));
    let lb = b.lease("b", ttl).acquire().unwrap();
    assert_eq!((lb.holder.as_str(), lb.epoch), ("b", 2));
    b.set_fence(Some(Fence { holder: "b".into(), epoch: lb.epoch }));
    // A resumes: every fenced write is refused and changes nothing.
    let e = a.open_auction(&auction_record(2, &g[2..])).unwrap_err();
    assert_eq!(e.code(), "store.fenced");
    let e = a.set_phase(1, stakebid_auction::domain::phase::Phase::Revealing).unwrap_err();
    assert_eq!(e.code(), "store.fenced");
    assert!(a.save_node_state(&NodeState::default()).is_err());
    // The executor's journal keeps the store's code: `store.fenced`, not a
    // generic journal error.
    let e = a.journal("settlements").unwrap().put(b"k", b"v".to_vec()).unwrap_err();
    assert_eq!(e.code.as_str(), "store.fenced", "{e}");
    assert_eq!(b.auction(2).unwrap(), None);
    assert_eq!(
        b.auction(1).unwrap().unwrap().phase,
        stakebid_auction::domain::phase::Phase::Committing
    );
    assert_eq!(b.journal("settlements").unwrap().entries().unwrap(), vec![]);
    // Renewing cannot win it back: the lease is B's.
    assert_eq!(a.lease("a", ttl).acquire().unwrap().holder, "b");
    // Intake is not fenced; the new leader's writes land.
    assert!(a.accept(&intents(1, 32)).unwrap()[0].is_ok());
    b.set_phase(1, stakebid_auction::domain::phase::Phase::Voided).unwrap();
    assert_eq!(b.with_status(Status::Pending).unwrap().len(), 5);
    b.journal("settlements").unwrap().put(b"k", b"v".to_vec()).unwrap();
    // A store migrated by a newer stakebid is refused with its code.
    let newer = pg.database("newer");
    drop(PgStore::open(&newer).unwrap());
    let psql = stakebid_node::pg::local::postgres_bin().join("psql");
    let st = std::process::Command::new(psql)
        .args([&newer, "-qc", "INSERT INTO stakebid_schema (version) VALUES (999)"])
        .status()
        .unwrap();
    assert!(st.success());
    let e = PgStore::open(&newer).err().expect("refused");
    assert_eq!(e.code(), "store.layout");
    assert!(e.to_string().contains("schema version 999"), "{e}");
}

/// With the database down every read the API makes fails with
/// `store.unavailable`: none answers a silent zero or an empty page.
#[test]
fn a_postgres_store_that_is_down_answers_unavailable_never_zero() {
    let scratch = stakebid_tests::scratch("pg-down");
    let mut pg = LocalPostgres::start(&scratch);
    let url = pg.database("down");
    let s = PgStore::open(&url).unwrap();
    let g = intents(3, 33);
    s.accept(&g).unwrap();
    assert_eq!(s.count_status(Status::Pending).unwrap(), 3);
    pg.stop();
    let owner = g[0].1.intent.owner;
    let codes: Vec<(&str, Option<String>)> = vec![
        ("count_status", s.count_status(Status::Pending).err().map(|e| e.code().to_string())),
        ("count", s.count().err().map(|e| e.code().to_string())),
        ("get", s.get(&g[0].0).err().map(|e| e.code().to_string())),
        ("with_status", s.with_status(Status::Pending).err().map(|e| e.code().to_string())),
        ("ids_with_status", s.ids_with_status(Status::Pending).err().map(|e| e.code().to_string())),
        ("pending_of", s.pending_of(&owner).err().map(|e| e.code().to_string())),
        ("owner_page", s.owner_page(&owner, None, 10).err().map(|e| e.code().to_string())),
        ("auction", s.auction(1).err().map(|e| e.code().to_string())),
        ("auction_page", s.auction_page(None, 10).err().map(|e| e.code().to_string())),
        (
            "auctions_in",
            s.auctions_in(stakebid_auction::domain::phase::Phase::Settled)
                .err()
                .map(|e| e.code().to_string()),
        ),
        ("last_auction_id", s.last_auction_id().err().map(|e| e.code().to_string())),
        ("node_state", s.node_state().err().map(|e| e.code().to_string())),
    ];
    for (call, code) in codes {
        assert_eq!(code.as_deref(), Some("store.unavailable"), "{call} with the database down");
    }
}

/// A store whose lanes are all held takes calls until its queue is
/// full, then refuses the next as `store.unavailable` (never queues
/// without bound); released, it answers every queued call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_is_refused_as_unavailable_and_every_queued_call_answers() {
    let dir = stakebid_tests::scratch("async-store-queue");
    let store = std::sync::Arc::new(Store::open(Path::new(&dir)).unwrap());
    let s = stakebid_node::port::AsyncStore::with_limits(store, 1, 2);
    let (release, gate) = std::sync::mpsc::channel::<()>();
    let gate = std::sync::Arc::new(std::sync::Mutex::new(gate));
    let (started, mut on_lane) = tokio::sync::mpsc::unbounded_channel::<()>();
    let hold = |s: &stakebid_node::port::AsyncStore| {
        let (s, gate, started) = (s.clone(), gate.clone(), started.clone());
        tokio::spawn(async move {
            s.run(move |st| {
                let _ = started.send(());
                gate.lock().unwrap().recv().unwrap();
                st.count()
            })
            .await
        })
    };
    // One call on the lane, then two in the queue.
    let mut held = vec![hold(&s)];
    on_lane.recv().await.unwrap();
    held.extend([hold(&s), hold(&s)]);
    while s.queued() < 2 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    // A queue without a bound would take it and hang: the timeout fails it.
    let refused = tokio::time::timeout(std::time::Duration::from_secs(2), s.run(|st| st.count()))
        .await
        .expect("refused at once, not queued");
    assert!(matches!(refused, Err(stakebid_node::port::StoreError::Unavailable(_))), "{refused:?}");
    for _ in 0..3 {
        release.send(()).unwrap();
    }
    for h in held {
        assert_eq!(h.await.unwrap().unwrap(), 0);
    }
    assert_eq!(s.run(|st| st.count()).await.unwrap(), 0);
}
