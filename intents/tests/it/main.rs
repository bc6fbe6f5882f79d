//! Integration tests of the intents crate, in one binary so the build stays fast.

mod common;
mod eip712;
mod evaluator;
mod market;
mod merkle;
mod validation;
mod viem;
