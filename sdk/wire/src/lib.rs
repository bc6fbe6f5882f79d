//! # stakebid-wire
//!
//! The node's HTTP API as types: every request and response body, defined
//! once. The node's handlers build them from its domain types
//! (`stakebid-auction`'s API layer is the only place that converts), and
//! the SDK, the CLI and the solver runtime read them. Nothing here does
//! I/O or knows the node's rules; it is the shape of the JSON.
//!
//! ```text
//! domain (auction) ──API layer: From──▶ wire type ──JSON──▶ client: serde ──▶ wire type
//! ```
//!
//! Encoding: on-chain integers that can pass 2^53 are decimal strings
//! ([`Dec`]); addresses are EIP-55 checksummed; hashes and byte strings
//! are 0x-hex; times are unix seconds.

#![forbid(unsafe_code)]

pub mod auctions;
pub mod engine;
pub mod intents;
pub mod node;
pub mod schema;

pub use auctions::{
    AuctionHead, AuctionPhase, AuctionView, AuctionsPage, AwardEntry, CommitAccepted, Commitment,
    Fault, Figures, NameRegistration, Outcome, Penalty, Reason, RejectedBid, RevealAccepted,
    ScoredBid, SettlementNote, SkippedIntent, SolverRound, SolverRounds, SolverView, Solvers,
};
pub use intents::{
    CancelRequest, Eip712Types, HistoryEntry, IntentAward, IntentMessage, IntentStatus, IntentView,
    OperatorGamma, OwnerPage, Quote, QuotePosition, QuoteRequest, SubmitRequest, Submitted,
    TypedData, TypedDomain, TypedField, Waiting, WithdrawalView, Withdrawals,
};
pub use node::{
    ErrorBody, Health, Leader, MarketStatus, MarketView, NodeInfo, SearchKind, SearchResult,
    SolverTally, Stats, STATS_WINDOW,
};
pub use stakebid_intents::decimal::Dec;
