//! The node's store on Postgres: the same port, the same records (JSON, record
//! layout 2) and the same promises as the sled store, for nodes that share
//! one database (`stakebid node --store postgres://…`).
//!
//! - Refusals are constraints: the intent id is the primary key and
//!   (owner, nonce) is unique, so two nodes taking the same intent or nonce
//!   at once cannot both store it. A group of intents is one transaction
//!   (`INSERT … ON CONFLICT DO NOTHING` per intent, so one refusal does not
//!   abort the rest); it is durable when the commit returns.
//! - Read-check-write moves lock their rows (`SELECT … FOR UPDATE`), so
//!   moves from several nodes serialize on the rows they touch.
//! - Schema migrations (`auction/node/migrations/*.sql`) are applied on open under
//!   an advisory lock; a database migrated by a newer stakebid is refused.
//! - With a fence set ([`PgStore::set_fence`]), every write of round, award
//!   and executor state first checks, in its own transaction, that this
//!   node's lease (holder and epoch) is still the current one
//!   ([`lease`]); a deposed leader's writes fail with `store.fenced`.

mod lease;
pub mod local;
mod pool;

pub use lease::Lease;

use alloy::primitives::{Address, B256};
use postgres::Transaction;
use std::sync::{Arc, Mutex};

use stakebid_intents::{IntentId, SignedIntent};
use stakebid_settlement::executor::{Journal, JournalEntry};
use stakebid_settlement::JournalError;

use crate::index::{phase_byte, status_byte};
use crate::persist;
use crate::port::{
    AuctionHead, AuctionRecord, AuctionStore, Fence, IntentStore, JournalStore, LeaseState,
    LeaseStore, NodeState, OwnerPage, Record, Recovery, StateStore, Status, StoreError,
};
use crate::store::Clock;
use pool::{classify, Pool};
use stakebid_auction::domain::outcome::Outcome;
use stakebid_auction::domain::phase::Phase;

/// The migrations this binary knows, in order; the last one's number is the
/// schema version it writes.
const MIGRATIONS: [(i32, &str); 2] = [
    (1, include_str!("../../migrations/0001_store.sql")),
    (2, include_str!("../../migrations/0002_lease.sql")),
];

/// The schema version this binary reads and writes.
pub const SCHEMA: i32 = MIGRATIONS.len() as i32;

/// Connections per node: the API's reads, the intake writer and the round
/// driver each get one without waiting on the others.
const CONNECTIONS: usize = 4;

/// The Postgres store.
pub struct PgStore {
    pool: Arc<Pool>,
    clock: Clock,
    fence: Arc<Mutex<Option<Fence>>>,
}

fn json<T: serde::Serialize>(v: &T) -> Result<Vec<u8>, StoreError> {
    Ok(serde_json::to_vec(v)?)
}

fn decode<T: for<'de> serde::Deserialize<'de>>(b: &[u8]) -> Result<T, StoreError> {
    Ok(serde_json::from_slice(b)?)
}

fn err(e: postgres::Error) -> StoreError {
    classify(e)
}

impl PgStore {
    /// Connects to `url`, applies missing migrations, and refuses a schema
    /// newer than this binary's.
    pub fn open(url: &str) -> Result<PgStore, StoreError> {
        PgStore::open_with_clock(url, Arc::new(crate::store::system_clock))
    }

    /// As [`PgStore::open`], dating lifecycle moves with `clock`.
    pub fn open_with_clock(url: &str, clock: Clock) -> Result<PgStore, StoreError> {
        let pool = Arc::new(Pool::connect(url, CONNECTIONS)?);
        pool.run(migrate)?;
        Ok(PgStore { pool, clock, fence: Arc::new(Mutex::new(None)) })
    }

    /// Fences later writes of round, award and executor state with `fence`
    /// (the lease this node holds), or lifts the fence (`None`).
    pub fn set_fence(&self, fence: Option<Fence>) {
        *self.fence.lock().unwrap_or_else(|p| p.into_inner()) = fence;
    }

    fn fence(&self) -> Option<Fence> {
        self.fence.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The lease handle over this store's database (see [`Lease`]).
    pub fn lease(&self, holder: &str, ttl: std::time::Duration) -> Lease<'_> {
        Lease::new(self, holder, ttl)
    }

    pub(crate) fn run<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut postgres::Client) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, StoreError> {
        self.pool.run(f)
    }

    /// Runs `f` in one transaction, checking the fence first when `fenced`.
    fn tx<R: Send + 'static>(
        &self,
        fenced: bool,
        f: impl FnOnce(&mut Transaction<'_>, u64) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, StoreError> {
        let fence = if fenced { self.fence() } else { None };
        let now = (self.clock)();
        self.pool.run(move |c| {
            let mut t = c.transaction().map_err(err)?;
            if let Some(f) = &fence {
                lease::check(&mut t, f)?;
            }
            let out = f(&mut t, now)?;
            t.commit().map_err(err)?;
            Ok(out)
        })
    }
}

/// Applies the migrations the database lacks, one transaction each, under
/// an advisory lock so two nodes starting together do not race.
fn migrate(c: &mut postgres::Client) -> Result<(), StoreError> {
    let mut t = c.transaction().map_err(err)?;
    t.execute("SELECT pg_advisory_xact_lock(7424105101)", &[]).map_err(err)?;
    t.batch_execute(
        "CREATE TABLE IF NOT EXISTS stakebid_schema (
            version INT PRIMARY KEY,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
    )
    .map_err(err)?;
    let have: i32 = t
        .query_one("SELECT COALESCE(MAX(version), 0) FROM stakebid_schema", &[])
        .map_err(err)?
        .get(0);
    if have > SCHEMA {
        return Err(StoreError::Layout {
            found: format!("a newer stakebid (schema version {have})"),
            reads: format!("schema versions up to {SCHEMA}"),
        });
    }
    for (v, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > have) {
        t.batch_execute(sql).map_err(err)?;
        t.execute("INSERT INTO stakebid_schema (version) VALUES ($1)", &[v]).map_err(err)?;
    }
    t.commit().map_err(err)
}

fn phase_of(b: i16) -> Result<Phase, StoreError> {
    use Phase::*;
    [Committing, Revealing, Scored, Awarded, Settled, Failed, Voided]
        .into_iter()
        .find(|p| phase_byte(*p) as i16 == b)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown phase {b}")))
}

/// The intent records `ids` locked for update, in the order asked.
fn locked(t: &mut Transaction<'_>, ids: &[IntentId]) -> Result<Vec<Option<Record>>, StoreError> {
    let keys: Vec<&[u8]> = ids.iter().map(|i| i.0.as_slice()).collect();
    let rows = t
        .query("SELECT id, record FROM intents WHERE id = ANY($1) ORDER BY id FOR UPDATE", &[&keys])
        .map_err(err)?;
    let mut found = std::collections::HashMap::new();
    for r in rows {
        let id: Vec<u8> = r.get(0);
        let rec: Vec<u8> = r.get(1);
        found.insert(id, rec);
    }
    ids.iter()
        .map(|i| found.get(i.0.as_slice()).map(|b| persist::decode_intent(b)).transpose())
        .collect()
}

/// Applies `moves` (checked against the lifecycle) and writes the records.
fn apply_moves(
    t: &mut Transaction<'_>,
    moves: &[(IntentId, Status)],
    now: u64,
) -> Result<(), StoreError> {
    let ids: Vec<IntentId> = moves.iter().map(|m| m.0).collect();
    let mut recs: std::collections::HashMap<IntentId, Record> = std::collections::HashMap::new();
    for (id, r) in ids.iter().zip(locked(t, &ids)?) {
        if let Some(r) = r {
            recs.insert(*id, r);
        }
    }
    for (id, to) in moves {
        let r = recs.get_mut(id).ok_or(StoreError::Unknown(*id))?;
        r.move_to(*to, now).map_err(|(from, to)| StoreError::IllegalTransition {
            id: *id,
            from,
            to,
        })?;
    }
    for (id, r) in &recs {
        t.execute(
            "UPDATE intents SET status = $2, record = $3 WHERE id = $1",
            &[&id.0.as_slice(), &(status_byte(r.status) as i16), &persist::encode_intent(r)?],
        )
        .map_err(err)?;
    }
    Ok(())
}

/// The auction `id`, locked for update.
fn locked_auction(t: &mut Transaction<'_>, id: u64) -> Result<AuctionRecord, StoreError> {
    let row = t
        .query_opt("SELECT record FROM auctions WHERE id = $1 FOR UPDATE", &[&(id as i64)])
        .map_err(err)?
        .ok_or(StoreError::UnknownAuction(id))?;
    persist::decode_auction(&row.get::<_, Vec<u8>>(0))
}

/// Writes an auction record (phase column, settlement-transaction index).
fn put_auction(t: &mut Transaction<'_>, rec: &AuctionRecord) -> Result<(), StoreError> {
    t.execute(
        "INSERT INTO auctions (id, phase, record) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET phase = EXCLUDED.phase, record = EXCLUDED.record",
        &[&(rec.id as i64), &(phase_byte(rec.phase) as i16), &persist::encode_auction(rec)?],
    )
    .map_err(err)?;
    for tx in crate::store::settlement_txs(rec) {
        t.execute(
            "INSERT INTO settlement_txs (tx, auction) VALUES ($1, $2) ON CONFLICT (tx) DO NOTHING",
            &[&tx.as_slice(), &(rec.id as i64)],
        )
        .map_err(err)?;
    }
    Ok(())
}

/// Outcome, phase and moves in one fenced transaction, if `legal(from)`.
fn write_outcome(
    store: &PgStore,
    id: u64,
    public: Outcome,
    phase: Phase,
    moves: &[(IntentId, Status)],
    legal: fn(Phase, Phase) -> bool,
) -> Result<(), StoreError> {
    let moves = moves.to_vec();
    store.tx(true, move |t, now| {
        let mut rec = locked_auction(t, id)?;
        if !legal(rec.phase, phase) {
            return Err(StoreError::IllegalPhase { id, from: rec.phase, to: phase });
        }
        rec.phase = phase;
        rec.public = Some(public);
        apply_moves(t, &moves, now)?;
        put_auction(t, &rec)
    })
}

/// A `SELECT id, record, seq` row: arrival order is the column the
/// database assigns, not the one in the record.
fn id_record(r: &postgres::Row) -> Result<(IntentId, Record), StoreError> {
    let id: Vec<u8> = r.get(0);
    let rec = persist::decode_intent(&r.get::<_, Vec<u8>>(1))?;
    let seq = r.get::<_, i64>(2) as u64;
    Ok((IntentId(B256::from_slice(&id)), Record { seq, ..rec }))
}

impl IntentStore for PgStore {
    fn accept(
        &self,
        group: &[(IntentId, SignedIntent)],
    ) -> Result<Vec<Result<(), StoreError>>, StoreError> {
        let group = group.to_vec();
        self.tx(false, move |t, now| {
            let insert = t
                .prepare(
                    "INSERT INTO intents (id, owner, nonce, status, record)
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                )
                .map_err(err)?;
            let mut out = Vec::with_capacity(group.len());
            for (id, s) in &group {
                let rec = Record::new(s.clone(), now);
                let nonce = s.intent.nonce.to_be_bytes::<32>();
                let n = t
                    .execute(
                        &insert,
                        &[
                            &id.0.as_slice(),
                            &s.intent.owner.as_slice(),
                            &nonce.as_slice(),
                            &(status_byte(Status::Pending) as i16),
                            &persist::encode_intent(&rec)?,
                        ],
                    )
                    .map_err(err)?;
                if n == 1 {
                    out.push(Ok(()));
                    continue;
                }
                // Which constraint refused it: the id, else the nonce.
                let dup = t
                    .query_opt("SELECT 1 FROM intents WHERE id = $1", &[&id.0.as_slice()])
                    .map_err(err)?
                    .is_some();
                out.push(Err(if dup {
                    StoreError::Duplicate(*id)
                } else {
                    StoreError::NonceReused {
                        owner: s.intent.owner,
                        nonce: s.intent.nonce.to_string(),
                    }
                }));
            }
            Ok(out)
        })
    }

    fn get(&self, id: &IntentId) -> Result<Option<Record>, StoreError> {
        let id = *id;
        self.run(move |c| {
            c.query_opt("SELECT record FROM intents WHERE id = $1", &[&id.0.as_slice()])
                .map_err(err)?
                .map(|r| persist::decode_intent(&r.get::<_, Vec<u8>>(0)))
                .transpose()
        })
    }

    fn transition(&self, id: &IntentId, to: Status) -> Result<(), StoreError> {
        self.transition_all(&[(*id, to)])
    }

    fn transition_all(&self, moves: &[(IntentId, Status)]) -> Result<(), StoreError> {
        let moves = moves.to_vec();
        self.tx(false, move |t, now| apply_moves(t, &moves, now))
    }

    fn with_status(&self, status: Status) -> Result<Vec<(IntentId, Record)>, StoreError> {
        self.run(move |c| {
            c.query(
                "SELECT id, record, seq FROM intents WHERE status = $1 ORDER BY seq",
                &[&(status_byte(status) as i16)],
            )
            .map_err(err)?
            .iter()
            .map(id_record)
            .collect()
        })
    }

    fn ids_with_status(&self, status: Status) -> Result<Vec<IntentId>, StoreError> {
        self.run(move |c| {
            Ok(c.query(
                "SELECT id FROM intents WHERE status = $1",
                &[&(status_byte(status) as i16)],
            )
            .map_err(err)?
            .iter()
            .map(|r| IntentId(B256::from_slice(&r.get::<_, Vec<u8>>(0))))
            .collect())
        })
    }

    fn get_many(&self, ids: &[IntentId]) -> Result<Vec<(IntentId, Record)>, StoreError> {
        let keys: Vec<Vec<u8>> = ids.iter().map(|i| i.0.to_vec()).collect();
        self.run(move |c| {
            c.query("SELECT id, record, seq FROM intents WHERE id = ANY($1)", &[&keys])
                .map_err(err)?
                .iter()
                .map(id_record)
                .collect()
        })
    }

    fn pending_of(&self, owner: &Address) -> Result<usize, StoreError> {
        let owner = *owner;
        self.run(move |c| {
            let n: i64 = c
                .query_one(
                    "SELECT COUNT(*) FROM intents WHERE owner = $1 AND status = $2",
                    &[&owner.as_slice(), &(status_byte(Status::Pending) as i16)],
                )
                .map_err(err)?
                .get(0);
            Ok(n as usize)
        })
    }

    fn count_status(&self, status: Status) -> Result<usize, StoreError> {
        self.run(move |c| {
            let n: i64 = c
                .query_one(
                    "SELECT COUNT(*) FROM intents WHERE status = $1",
                    &[&(status_byte(status) as i16)],
                )
                .map_err(err)?
                .get(0);
            Ok(n as usize)
        })
    }

    fn owner_page(
        &self,
        owner: &Address,
        cursor: Option<u64>,
        limit: usize,
    ) -> Result<OwnerPage, StoreError> {
        let owner = *owner;
        let before = cursor.map_or(i64::MAX, |c| c.min(i64::MAX as u64) as i64);
        self.run(move |c| {
            let rows = c
                .query(
                    "SELECT id, record, seq FROM intents WHERE owner = $1 AND seq < $2
                     ORDER BY seq DESC LIMIT $3",
                    &[&owner.as_slice(), &before, &(limit as i64 + 1)],
                )
                .map_err(err)?;
            let more = rows.len() > limit;
            let mut intents = Vec::with_capacity(limit);
            let mut last = None;
            for r in rows.iter().take(limit) {
                let id: Vec<u8> = r.get(0);
                intents.push((
                    IntentId(B256::from_slice(&id)),
                    persist::decode_intent(&r.get::<_, Vec<u8>>(1))?,
                ));
                last = Some(r.get::<_, i64>(2) as u64);
            }
            Ok(OwnerPage { intents, next: last.filter(|_| more) })
        })
    }

    fn count(&self) -> Result<usize, StoreError> {
        self.run(|c| {
            let n: i64 = c.query_one("SELECT COUNT(*) FROM intents", &[]).map_err(err)?.get(0);
            Ok(n as usize)
        })
    }
}

impl AuctionStore for PgStore {
    fn open_auction(&self, rec: &AuctionRecord) -> Result<(), StoreError> {
        let rec = rec.clone();
        self.tx(true, move |t, now| {
            let recs = locked(t, &rec.intents)?;
            for (id, r) in rec.intents.iter().zip(recs) {
                let mut r = r.ok_or(StoreError::Unknown(*id))?;
                if r.status != Status::Pending {
                    return Err(StoreError::NotPending(*id));
                }
                r.enter_auction(rec.id, now).map_err(|_| StoreError::NotPending(*id))?;
                t.execute(
                    "UPDATE intents SET status = $2, record = $3 WHERE id = $1",
                    &[
                        &id.0.as_slice(),
                        &(status_byte(r.status) as i16),
                        &persist::encode_intent(&r)?,
                    ],
                )
                .map_err(err)?;
            }
            let fresh = t
                .execute(
                    "INSERT INTO auctions (id, phase, record) VALUES ($1, $2, $3)
                     ON CONFLICT (id) DO NOTHING",
                    &[
                        &(rec.id as i64),
                        &(phase_byte(rec.phase) as i16),
                        &persist::encode_auction(&rec)?,
                    ],
                )
                .map_err(err)?;
            if fresh == 0 {
                return Err(StoreError::Inconsistent(format!("auction {} already exists", rec.id)));
            }
            Ok(())
        })
    }

    fn auction(&self, id: u64) -> Result<Option<AuctionRecord>, StoreError> {
        self.run(move |c| {
            c.query_opt("SELECT record FROM auctions WHERE id = $1", &[&(id as i64)])
                .map_err(err)?
                .map(|r| persist::decode_auction(&r.get::<_, Vec<u8>>(0)))
                .transpose()
        })
    }

    fn set_phase(&self, id: u64, to: Phase) -> Result<(), StoreError> {
        self.tx(true, move |t, now| {
            let mut rec = locked_auction(t, id)?;
            if !rec.phase.can_become(to) {
                return Err(StoreError::IllegalPhase { id, from: rec.phase, to });
            }
            rec.phase = to;
            if to == Phase::Voided {
                let back: Vec<(IntentId, Status)> = rec
                    .intents
                    .iter()
                    .zip(locked(t, &rec.intents)?)
                    .filter(|(_, r)| r.as_ref().is_some_and(|r| r.status == Status::InAuction))
                    .map(|(id, _)| (*id, Status::Pending))
                    .collect();
                apply_moves(t, &back, now)?;
            }
            put_auction(t, &rec)
        })
    }

    fn conclude(
        &self,
        id: u64,
        public: Outcome,
        phase: Phase,
        moves: &[(IntentId, Status)],
    ) -> Result<(), StoreError> {
        write_outcome(self, id, public, phase, moves, Phase::may_conclude)
    }

    fn refallback(
        &self,
        id: u64,
        public: Outcome,
        phase: Phase,
        moves: &[(IntentId, Status)],
    ) -> Result<(), StoreError> {
        write_outcome(self, id, public, phase, moves, Phase::may_refallback)
    }

    fn record_settlement(
        &self,
        id: u64,
        public: Outcome,
        phase: Phase,
        moves: &[(IntentId, Status)],
    ) -> Result<(), StoreError> {
        write_outcome(self, id, public, phase, moves, Phase::may_record_settlement)
    }

    fn publish(&self, id: u64, public: Outcome) -> Result<(), StoreError> {
        self.tx(true, move |t, _| {
            let mut rec = locked_auction(t, id)?;
            rec.public = Some(public);
            put_auction(t, &rec)
        })
    }

    fn auction_page(
        &self,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Vec<AuctionHead>, StoreError> {
        let before = before.map_or(i64::MAX, |b| b.min(i64::MAX as u64) as i64);
        self.run(move |c| {
            c.query(
                "SELECT record FROM auctions WHERE id < $1 ORDER BY id DESC LIMIT $2",
                &[&before, &(limit as i64)],
            )
            .map_err(err)?
            .iter()
            .map(|r| persist::decode_head(&r.get::<_, Vec<u8>>(0)))
            .collect()
        })
    }

    fn auction_by_tx(&self, tx: &B256) -> Result<Option<u64>, StoreError> {
        let tx = *tx;
        self.run(move |c| {
            Ok(c.query_opt("SELECT auction FROM settlement_txs WHERE tx = $1", &[&tx.as_slice()])
                .map_err(err)?
                .map(|r| r.get::<_, i64>(0) as u64))
        })
    }

    fn auctions_in(&self, phase: Phase) -> Result<Vec<u64>, StoreError> {
        self.run(move |c| {
            Ok(c.query(
                "SELECT id FROM auctions WHERE phase = $1 ORDER BY id",
                &[&(phase_byte(phase) as i16)],
            )
            .map_err(err)?
            .iter()
            .map(|r| r.get::<_, i64>(0) as u64)
            .collect())
        })
    }

    fn recover(&self) -> Result<Recovery, StoreError> {
        let mut out = Recovery::default();
        let rows: Vec<(u64, Phase)> = self.run(|c| {
            c.query("SELECT id, phase FROM auctions ORDER BY id", &[])
                .map_err(err)?
                .iter()
                .map(|r| Ok((r.get::<_, i64>(0) as u64, phase_of(r.get(1))?)))
                .collect()
        })?;
        for (id, phase) in rows {
            if phase.voided_by_restart() {
                self.set_phase(id, Phase::Voided)?;
                out.voided.push(id);
            } else if matches!(phase, Phase::Scored | Phase::Awarded) {
                out.resumed.push(id);
            }
        }
        Ok(out)
    }

    fn last_auction_id(&self) -> Result<u64, StoreError> {
        self.run(|c| {
            let v: Option<i64> =
                c.query_one("SELECT MAX(id) FROM auctions", &[]).map_err(err)?.get(0);
            Ok(v.unwrap_or(0) as u64)
        })
    }
}

impl StateStore for PgStore {
    fn node_state(&self) -> Result<NodeState, StoreError> {
        self.run(|c| {
            let mut st = NodeState::default();
            for r in c.query("SELECT key, value FROM node_state", &[]).map_err(err)? {
                let key: String = r.get(0);
                let v: Vec<u8> = r.get(1);
                match key.as_str() {
                    "registry" => st.registry = Some(persist::decode_registry(&v)?),
                    "last_award" => st.last_award = Some(decode(&v)?),
                    "reserved" => st.reserved = Some(decode(&v)?),
                    _ => {}
                }
            }
            Ok(st)
        })
    }

    fn save_node_state(&self, state: &NodeState) -> Result<(), StoreError> {
        let mut kv: Vec<(&'static str, Vec<u8>)> = Vec::new();
        if let Some(r) = &state.registry {
            kv.push(("registry", persist::encode_registry(r)?));
        }
        if let Some(h) = &state.last_award {
            kv.push(("last_award", json(h)?));
        }
        if let Some(r) = &state.reserved {
            kv.push(("reserved", json(r)?));
        }
        self.tx(true, move |t, _| {
            for (k, v) in &kv {
                t.execute(
                    "INSERT INTO node_state (key, value) VALUES ($1, $2)
                     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                    &[k, v],
                )
                .map_err(err)?;
            }
            Ok(())
        })
    }
}

impl JournalStore for PgStore {
    fn journal(&self, name: &str) -> Result<Box<dyn Journal>, StoreError> {
        Ok(Box::new(PgJournal {
            pool: self.pool.clone(),
            fence: self.fence.clone(),
            name: name.to_string(),
        }))
    }
}

/// An executor journal (or the market book) in the `journal` table, one
/// name per journal. Writes are fenced like round state: a deposed leader's
/// executor cannot journal (so cannot broadcast) anything.
struct PgJournal {
    pool: Arc<Pool>,
    fence: Arc<Mutex<Option<Fence>>>,
    name: String,
}

impl Journal for PgJournal {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, JournalError> {
        let (name, key) = (self.name.clone(), key.to_vec());
        self.pool
            .run(move |c| {
                Ok(c.query_opt(
                    "SELECT value FROM journal WHERE name = $1 AND key = $2",
                    &[&name, &key],
                )
                .map_err(err)?
                .map(|r| r.get::<_, Vec<u8>>(0)))
            })
            .map_err(JournalError::from)
    }

    fn put(&self, key: &[u8], value: Vec<u8>) -> Result<(), JournalError> {
        let (name, key) = (self.name.clone(), key.to_vec());
        let fence = self.fence.lock().unwrap_or_else(|p| p.into_inner()).clone();
        self.pool
            .run(move |c| {
                let mut t = c.transaction().map_err(err)?;
                if let Some(f) = &fence {
                    lease::check(&mut t, f)?;
                }
                t.execute(
                    "INSERT INTO journal (name, key, value) VALUES ($1, $2, $3)
                     ON CONFLICT (name, key) DO UPDATE SET value = EXCLUDED.value",
                    &[&name, &key, &value],
                )
                .map_err(err)?;
                t.commit().map_err(err)
            })
            .map_err(JournalError::from)
    }

    fn entries(&self) -> Result<Vec<JournalEntry>, JournalError> {
        let name = self.name.clone();
        self.pool
            .run(move |c| {
                Ok(c.query("SELECT key, value FROM journal WHERE name = $1 ORDER BY key", &[&name])
                    .map_err(err)?
                    .iter()
                    .map(|r| (r.get::<_, Vec<u8>>(0), r.get::<_, Vec<u8>>(1)))
                    .collect())
            })
            .map_err(JournalError::from)
    }
}

impl LeaseStore for PgStore {
    fn acquire(&self, holder: &str, ttl: std::time::Duration) -> Result<LeaseState, StoreError> {
        self.lease(holder, ttl).acquire()
    }

    fn lease(&self) -> Result<LeaseState, StoreError> {
        self.lease("", std::time::Duration::ZERO).state()
    }

    fn release(&self, holder: &str) -> Result<(), StoreError> {
        self.lease(holder, std::time::Duration::ZERO).release()
    }

    fn fence(&self, fence: Option<Fence>) {
        self.set_fence(fence);
    }
}
