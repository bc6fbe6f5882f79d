//! # stakebid-intents
//!
//! The shared vocabulary of stakebid, pure (no tokio, no I/O): what a staker
//! signs, what the market looks like, what can go wrong, and the one
//! evaluator that says whether a plan keeps an intent's promises.
//!
//! ```text
//!  wallet ──signs──▶ Intent (EIP-712, `intent`)  ──validate──▶ accepted
//!                                                   (`validate`, `signature`)
//!  Market snapshot (`market`) ──hash + seed──▶ Scenarios (`scenarios`)
//!  solver ──▶ Plan (`plan`) ──▶ evaluate(market, scenarios, intent, plan)
//!                                 ├─ Ok(Evaluation: net APY, CVaR, shares, score)
//!                                 └─ Err(Vec<Violation>)        (`evaluate`)
//! ```
//!
//! Units are fixed: wei for amounts, WAD (1e18 = 100 %) for rates and
//! fractions, basis points for shares (`units`). Every error has a stable
//! code (`IntentError::code`, `MarketError::code`, `Violation::code`).

#![forbid(unsafe_code)]

pub mod address;
pub mod batch;
pub mod clear_signing;
pub mod codes;
pub mod decimal;
pub mod deployment;
pub mod encoding;
pub mod envelope;
pub mod error;
pub mod evaluate;
pub mod guarantee;
pub mod intent;
pub mod market;
pub mod merkle;
pub mod names;
pub mod permit;
pub mod plan;
pub mod protocol;
pub mod scenarios;
pub mod signature;
mod typed;
pub mod units;
pub mod validate;

pub use error::{Coded, IntentError};
pub use evaluate::{evaluate, Context, Evaluation, Violation};
pub use intent::{Domain, Intent, IntentId, NATIVE_ETH};
pub use market::Market;
pub use plan::Plan;
pub use scenarios::Scenarios;
pub use signature::{recover, sign, verify, SignedIntent};
pub use units::{Bps, Wad, Wei};
pub use validate::{accept, validate, Policy};
