//! The engine API: what a solver's driver (`stakebid solver run --engine
//! URL`) sends the engine that does its solving, and what it expects back.
//!
//! The driver does everything protocol-specific — follows and verifies
//! announcements, fetches the market, generates the round's scenarios,
//! checks every returned plan with the auctioneer's evaluator, packs bids
//! into the gas budget, seals, commits, reveals, signs — and the engine
//! only solves: `POST /solve` with one round ([`SolveRequest`]) answers
//! [`SolveResponse`]; `POST /notify` ([`Notice`]) tells it what became of
//! its answer. Everything the evaluator reads is in the request, resolved
//! (each position's yearly rate, deposit fee, exit horizon, gas, service
//! exposure; capacity left; the scenarios' probabilities and per-position
//! losses), so an engine re-implements neither the market model nor the
//! scenario generator.
//!
//! Encoding as everywhere: wei, WAD fractions and scores are decimal
//! strings, addresses EIP-55, ids 0x-hex.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use stakebid_intents::{IntentId, Plan, Wad, Wei};

use crate::auctions::{Outcome, Reason};
use crate::intents::IntentMessage;
use crate::Dec;

/// The engine API's version: a request names it, and a driver only calls
/// an engine (and only bids) for the version it implements.
/// 2: positions carry `min_amount` and the request `min_share_bps` (the
/// market's minimum position size).
pub const ENGINE_API_VERSION: u32 = 2;

/// `POST /solve`: one round as an engine needs it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SolveRequest {
    /// The engine API version ([`ENGINE_API_VERSION`]).
    pub version: u32,
    /// The auction.
    pub auction: u64,
    /// Answer before this (unix milliseconds); a later answer is dropped.
    pub deadline_ms: u64,
    /// Milliseconds the engine has from the request (its share of the
    /// commit window).
    pub budget_ms: u64,
    /// The announced market's hash (`GET` its URL for the full snapshot).
    #[schema(value_type = String, pattern = "^0x[0-9a-fA-F]{64}$")]
    pub market_hash: alloy::primitives::B256,
    /// Gas: what a bid's settlement costs and the most a bid may use.
    pub gas: EngineGas,
    /// At most this many bids per solver per round.
    pub max_bids: usize,
    /// The dust rule's share: every allocation of a plan gets at least
    /// `(amount − fee) × min_share_bps / 10_000` (and its position's
    /// `min_amount`), capped at `amount − fee` — so a plan has at most
    /// `10_000 / min_share_bps` positions. 0: no share.
    pub min_share_bps: u16,
    /// The positions, in market order, resolved.
    pub positions: Vec<EnginePosition>,
    /// Capacity left to the round, by entity (wei).
    pub capacity: EngineCapacity,
    /// The round's scenarios, as the evaluator scores CVaR on them.
    pub scenarios: EngineScenarios,
    /// The batch.
    pub intents: Vec<EngineIntent>,
}

/// The gas model, for the score (`surplus − gas × gas_price`) and the
/// per-bid budget.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EngineGas {
    /// Gas price (wei, decimal).
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    pub price: Wei,
    /// Gas every bid's settlement pays once.
    pub per_settlement: u64,
    /// Gas each intent in a bid adds (each position's own gas comes on top).
    pub per_intent: u64,
    /// A bid's settlement may use at most this much gas.
    pub bid_budget: u64,
}

/// A position resolved for solving.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EnginePosition {
    /// Its id (what a plan's allocation names).
    pub id: String,
    /// Its asset's id (deposit capacity is per asset).
    pub asset: String,
    /// Its operator's id, for a restaked position.
    pub operator: Option<String>,
    /// First-year yield per unit staked (WAD: 1e18 = 100 %).
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    pub rate: Wad,
    /// Deposit fee when ETH is minted into the asset (bps).
    pub deposit_fee_bps: u16,
    /// A minted leg must be at least this (wei); less reverts the deposit.
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    pub min_deposit: Wei,
    /// Every allocation to it gets at least this (wei, the market's ticket
    /// or its own gas cost times the market's multiple, the larger), or the
    /// plan's whole `amount − fee` when that is less.
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    pub min_amount: Wei,
    /// Days to exit to ETH.
    pub exit_days: u32,
    /// Settlement gas this position adds to a plan that uses it.
    pub gas: u64,
    /// Services its operator allocates to: a leg of `x` wei exposes
    /// `x × magnitude / 1e18` to each.
    pub exposure: Vec<EngineExposure>,
}

/// One service exposure of a position.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EngineExposure {
    /// Service id.
    pub service: String,
    /// Magnitude (WAD).
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    pub magnitude: Wad,
}

/// Capacity left, in wei, by asset, operator and service id. All plans of
/// one bid together must fit; an entity missing here has none.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EngineCapacity {
    /// Asset id → wei that can still be deposited.
    #[schema(value_type = BTreeMap<String, String>)]
    pub assets: BTreeMap<String, Wei>,
    /// Operator id → wei that can still be delegated.
    #[schema(value_type = BTreeMap<String, String>)]
    pub operators: BTreeMap<String, Wei>,
    /// Service id → wei of exposure still allocatable.
    #[schema(value_type = BTreeMap<String, String>)]
    pub services: BTreeMap<String, Wei>,
}

/// The round's scenarios: scenario `s` happens with `probabilities[s]`
/// (WAD, summing to 1e18); in it, position `p` loses the fraction
/// `losses[p]`'s entry for `s` (WAD; absent: nothing). A plan's CVaR at
/// confidence `c` is the Rockafellar–Uryasev tail mean of its per-scenario
/// losses over the worst `1 − c` of probability.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EngineScenarios {
    /// Probability of each scenario (WAD).
    #[schema(value_type = Vec<String>)]
    pub probabilities: Vec<Wad>,
    /// Per position (market order): the scenarios in which it loses.
    pub losses: Vec<Vec<EngineLoss>>,
}

/// A position's loss in one scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EngineLoss {
    /// Index into `probabilities`.
    pub scenario: u32,
    /// Fraction lost (WAD).
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    pub fraction: Wad,
}

/// One intent of the batch, with the positions it may use.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EngineIntent {
    /// Its id (what a plan names).
    #[schema(value_type = String, pattern = "^0x[0-9a-fA-F]{64}$")]
    pub id: IntentId,
    /// The signed intent: amount, limits, exclusions.
    pub intent: IntentMessage,
    /// Positions its asset can enter outside its exclusions; `minted`:
    /// entered by minting, so the position's deposit fee and minimum apply.
    pub positions: Vec<EngineAllowed>,
}

/// A position an intent may use.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EngineAllowed {
    /// Index into the request's `positions`.
    pub position: usize,
    /// Whether entering it mints (deposit fee and minimum deposit apply).
    pub minted: bool,
}

/// `200` to `POST /solve`: up to `max_bids` bids; each is won or lost
/// whole and settles in one transaction. An intent may appear in several
/// bids (a batch bid and a single-intent bid, say): the fairness filter
/// then drops a batch bid when another bid, this solver's own included,
/// does better for one of its intents.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SolveResponse {
    /// The bids.
    pub bids: Vec<EngineBid>,
}

/// One bid: plans for some intents of the batch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EngineBid {
    /// Its plans: `Σ allocations + fee = amount` exactly, per intent.
    #[schema(value_type = Vec<schema::EnginePlan>)]
    pub plans: Vec<Plan>,
}

/// `POST /notify`: what became of the engine's answer for a round.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Notice {
    /// The auction.
    pub auction: u64,
    /// What happened.
    #[serde(flatten)]
    pub what: NoticeKind,
}

/// What a notice reports.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NoticeKind {
    /// No answer within the budget: nothing was bid.
    Timeout {
        /// The budget it had (ms).
        budget_ms: u64,
    },
    /// The answer was not a `SolveResponse` (or the engine failed): nothing
    /// was bid.
    BadResponse {
        /// What was wrong.
        message: String,
    },
    /// Plans the driver refused before committing (the evaluator's code
    /// and sentence for each): they were not bid.
    Dropped {
        /// Per dropped plan.
        reasons: Vec<Reason>,
    },
    /// The bids were committed.
    Committed {
        /// Their hashes (`keccak256(abi.encode(bid))`), in answer order.
        #[schema(value_type = Vec<String>)]
        bids: Vec<alloy::primitives::B256>,
    },
    /// The round closed: each committed bid's result.
    Result {
        /// Per bid.
        bids: Vec<BidResult>,
    },
}

/// One bid's result, from the outcome the node published.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BidResult {
    /// `keccak256(abi.encode(bid))`.
    #[schema(value_type = String, pattern = "^0x[0-9a-fA-F]{64}$")]
    pub bid_hash: alloy::primitives::B256,
    /// What became of it.
    pub status: BidStatus,
    /// Its score as the auctioneer scored it (wei).
    #[schema(value_type = Option<String>)]
    pub score: Option<Dec<i128>>,
    /// The score the winners got for the same intents (wei).
    #[schema(value_type = Option<String>)]
    pub winner_score: Option<Dec<i128>>,
    /// How far below the winners it was, in bps of the winners' score
    /// (0 when it won).
    pub gap_bps: Option<i64>,
    /// The auctioneer's reasons, when it was rejected.
    pub reasons: Vec<Reason>,
}

/// A bid's fate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BidStatus {
    /// Awarded.
    Won,
    /// Scored, but another bid did better.
    Lost,
    /// Scored, but dropped by the fairness filter.
    Unfair,
    /// The auctioneer refused it (see `reasons`).
    Rejected,
    /// Won, but its settlement failed.
    SettlementFailed,
    /// Never opened: its reveal did not arrive in time (a penalty).
    NotRevealed,
}

#[allow(dead_code, non_snake_case)]
mod schema {
    use utoipa::ToSchema;

    /// One plan of an engine's bid.
    #[derive(ToSchema)]
    pub(super) struct EnginePlan {
        /// The intent (0x, 32 bytes).
        intent: String,
        /// Where its stake goes.
        allocations: Vec<EngineAllocation>,
        /// The solver's fee (wei, decimal).
        #[schema(pattern = "^[0-9]+$")]
        fee: String,
        /// A delivered-yield guarantee on the plan, if the engine offers
        /// one (docs/guarantee.md): the bond must cover its cap.
        guarantee: Option<EngineGuarantee>,
    }

    /// At least `floorBps` net APY over `horizonDays` (30–730), measured
    /// on-chain from the protocols' indexes, paid up to `cap` wei.
    #[derive(ToSchema)]
    pub(super) struct EngineGuarantee {
        #[schema(minimum = 0, maximum = 10000)]
        floorBps: u16,
        #[schema(minimum = 30, maximum = 730)]
        horizonDays: u16,
        /// Wei (decimal).
        #[schema(pattern = "^[0-9]+$")]
        cap: String,
    }

    /// One allocation.
    #[derive(ToSchema)]
    pub(super) struct EngineAllocation {
        /// The position's id.
        position: String,
        /// Wei (decimal).
        #[schema(pattern = "^[0-9]+$")]
        amount: String,
    }
}

/// The engine API as an OpenAPI document (what the driver serves at
/// `/openapi.json` beside nothing else, and what `docs/engine-openapi.json`
/// holds).
#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "stakebid engine API", version = "1"),
    paths(solve, notify),
    components(schemas(
        SolveRequest,
        EngineGas,
        EnginePosition,
        EngineExposure,
        EngineCapacity,
        EngineScenarios,
        EngineLoss,
        EngineIntent,
        EngineAllowed,
        SolveResponse,
        EngineBid,
        schema::EnginePlan,
        schema::EngineGuarantee,
        schema::EngineAllocation,
        Notice,
        NoticeKind,
        BidResult,
        BidStatus,
        Reason,
        IntentMessage
    ))
)]
pub struct EngineApi;

/// Solve one round.
#[utoipa::path(post, path = "/solve", request_body = SolveRequest,
    responses((status = 200, description = "Bids for the round", body = SolveResponse)))]
#[allow(dead_code)]
fn solve() {}

/// What became of an answer.
#[utoipa::path(post, path = "/notify", request_body = Notice,
    responses((status = 200, description = "Noted")))]
#[allow(dead_code)]
fn notify() {}

impl EngineApi {
    /// The document as pretty JSON (`docs/engine-openapi.json`).
    pub fn json() -> String {
        use utoipa::OpenApi;
        EngineApi::openapi().to_pretty_json().unwrap_or_default() + "\n"
    }
}

/// What became of a solver's bids (`mine`, by hash) in a round, read from
/// the outcome the node published: the one derivation the driver's result
/// lines, `/notify` and `GET /v1/solvers/{address}/rounds` share. A bid
/// the outcome does not mention was never opened (its reveal did not
/// arrive).
pub fn results(outcome: &Outcome, mine: &[alloy::primitives::B256]) -> Vec<BidResult> {
    // The winners' score for each intent.
    let won: BTreeMap<IntentId, i128> = outcome
        .bids
        .iter()
        .filter(|b| b.won)
        .flat_map(|b| b.scores.iter().map(|(i, s)| (*i, s.0)))
        .collect();
    let bare = |hash, status| BidResult {
        bid_hash: hash,
        status,
        score: None,
        winner_score: None,
        gap_bps: None,
        reasons: vec![],
    };
    mine.iter()
        .map(|hash| {
            if let Some(b) = outcome.bids.iter().find(|b| b.bid_hash == *hash) {
                let status = match (b.won, b.unfair, b.settlement_failed) {
                    (true, _, true) => BidStatus::SettlementFailed,
                    (true, _, false) => BidStatus::Won,
                    (false, true, _) => BidStatus::Unfair,
                    _ => BidStatus::Lost,
                };
                // The winners' score on the same intents (none: some
                // intent went unawarded).
                let winners: Option<i128> = b
                    .scores
                    .keys()
                    .map(|i| won.get(i).copied())
                    .try_fold(0i128, |acc, s| s.map(|s| acc + s));
                let own = b.total.0;
                let gap = winners.map(|w| {
                    if w <= 0 {
                        0
                    } else {
                        ((w - own).max(0).saturating_mul(10_000) / w) as i64
                    }
                });
                BidResult {
                    score: Some(Dec(own)),
                    winner_score: winners.map(Dec),
                    gap_bps: gap,
                    ..bare(*hash, status)
                }
            } else if let Some(r) = outcome.rejected.iter().find(|r| r.bid_hash == *hash) {
                BidResult { reasons: r.reasons.clone(), ..bare(*hash, BidStatus::Rejected) }
            } else {
                bare(*hash, BidStatus::NotRevealed)
            }
        })
        .collect()
}
