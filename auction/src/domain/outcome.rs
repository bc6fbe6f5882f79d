//! An auction's outcome, as the node decides and keeps it: every scored
//! bid, every rejection with its coded reasons, the faults, the winners,
//! the reference scores, the signed awards and what became of each
//! award's settlement. Pure: the auctioneer builds it, the store keeps it,
//! the API presents it, and its rules (record a settlement, fall back to
//! a runner-up) are methods here rather than edits of JSON by key.
//!
//! ```text
//! close ──Outcome::new──▶ store ──▶ settled() ──record_settlement──▶ store
//!                               └──▶ failed ──fall_back──▶ new awards ──▶ store
//! ```
//!
//! No serialization here: how an outcome is stored is the node's persistence
//! DTOs' business (`stakebid_node::persist`), how it is shown the wire
//! types'.

use alloy::primitives::{Address, Bytes, Signature, B256};
use std::collections::BTreeMap;

use stakebid_intents::evaluate::CapacityUse;
use stakebid_intents::protocol::{AuctionOpen, Award, Bid, SkipReason};
use stakebid_intents::{IntentId, Plan};

use super::round::Fault;
use super::score::Reason;
use super::winner::{Candidate, Selection};

/// A bid that scored, and how it fared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScoredBid {
    /// Who bid.
    pub solver: Address,
    /// keccak256(abi.encode(bid)).
    pub bid_hash: B256,
    /// The bid as revealed.
    pub bid: Bid,
    /// Its plans (`None` if an amount does not fit 128 bits; such a bid
    /// never scores, so this is `Some` here).
    pub plans: Option<Vec<Plan>>,
    /// The auctioneer's score per intent (wei).
    pub scores: BTreeMap<IntentId, i128>,
    /// Their sum.
    pub total: i128,
    /// The evaluator's figures per intent.
    pub figures: BTreeMap<IntentId, super::score::Figures>,
    /// Among the winners (now).
    pub won: bool,
    /// Left out for fairness (gave an intent less than its best single bid).
    pub unfair: bool,
    /// It won, and its settlement failed.
    pub settlement_failed: bool,
    /// It won as a runner-up after another winner's settlement failed.
    pub runner_up: bool,
}

/// A bid the evaluator refused, with every reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RejectedBid {
    /// Who bid.
    pub solver: Address,
    /// Why (stable codes).
    pub reasons: Vec<Reason>,
    /// keccak256(abi.encode(bid)).
    pub bid_hash: B256,
    /// The bid as revealed.
    pub bid: Bid,
}

impl RejectedBid {
    /// `bid`, refused for `reasons`.
    pub fn new(bid: &Bid, reasons: Vec<Reason>) -> RejectedBid {
        RejectedBid { solver: bid.solver, reasons, bid_hash: bid.hash(), bid: bid.clone() }
    }
}

/// Where an award's settlement landed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettlementNote {
    /// The transaction.
    pub tx: B256,
    /// Its gas.
    pub gas_used: u64,
    /// Intents the Settlement skipped (their owner's side failed), and why.
    pub skipped: Vec<(IntentId, SkipReason)>,
}

/// One signed award and what it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwardEntry {
    /// The award (EIP-712, checked on-chain).
    pub award: Award,
    /// The auctioneer's signature over it.
    pub signature: Bytes,
    /// Capacity its plans hold until they settle.
    pub capacity: CapacityUse,
    /// Set once it settled on-chain.
    pub settlement: Option<SettlementNote>,
}

impl AwardEntry {
    /// A standing award holding `capacity`, not settled yet.
    pub fn new(award: &Award, sig: &Signature, capacity: &CapacityUse) -> AwardEntry {
        AwardEntry {
            award: award.clone(),
            signature: sig.as_bytes().into(),
            capacity: capacity.clone(),
            settlement: None,
        }
    }

    /// The signature, parsed.
    pub fn signature(&self) -> Option<Signature> {
        Signature::try_from(self.signature.as_ref()).ok()
    }
}

/// A round's outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Every bid that scored, in reveal order.
    pub bids: Vec<ScoredBid>,
    /// Every bid the evaluator refused.
    pub rejected: Vec<RejectedBid>,
    /// The market the round ran on.
    pub market_hash: B256,
    /// The block that market was read at (none for a snapshot market).
    pub market_block: Option<u64>,
    /// The date of the risk parameters the market was built on.
    pub params_as_of: String,
    /// Risk scenarios generated.
    pub scenario_count: u32,
    /// Scenario generator version.
    pub generator_version: u32,
    /// Signed commitments left unopened.
    pub faults: Vec<Fault>,
    /// The winners' total score (wei).
    pub total_score: i128,
    /// Best total without each winner's solver, for a future second price.
    pub reference_scores: BTreeMap<Address, i128>,
    /// The signed awards still standing.
    pub awards: Vec<AwardEntry>,
}

/// What recording a settlement did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    /// The award's intents.
    pub intents: Vec<IntentId>,
    /// The capacity it no longer holds.
    pub released: CapacityUse,
    /// Whether every award has now settled.
    pub all_settled: bool,
}

impl Outcome {
    /// A closed round's outcome: every candidate bid (`bids[i]` scored as
    /// `cands[i]`) with whether `sel` picked it, the rejections, the
    /// faults and the signed awards.
    pub fn scored(
        open: &AuctionOpen,
        cands: &[Candidate],
        bids: &[&Bid],
        sel: &Selection,
        rejected: Vec<RejectedBid>,
        faults: &[Fault],
        awards: Vec<AwardEntry>,
    ) -> Outcome {
        let bids = cands
            .iter()
            .zip(bids)
            .enumerate()
            .map(|(i, (c, b))| ScoredBid {
                solver: c.solver,
                bid_hash: b.hash(),
                bid: (*b).clone(),
                plans: b.plans(),
                scores: c.scores.clone(),
                total: c.score(),
                figures: c.figures.clone(),
                won: sel.winners.contains(&i),
                unfair: sel.unfair.contains(&i),
                settlement_failed: false,
                runner_up: false,
            })
            .collect();
        Outcome {
            bids,
            rejected,
            market_hash: open.marketHash,
            market_block: None,
            params_as_of: String::new(),
            scenario_count: open.scenarioCount,
            generator_version: open.generatorVersion,
            faults: faults.to_vec(),
            total_score: sel.total,
            reference_scores: sel.reference.clone(),
            awards,
        }
    }

    /// The awards without a recorded settlement.
    pub fn open_awards(&self) -> impl Iterator<Item = &AwardEntry> {
        self.awards.iter().filter(|a| a.settlement.is_none())
    }

    /// The award of bid `bid_hash` settled in `tx`. `None` when it has no
    /// award here or it was recorded before (a restart may report it
    /// again). By bid, not by solver: one solver may win several bids.
    pub fn record_settlement(&mut self, bid_hash: B256, note: SettlementNote) -> Option<Recorded> {
        let entry = self.awards.iter_mut().find(|a| a.award.bidHash == bid_hash)?;
        if entry.settlement.is_some() {
            return None;
        }
        entry.settlement = Some(note);
        let intents = entry.award.intentIds.iter().map(|i| IntentId(*i)).collect();
        let released = entry.capacity.clone();
        let all_settled = self.awards.iter().all(|a| a.settlement.is_some());
        Some(Recorded { intents, released, all_settled })
    }

    /// Indexes of the current winners among `bids`.
    pub fn winners(&self) -> Vec<usize> {
        (0..self.bids.len()).filter(|&i| self.bids[i].won).collect()
    }

    /// Bid `failed` lost its win (its settlement failed); `runner_ups` win
    /// in its place with `awards` (one per runner-up, same order).
    pub fn fall_back(&mut self, failed: usize, runner_ups: &[usize], awards: Vec<AwardEntry>) {
        let failed_hash = self.bids[failed].bid_hash;
        self.bids[failed].won = false;
        self.bids[failed].settlement_failed = true;
        for &w in runner_ups {
            self.bids[w].won = true;
            self.bids[w].runner_up = true;
        }
        // Only the failed bid's award: the same solver may hold others.
        self.awards.retain(|a| a.award.bidHash != failed_hash);
        self.awards.extend(awards);
    }
}
