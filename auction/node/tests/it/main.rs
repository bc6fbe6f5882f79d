//! The node's own tests: the HTTP API (`api`), the auctioneer over a real
//! store (`auctioneer`), and the store conformance suite for sled and
//! Postgres (`store`).

mod api;
mod auctioneer;
mod names;
mod node;
mod store;
