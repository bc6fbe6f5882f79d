//! I/O at the edges: persistence (sled), the HTTP API (axum), the live
//! round on the wall clock with its bus listener, the chain link (awards
//! to settlement transactions through `stakebid-settlement`), and metrics.

pub mod api;
pub mod chain;
mod index;
pub mod live;
pub mod metrics;
pub mod store;
