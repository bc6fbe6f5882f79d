//! I/O at the edges: persistence (sled), the HTTP API (axum), the live
//! round on the wall clock with its bus listener, the market feed (each
//! round's market from a snapshot or the chain, and the book of markets used), the chain link (awards
//! to settlement transactions through `stakebid-settlement`), and metrics.

pub mod api;
pub mod chain;
pub mod funding;
mod index;
pub mod live;
pub mod market;
pub mod metrics;
pub mod pg;
pub mod store;
