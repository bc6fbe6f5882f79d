//! I/O at the edges: persistence (sled) and the HTTP API (axum). The buses follow.

pub mod api;
pub mod live;
pub mod metrics;
pub mod store;
