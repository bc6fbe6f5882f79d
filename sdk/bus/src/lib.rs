//! # stakebid-bus
//!
//! The links between a stakebid node and the programs around it, shared by
//! the node (`stakebid-auction`), the solver runtime (`stakebid-solver`) and
//! the wallet SDK (`stakebid-sdk`), so none of them depends on another's
//! crate to talk:
//!
//! ```text
//! auctioneer ──signed announcements──▶ Bus (in-process | NATS) ──▶ solver runtimes
//! solver runtime ──signed commitments, reveals──▶ Bus ──▶ node (Live::listen)
//! solver runtime / wallet ──Client (HTTP: events, market, commit, reveal, intents)──▶ node API
//! ```
//!
//! - [`bus`]: [`Bus::local`] in-process, [`Bus::nats`] over NATS core
//!   pub/sub; it moves [`stakebid_intents::envelope::Envelope`]s, receivers
//!   check their signatures.
//! - [`cluster`]: the configuration of a NATS cluster with per-role users
//!   (the auctioneer publishes announcements, solvers only bids).
//! - [`client`]: the node's HTTP API as typed calls; errors keep the node's
//!   stable codes ([`codes::ApiCode`]).
#![forbid(unsafe_code)]

pub mod bus;
pub mod client;
pub mod cluster;
pub mod codes;
pub mod net;

pub use bus::{Bus, BusError};
pub use client::{Client, ClientError};
pub use codes::{ApiCode, ErrorCode};
pub use stakebid_wire as wire;
