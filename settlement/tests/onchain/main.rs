//! The contracts on a real anvil (npm `@foundry-rs/anvil`, 127.0.0.1):
//! a batch settles into the plans' positions to the wei, every guard
//! reverts, owners exit, and the executor survives a crash without sending
//! twice.

mod admin;
mod batch;
mod calldata;
mod claims;
mod executor;
mod exits;
pub(crate) use stakebid_tests::onchain as fixture;
mod guarantee;
mod guards;
mod operators;
mod refund;
mod slashing;
