//! Auction concepts, pure: no I/O.

pub mod score;
pub mod winner;
