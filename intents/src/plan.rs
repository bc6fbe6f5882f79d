//! A solver's plan for one intent: how much goes to each position, and its fee.

use serde::{Deserialize, Serialize};

use crate::intent::IntentId;
use crate::units::Wei;

/// Wei of the intent placed in one position.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Allocation {
    /// Position id in the market.
    pub position: String,
    /// Wei placed there.
    pub amount: Wei,
}

/// The plan for one intent. `Σ allocations + fee = intent.amount`, exactly.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Plan {
    /// The intent this plan serves.
    pub intent: IntentId,
    /// Allocations, each to a distinct position.
    pub allocations: Vec<Allocation>,
    /// The solver's one-off fee, in wei of the input asset.
    pub fee: Wei,
    /// The delivered-yield guarantee the solver attaches, if any
    /// (`docs/guarantee.md`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guarantee: Option<crate::guarantee::Terms>,
}
