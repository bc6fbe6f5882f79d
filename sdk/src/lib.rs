//! # stakebid-sdk
//!
//! How programs talk to a stakebid node: the HTTP API as typed calls
//! ([`Client`]) and the message bus ([`Bus`]: in-process or NATS) that
//! carries signed auction announcements, commitments and reveals — both
//! from the small `stakebid-bus` crate (`sdk/bus`), which the node and the
//! solver runtime use directly — and the [`Staker`]: what a wallet does
//! (quote, fund, sign, submit, wait, cancel, positions, withdrawals).
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

pub mod display;
pub mod staker;

/// The SDK's error: the node client's (`Api`, `Transport`, `Decode`) and its chain calls' (`Chain`).
pub use stakebid_bus::ClientError as SdkError;
pub use stakebid_bus::{bus, client, cluster, codes};
pub use stakebid_bus::{ApiCode, Bus, BusError, Client, ErrorCode};
pub use stakebid_wire as wire;
pub use staker::{profile, PendingWithdrawal, Position, Staker};
