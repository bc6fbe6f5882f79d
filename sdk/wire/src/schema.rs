//! Schemas for the `stakebid-intents` types that appear in API bodies
//! (the intents crate stays free of API concerns). Each mirrors its
//! type's JSON exactly; the response-validation test against a running
//! node keeps them honest. Never constructed: they only describe.
#![allow(dead_code, non_snake_case)]

use std::collections::BTreeMap;
use utoipa::ToSchema;

/// One allocation of a bid's plan.
#[derive(ToSchema)]
#[schema(as = BidAllocation)]
pub struct BidAllocation {
    /// The market's position id.
    position: String,
    /// Wei (decimal).
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    amount: String,
}

/// One intent's plan inside a bid.
#[derive(ToSchema)]
#[schema(as = BidPlan)]
pub struct BidPlan {
    /// The intent (0x, 32 bytes).
    intentId: String,
    /// Where its stake goes.
    allocations: Vec<BidAllocation>,
    /// The solver's fee, wei (decimal).
    #[schema(pattern = "^[0-9]+$")]
    fee: String,
    /// The delivered-yield guarantee's floor, bps of net APY (absent: no
    /// guarantee; docs/guarantee.md).
    #[schema(minimum = 0, maximum = 10000)]
    guaranteeBps: Option<u16>,
    /// The horizon the floor is measured over, days (30–730).
    #[schema(minimum = 30, maximum = 730)]
    guaranteeDays: Option<u16>,
    /// The most the solver's bond pays for this plan, wei (decimal).
    #[schema(value_type = Option<String>, pattern = "^[0-9]+$")]
    guaranteeCap: Option<String>,
}

/// A solver's bid: plans for a subset of the batch, won or lost whole.
#[derive(ToSchema)]
#[schema(as = Bid)]
pub struct Bid {
    /// The auction.
    auctionId: u64,
    /// Who bids (checksummed).
    solver: String,
    /// Its plans.
    plans: Vec<BidPlan>,
}

/// The auctioneer's signed award of one winning bid (EIP-712).
#[derive(ToSchema)]
#[schema(as = Award)]
pub struct Award {
    /// The auction.
    auctionId: u64,
    /// keccak256(abi.encode(bid)).
    bidHash: String,
    /// The winner (checksummed).
    solver: String,
    /// The intents it settles.
    intentIds: Vec<String>,
    /// Its score, wei (decimal, may be negative).
    #[schema(pattern = "^-?[0-9]+$")]
    score: String,
}

/// One allocation of an evaluated plan.
#[derive(ToSchema)]
#[schema(as = Allocation)]
pub struct Allocation {
    /// The market's position id.
    position: String,
    /// Wei (decimal).
    #[schema(pattern = "^[0-9]+$")]
    amount: String,
}

/// A plan for one intent: allocations and a fee summing to its amount.
#[derive(ToSchema)]
#[schema(as = Plan)]
pub struct Plan {
    /// The intent.
    intent: String,
    /// Where its stake goes.
    allocations: Vec<Allocation>,
    /// The fee, wei (decimal).
    #[schema(pattern = "^[0-9]+$")]
    fee: String,
    /// The delivered-yield guarantee the solver attaches, if any.
    guarantee: Option<GuaranteeTerms>,
}

/// A solver's delivered-yield guarantee on one plan (docs/guarantee.md):
/// at least `floorBps` net APY over `horizonDays`, measured on-chain from
/// the protocols' own indexes, paid up to `cap` from its bond.
#[derive(ToSchema)]
#[schema(as = GuaranteeTerms)]
pub struct GuaranteeTerms {
    /// The floor, bps of net APY.
    #[schema(minimum = 0, maximum = 10000)]
    floorBps: u16,
    /// The horizon, days (30–730).
    #[schema(minimum = 30, maximum = 730)]
    horizonDays: u16,
    /// The most the solver's bond pays, wei (decimal).
    #[schema(pattern = "^[0-9]+$")]
    cap: String,
}

/// Capacity held, wei (decimal) by asset, operator and service id.
#[derive(ToSchema)]
#[schema(as = CapacityUse)]
pub struct CapacityUse {
    /// Asset id → wei.
    assets: BTreeMap<String, String>,
    /// Operator id → wei.
    operators: BTreeMap<String, String>,
    /// Service id → wei.
    services: BTreeMap<String, String>,
}

/// Where intents are signed for.
#[derive(ToSchema)]
#[schema(as = Domain)]
pub struct Domain {
    /// EIP-155 chain id.
    chain_id: u64,
    /// The Settlement contract (checksummed).
    settlement: String,
}

/// A solver's sealed commitment (`POST /v1/auctions/{id}/commitments`).
#[derive(ToSchema)]
#[schema(as = CommitMsg)]
pub struct CommitMsg {
    /// The auction.
    auction: u64,
    /// The registered solver (0x address).
    solver: String,
    /// keccak256(abi.encode(chainId, auctionId, solver, keccak256(abi.encode(bid)), salt)).
    commitment: String,
    /// The solver's signature over the EIP-712 `SealedBid { auctionId, round, solver, commitment }` (docs/api.md; 65 bytes, 0x-hex).
    signature: String,
}

/// A solver's signed reveal (`POST /v1/auctions/{id}/reveals`).
#[derive(ToSchema)]
#[schema(as = RevealMsg)]
pub struct RevealMsg {
    /// The bid committed to.
    bid: Bid,
    /// The salt committed with (0x, 32 bytes).
    salt: String,
    /// The solver's signature over the EIP-712 `OpenedBid { auctionId, round, solver, commitment }` (docs/api.md).
    signature: String,
}
