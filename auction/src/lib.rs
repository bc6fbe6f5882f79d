//! # stakebid-auction
//!
//! The auctioneer. Pure domain logic in `domain/` (no I/O, time passed in);
//! persistence in `infra/`.
//!
//! ```text
//! wallet ──POST /v1/intents──▶ infra::api ──accept (EIP-712, checks)──▶ infra::store (sled, group commit) ──▶ pool
//! infra::live::drive (wall clock, own thread), each round:
//!   Auctioneer::open: batch the pool; auction record + Pending→InAuction in one flushed transaction
//!   announce OpenMsg (signed Envelope) ──▶ bus (in-process | NATS) + /v1/events
//!   commitments (bus or POST …/commitments) ──▶ Live::commit ──▶ domain::round (sealed: hashes only)
//!   commit deadline ──▶ announce Revealing; reveals (bus or POST …/reveals) ──▶ domain::round
//!   reveal deadline ──▶ Auctioneer::close:
//!     domain::score (intents::evaluate) ──▶ Candidate | coded reasons
//!     domain::winner::select (exact, deterministic) ──▶ winners, reference scores
//!     domain::registry: penalties for faults and rejected plans
//!     store.conclude: outcome + phase + every intent's move in one transaction
//!   announce Award (EIP-712, signed) and Closed
//! Auctioneer::fallback: a failed settlement → domain::winner::runner_up
//! store.recover after a restart: unscored auctions voided (intents back to Pending)
//! ```
//!
//! `domain/` is pure (no I/O, time passed in); `infra/` holds the edges:
//! sled, axum, the bus listener and the wall-clock driver. Capacity awarded
//! but not yet settled stays reserved across rounds (`Auctioneer::reserved`).

#![forbid(unsafe_code)]

pub mod auctioneer;
pub mod domain;
pub mod infra;
pub mod port;
