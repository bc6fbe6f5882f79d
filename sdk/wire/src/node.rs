//! Node endpoints: identity, market, health, and the error body.

use alloy::primitives::{Address, B256};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use stakebid_intents::deployment::Deployment;
use stakebid_intents::{Domain, Market};

/// `GET /v1/node`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NodeInfo {
    /// The key that signs auctions and awards (absent when the node runs no rounds).
    #[serde(with = "stakebid_intents::encoding::checksummed_opt")]
    #[schema(value_type = Option<String>)]
    pub auctioneer: Option<Address>,
    /// Chain and Settlement intents are signed for.
    #[schema(value_type = crate::schema::Domain)]
    pub domain: Domain,
    /// Hash of the market in use.
    #[schema(value_type = String, pattern = "^0x[0-9a-fA-F]{64}$")]
    pub market_hash: B256,
    /// The deployment the node settles on, if it settles.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub chain: Option<Deployment>,
    /// Who leads and in which epoch, when nodes share a store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leader: Option<Leader>,
}

/// `GET /v1/market`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MarketView {
    /// `market.hash()`: what rounds and awards name.
    #[schema(value_type = String, pattern = "^0x[0-9a-fA-F]{64}$")]
    pub hash: B256,
    /// The market.
    #[schema(value_type = Object)]
    pub market: Market,
    /// Each position's yield, tail loss, exit time and caps, as the
    /// evaluator sees them (a one-position plan).
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub positions: Vec<stakebid_intents::market::PositionFigures>,
    /// Where the market came from and whether it is fresh (absent for a
    /// kept market served by hash).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<MarketStatus>,
}

/// Where the node's market comes from and whether rounds may use it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MarketStatus {
    /// `chain` (read every round) or `snapshot` (a fixed file).
    pub source: String,
    /// The block the market was read at (chain source).
    #[serde(default)]
    pub block: Option<u64>,
    /// True while the chain cannot be read and the previous market stands in.
    pub stale: bool,
    /// Rounds the previous market has stood in.
    pub stale_rounds: u32,
    /// The risk-parameter file's date.
    pub params_as_of: String,
    /// Assets whose APR is the parameter file's, not the chain's history.
    #[serde(default)]
    pub apr_fallback: Vec<String>,
    /// Why new auctions are stopped, when they are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<ErrorBody>,
    /// JSON-RPC round trips the last read took.
    pub round_trips: u32,
}

/// `GET /v1/stats`: what the node has settled (over its last
/// [`STATS_WINDOW`] auctions).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Stats {
    /// Auctions held (the newest id).
    pub auctions: u64,
    /// Intents settled on-chain.
    pub intents_settled: usize,
    /// Intents waiting for an auction.
    pub intents_pending: usize,
    /// Settlement transactions.
    pub settlements: usize,
    /// Wei staked through settled plans (fees excluded).
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    pub wei_staked: stakebid_intents::Wei,
    /// Median net APY promised at settlement (bps), over settled intents.
    pub median_net_apy_bps: Option<i64>,
    /// Wei staked per position through settled plans.
    #[schema(value_type = std::collections::BTreeMap<String, String>)]
    pub staked_by_position: std::collections::BTreeMap<String, stakebid_intents::Wei>,
    /// Per solver (checksummed address): bids scored, bids won, the score
    /// its winning bids added.
    pub solvers: std::collections::BTreeMap<String, SolverTally>,
}

/// One solver's record in [`Stats`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SolverTally {
    /// Bids that scored.
    pub bids: u64,
    /// Of those, winners.
    pub wins: u64,
    /// Sum of its winning bids' scores (wei).
    #[schema(value_type = String, pattern = "^-?[0-9]+$")]
    pub won_score: crate::Dec<i128>,
}

/// How many of the newest auctions `GET /v1/stats` reads.
pub const STATS_WINDOW: u64 = 10_000;

/// `GET /healthz`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// `ok`, or `auctions_stopped` (the node serves; no new auctions open).
    pub status: String,
    /// The market feed's state, when the node runs rounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub market: Option<MarketStatus>,
    /// Who leads, when nodes share a store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leader: Option<Leader>,
}

/// Who leads a cluster of nodes sharing a Postgres store (absent on a
/// node with its own sled store, which always leads itself).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Leader {
    /// The lease holder's node name.
    pub holder: String,
    /// The lease's epoch: bumped at every takeover; the auctioneer's
    /// writes and announcements carry it.
    pub epoch: i64,
    /// When the holder took the lease (unix s).
    pub since: i64,
    /// Whether the lease is unexpired (false: the leader died and nobody
    /// has taken over yet).
    pub live: bool,
    /// Whether the answering node is the leader.
    pub this_node: bool,
}

/// Every refusal: a stable code and a sentence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// Stable code (`intent.expired`, `round.late_commit`, …; `docs/errors.md`).
    pub code: String,
    /// What went wrong, for a person.
    pub message: String,
}

/// What `GET /v1/search?q=` found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SearchKind {
    /// An intent, by its id.
    Intent,
    /// An owner with intents, by its address.
    Owner,
    /// An auction, by its number.
    Auction,
    /// A settlement transaction, by its hash: the auction it settled.
    Transaction,
}

/// `GET /v1/search?q=`: where the query leads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SearchResult {
    /// What the query named.
    pub kind: SearchKind,
    /// The API path that shows it.
    pub href: String,
    /// The intent, for `intent`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, pattern = "^0x[0-9a-fA-F]{64}$")]
    pub intent: Option<B256>,
    /// The owner, for `owner`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "stakebid_intents::encoding::checksummed_opt"
    )]
    #[schema(value_type = Option<String>, pattern = "^0x[0-9a-fA-F]{40}$")]
    pub owner: Option<Address>,
    /// The auction, for `auction` and `transaction`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auction: Option<u64>,
}
