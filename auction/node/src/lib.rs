//! # stakebid-node
//!
//! The marketplace node as a library: the auction core (`stakebid-auction`)
//! driven on the wall clock, with its I/O at the edges. A program (the
//! `stakebid` CLI, a test, a bench, an embedding service) builds a node
//! from a [`NodeConfig`] with a [`NodeBuilder`] and gets back a
//! [`NodeHandle`] (its address, store, leadership, health, `shutdown`).
//!
//! ```text
//! NodeConfig ──NodeBuilder::start──▶ NodeHandle
//!   port (records, error, traits) ◀── store (sled) | pg (Postgres, lease)
//!   persist (stored rows: from_domain / into_domain) ◀── both adapters
//!   api (axum; reaches the store only through port::AsyncStore: the store's lane threads)
//!   leader (lease task: Tracker ──▶ Role on a watch channel) ──▶ run::rounds (awaits a term)
//! ```
//!
//! ```text
//! wallet ──POST /v1/intents──▶ api ──accept (EIP-712, checks)──▶ port::NodeStore (store: sled | pg: Postgres) ──▶ pool
//! live::drive (wall clock, own thread), each round:
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
//!   chain: awards ──▶ settlement transactions; penalties ──▶ SolverRegistry
//! Auctioneer::fallback: a failed settlement → domain::winner::runner_up
//! store.recover after a restart: unscored auctions voided (intents back to Pending)
//! ```
//!
//! Capacity awarded but not yet settled stays reserved across rounds
//! (`Auctioneer::reserved`).

#![forbid(unsafe_code)]

pub mod api;
pub mod auctioneer;
pub mod chain;
pub mod clock;
pub mod config;
pub mod funding;
mod index;
pub mod leader;
pub mod live;
pub mod market;
pub mod metrics;
pub mod persist;
pub mod pg;
pub mod port;
pub mod run;
pub mod store;

pub use config::NodeConfig;
pub use run::{Health, NodeBuilder, NodeError, NodeHandle};
