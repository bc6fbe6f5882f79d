//! I/O at the edges: persistence (sled), the HTTP API (axum), the live
//! round on the wall clock with its bus listener, and metrics.

pub mod api;
mod index;
pub mod live;
pub mod metrics;
pub mod store;
