//! # stakebid-sdk
//!
//! The client a wallet backend or script uses: build an intent from a risk
//! profile, quote, fund, sign (local key or an external wallet's
//! `eth_signTypedData_v4`), submit, watch to settlement, cancel, withdraw.
//!
//! ```text
//! profile ──▶ Intent ──▶ typed data ──wallet──▶ signature ──▶ node API ──▶ status stream
//! ```
//!
//! Nothing is implemented yet: this crate is the SDK issue's. Today,
//! `stakebid_intents` already builds, signs and verifies intents.
#![forbid(unsafe_code)]
