//! # stakebid-auction
//!
//! The auctioneer. This release holds its pure core: winner selection.
//!
//! ```text
//! revealed bids ──intents::evaluate──▶ Candidate (per-intent scores, capacity)
//!        └──▶ domain::winner::select ──▶ Selection (winners, total, reference scores)
//! ```
//!
//! Lifecycle, persistence (sled), transport (NATS) and the HTTP API are
//! tracked in the auction node issue and will sit in `infra/` beside this
//! pure `domain/`.

#![forbid(unsafe_code)]

pub mod domain;
pub mod infra;
