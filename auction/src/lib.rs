//! # stakebid-auction
//!
//! The auction core: everything the auctioneer decides, with no I/O (no
//! clock, no store, no network; time is passed in). The node
//! (`stakebid-node`, in `auction/node`) drives it on the wall clock and
//! persists what it decides.
//!
//! ```text
//! batch of intents ──▶ domain::round (sealed: commitments, then reveals)
//!   reveals ──▶ domain::score (intents::evaluate) ──▶ Candidate | coded reasons
//!   candidates ──▶ domain::winner::select (exact, deterministic) ──▶ winners, reference scores
//!   faults, rejected plans ──▶ domain::registry (bonds, penalties)
//!   all of it ──▶ domain::outcome (the public record of a round)
//! lifecycles: domain::intent::Status, domain::phase::Phase (legal moves only)
//! ```
//!
//! Its full dependency tree holds no web server, database or metrics crate
//! (a test in `tests/cli` checks it).

#![forbid(unsafe_code)]

pub mod domain;
