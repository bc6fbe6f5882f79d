//! Auction endpoints: the list, one round with its public outcome, what a
//! commitment or reveal answers, and the solver registry.

use alloy::primitives::{Address, Bytes, B256};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

use stakebid_intents::encoding::{checksummed, checksummed_keys, checksummed_vec};
use stakebid_intents::evaluate::CapacityUse;
use stakebid_intents::protocol::{Award, Bid};
use stakebid_intents::{IntentId, Plan, Wei};

use crate::Dec;

/// Where an auction is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuctionPhase {
    /// Taking commitments.
    Committing,
    /// Taking reveals.
    Revealing,
    /// Bids evaluated, winners chosen.
    Scored,
    /// Award signed, settlement under way.
    Awarded,
    /// Settled on-chain (final).
    Settled,
    /// Settlement failed with no runner-up left (final).
    Failed,
    /// Voided by a restart before scoring (final).
    Voided,
}

/// One row of `GET /v1/auctions`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuctionHead {
    /// Auction id.
    pub id: u64,
    /// Where it is.
    pub phase: AuctionPhase,
    /// How many intents its batch has.
    pub intents: usize,
    /// Commit deadline (unix s).
    pub commit_deadline: u64,
    /// Reveal deadline (unix s).
    pub reveal_deadline: u64,
    /// The winning solvers, once public (empty before).
    #[serde(with = "checksummed_vec")]
    #[schema(value_type = Vec<String>)]
    pub winners: Vec<Address>,
}

/// `GET /v1/auctions?cursor=&limit=`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuctionsPage {
    /// This page, newest first.
    pub auctions: Vec<AuctionHead>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<u64>,
    /// The same as `next_cursor` (its older name, for `before=`).
    pub next_before: Option<u64>,
}

/// A sealed commitment as shown before the reveal deadline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Commitment {
    /// Who committed.
    #[serde(with = "checksummed")]
    #[schema(value_type = String, pattern = "^0x[0-9a-fA-F]{40}$")]
    pub solver: Address,
    /// The hash it signed.
    #[schema(value_type = String, pattern = "^0x[0-9a-fA-F]{64}$")]
    pub commitment: B256,
}

/// `GET /v1/auctions/{id}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuctionView {
    /// Auction id.
    pub id: u64,
    /// Where it is.
    pub phase: AuctionPhase,
    /// Its batch.
    #[schema(value_type = Vec<String>)]
    pub intents: Vec<IntentId>,
    /// The scenario seed.
    #[schema(value_type = String, pattern = "^0x[0-9a-fA-F]{64}$")]
    pub seed: B256,
    /// Commit deadline (unix s).
    pub commit_deadline: u64,
    /// Reveal deadline (unix s).
    pub reveal_deadline: u64,
    /// The commitments, while this node runs the round.
    pub commitments: Option<Vec<Commitment>>,
    /// keccak256(abi.encode(AuctionOpen)) of the round's signed
    /// announcement, while this node runs it: commitments and reveals are
    /// signed for it (`SealedBid` / `OpenedBid`, docs/api.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, pattern = "^0x[0-9a-fA-F]{64}$")]
    pub round: Option<B256>,
    /// Everything decided, after the reveal deadline.
    pub outcome: Option<Outcome>,
}

/// A round's public outcome: enough for anyone to recompute it
/// (`stakebid replay`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Outcome {
    /// Every bid that scored, in reveal order.
    pub bids: Vec<ScoredBid>,
    /// Every bid the evaluator refused.
    pub rejected: Vec<RejectedBid>,
    /// The market the round ran on.
    #[schema(value_type = String, pattern = "^0x[0-9a-fA-F]{64}$")]
    pub market_hash: B256,
    /// The block that market was read at (`GET /v1/markets/{hash}` has it
    /// all); absent for a snapshot market.
    #[serde(default)]
    pub market_block: Option<u64>,
    /// The date of the risk parameters the market was built on.
    #[serde(default)]
    pub params_as_of: String,
    /// Risk scenarios generated.
    pub scenario_count: u32,
    /// Scenario generator version.
    pub generator_version: u32,
    /// Signed commitments left unopened.
    pub faults: Vec<Fault>,
    /// The winners' total score (wei).
    #[schema(value_type = String, pattern = "^-?[0-9]+$")]
    pub total_score: Dec<i128>,
    /// Best total without each winner's solver.
    #[serde(with = "checksummed_keys")]
    #[schema(value_type = BTreeMap<String, String>)]
    pub reference_scores: BTreeMap<Address, Dec<i128>>,
    /// The signed awards still standing.
    pub awards: Vec<AwardEntry>,
}

impl Outcome {
    /// The awards that settled on-chain.
    pub fn settled_awards(&self) -> impl Iterator<Item = &AwardEntry> {
        self.awards.iter().filter(|a| a.settlement.is_some())
    }

    /// The scored bid with this hash.
    pub fn bid(&self, hash: &B256) -> Option<&ScoredBid> {
        self.bids.iter().find(|b| b.bid_hash == *hash)
    }
}

/// A bid that scored, and how it fared.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ScoredBid {
    /// Who bid.
    #[serde(with = "checksummed")]
    #[schema(value_type = String, pattern = "^0x[0-9a-fA-F]{40}$")]
    pub solver: Address,
    /// keccak256(abi.encode(bid)).
    #[schema(value_type = String, pattern = "^0x[0-9a-fA-F]{64}$")]
    pub bid_hash: B256,
    /// The bid as revealed.
    #[schema(value_type = crate::schema::Bid)]
    pub bid: Bid,
    /// Its plans.
    #[schema(value_type = Option<Vec<crate::schema::Plan>>)]
    pub plans: Option<Vec<Plan>>,
    /// The auctioneer's score per intent (wei).
    #[schema(value_type = BTreeMap<String, String>)]
    pub scores: BTreeMap<IntentId, Dec<i128>>,
    /// Their sum.
    #[schema(value_type = String, pattern = "^-?[0-9]+$")]
    pub total: Dec<i128>,
    /// The evaluator's figures per intent.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schema(value_type = BTreeMap<String, Figures>)]
    pub figures: BTreeMap<IntentId, Figures>,
    /// Among the winners (now).
    pub won: bool,
    /// Left out for fairness.
    pub unfair: bool,
    /// It won, and its settlement failed.
    #[serde(default, skip_serializing_if = "is_false")]
    pub settlement_failed: bool,
    /// It won as a runner-up after another winner's settlement failed.
    #[serde(default, skip_serializing_if = "is_false")]
    pub runner_up: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// What the auctioneer's evaluator computed for one plan: what the
/// staker's plan promises.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Figures {
    /// First-year net yield after fees and costs (bps of the amount).
    pub net_apy_bps: i64,
    /// Expected tail loss at the intent's confidence (bps of the amount).
    pub cvar_bps: u64,
    /// Share exitable within the intent's horizon (bps).
    pub liquid_bps: u64,
    /// Share per operator (bps).
    pub operator_bps: BTreeMap<String, u64>,
    /// Exposure per service (bps).
    pub service_bps: BTreeMap<String, u64>,
    /// The solver's fee (wei).
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    pub fee: Wei,
    /// Gas the plan's settlement is estimated to use.
    pub gas: u64,
    /// Loss in each of the market's named historical stress events (bps of
    /// the amount), by event name.
    #[serde(default)]
    pub stress_bps: BTreeMap<String, u64>,
}

/// One reason a bid was refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Reason {
    /// The intent concerned, if one.
    #[schema(value_type = Option<String>)]
    pub intent: Option<IntentId>,
    /// Stable code (`bid.*`, `plan.*`).
    pub code: String,
    /// A sentence.
    pub message: String,
}

/// A bid the evaluator refused, with every reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RejectedBid {
    /// Who bid.
    #[serde(with = "checksummed")]
    #[schema(value_type = String, pattern = "^0x[0-9a-fA-F]{40}$")]
    pub solver: Address,
    /// Why.
    pub reasons: Vec<Reason>,
    /// keccak256(abi.encode(bid)).
    #[schema(value_type = String, pattern = "^0x[0-9a-fA-F]{64}$")]
    pub bid_hash: B256,
    /// The bid as revealed.
    #[schema(value_type = crate::schema::Bid)]
    pub bid: Bid,
}

/// A signed commitment left unopened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Fault {
    /// Who.
    #[serde(with = "checksummed")]
    #[schema(value_type = String, pattern = "^0x[0-9a-fA-F]{40}$")]
    pub solver: Address,
    /// Stable code (`round.unrevealed`).
    pub code: String,
    /// The unopened commitment (signed by the solver: the evidence).
    #[schema(value_type = String, pattern = "^0x[0-9a-fA-F]{64}$")]
    pub commitment: B256,
}

/// Where an award's settlement landed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SettlementNote {
    /// The transaction.
    #[schema(value_type = String, pattern = "^0x[0-9a-fA-F]{64}$")]
    pub tx: B256,
    /// Its gas.
    pub gas_used: u64,
    /// Intents of the award the Settlement skipped because their owner's
    /// side no longer held; the rest settled.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<SkippedIntent>,
}

/// An intent the Settlement skipped (`IntentSkipped`), and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SkippedIntent {
    /// The intent's id.
    #[schema(value_type = String, pattern = "^0x[0-9a-fA-F]{64}$")]
    pub intent: B256,
    /// `signature`, `expired`, `nonce_used`, `escrow` or `allowance`.
    pub reason: String,
}

/// One signed award and what became of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AwardEntry {
    /// The award (EIP-712, checked on-chain).
    #[schema(value_type = crate::schema::Award)]
    pub award: Award,
    /// The auctioneer's signature over it.
    #[schema(value_type = String, pattern = "^0x([0-9a-fA-F]{2})*$")]
    pub signature: Bytes,
    /// Capacity its plans hold until they settle.
    #[schema(value_type = crate::schema::CapacityUse)]
    pub capacity: CapacityUse,
    /// Set once it settled on-chain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settlement: Option<SettlementNote>,
}

/// `202` to `POST /v1/auctions/{id}/commitments`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CommitAccepted {
    /// The auction.
    pub auction: u64,
    /// The commitment taken.
    #[schema(value_type = String, pattern = "^0x[0-9a-fA-F]{64}$")]
    pub commitment: B256,
}

/// `202` to `POST /v1/auctions/{id}/reveals`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RevealAccepted {
    /// The auction.
    pub auction: u64,
    /// keccak256(abi.encode(bid)).
    #[schema(value_type = String, pattern = "^0x[0-9a-fA-F]{64}$")]
    pub bid_hash: B256,
}

/// One entry of a solver's record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Penalty {
    /// Auction.
    pub auction: u64,
    /// What (`unrevealed`, `invalid_plan`, `settlement_fault`, `state_moved`).
    pub offence: String,
    /// Wei taken from the bond.
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    pub amount: Wei,
    /// Hash of the evidence.
    #[schema(value_type = String, pattern = "^0x[0-9a-fA-F]{64}$")]
    pub evidence: B256,
}

/// One solver in `GET /v1/solvers`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SolverView {
    /// Its address.
    #[serde(with = "checksummed")]
    #[schema(value_type = String, pattern = "^0x[0-9a-fA-F]{40}$")]
    pub solver: Address,
    /// Its name: the one it registered itself (`POST /v1/solvers/names`),
    /// else the one this node runs it under (`solver-optimal`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Bond left (wei).
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    pub bond: Wei,
    /// Whether it may take part.
    pub eligible: bool,
    /// Everything recorded against it.
    pub penalties: Vec<Penalty>,
}

/// `POST /v1/solvers/names` (and its 201): a solver's name for itself,
/// signed by the solver as EIP-712 `SolverName { address solver; string
/// name; uint64 nonce }` under the deployment's domain. The name is sent
/// in its normal form (NFKC, lower case: 3 to 32 of a-z, 0-9 and inner
/// hyphens); a larger nonce replaces the solver's earlier name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NameRegistration {
    /// The solver (a bonded or registered one).
    #[serde(with = "checksummed")]
    #[schema(value_type = String, pattern = "^0x[0-9a-fA-F]{40}$")]
    pub solver: Address,
    /// The name.
    #[schema(pattern = "^[a-z0-9](-?[a-z0-9])+$", min_length = 3, max_length = 32)]
    pub name: String,
    /// Larger than the nonce of the solver's last registration
    /// (`stakebid solver name` uses unix milliseconds).
    pub nonce: u64,
    /// The solver's signature (65 bytes r‖s‖v).
    #[schema(value_type = String, pattern = "^0x([0-9a-fA-F]{2})*$")]
    pub signature: Bytes,
}

/// `GET /v1/solvers`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Solvers {
    /// Bond needed to take part (wei).
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    pub min_bond: Wei,
    /// Every registered solver.
    pub solvers: Vec<SolverView>,
}

impl std::fmt::Display for AuctionPhase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            AuctionPhase::Committing => "committing",
            AuctionPhase::Revealing => "revealing",
            AuctionPhase::Scored => "scored",
            AuctionPhase::Awarded => "awarded",
            AuctionPhase::Settled => "settled",
            AuctionPhase::Failed => "failed",
            AuctionPhase::Voided => "voided",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_print_as_they_serialize() {
        use crate::IntentStatus as S;
        use AuctionPhase as P;
        let phases =
            [P::Committing, P::Revealing, P::Scored, P::Awarded, P::Settled, P::Failed, P::Voided];
        for p in phases {
            assert_eq!(serde_json::to_value(p).unwrap(), p.to_string());
        }
        for s in [S::Pending, S::InAuction, S::Awarded, S::Settled, S::Expired, S::Cancelled] {
            assert_eq!(serde_json::to_value(s).unwrap(), s.to_string());
        }
    }
}

/// One round a solver took part in, as `GET /v1/solvers/{address}/rounds`
/// lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SolverRound {
    /// The auction.
    pub auction: u64,
    /// Its reveal deadline (unix seconds): when its outcome became public.
    pub reveal_deadline: u64,
    /// Intents in the round.
    pub intents: usize,
    /// Each of the solver's bids: opened ones by bid hash; a commitment it
    /// never opened (`not_revealed`) by its commitment hash.
    pub bids: Vec<crate::engine::BidResult>,
}

/// `GET /v1/solvers/{address}/rounds`: newest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SolverRounds {
    /// The solver.
    #[serde(with = "checksummed")]
    #[schema(value_type = String, pattern = "^0x[0-9a-fA-F]{40}$")]
    pub solver: Address,
    /// Its rounds, newest first.
    pub rounds: Vec<SolverRound>,
    /// Pass as `cursor` for older rounds; absent at the end.
    pub next_cursor: Option<u64>,
}
