//! Presentation: the node's domain types as the API's wire types
//! (`stakebid-wire`). The only place that converts; the handlers return
//! what these build.

use stakebid_intents::{IntentId, Market, Wei};
use stakebid_wire as wire;

use crate::port::{AuctionHead, AuctionRecord};
use stakebid_auction::domain::intent::{Record, Status};
use stakebid_auction::domain::outcome::{
    AwardEntry, Outcome, RejectedBid, ScoredBid, SettlementNote,
};
use stakebid_auction::domain::phase::Phase;
use stakebid_auction::domain::registry::Registry;
use stakebid_auction::domain::round::Fault;
use stakebid_auction::domain::score::{Figures, Reason};

pub(super) fn status(s: Status) -> wire::IntentStatus {
    match s {
        Status::Pending => wire::IntentStatus::Pending,
        Status::InAuction => wire::IntentStatus::InAuction,
        Status::Awarded => wire::IntentStatus::Awarded,
        Status::Settled => wire::IntentStatus::Settled,
        Status::Expired => wire::IntentStatus::Expired,
        Status::Cancelled => wire::IntentStatus::Cancelled,
    }
}

pub(super) fn phase(p: Phase) -> wire::AuctionPhase {
    match p {
        Phase::Committing => wire::AuctionPhase::Committing,
        Phase::Revealing => wire::AuctionPhase::Revealing,
        Phase::Scored => wire::AuctionPhase::Scored,
        Phase::Awarded => wire::AuctionPhase::Awarded,
        Phase::Settled => wire::AuctionPhase::Settled,
        Phase::Failed => wire::AuctionPhase::Failed,
        Phase::Voided => wire::AuctionPhase::Voided,
    }
}

/// An intent as the API shows it: its record, and its part of the award
/// when its last auction awarded it (looked up in `outcomes`, the public
/// outcomes of the auctions concerned, by auction id).
pub(super) fn intent(
    id: &IntentId,
    rec: &Record,
    outcomes: &std::collections::BTreeMap<u64, Outcome>,
    market: &Market,
) -> wire::IntentView {
    let award = rec.auction.and_then(|a| outcomes.get(&a)).and_then(|o| award_of(id, o, market));
    wire::IntentView {
        auction: rec.auction,
        award,
        id: *id,
        status: status(rec.status),
        intent: (&rec.signed.intent).into(),
        history: rec
            .history
            .iter()
            .map(|(s, at)| wire::HistoryEntry { status: status(*s), at: *at })
            .collect(),
        waiting: None,
    }
}

/// `id`'s plan in `o`'s standing award, with its figures and settlement.
fn award_of(id: &IntentId, o: &Outcome, market: &Market) -> Option<wire::IntentAward> {
    let entry = o.awards.iter().find(|a| a.award.intentIds.contains(&id.0))?;
    let bid = o.bids.iter().find(|b| b.bid_hash == entry.award.bidHash)?;
    let plan = bid.plans.as_ref()?.iter().find(|p| p.intent == *id)?.clone();
    Some(wire::IntentAward {
        solver: entry.award.solver,
        security: security(&plan, market),
        plan,
        evaluation: bid.figures.get(id).map(figures).unwrap_or_default(),
        settlement: entry.settlement.as_ref().map(note),
    })
}

/// γ in bps from the WAD the security report gives (saturating: a margin
/// of billions is shown as `i64::MAX`).
fn gamma_bps(g: Option<i128>) -> Option<i64> {
    g.map(|g| i64::try_from(g / 100_000_000_000_000).unwrap_or(i64::MAX))
}

/// The security margin of each operator `plan` delegates to, before and
/// after the plan's stake (positions not in `market` are left out).
fn security(plan: &stakebid_intents::Plan, market: &Market) -> Vec<wire::OperatorGamma> {
    use stakebid_intents::market::{security as report, Index};
    let index = Index::new(market);
    let mut extra = vec![Wei::ZERO; market.operators.len()];
    for a in &plan.allocations {
        let op = index.position_ids.get(&a.position).and_then(|&i| index.positions[i].operator);
        if let Some(o) = op {
            extra[o] = Wei(extra[o].0.saturating_add(a.amount.0));
        }
    }
    let (before, after) = (report(market, &[]), report(market, &extra));
    let find = |r: &stakebid_intents::market::SecurityReport, id: &str| {
        r.operators.iter().find(|o| o.operator == id).and_then(|o| o.gamma)
    };
    market
        .operators
        .iter()
        .zip(&extra)
        .filter(|(_, e)| e.0 > 0)
        .map(|(o, _)| wire::OperatorGamma {
            operator: o.id.clone(),
            before_bps: gamma_bps(find(&before, &o.id)),
            after_bps: gamma_bps(find(&after, &o.id)),
            services: o
                .allocations
                .iter()
                .filter(|a| a.magnitude.0 > 0)
                .map(|a| a.service.clone())
                .collect(),
        })
        .collect()
}

fn figures(f: &Figures) -> wire::Figures {
    wire::Figures {
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

pub(super) fn head(a: &AuctionHead) -> wire::AuctionHead {
    wire::AuctionHead {
        id: a.id,
        phase: phase(a.phase),
        intents: a.intents.len(),
        commit_deadline: a.commit_deadline,
        reveal_deadline: a.reveal_deadline,
        winners: a.winners().unwrap_or_default(),
    }
}

/// An auction; `outcome` only once it may be shown.
pub(super) fn auction(
    a: &AuctionRecord,
    commitments: Option<Vec<wire::Commitment>>,
    outcome: Option<&Outcome>,
) -> wire::AuctionView {
    wire::AuctionView {
        id: a.id,
        phase: phase(a.phase),
        intents: a.intents.clone(),
        seed: a.seed,
        commit_deadline: a.commit_deadline,
        reveal_deadline: a.reveal_deadline,
        commitments,
        round: None,
        outcome: outcome.map(self::outcome),
    }
}

fn to_dec_map<K: Ord + Clone>(
    m: &std::collections::BTreeMap<K, i128>,
) -> std::collections::BTreeMap<K, wire::Dec<i128>> {
    m.iter().map(|(k, v)| (k.clone(), wire::Dec(*v))).collect()
}

fn reason(r: &Reason) -> wire::Reason {
    wire::Reason { intent: r.intent, code: r.code.clone(), message: r.message.clone() }
}

fn scored(b: &ScoredBid) -> wire::ScoredBid {
    wire::ScoredBid {
        solver: b.solver,
        bid_hash: b.bid_hash,
        bid: b.bid.clone(),
        plans: b.plans.clone(),
        scores: to_dec_map(&b.scores),
        total: wire::Dec(b.total),
        figures: b.figures.iter().map(|(k, f)| (*k, figures(f))).collect(),
        won: b.won,
        unfair: b.unfair,
        settlement_failed: b.settlement_failed,
        runner_up: b.runner_up,
    }
}

fn rejected(b: &RejectedBid) -> wire::RejectedBid {
    wire::RejectedBid {
        solver: b.solver,
        reasons: b.reasons.iter().map(reason).collect(),
        bid_hash: b.bid_hash,
        bid: b.bid.clone(),
    }
}

fn fault(f: &Fault) -> wire::Fault {
    wire::Fault { solver: f.solver, code: f.code.clone(), commitment: f.commitment }
}

fn note(n: &SettlementNote) -> wire::SettlementNote {
    wire::SettlementNote {
        tx: n.tx,
        gas_used: n.gas_used,
        skipped: n
            .skipped
            .iter()
            .map(|(id, why)| wire::SkippedIntent { intent: id.0, reason: why.name().into() })
            .collect(),
    }
}

fn award(a: &AwardEntry) -> wire::AwardEntry {
    wire::AwardEntry {
        award: a.award.clone(),
        signature: a.signature.clone(),
        capacity: a.capacity.clone(),
        settlement: a.settlement.as_ref().map(note),
    }
}

pub(super) fn outcome(o: &Outcome) -> wire::Outcome {
    wire::Outcome {
        bids: o.bids.iter().map(scored).collect(),
        rejected: o.rejected.iter().map(rejected).collect(),
        market_hash: o.market_hash,
        market_block: o.market_block,
        params_as_of: o.params_as_of.clone(),
        scenario_count: o.scenario_count,
        generator_version: o.generator_version,
        faults: o.faults.iter().map(fault).collect(),
        total_score: wire::Dec(o.total_score),
        reference_scores: to_dec_map(&o.reference_scores),
        awards: o.awards.iter().map(award).collect(),
    }
}

pub(super) fn solvers(
    reg: &Registry,
    names: &std::collections::BTreeMap<alloy::primitives::Address, String>,
) -> wire::Solvers {
    wire::Solvers {
        min_bond: reg.min_bond,
        solvers: reg
            .solvers
            .iter()
            .map(|(a, sv)| wire::SolverView {
                solver: *a,
                name: names.get(a).cloned(),
                bond: sv.bond,
                eligible: reg.eligible(a),
                penalties: sv
                    .record
                    .iter()
                    .map(|p| wire::Penalty {
                        auction: p.auction,
                        offence: p.offence.name().to_string(),
                        amount: p.amount,
                        evidence: p.evidence,
                    })
                    .collect(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every domain status and phase has a wire twin spelled as the store
    /// spells it (`persist`'s test pins the same names), so the wire JSON
    /// is what the node has always written.
    #[test]
    fn statuses_and_phases_keep_their_names() {
        use Phase as P;
        use Status as S;
        let statuses = [S::Pending, S::InAuction, S::Awarded, S::Settled, S::Expired, S::Cancelled];
        let names = ["pending", "in_auction", "awarded", "settled", "expired", "cancelled"];
        for (s, n) in statuses.into_iter().zip(names) {
            assert_eq!(serde_json::to_value(status(s)).unwrap(), n);
        }
        let phases =
            [P::Committing, P::Revealing, P::Scored, P::Awarded, P::Settled, P::Failed, P::Voided];
        let names = ["committing", "revealing", "scored", "awarded", "settled", "failed", "voided"];
        for (p, n) in phases.into_iter().zip(names) {
            assert_eq!(serde_json::to_value(phase(p)).unwrap(), n);
        }
    }
}
