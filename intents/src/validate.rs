//! Validation of an intent against a clock and the marketplace's policy.
//! Pure: the caller passes `now`, so deadlines are tested without sleeping.

use alloy::primitives::{Address, U256};
use serde::{Deserialize, Serialize};

use crate::error::IntentError;
use crate::intent::{Domain, Intent};

/// What the marketplace accepts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Our chain and Settlement contract.
    pub domain: Domain,
    /// Smallest amount (wei). Rocket Pool's minimum deposit is 0.01 ETH.
    pub min_amount: U256,
    /// Largest amount (wei).
    pub max_amount: U256,
    /// Latest deadline accepted, as seconds after now.
    pub max_deadline_secs: u64,
    /// Least remaining time to the deadline, so an auction can still run.
    pub min_remaining_secs: u64,
    /// Most excluded operators (each costs calldata and a check on-chain).
    pub max_exclusions: usize,
    /// Least CVaR confidence in bps.
    pub min_confidence_bps: u16,
    /// Input assets the market can stake; `None` = don't check.
    pub accepted_assets: Option<Vec<Address>>,
}

impl Policy {
    /// The defaults for `domain`: 0.01 ETH to 100,000 ETH, deadlines up to 30
    /// days ahead and at least 30 s away, up to 32 exclusions, confidence ≥ 50 %.
    pub fn new(domain: Domain) -> Self {
        Policy {
            domain,
            min_amount: U256::from(10_000_000_000_000_000u128),
            max_amount: U256::from(100_000u128) * U256::from(crate::units::WAD),
            max_deadline_secs: 30 * 24 * 3600,
            min_remaining_secs: 30,
            max_exclusions: 32,
            min_confidence_bps: 5000,
            accepted_assets: None,
        }
    }
}

/// Checks every field of `intent` (not its signature) under `domain`.
pub fn validate(
    intent: &Intent,
    domain: &Domain,
    now: u64,
    policy: &Policy,
) -> Result<(), IntentError> {
    if domain.chain_id != policy.domain.chain_id {
        return Err(IntentError::WrongChain {
            got: domain.chain_id,
            expected: policy.domain.chain_id,
        });
    }
    if domain.settlement != policy.domain.settlement {
        return Err(IntentError::WrongContract {
            got: domain.settlement,
            expected: policy.domain.settlement,
        });
    }
    if intent.owner == Address::ZERO {
        return Err(IntentError::OwnerZero);
    }
    if intent.amount.is_zero() {
        return Err(IntentError::AmountZero);
    }
    if intent.amount < policy.min_amount {
        return Err(IntentError::AmountTooSmall { amount: intent.amount, min: policy.min_amount });
    }
    if intent.amount > policy.max_amount {
        return Err(IntentError::AmountTooLarge { amount: intent.amount, max: policy.max_amount });
    }
    for (field, value) in bps_fields(intent) {
        if value > 10_000 {
            return Err(IntentError::BpsOutOfRange { field, value });
        }
    }
    if intent.lossConfidenceBps < policy.min_confidence_bps {
        return Err(IntentError::ConfidenceTooLow {
            value: intent.lossConfidenceBps,
            min: policy.min_confidence_bps,
        });
    }
    if intent.deadline < now.saturating_add(policy.min_remaining_secs) {
        return Err(IntentError::DeadlinePassed { deadline: intent.deadline, now });
    }
    let max = now.saturating_add(policy.max_deadline_secs);
    if intent.deadline > max {
        return Err(IntentError::DeadlineTooFar { deadline: intent.deadline, max });
    }
    if intent.excludedOperators.len() > policy.max_exclusions {
        return Err(IntentError::TooManyExclusions {
            count: intent.excludedOperators.len(),
            max: policy.max_exclusions,
        });
    }
    let mut seen = std::collections::HashSet::new();
    for op in &intent.excludedOperators {
        if !seen.insert(*op) {
            return Err(IntentError::DuplicateExclusion(*op));
        }
    }
    if let Some(accepted) = &policy.accepted_assets {
        if !accepted.contains(&intent.asset) {
            return Err(IntentError::UnsupportedAsset(intent.asset));
        }
    }
    Ok(())
}

/// The bps-valued fields (not `liquidWithinDays`, which is days).
pub fn bps_fields(i: &Intent) -> [(&'static str, u16); 7] {
    [
        ("minNetApyBps", i.minNetApyBps),
        ("maxLossBps", i.maxLossBps),
        ("lossConfidenceBps", i.lossConfidenceBps),
        ("maxOperatorBps", i.maxOperatorBps),
        ("maxServiceBps", i.maxServiceBps),
        ("minLiquidBps", i.minLiquidBps),
        ("maxFeeBps", i.maxFeeBps),
    ]
}

/// The whole intake check a wallet's submission gets: parse the
/// `eth_signTypedData_v4` JSON, validate the fields against the clock and
/// policy, then verify the owner's signature. What the API and the CLI run.
pub fn accept(
    typed_data: &serde_json::Value,
    signature: &[u8],
    now: u64,
    policy: &Policy,
) -> Result<(crate::SignedIntent, crate::IntentId), IntentError> {
    let (intent, domain, td) = Intent::parse_typed_data(typed_data)?;
    let sig = crate::signature::parse_signature(signature)?;
    validate(&intent, &domain, now, policy)?;
    // The owner's signature over the rebuilt struct's digest is the check;
    // JSON that does not round-trip to that struct cannot carry the owner's
    // signature for it, so the costly dynamic-encoder cross-check runs only
    // to name why a signature failed.
    let id = crate::signature::verify(&intent, &domain, &sig).map_err(|e| {
        match crate::intent::round_trips(&td, &intent, &domain) {
            Err(not_canonical) => not_canonical,
            Ok(()) => e,
        }
    })?;
    let signed = crate::SignedIntent {
        intent,
        domain,
        signature: alloy::primitives::Bytes::copy_from_slice(&sig.as_bytes()),
        permit: None,
    };
    Ok((signed, id))
}
