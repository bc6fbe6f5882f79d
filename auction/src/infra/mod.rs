//! I/O at the edges: persistence (sled). Transport and the HTTP API follow.

pub mod store;
