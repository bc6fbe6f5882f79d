//! Auction concepts, pure: no I/O.

pub mod winner;
