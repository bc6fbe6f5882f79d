//! # stakebid-sdk
//!
//! How programs talk to a stakebid node: the HTTP API as typed calls
//! ([`Client`]) and the message bus ([`Bus`]: in-process or NATS) that
//! carries signed auction announcements, commitments and reveals. The
//! solver runtime and the CLI use both; wallets and scripts use the client.
//!
//! ```text
//! staker/wallet ──Staker──▶ node API (intent, quote, submit, wait, cancel) + chain (fund, positions, withdraw)
//! wallet/script ──Client──▶ node API (intents, quotes, auctions, events)
//! solver runtime ◀──Bus / events── auctioneer ; ──commitments, reveals──▶ Bus or API
//! ```
//!
//! Everything on the wire is signed by its sender
//! ([`stakebid_intents::envelope`]); this crate moves it, receivers check it.
#![forbid(unsafe_code)]

pub mod bus;
pub mod client;
pub mod codes;
pub mod staker;

pub use bus::{Bus, BusError};
pub use client::{Client, NodeInfo, SdkError};
pub use codes::ApiCode;
pub use staker::{profile, Position, Staker};
