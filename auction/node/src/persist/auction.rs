//! An auction's stored record and its public outcome.

use alloy::primitives::{Address, Bytes, B256};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use stakebid_auction::domain::outcome::{
    AwardEntry, Outcome, RejectedBid, ScoredBid, SettlementNote,
};
use stakebid_auction::domain::phase::Phase;
use stakebid_auction::domain::round::Fault;
use stakebid_auction::domain::score::{Figures, Reason};
use stakebid_intents::evaluate::CapacityUse;
use stakebid_intents::protocol::{Award, Bid, SkipReason};
use stakebid_intents::{IntentId, Plan, Wei};

use crate::port::{AuctionHead, AuctionRecord, StoreError};

fn is_false(b: &bool) -> bool {
    !*b
}

/// `AuctionRecord` as stored.
#[derive(Serialize, Deserialize)]
struct AuctionRow {
    id: u64,
    intents: Vec<IntentId>,
    seed: B256,
    commit_deadline: u64,
    reveal_deadline: u64,
    phase: PhaseRow,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    public: Option<OutcomeRow>,
}

/// The same bytes read as a listing head: the public outcome is skipped
/// but for its winners, so a page of auctions never materializes the
/// (large) scored bids.
#[derive(Deserialize)]
struct HeadRow {
    id: u64,
    intents: Vec<IntentId>,
    commit_deadline: u64,
    reveal_deadline: u64,
    phase: PhaseRow,
    #[serde(default)]
    public: Option<WinnersRow>,
}

#[derive(Deserialize)]
struct WinnersRow {
    #[serde(default)]
    awards: Vec<WinnerRow>,
}

#[derive(Deserialize)]
struct WinnerRow {
    award: WinnerSolverRow,
}

#[derive(Deserialize)]
struct WinnerSolverRow {
    solver: Address,
}

/// `Phase` as stored (snake_case names, never renumbered).
#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum PhaseRow {
    Committing,
    Revealing,
    Scored,
    Awarded,
    Settled,
    Failed,
    Voided,
}

impl PhaseRow {
    fn from_domain(p: Phase) -> PhaseRow {
        match p {
            Phase::Committing => PhaseRow::Committing,
            Phase::Revealing => PhaseRow::Revealing,
            Phase::Scored => PhaseRow::Scored,
            Phase::Awarded => PhaseRow::Awarded,
            Phase::Settled => PhaseRow::Settled,
            Phase::Failed => PhaseRow::Failed,
            Phase::Voided => PhaseRow::Voided,
        }
    }

    fn into_domain(self) -> Phase {
        match self {
            PhaseRow::Committing => Phase::Committing,
            PhaseRow::Revealing => Phase::Revealing,
            PhaseRow::Scored => Phase::Scored,
            PhaseRow::Awarded => Phase::Awarded,
            PhaseRow::Settled => Phase::Settled,
            PhaseRow::Failed => Phase::Failed,
            PhaseRow::Voided => Phase::Voided,
        }
    }
}

/// `Outcome` as stored. Records from before a field was kept read it as
/// its default (`market_block`, `params_as_of`; per bid `figures`,
/// `settlement_failed`, `runner_up`; per fault `commitment`).
#[derive(Serialize, Deserialize)]
struct OutcomeRow {
    bids: Vec<ScoredBidRow>,
    rejected: Vec<RejectedBidRow>,
    market_hash: B256,
    #[serde(default)]
    market_block: Option<u64>,
    #[serde(default)]
    params_as_of: String,
    scenario_count: u32,
    generator_version: u32,
    faults: Vec<FaultRow>,
    #[serde(with = "stakebid_intents::decimal")]
    total_score: i128,
    #[serde(with = "stakebid_intents::decimal::map")]
    reference_scores: BTreeMap<Address, i128>,
    awards: Vec<AwardRow>,
}

#[derive(Serialize, Deserialize)]
struct ScoredBidRow {
    solver: Address,
    bid_hash: B256,
    bid: Bid,
    plans: Option<Vec<Plan>>,
    #[serde(with = "stakebid_intents::decimal::map")]
    scores: BTreeMap<IntentId, i128>,
    #[serde(with = "stakebid_intents::decimal")]
    total: i128,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    figures: BTreeMap<IntentId, FiguresRow>,
    won: bool,
    unfair: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    settlement_failed: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    runner_up: bool,
}

#[derive(Serialize, Deserialize)]
struct FiguresRow {
    net_apy_bps: i64,
    cvar_bps: u64,
    liquid_bps: u64,
    operator_bps: BTreeMap<String, u64>,
    service_bps: BTreeMap<String, u64>,
    fee: Wei,
    gas: u64,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    stress_bps: BTreeMap<String, u64>,
}

#[derive(Serialize, Deserialize)]
struct RejectedBidRow {
    solver: Address,
    reasons: Vec<ReasonRow>,
    bid_hash: B256,
    bid: Bid,
}

#[derive(Serialize, Deserialize)]
struct ReasonRow {
    intent: Option<IntentId>,
    code: String,
    message: String,
}

#[derive(Serialize, Deserialize)]
struct FaultRow {
    solver: Address,
    code: String,
    #[serde(default)]
    commitment: B256,
}

#[derive(Serialize, Deserialize)]
struct AwardRow {
    award: Award,
    signature: Bytes,
    capacity: CapacityUse,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    settlement: Option<SettlementRow>,
}

#[derive(Serialize, Deserialize)]
struct SettlementRow {
    tx: B256,
    gas_used: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    skipped: Vec<(IntentId, SkipReason)>,
}

impl AuctionRow {
    fn from_domain(r: &AuctionRecord) -> AuctionRow {
        AuctionRow {
            id: r.id,
            intents: r.intents.clone(),
            seed: r.seed,
            commit_deadline: r.commit_deadline,
            reveal_deadline: r.reveal_deadline,
            phase: PhaseRow::from_domain(r.phase),
            public: r.public.as_ref().map(OutcomeRow::from_domain),
        }
    }

    fn into_domain(self) -> AuctionRecord {
        AuctionRecord {
            id: self.id,
            intents: self.intents,
            seed: self.seed,
            commit_deadline: self.commit_deadline,
            reveal_deadline: self.reveal_deadline,
            phase: self.phase.into_domain(),
            public: self.public.map(OutcomeRow::into_domain),
        }
    }
}

impl HeadRow {
    fn into_domain(self) -> AuctionHead {
        AuctionHead {
            id: self.id,
            intents: self.intents,
            commit_deadline: self.commit_deadline,
            reveal_deadline: self.reveal_deadline,
            phase: self.phase.into_domain(),
            winners: self.public.map(|w| w.awards.into_iter().map(|a| a.award.solver).collect()),
        }
    }
}

impl OutcomeRow {
    fn from_domain(o: &Outcome) -> OutcomeRow {
        OutcomeRow {
            bids: o.bids.iter().map(ScoredBidRow::from_domain).collect(),
            rejected: o.rejected.iter().map(RejectedBidRow::from_domain).collect(),
            market_hash: o.market_hash,
            market_block: o.market_block,
            params_as_of: o.params_as_of.clone(),
            scenario_count: o.scenario_count,
            generator_version: o.generator_version,
            faults: o
                .faults
                .iter()
                .map(|f| FaultRow {
                    solver: f.solver,
                    code: f.code.clone(),
                    commitment: f.commitment,
                })
                .collect(),
            total_score: o.total_score,
            reference_scores: o.reference_scores.clone(),
            awards: o.awards.iter().map(AwardRow::from_domain).collect(),
        }
    }

    fn into_domain(self) -> Outcome {
        Outcome {
            bids: self.bids.into_iter().map(ScoredBidRow::into_domain).collect(),
            rejected: self.rejected.into_iter().map(RejectedBidRow::into_domain).collect(),
            market_hash: self.market_hash,
            market_block: self.market_block,
            params_as_of: self.params_as_of,
            scenario_count: self.scenario_count,
            generator_version: self.generator_version,
            faults: self
                .faults
                .into_iter()
                .map(|f| Fault { solver: f.solver, code: f.code, commitment: f.commitment })
                .collect(),
            total_score: self.total_score,
            reference_scores: self.reference_scores,
            awards: self.awards.into_iter().map(AwardRow::into_domain).collect(),
        }
    }
}

impl ScoredBidRow {
    fn from_domain(b: &ScoredBid) -> ScoredBidRow {
        ScoredBidRow {
            solver: b.solver,
            bid_hash: b.bid_hash,
            bid: b.bid.clone(),
            plans: b.plans.clone(),
            scores: b.scores.clone(),
            total: b.total,
            figures: b.figures.iter().map(|(i, f)| (*i, FiguresRow::from_domain(f))).collect(),
            won: b.won,
            unfair: b.unfair,
            settlement_failed: b.settlement_failed,
            runner_up: b.runner_up,
        }
    }

    fn into_domain(self) -> ScoredBid {
        ScoredBid {
            solver: self.solver,
            bid_hash: self.bid_hash,
            bid: self.bid,
            plans: self.plans,
            scores: self.scores,
            total: self.total,
            figures: self.figures.into_iter().map(|(i, f)| (i, f.into_domain())).collect(),
            won: self.won,
            unfair: self.unfair,
            settlement_failed: self.settlement_failed,
            runner_up: self.runner_up,
        }
    }
}

impl FiguresRow {
    fn from_domain(f: &Figures) -> FiguresRow {
        FiguresRow {
            net_apy_bps: f.net_apy_bps,
            cvar_bps: f.cvar_bps,
            liquid_bps: f.liquid_bps,
            operator_bps: f.operator_bps.clone(),
            service_bps: f.service_bps.clone(),
            fee: f.fee,
            gas: f.gas,
            stress_bps: f.stress_bps.clone(),
        }
    }

    fn into_domain(self) -> Figures {
        Figures {
            net_apy_bps: self.net_apy_bps,
            cvar_bps: self.cvar_bps,
            liquid_bps: self.liquid_bps,
            operator_bps: self.operator_bps,
            service_bps: self.service_bps,
            fee: self.fee,
            gas: self.gas,
            stress_bps: self.stress_bps,
        }
    }
}

impl RejectedBidRow {
    fn from_domain(r: &RejectedBid) -> RejectedBidRow {
        RejectedBidRow {
            solver: r.solver,
            reasons: r
                .reasons
                .iter()
                .map(|x| ReasonRow {
                    intent: x.intent,
                    code: x.code.clone(),
                    message: x.message.clone(),
                })
                .collect(),
            bid_hash: r.bid_hash,
            bid: r.bid.clone(),
        }
    }

    fn into_domain(self) -> RejectedBid {
        RejectedBid {
            solver: self.solver,
            reasons: self
                .reasons
                .into_iter()
                .map(|x| Reason { intent: x.intent, code: x.code, message: x.message })
                .collect(),
            bid_hash: self.bid_hash,
            bid: self.bid,
        }
    }
}

impl AwardRow {
    fn from_domain(a: &AwardEntry) -> AwardRow {
        AwardRow {
            award: a.award.clone(),
            signature: a.signature.clone(),
            capacity: a.capacity.clone(),
            settlement: a.settlement.as_ref().map(|n| SettlementRow {
                tx: n.tx,
                gas_used: n.gas_used,
                skipped: n.skipped.clone(),
            }),
        }
    }

    fn into_domain(self) -> AwardEntry {
        AwardEntry {
            award: self.award,
            signature: self.signature,
            capacity: self.capacity,
            settlement: self.settlement.map(|n| SettlementNote {
                tx: n.tx,
                gas_used: n.gas_used,
                skipped: n.skipped,
            }),
        }
    }
}

/// An auction record's stored bytes.
pub(crate) fn encode_auction(r: &AuctionRecord) -> Result<Vec<u8>, StoreError> {
    super::to_bytes(&AuctionRow::from_domain(r))
}

/// An auction record from its stored bytes.
pub(crate) fn decode_auction(b: &[u8]) -> Result<AuctionRecord, StoreError> {
    Ok(super::from_bytes::<AuctionRow>(b)?.into_domain())
}

/// A listing head from an auction record's stored bytes.
pub(crate) fn decode_head(b: &[u8]) -> Result<AuctionHead, StoreError> {
    Ok(super::from_bytes::<HeadRow>(b)?.into_domain())
}
