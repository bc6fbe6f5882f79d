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
//! ```
//!
//! Not here yet (the auction node issue): the round scheduler, NATS and
//! in-process buses, the HTTP API and explorer, the solver runtime.

#![forbid(unsafe_code)]

pub mod domain;
pub mod infra;
