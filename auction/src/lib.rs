//! # stakebid-auction
//!
//! The auctioneer. Pure domain logic in `domain/` (no I/O, time passed in);
//! persistence in `infra/`.
//!
//! ```text
//! accepted intents ──infra::store (sled, group commit)──▶ pool (Pending)
//! open_auction: record + Pending→InAuction in one flushed transaction; recover()
//!   after a restart voids unscored auctions (intents back to Pending), resumes the rest
//! round: domain::round  commit(signed hash) ─▶ reveal(bid, salt) ─▶ close (faults)
//! revealed bids ──domain::score (intents::evaluate)──▶ Candidate | coded reasons
//! candidates ──domain::winner::select──▶ Selection (winners, total, reference scores)
//! faults, rejections ──domain::registry──▶ penalties from bonds, suspension
//! auctioneer::Auctioneer::round: all of the above over the store with
//!   in-process `Participant`s, on logical time; signs the awards
//! ```
//!
//! Not here yet (the auction node issue): a wall-clock scheduler in the
//! node, NATS and in-process buses with signed messages, the commit/reveal
//! and auction HTTP endpoints, the explorer, the solver runtime, and
//! capacity awarded-but-unsettled carried between rounds.

#![forbid(unsafe_code)]

pub mod auctioneer;
pub mod domain;
pub mod infra;
