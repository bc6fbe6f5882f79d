//! Auction concepts, pure: no I/O, time is an argument.

pub mod fairness;
pub mod intent;
pub mod outcome;
pub mod phase;
pub mod registry;
pub mod round;
pub mod score;
pub mod winner;
