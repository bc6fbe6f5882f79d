//! The auctioneer's round, end to end over the store: batch the pool, open
//! (persisted before anyone hears of it), collect sealed commitments,
//! reveals, score every bid itself, penalize faults, select winners, move
//! intents (won → Awarded, lost → back to Pending) and sign the awards.
//!
//! Participants are the auction's view of solvers: in-process strategies
//! today, NATS and HTTP solvers behind the same trait later. Time is passed
//! in: in-process rounds run on logical time.

use alloy::primitives::{keccak256, Address, Signature, B256, I256};
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::SolValue;
use std::collections::BTreeMap;

use stakebid_intents::market::Index;
use stakebid_intents::protocol::{
    seed, AuctionOpen, Award, Bid, RoundBinding, SkipReason, PROTOCOL_VERSION,
};
use stakebid_intents::scenarios::GENERATOR_VERSION;
use stakebid_intents::{Context, Domain, Intent, IntentId, Market, Scenarios};

use crate::port::{AuctionRecord, Status, StoreError};
use crate::port::{NodeState, NodeStore};
use stakebid_auction::domain::fairness::Fairness;
use stakebid_auction::domain::outcome::{AwardEntry, Outcome, RejectedBid, SettlementNote};
use stakebid_auction::domain::phase::Phase;
use stakebid_auction::domain::registry::{Offence, Registry};
use stakebid_auction::domain::round::{Fault, Round};
use stakebid_auction::domain::score::{score_all, Reason, Scored};
use stakebid_auction::domain::winner::{runner_up, select, Candidate};
use stakebid_intents::evaluate::CapacityUse;

pub use stakebid_intents::protocol::Participant;

/// One penalty the registry takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Charge {
    /// Whose bond.
    pub solver: Address,
    /// What for.
    pub offence: Offence,
    /// Wei (the node's copy of the registry's schedule).
    pub wei: u128,
    /// The unopened commitment or the rejected bid's hash.
    pub evidence: B256,
}

/// What one round did.
#[derive(Debug, Default)]
pub struct Report {
    /// Auction id.
    pub auction: u64,
    /// Intents in the batch.
    pub batch: usize,
    /// Bids revealed.
    pub revealed: usize,
    /// Signed awards, one per winning bid.
    pub awards: Vec<(Award, Signature)>,
    /// Bids the evaluator rejected, with reasons.
    pub rejected: Vec<(Address, Vec<Reason>)>,
    /// Commit/reveal faults.
    pub faults: Vec<Fault>,
    /// Each charge, as the SolverRegistry takes it: one per unopened
    /// commitment and per rejected bid, each with its evidence (the
    /// commitment or the bid's hash, both unique to this round since
    /// commitments are bound to the round's announcement).
    pub charges: Vec<Charge>,
    /// Intents that expired before batching.
    pub expired: usize,
}

/// A round that is open: what was announced and what closing it needs.
#[derive(Clone, Debug)]
pub struct Opened {
    /// The announcement.
    pub open: AuctionOpen,
    /// The batch, in announcement order.
    pub batch: Vec<(IntentId, Intent)>,
    /// Intents expired while batching.
    pub expired: usize,
    /// Solvers whose commitments this round accepts (bonded, not suspended).
    pub eligible: std::collections::BTreeSet<Address>,
}

/// The auctioneer.
pub struct Auctioneer<'s> {
    /// The node's store.
    pub store: &'s dyn NodeStore,
    /// Solver registry.
    pub registry: Registry,
    /// Market snapshot for the round.
    pub market: Market,
    /// Signs awards.
    pub key: PrivateKeySigner,
    /// Chain and Settlement.
    pub domain: Domain,
    /// Scenarios per round.
    pub scenarios: u32,
    /// Most intents per batch.
    pub batch_size: usize,
    /// Commit window (s).
    pub commit_secs: u64,
    /// Reveal window (s).
    pub reveal_secs: u64,
    /// Hash of the last award (seeds the next round).
    pub last_award: B256,
    /// Next auction id.
    pub next_id: u64,
    /// Capacity awarded but not settled yet: later rounds cannot use it.
    pub reserved: CapacityUse,
    /// Pending intents left out of rounds for now (the chain says they
    /// cannot be funded: escrow, allowance or balance short, nonce spent),
    /// so one unfunded intent cannot sink a whole batch's settlement; with
    /// each one's deadline, so a round expires them without reading them
    /// (shared: the live board shows the same map every round, uncopied).
    pub held: std::sync::Arc<std::collections::BTreeMap<IntentId, crate::funding::Held>>,
    /// No new rounds (the market feed stopped them; intents wait).
    pub paused: bool,
    /// Per-owner batch shares and backoff (kept in memory: a restart
    /// forgives every owner once).
    pub fairness: Fairness,
    /// Every market a round used, by hash (fallbacks re-score a past
    /// round on its own market); `None`: only `market`.
    pub markets: Option<std::sync::Arc<crate::market::MarketFeed>>,
}

impl Report {
    /// Charges `solver` for `offence` in the registry and records it.
    fn charge(
        &mut self,
        registry: &mut Registry,
        auction: u64,
        solver: Address,
        offence: Offence,
        evidence: B256,
    ) {
        let taken = registry.penalize(solver, auction, offence, evidence);
        if taken.0 > 0 {
            self.charges.push(Charge { solver, offence, wei: taken.0, evidence });
        }
    }

    /// Wei taken from each solver's bond this round (its charges summed).
    pub fn penalties(&self) -> BTreeMap<Address, u128> {
        let mut out: BTreeMap<Address, u128> = BTreeMap::new();
        for c in &self.charges {
            *out.entry(c.solver).or_default() += c.wei;
        }
        out
    }
}

impl<'s> Auctioneer<'s> {
    /// An auctioneer over `store` for `domain`, signing with `key`, its
    /// rounds shaped by `rounds` (scenarios, batch size, windows): an empty
    /// registry, no award yet, auction ids from 1, nothing reserved or held
    /// (call `load_state` to take up what the store kept).
    pub fn new(
        store: &'s dyn NodeStore,
        market: Market,
        key: PrivateKeySigner,
        domain: Domain,
        rounds: &crate::config::RoundConfig,
    ) -> Auctioneer<'s> {
        Auctioneer {
            store,
            registry: Registry::new(),
            market,
            key,
            domain,
            scenarios: rounds.scenarios,
            batch_size: rounds.batch_size,
            commit_secs: rounds.commit_secs,
            reveal_secs: rounds.reveal_secs,
            last_award: B256::ZERO,
            next_id: 1,
            reserved: Default::default(),
            held: Default::default(),
            paused: false,
            fairness: Default::default(),
            markets: None,
        }
    }

    /// Restores the registry (bonds, records), the last award hash and the
    /// next auction id from the store, so a restarted node keeps penalties
    /// and its seed chain (seed = keccak256(id ‖ previous award)) verifiable.
    pub fn load_state(&mut self) -> Result<(), StoreError> {
        let state = self.store.node_state()?;
        if let Some(r) = state.registry {
            self.registry = r;
        }
        if let Some(h) = state.last_award {
            self.last_award = h;
        }
        if let Some(r) = state.reserved {
            self.reserved = r;
        }
        self.next_id = self.next_id.max(1 + self.store.last_auction_id()?);
        Ok(())
    }

    /// Runs one round at logical time `now` with in-process participants.
    /// `None` when the pool is empty.
    pub fn round(
        &mut self,
        now: u64,
        participants: &mut [Box<dyn Participant + '_>],
    ) -> Result<Option<Report>, StoreError> {
        let Some(opened) = self.open(now)? else { return Ok(None) };
        let open = opened.open.clone();
        let mut round = Round::new(open.clone(), self.domain.chain_id);
        let at = RoundBinding::of(self.domain, &open);
        {
            let ix = Index::new(&self.market);
            let sc = Scenarios::generate(&self.market, &ix, open.seed, self.scenarios);
            let ctx = Context::new(&self.market, &sc);
            for p in participants.iter_mut() {
                let who = p.address();
                let eligible = opened.eligible.contains(&who);
                // Unsigned ones are dropped here, as the live node refuses them.
                let commits = p.commit(&at, &open, &ctx, &opened.batch);
                for c in commits.iter().filter_map(|c| c.verify(&at).ok()) {
                    let _ = round.commit(now, &c, eligible);
                }
            }
        }
        self.revealing(open.auctionId)?;
        for p in participants.iter_mut() {
            for r in p.reveal(open.auctionId).iter().filter_map(|r| r.verify(&at).ok()) {
                let _ = round.reveal(open.commitDeadline + 1, &r);
            }
        }
        self.close(opened, round).map(Some)
    }

    /// Opens a round at `now`: batches the pool (expiring intents that
    /// cannot settle in time), persists the auction and its intents'
    /// Pending → InAuction move, and returns what to announce. `None` when
    /// the pool is empty.
    pub fn open(&mut self, now: u64) -> Result<Option<Opened>, StoreError> {
        if self.paused {
            return Ok(None);
        }
        let close_at = now + self.commit_secs + self.reveal_secs + 1;
        let mut pool = Vec::new();
        let mut expired = Vec::new();
        // Held-back intents are never decoded here: there may be many
        // (unfunded intents cost nothing to sign), and their deadlines are known.
        let mut load = Vec::new();
        for id in self.store.ids_with_status(Status::Pending)? {
            match self.held.get(&id) {
                Some(h) if h.deadline <= close_at => expired.push((id, Status::Expired)),
                Some(_) => {}
                None => load.push(id),
            }
        }
        for (id, rec) in self.store.get_many(&load)? {
            // An intent that cannot settle before its deadline leaves the pool.
            if rec.signed.intent.deadline <= close_at {
                expired.push((id, Status::Expired));
            } else {
                pool.push((rec.seq, id, rec.signed.intent));
            }
        }
        self.store.transition_all(&expired)?;
        // Arrival order, never id order (ids can be ground); ties (records
        // from before arrival was kept) by id.
        pool.sort_by_key(|(seq, id, _)| (*seq, *id));
        let id = self.next_id;
        let owners: Vec<Address> = pool.iter().map(|(_, _, i)| i.owner).collect();
        let taken = self.fairness.fill(id, self.batch_size, &owners);
        let batch: Vec<(IntentId, Intent)> =
            taken.into_iter().map(|i| (pool[i].1, pool[i].2.clone())).collect();
        if batch.is_empty() {
            return Ok(None);
        }
        self.next_id += 1;
        let open = AuctionOpen {
            version: PROTOCOL_VERSION,
            auctionId: id,
            marketHash: self.market.hash(),
            generatorVersion: GENERATOR_VERSION,
            seed: seed(id, self.last_award),
            scenarioCount: self.scenarios,
            commitDeadline: now + self.commit_secs,
            revealDeadline: now + self.commit_secs + self.reveal_secs,
            intentIds: batch.iter().map(|(i, _)| i.0).collect(),
        };
        // The round's market is kept (by hash) before the round exists.
        if let Some(f) = &self.markets {
            f.keep_for_round(open.marketHash)
                .map_err(|e| StoreError::Failed(format!("cannot keep the round's market: {e}")))?;
        }
        // Persisted before it is announced.
        self.store.open_auction(&AuctionRecord {
            id,
            intents: batch.iter().map(|(i, _)| *i).collect(),
            seed: open.seed,
            commit_deadline: open.commitDeadline,
            reveal_deadline: open.revealDeadline,
            phase: Phase::Committing,
            public: None,
        })?;
        let eligible = self.registry.eligible_set();
        Ok(Some(Opened { open, batch, expired: expired.len(), eligible }))
    }

    /// The commit deadline passed: the auction takes reveals.
    pub fn revealing(&self, auction: u64) -> Result<(), StoreError> {
        self.store.set_phase(auction, Phase::Revealing)
    }

    /// After the reveal deadline: penalizes faults, scores every revealed
    /// bid itself, selects winners, signs awards, and writes the public
    /// outcome, the phase and every intent's move in one transaction.
    pub fn close(&mut self, opened: Opened, mut round: Round) -> Result<Report, StoreError> {
        let Opened { open, batch, expired, .. } = opened;
        let id = open.auctionId;
        let mut report = Report { auction: id, batch: batch.len(), expired, ..Report::default() };
        // The market announced with the round (refreshes happen between rounds).
        let market = self.market_of(open.marketHash)?;
        let ix = Index::new(&market);
        let sc = Scenarios::generate(&market, &ix, open.seed, self.scenarios);
        let ctx = Context::new(&market, &sc);
        let bids = round.close(open.revealDeadline + 1).unwrap_or_default();
        report.revealed = bids.len();
        report.faults = round.faults().to_vec();
        // A round's one fault: a signed commitment left unopened.
        // Each unopened commitment is charged: a solver cannot commit
        // several bids and open only the one that wins.
        for f in round.faults() {
            report.charge(&mut self.registry, id, f.solver, Offence::Unrevealed, f.commitment);
        }
        let in_batch: BTreeMap<IntentId, Intent> = batch.iter().cloned().collect();
        let mut scored = score_all(&ctx, &in_batch, &bids);
        let reg = &self.registry;
        scored.within_bonds(&bids, |s| reg.solvers.get(s).map_or(0, |s| s.bond.0));
        let Scored { cands, cand_bids, rejected, .. } = scored;
        let cand_bids: Vec<&Bid> = cand_bids.iter().map(|&i| &bids[i]).collect();
        let mut rejected_bids: Vec<&Bid> = Vec::new();
        for (i, reasons) in rejected {
            let bid = &bids[i];
            report.charge(&mut self.registry, id, bid.solver, Offence::InvalidPlan, bid.hash());
            report.rejected.push((bid.solver, reasons));
            rejected_bids.push(bid);
        }
        let avail = CapacityUse::available(&self.market).minus(&self.reserved);
        let sel = select(&cands, &avail);
        for &w in &sel.winners {
            self.reserved.add(&cands[w].capacity);
        }
        let mut won = std::collections::BTreeSet::new();
        for &w in &sel.winners {
            won.extend(cands[w].scores.keys().copied());
            report.awards.push(self.sign_award(id, cand_bids[w], &cands[w]));
        }
        // Public from here on: every bid, its score or why it was rejected.
        let rejected = report
            .rejected
            .iter()
            .zip(&rejected_bids)
            .map(|((_, reasons), b)| RejectedBid::new(b, reasons.clone()))
            .collect();
        let awards = report
            .awards
            .iter()
            .zip(&sel.winners)
            .map(|((award, sig), &w)| AwardEntry::new(award, sig, &cands[w].capacity))
            .collect();
        let mut public =
            Outcome::scored(&open, &cands, &cand_bids, &sel, rejected, &report.faults, awards);
        // The record names where its market came from.
        public.market_block = market.live.as_ref().map(|l| l.block);
        public.params_as_of =
            market.live.as_ref().map_or_else(|| market.as_of.clone(), |l| l.params_as_of.clone());
        // Owners whose intents no valid bid covered back off (per owner:
        // re-signing under a new nonce does not escape it).
        let covered: std::collections::BTreeSet<IntentId> =
            cands.iter().flat_map(|c| c.scores.keys().copied()).collect();
        let (mut good, mut bad) =
            (std::collections::BTreeSet::new(), std::collections::BTreeSet::new());
        for (iid, intent) in &batch {
            if covered.contains(iid) {
                good.insert(intent.owner)
            } else {
                bad.insert(intent.owner)
            };
        }
        self.fairness.record(id, &bad, &good);
        let moves: Vec<(IntentId, Status)> = batch
            .iter()
            .map(|(iid, _)| {
                (*iid, if won.contains(iid) { Status::Awarded } else { Status::Pending })
            })
            .collect();
        let phase = if report.awards.is_empty() { Phase::Scored } else { Phase::Awarded };
        self.store.conclude(id, public, phase, &moves)?;
        if !report.awards.is_empty() {
            let digests: Vec<B256> =
                report.awards.iter().map(|(a, _)| a.digest(&self.domain)).collect();
            self.last_award = keccak256(digests.abi_encode());
        }
        self.save_state()?;
        Ok(report)
    }

    /// The market a past round used (its hash is in its outcome).
    fn market_of(&self, hash: B256) -> Result<Market, StoreError> {
        if self.market.hash() == hash {
            return Ok(self.market.clone());
        }
        let kept = self.markets.as_ref().map(|f| f.by_hash(hash)).transpose();
        match kept {
            Ok(Some(Some(m))) => Ok(m),
            Ok(_) => Err(StoreError::Inconsistent(format!("market {hash} is not kept"))),
            Err(e) => Err(StoreError::Inconsistent(e.to_string())),
        }
    }

    /// The auctioneer's signed award of `bid` (scored as `cand`) in `auction`.
    fn sign_award(&self, auction: u64, bid: &Bid, cand: &Candidate) -> (Award, Signature) {
        let award = Award {
            auctionId: auction,
            bidHash: bid.hash(),
            solver: cand.solver,
            // In the bid's plan order: the Settlement pairs them up by index.
            intentIds: bid.plans.iter().map(|p| p.intentId).collect(),
            score: I256::try_from(cand.score()).unwrap_or(I256::MAX),
        };
        let sig = award.sign(&self.domain, &self.key);
        (award, sig)
    }

    /// Writes the registry, the last award and the reserved capacity.
    pub(crate) fn save_state(&self) -> Result<(), StoreError> {
        self.store.save_node_state(&NodeState {
            registry: Some(self.registry.clone()),
            last_award: Some(self.last_award),
            reserved: Some(self.reserved.clone()),
        })
    }

    /// A winner's settlement landed on-chain: its intents become Settled,
    /// the capacity it held is released, and the public record notes the
    /// transaction. Idempotent (a restart may report it again).
    pub fn settled(
        &mut self,
        auction: u64,
        bid_hash: B256,
        tx: B256,
        gas_used: u64,
        skipped: &[(IntentId, SkipReason)],
    ) -> Result<Vec<IntentId>, StoreError> {
        let rec = self.store.auction(auction)?.ok_or(StoreError::UnknownAuction(auction))?;
        let Some(mut public) = rec.public else { return Ok(vec![]) };
        let note = SettlementNote { tx, gas_used, skipped: skipped.to_vec() };
        let Some(done) = public.record_settlement(bid_hash, note) else {
            return Ok(vec![]);
        };
        let mut ids = Vec::new();
        let mut moves = Vec::new();
        for id in &done.intents {
            let why = skipped.iter().find(|(s, _)| s == id).map(|(_, why)| *why);
            if why.is_none() {
                ids.push(*id);
            }
            if self.store.get(id)?.is_some_and(|r| r.status == Status::Awarded) {
                moves.push((*id, after_settlement(why)));
            }
        }
        self.store.record_settlement(
            auction,
            public,
            if done.all_settled { Phase::Settled } else { Phase::Awarded },
            &moves,
        )?;
        self.reserved = self.reserved.minus(&done.released);
        self.save_state()?;
        Ok(ids)
    }

    /// A winner's settlement failed (reverted, or missed its deadline). Its
    /// intents go to the runner-up: winner selection re-run on the remaining
    /// bids for those intents, within the capacity the other winners hold.
    /// Intents no runner-up covers return to the pool. The failed solver is
    /// penalized only when `at_fault` (a revert because chain state moved
    /// is nobody's fault). With `runner_ups` false (the same failure came
    /// back: another bid would fail the same way) no runner-up is tried and
    /// the intents return to the pool at once. Returns the new signed awards.
    pub fn fallback(
        &mut self,
        auction: u64,
        failed: B256,
        at_fault: bool,
        runner_ups: bool,
    ) -> Result<Vec<(Award, Signature)>, StoreError> {
        let rec = self.store.auction(auction)?.ok_or(StoreError::UnknownAuction(auction))?;
        let corrupt = |what: &str| StoreError::Inconsistent(format!("auction {auction}: {what}"));
        let mut public = rec.public.clone().ok_or_else(|| corrupt("no outcome"))?;
        let mut in_batch = BTreeMap::new();
        for id in &rec.intents {
            let r = self.store.get(id)?.ok_or(StoreError::Unknown(*id))?;
            in_batch.insert(*id, r.signed.intent);
        }
        let count = public.scenario_count;
        let market = self.market_of(public.market_hash)?;
        let ix = Index::new(&market);
        let sc = Scenarios::generate(&market, &ix, rec.seed, count);
        let ctx = Context::new(&market, &sc);
        let bids: Vec<Bid> = public.bids.iter().map(|b| b.bid.clone()).collect();
        let scored = score_all(&ctx, &in_batch, &bids);
        if !scored.rejected.is_empty() {
            return Err(corrupt("a published bid no longer scores"));
        }
        let cands = scored.cands;
        let hashes: Vec<B256> = bids.iter().map(Bid::hash).collect();
        let winners = public.winners();
        // The failed award's bid (a solver may hold several awards).
        let Some(&f) = winners.iter().find(|&&w| hashes[w] == failed) else {
            return Ok(vec![]);
        };
        let failed = cands[f].solver;
        let sel = stakebid_auction::domain::winner::Selection {
            winners: winners.clone(),
            total: 0,
            unfair: vec![],
            reference: BTreeMap::new(),
        };
        // Release this auction's holdings, then re-reserve what still stands.
        for &w in &winners {
            self.reserved = self.reserved.minus(&cands[w].capacity);
        }
        let avail = CapacityUse::available(&self.market).minus(&self.reserved);
        // Bids whose settlement failed before in this auction (the published
        // bids score in order, so candidate i is bid cand_bids[i]).
        let tried: std::collections::BTreeSet<usize> = (0..cands.len())
            .filter(|&i| public.bids[scored.cand_bids[i]].settlement_failed)
            .collect();
        let r = if runner_ups {
            runner_up(&cands, &sel, f, &tried, &avail)
        } else {
            stakebid_auction::domain::winner::Selection {
                winners: vec![],
                total: 0,
                unfair: vec![],
                reference: BTreeMap::new(),
            }
        };
        for &w in winners.iter().filter(|&&w| w != f).chain(&r.winners) {
            self.reserved.add(&cands[w].capacity);
        }
        let offence = if at_fault { Offence::SettlementFault } else { Offence::StateMoved };
        self.registry.penalize(failed, auction, offence, hashes[f]);
        let mut awards = Vec::new();
        let mut covered = std::collections::BTreeSet::new();
        for &w in &r.winners {
            covered.extend(cands[w].scores.keys().copied());
            awards.push(self.sign_award(auction, &bids[scored.cand_bids[w]], &cands[w]));
        }
        let entries = awards
            .iter()
            .zip(&r.winners)
            .map(|((award, sig), &w)| AwardEntry::new(award, sig, &cands[w].capacity))
            .collect();
        public.fall_back(f, &r.winners, entries);
        let moves: Vec<(IntentId, Status)> = cands[f]
            .scores
            .keys()
            .filter(|id| !covered.contains(id))
            .map(|id| (*id, Status::Pending))
            .collect();
        let live = winners.len() > 1 || !awards.is_empty();
        self.store.refallback(
            auction,
            public,
            if live { Phase::Awarded } else { Phase::Failed },
            &moves,
        )?;
        self.save_state()?;
        Ok(awards)
    }
}

/// Where an awarded intent goes once its award settled: Settled, or, if the
/// Settlement skipped it, what its owner's side says — back to the pool
/// when its funds were short (the funding check holds it until they are
/// there), Expired past its deadline, Cancelled when its nonce was used
/// on-chain or its wallet no longer accepts its signature.
fn after_settlement(skipped: Option<SkipReason>) -> Status {
    match skipped {
        None => Status::Settled,
        Some(SkipReason::Escrow | SkipReason::Allowance) => Status::Pending,
        Some(SkipReason::Expired) => Status::Expired,
        Some(SkipReason::NonceUsed | SkipReason::Signature) => Status::Cancelled,
    }
}
