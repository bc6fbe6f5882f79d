//! The node's chain link on a real anvil: awards settle through the
//! settlement crate's executor, a failed winner falls back to the
//! runner-up, and penalties land on the SolverRegistry.

mod fallback;
mod funding;
mod penalties;
// The settlement crate's on-chain fixture (anvil, contracts, signed
// intents), shared as one source rather than copied.
#[allow(dead_code, unreachable_pub)]
#[path = "../../../settlement/tests/onchain/fixture.rs"]
mod fixture;
