//! The durable intent pool, on sled.
//!
//! Accepted intents are written in groups: one sled batch and one flush per
//! call, so intake is not capped at one fsync per intent (~3k/s here) and
//! the API answers only after its intents are on disk. A write either lands
//! whole or not at all (sled batches are atomic), so nothing partial is
//! stored.
//!
//! Trees: `intents` (id → record), `nonces` (owner ‖ nonce → id, so a
//! replayed nonce is refused even with other content), `auctions` (id BE →
//! record), and the indexes in [`crate::index`] (status, owner,
//! phase), written in the same transactions as the records, so no request
//! and no round has to scan the whole store.

use alloy::primitives::Address;
use serde::{Deserialize, Serialize};
use std::path::Path;

use stakebid_intents::{IntentId, SignedIntent};

use crate::index;
use crate::port::{
    AuctionHead, AuctionRecord, AuctionStore, IntentStore, JournalStore, NodeState, OwnerPage,
    Record, Recovery, StateStore, Status, StoreError,
};
use stakebid_auction::domain::outcome::Outcome;
use stakebid_auction::domain::phase::Phase;
use stakebid_settlement::executor::Journal;

// The port's error names no backend; the sled store converts its own.
impl From<sled::Error> for StoreError {
    fn from(e: sled::Error) -> Self {
        StoreError::Failed(e.to_string())
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}

use crate::persist;

/// The node's store.
pub struct Store {
    db: sled::Db,
    // Read-check-write moves (cancel, open, conclude) from the API and the
    // driver thread go one at a time, so no move overwrites another.
    writer: std::sync::Mutex<()>,
    intents: sled::Tree,
    nonces: sled::Tree,
    auctions: sled::Tree,
    meta: sled::Tree,
    by_status: sled::Tree,
    by_owner: sled::Tree,
    by_phase: sled::Tree,
    // Settlement transaction hash → auction id, written with the outcome
    // that records it; rebuilt on open when empty (stores written before it).
    by_tx: sled::Tree,
    /// An owner's pending intents (owner ‖ id), for the per-owner cap.
    pending_by_owner: sled::Tree,
    // Dates each lifecycle move (unix s); injected so tests control it.
    clock: Clock,
}

/// The layout of stored records this code reads and writes: 2 = typed
/// outcomes, dated lifecycle records and the status/owner/phase indexes.
/// Stores of layout 1 (stakebid before it, unversioned) are refused.
pub const LAYOUT: u32 = 2;

pub use crate::clock::{unix_now as system_clock, Clock};

/// The `meta` tree's key for the solver registry (`persist`'s row).
const REGISTRY: &str = "registry";

/// One intent's record after a move, with the move (for the status index).
struct Moved {
    id: IntentId,
    owner: Address,
    from: Option<Status>,
    to: Status,
    bytes: Vec<u8>,
}

fn nonce_key(s: &SignedIntent) -> Vec<u8> {
    let mut k = s.intent.owner.to_vec();
    k.extend(s.intent.nonce.to_be_bytes::<32>());
    k
}

/// The sled database in `dir`. sled's flusher thread can hold the file
/// lock for a moment after a previous handle in this process is dropped:
/// wait up to 2 s for it.
pub fn open_db(dir: &Path) -> Result<sled::Db, StoreError> {
    let mut tries = 0;
    loop {
        match sled::open(dir) {
            Ok(db) => return Ok(db),
            Err(sled::Error::Io(e))
                if tries < 40 && e.to_string().contains("could not acquire lock") =>
            {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Err(e) => return Err(e.into()),
        }
    }
}

impl Store {
    /// Opens (or creates) the store in `dir`.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        Store::open_with_clock(dir, std::sync::Arc::new(system_clock))
    }

    /// Opens the store in `dir`, dating lifecycle moves with `clock`.
    pub fn open_with_clock(dir: &Path, clock: Clock) -> Result<Store, StoreError> {
        let db = open_db(dir)?;
        let store = Store {
            intents: db.open_tree("intents")?,
            nonces: db.open_tree("nonces")?,
            auctions: db.open_tree("auctions")?,
            meta: db.open_tree("meta")?,
            by_status: db.open_tree("by_status")?,
            by_owner: db.open_tree("by_owner")?,
            by_phase: db.open_tree("by_phase")?,
            by_tx: db.open_tree("by_tx")?,
            pending_by_owner: db.open_tree("pending_by_owner")?,
            writer: std::sync::Mutex::new(()),
            clock,
            db,
        };
        store.check_layout()?;
        store.index_settlements()?;
        store.index_pending_owners()?;
        Ok(store)
    }

    /// Fills the settlement-transaction index from the auctions when it is
    /// empty (a store written before the index): one pass, once.
    fn index_settlements(&self) -> Result<(), StoreError> {
        if !self.by_tx.is_empty() {
            return Ok(());
        }
        for kv in self.auctions.iter() {
            let (_, v) = kv?;
            let rec = persist::decode_auction(&v)?;
            for tx in settlement_txs(&rec) {
                self.by_tx.insert(tx.as_slice(), &rec.id.to_be_bytes())?;
            }
        }
        Ok(())
    }

    /// Fills the per-owner pending index from the pending intents when it is
    /// empty (a store written before the index): one pass, once.
    fn index_pending_owners(&self) -> Result<(), StoreError> {
        if !self.pending_by_owner.is_empty() {
            return Ok(());
        }
        for (id, rec) in self.with_status(Status::Pending)? {
            let key = index::pending_owner_key(&rec.signed.intent.owner, &id);
            self.pending_by_owner.insert(key, &[])?;
        }
        Ok(())
    }

    /// Refuses a store of another layout (never misreads one): records
    /// are typed and versioned by `LAYOUT`; a new store is stamped with it.
    fn check_layout(&self) -> Result<(), StoreError> {
        match self.load_meta::<u32>("layout")? {
            Some(LAYOUT) => Ok(()),
            Some(found) => Err(StoreError::Layout {
                found: format!("a stakebid with record layout {found}"),
                reads: format!("record layout {LAYOUT}"),
            }),
            None if self.intents.is_empty() && self.auctions.is_empty() && self.meta.is_empty() => {
                self.save_meta("layout", &LAYOUT)
            }
            None => Err(StoreError::Layout {
                found: "an older stakebid (record layout 1, before versioned records)".into(),
                reads: format!("record layout {LAYOUT}"),
            }),
        }
    }

    /// Writes an auction record (with its previous phase, for the phase
    /// index) and intent moves in one transaction, then flushes.
    fn write(
        &self,
        auction: Option<(&AuctionRecord, Option<Phase>)>,
        moved: &[Moved],
    ) -> Result<(), StoreError> {
        let record = auction.map(|(r, _)| persist::encode_auction(r)).transpose()?;
        use sled::Transactional;
        (
            &self.auctions,
            &self.intents,
            &self.by_status,
            &self.by_phase,
            &self.by_tx,
            &self.pending_by_owner,
        )
            .transaction(|(a, i, st, ph, tx, po)| {
                if let (Some((rec, before)), Some(bytes)) = (auction, &record) {
                    a.insert(&rec.id.to_be_bytes(), bytes.clone())?;
                    for hash in settlement_txs(rec) {
                        tx.insert(hash.as_slice(), &rec.id.to_be_bytes())?;
                    }
                    if let Some(p) = before {
                        ph.remove(index::phase_key(p, rec.id))?;
                    }
                    ph.insert(index::phase_key(rec.phase, rec.id), &[])?;
                }
                for m in moved {
                    i.insert(m.id.0.as_slice(), m.bytes.clone())?;
                    if let Some(from) = m.from {
                        st.remove(index::status_key(from, &m.id))?;
                    }
                    st.insert(index::status_key(m.to, &m.id), &[])?;
                    let pk = index::pending_owner_key(&m.owner, &m.id);
                    if m.to == Status::Pending {
                        po.insert(pk, &[])?;
                    } else {
                        po.remove(pk)?;
                    }
                }
                Ok(())
            })
            .map_err(tx_error)?;
        self.db.flush()?;
        Ok(())
    }

    /// Outcome, phase and intent moves in one transaction, if `legal(from)`.
    fn write_outcome(
        &self,
        id: u64,
        public: Outcome,
        phase: Phase,
        moves: &[(IntentId, Status)],
        legal: impl Fn(Phase) -> bool,
    ) -> Result<(), StoreError> {
        let _w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let mut rec = self.auction(id)?.ok_or(StoreError::UnknownAuction(id))?;
        if !legal(rec.phase) {
            return Err(StoreError::IllegalPhase { id, from: rec.phase, to: phase });
        }
        let before = rec.phase;
        rec.phase = phase;
        rec.public = Some(public);
        let moved = self.checked_moves(moves)?;
        self.write(Some((&rec, Some(before))), &moved)
    }

    /// The records of `moves` after each move, if every move is legal.
    fn checked_moves(&self, moves: &[(IntentId, Status)]) -> Result<Vec<Moved>, StoreError> {
        let mut moved: Vec<Moved> = Vec::with_capacity(moves.len());
        for (iid, to) in moves {
            // A second move of one intent in the same write starts where the
            // first left it; the index drops the status it had before both.
            let earlier = moved.iter().position(|m| m.id == *iid);
            let (mut r, stored) = match earlier {
                Some(i) => {
                    let m = moved.remove(i);
                    (persist::decode_intent(&m.bytes)?, m.from)
                }
                None => {
                    let r = self.get(iid)?.ok_or(StoreError::Unknown(*iid))?;
                    let st = r.status;
                    (r, Some(st))
                }
            };
            r.move_to(*to, (self.clock)()).map_err(|(from, to)| StoreError::IllegalTransition {
                id: *iid,
                from,
                to,
            })?;
            let bytes = persist::encode_intent(&r)?;
            let owner = r.signed.intent.owner;
            moved.push(Moved { id: *iid, owner, from: stored, to: *to, bytes });
        }
        Ok(moved)
    }

    /// Saves a piece of node state (registry, last award hash) durably.
    fn save_meta<T: Serialize>(&self, key: &str, value: &T) -> Result<(), StoreError> {
        self.meta.insert(key, serde_json::to_vec(value)?)?;
        self.db.flush()?;
        Ok(())
    }

    /// Loads a piece of node state saved with `save_meta`.
    fn load_meta<T: for<'de> Deserialize<'de>>(&self, key: &str) -> Result<Option<T>, StoreError> {
        Ok(match self.meta.get(key)? {
            Some(v) => Some(serde_json::from_slice(&v)?),
            None => None,
        })
    }
}

impl IntentStore for Store {
    /// Accepts a group of already-validated intents: each is either refused
    /// (duplicate, nonce reused — also within the group) or written; all
    /// written ones land in one atomic batch and one flush before this returns.
    fn accept(
        &self,
        group: &[(IntentId, SignedIntent)],
    ) -> Result<Vec<Result<(), StoreError>>, StoreError> {
        let _w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = Vec::with_capacity(group.len());
        let mut intents = sled::Batch::default();
        let mut nonces = sled::Batch::default();
        let mut statuses = sled::Batch::default();
        let mut owners = sled::Batch::default();
        let mut pending = sled::Batch::default();
        let mut seen_ids = std::collections::HashSet::new();
        let mut seen_nonces = std::collections::HashSet::new();
        for (id, s) in group {
            let nk = nonce_key(s);
            if self.intents.contains_key(id.0)? || !seen_ids.insert(*id) {
                out.push(Err(StoreError::Duplicate(*id)));
                continue;
            }
            if self.nonces.contains_key(&nk)? || !seen_nonces.insert(nk.clone()) {
                out.push(Err(StoreError::NonceReused {
                    owner: s.intent.owner,
                    nonce: s.intent.nonce.to_string(),
                }));
                continue;
            }
            let seq = self.db.generate_id()?;
            let rec = Record { seq, ..Record::new(s.clone(), (self.clock)()) };
            intents.insert(id.0.as_slice(), persist::encode_intent(&rec)?);
            nonces.insert(nk, id.0.as_slice());
            statuses.insert(index::status_key(Status::Pending, id), &[]);
            owners.insert(index::owner_key(&s.intent.owner, seq), id.0.as_slice());
            pending.insert(index::pending_owner_key(&s.intent.owner, id), &[]);
            out.push(Ok(()));
        }
        // All trees in one transaction: an intent never lands without its
        // nonce or its index entries.
        use sled::Transactional;
        (&self.intents, &self.nonces, &self.by_status, &self.by_owner, &self.pending_by_owner)
            .transaction(|(i, n, st, ow, po)| {
                i.apply_batch(&intents)?;
                n.apply_batch(&nonces)?;
                st.apply_batch(&statuses)?;
                ow.apply_batch(&owners)?;
                po.apply_batch(&pending)?;
                Ok(())
            })
            .map_err(tx_error)?;
        self.db.flush()?;
        Ok(out)
    }

    /// One intent's record.
    fn get(&self, id: &IntentId) -> Result<Option<Record>, StoreError> {
        self.intents.get(id.0)?.map(|v| persist::decode_intent(&v)).transpose()
    }

    /// Moves an intent to `to`, durably, if the lifecycle allows it.
    fn transition(&self, id: &IntentId, to: Status) -> Result<(), StoreError> {
        self.transition_all(&[(*id, to)])
    }

    /// Moves many intents at once: all moves are checked first, then
    /// written in one batch with one flush (a round moves its whole batch).
    fn transition_all(&self, moves: &[(IntentId, Status)]) -> Result<(), StoreError> {
        let _w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let moved = self.checked_moves(moves)?;
        self.write(None, &moved)
    }

    /// Every intent with `status`, in id order (from the status index).
    fn with_status(&self, status: Status) -> Result<Vec<(IntentId, Record)>, StoreError> {
        let mut v = Vec::new();
        for k in self.by_status.scan_prefix(index::status_prefix(status)).keys() {
            let id = IntentId(alloy::primitives::B256::from_slice(&k?[1..]));
            let rec = self.get(&id)?.ok_or_else(|| {
                StoreError::Inconsistent(format!("the status index names a missing intent {id}"))
            })?;
            v.push((id, rec));
        }
        Ok(v)
    }

    fn ids_with_status(&self, status: Status) -> Result<Vec<IntentId>, StoreError> {
        self.by_status
            .scan_prefix(index::status_prefix(status))
            .keys()
            .map(|k| Ok(IntentId(alloy::primitives::B256::from_slice(&k?[1..]))))
            .collect()
    }

    /// Counts the owner's index entries: its pending intents, not its history.
    fn pending_of(&self, owner: &Address) -> Result<usize, StoreError> {
        Ok(self.pending_by_owner.scan_prefix(owner.as_slice()).count())
    }

    /// How many intents have `status` (counts index keys, reads no record).
    fn count_status(&self, status: Status) -> Result<usize, StoreError> {
        let mut n = 0;
        for kv in self.by_status.scan_prefix(index::status_prefix(status)) {
            kv?;
            n += 1;
        }
        Ok(n)
    }

    /// Up to `limit` of `owner`'s intents, newest first, older than
    /// `cursor` (the previous page's `next`).
    fn owner_page(
        &self,
        owner: &Address,
        cursor: Option<u64>,
        limit: usize,
    ) -> Result<OwnerPage, StoreError> {
        let from = index::owner_key(owner, 0);
        let to = index::owner_key(owner, cursor.unwrap_or(u64::MAX));
        let mut intents = Vec::with_capacity(limit);
        let mut last = None;
        let mut more = false;
        for kv in self.by_owner.range(from..to).rev() {
            let (k, v) = kv?;
            if intents.len() == limit {
                more = true;
                break;
            }
            let id = IntentId(alloy::primitives::B256::from_slice(&v));
            let rec = self.get(&id)?.ok_or_else(|| {
                StoreError::Inconsistent(format!("the owner index names a missing intent {id}"))
            })?;
            intents.push((id, rec));
            last = Some(index::owner_seq(&k));
        }
        Ok(OwnerPage { intents, next: last.filter(|_| more) })
    }

    /// Number of intents stored.
    fn count(&self) -> Result<usize, StoreError> {
        Ok(self.intents.len())
    }
}

impl AuctionStore for Store {
    /// Opens an auction: its record and its intents' Pending → InAuction
    /// move land in one transaction and are flushed before this returns, so
    /// the node announces only what a restart will find.
    fn open_auction(&self, rec: &AuctionRecord) -> Result<(), StoreError> {
        let _w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let mut moved = Vec::with_capacity(rec.intents.len());
        for id in &rec.intents {
            let mut r = self.get(id)?.ok_or(StoreError::Unknown(*id))?;
            if r.status != Status::Pending {
                return Err(StoreError::NotPending(*id));
            }
            r.enter_auction(rec.id, (self.clock)()).map_err(|_| StoreError::NotPending(*id))?;
            let bytes = persist::encode_intent(&r)?;
            moved.push(Moved {
                id: *id,
                owner: r.signed.intent.owner,
                from: Some(Status::Pending),
                to: Status::InAuction,
                bytes,
            });
        }
        self.write(Some((rec, None)), &moved)
    }

    /// One auction's record.
    fn auction(&self, id: u64) -> Result<Option<AuctionRecord>, StoreError> {
        self.auctions.get(id.to_be_bytes())?.map(|v| persist::decode_auction(&v)).transpose()
    }

    /// Moves an auction to `to`, durably, if the lifecycle allows it. When it
    /// is voided, its intents return to the pool in the same transaction.
    fn set_phase(&self, id: u64, to: Phase) -> Result<(), StoreError> {
        let _w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let mut rec = self.auction(id)?.ok_or(StoreError::UnknownAuction(id))?;
        if !rec.phase.can_become(to) {
            return Err(StoreError::IllegalPhase { id, from: rec.phase, to });
        }
        let before = rec.phase;
        rec.phase = to;
        let mut back = Vec::new();
        if to == Phase::Voided {
            for iid in &rec.intents {
                if let Some(mut r) = self.get(iid)? {
                    if r.status == Status::InAuction {
                        r.move_to(Status::Pending, (self.clock)()).map_err(|(from, to)| {
                            StoreError::IllegalTransition { id: *iid, from, to }
                        })?;
                        let bytes = persist::encode_intent(&r)?;
                        let (from, to) = (Some(Status::InAuction), Status::Pending);
                        let owner = r.signed.intent.owner;
                        back.push(Moved { id: *iid, owner, from, to, bytes });
                    }
                }
            }
        }
        self.write(Some((&rec, Some(before))), &back)
    }

    /// Concludes a round in one transaction: its public outcome, its phase
    /// (Scored, or Awarded when it has winners) and every intent's move
    /// (won → Awarded, lost → Pending). A crash leaves either all or none.
    fn conclude(
        &self,
        id: u64,
        public: Outcome,
        phase: Phase,
        moves: &[(IntentId, Status)],
    ) -> Result<(), StoreError> {
        self.write_outcome(id, public, phase, moves, |from| from.may_conclude(phase))
    }

    /// After a failed settlement: the revised outcome, the phase (Awarded
    /// while any award stands, else Failed) and the failed winner's
    /// uncovered intents back to the pool, in one transaction.
    fn refallback(
        &self,
        id: u64,
        public: Outcome,
        phase: Phase,
        moves: &[(IntentId, Status)],
    ) -> Result<(), StoreError> {
        self.write_outcome(id, public, phase, moves, |from| from.may_refallback(phase))
    }

    /// A settlement landed: the outcome noting it, the phase (Settled once
    /// every award has, else Awarded) and its intents Awarded → Settled, in
    /// one transaction.
    fn record_settlement(
        &self,
        id: u64,
        public: Outcome,
        phase: Phase,
        moves: &[(IntentId, Status)],
    ) -> Result<(), StoreError> {
        self.write_outcome(id, public, phase, moves, |from| from.may_record_settlement(phase))
    }

    /// Records the public outcome of a round (written with the Scored phase).
    fn publish(&self, id: u64, public: Outcome) -> Result<(), StoreError> {
        let mut rec = self.auction(id)?.ok_or(StoreError::UnknownAuction(id))?;
        rec.public = Some(public);
        let phase = rec.phase;
        self.write(Some((&rec, Some(phase))), &[])
    }

    /// Up to `limit` auctions older than `before` (all when `None`), newest
    /// first, as listing heads: a reverse range over the id-ordered tree.
    fn auction_page(
        &self,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Vec<AuctionHead>, StoreError> {
        let end = before.unwrap_or(u64::MAX).to_be_bytes();
        let mut v = Vec::with_capacity(limit);
        for kv in self.auctions.range(..end).rev().take(limit) {
            let (_, val) = kv?;
            v.push(persist::decode_head(&val)?);
        }
        Ok(v)
    }

    /// The ids of every auction in `phase`, oldest first (the phase index).
    fn auction_by_tx(&self, tx: &alloy::primitives::B256) -> Result<Option<u64>, StoreError> {
        Ok(self.by_tx.get(tx.as_slice())?.and_then(|v| {
            let b: [u8; 8] = v.as_ref().try_into().ok()?;
            Some(u64::from_be_bytes(b))
        }))
    }

    fn auctions_in(&self, phase: Phase) -> Result<Vec<u64>, StoreError> {
        self.by_phase
            .scan_prefix(index::phase_prefix(phase))
            .keys()
            .map(|k| Ok(index::phase_auction(&k?)))
            .collect()
    }

    /// After a restart: auctions not yet scored are voided without
    /// penalties (their intents return to the pool); scored and awarded
    /// ones are resumed.
    fn recover(&self) -> Result<Recovery, StoreError> {
        let mut out = Recovery::default();
        let all: Vec<AuctionRecord> = self
            .auctions
            .iter()
            .values()
            .map(|v| persist::decode_auction(&v?))
            .collect::<Result<_, StoreError>>()?;
        for rec in all {
            if rec.phase.voided_by_restart() {
                self.set_phase(rec.id, Phase::Voided)?;
                out.voided.push(rec.id);
            } else if matches!(rec.phase, Phase::Scored | Phase::Awarded) {
                out.resumed.push(rec.id);
            }
        }
        Ok(out)
    }

    /// The highest auction id stored (0 when none): the last key of the
    /// id-ordered tree, not a count (sled counts by scanning).
    fn last_auction_id(&self) -> Result<u64, StoreError> {
        Ok(match self.auctions.last()? {
            Some((k, _)) => {
                let mut b = [0u8; 8];
                b.copy_from_slice(&k[..8]);
                u64::from_be_bytes(b)
            }
            None => 0,
        })
    }
}

impl StateStore for Store {
    fn node_state(&self) -> Result<NodeState, StoreError> {
        Ok(NodeState {
            registry: self.meta.get(REGISTRY)?.map(|v| persist::decode_registry(&v)).transpose()?,
            last_award: self.load_meta("last_award")?,
            reserved: self.load_meta("reserved")?,
        })
    }

    fn save_node_state(&self, state: &NodeState) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        if let Some(r) = &state.registry {
            batch.insert(REGISTRY, persist::encode_registry(r)?);
        }
        if let Some(h) = &state.last_award {
            batch.insert("last_award", serde_json::to_vec(h)?);
        }
        if let Some(r) = &state.reserved {
            batch.insert("reserved", serde_json::to_vec(r)?);
        }
        self.meta.apply_batch(batch)?;
        self.db.flush()?;
        Ok(())
    }
}

impl JournalStore for Store {
    fn journal(&self, name: &str) -> Result<Box<dyn Journal>, StoreError> {
        Ok(Box::new(self.db.open_tree(name)?))
    }
}

/// Maps a sled transaction failure (our closures never abort) to a store error.
fn tx_error(e: sled::transaction::TransactionError<()>) -> StoreError {
    match e {
        sled::transaction::TransactionError::Storage(e) => e.into(),
        sled::transaction::TransactionError::Abort(()) => {
            StoreError::Failed("transaction aborted".into())
        }
    }
}

/// The settlement transactions an auction record names (one per settled award).
pub(crate) fn settlement_txs(rec: &AuctionRecord) -> Vec<alloy::primitives::B256> {
    rec.public
        .iter()
        .flat_map(|o| o.awards.iter().filter_map(|a| a.settlement.as_ref().map(|n| n.tx)))
        .collect()
}
