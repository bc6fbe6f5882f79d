//! The one error enum for intents: every variant has a stable code (the API
//! and CLI print it) and a sentence a person understands (its `Display`).

use alloy::primitives::{Address, U256};

/// Why an intent (or its signature) was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntentError {
    /// The JSON is not a stakebid intent.
    #[error("the intent is malformed: {0}")]
    Malformed(String),
    /// The message carries a field the EIP-712 types do not declare: a
    /// wallet would show it, yet nothing signs it.
    #[error("the message has a field `{0}` the Intent type does not declare; remove it")]
    UndeclaredField(String),
    /// The EIP-712 domain is not stakebid's.
    #[error("the intent was signed for another application: {0}")]
    WrongDomain(String),
    /// Signed for another chain.
    #[error("the intent is for chain {got}, but this marketplace runs on chain {expected}")]
    WrongChain {
        /// Chain in the intent's domain.
        got: u64,
        /// Our chain.
        expected: u64,
    },
    /// Signed for another Settlement contract.
    #[error("the intent names settlement contract {got}, but ours is {expected}")]
    WrongContract {
        /// Contract in the intent's domain.
        got: Address,
        /// Our Settlement.
        expected: Address,
    },
    /// The owner is the zero address.
    #[error("the intent's owner is the zero address")]
    OwnerZero,
    /// Nothing to stake.
    #[error("the amount is zero: there is nothing to stake")]
    AmountZero,
    /// Below the smallest amount the marketplace handles.
    #[error("the amount {amount} wei is below the minimum of {min} wei")]
    AmountTooSmall {
        /// Requested.
        amount: U256,
        /// Minimum.
        min: U256,
    },
    /// Above the largest amount the marketplace handles.
    #[error("the amount {amount} wei is above the maximum of {max} wei")]
    AmountTooLarge {
        /// Requested.
        amount: U256,
        /// Maximum.
        max: U256,
    },
    /// A basis-point field above 10,000.
    #[error("{field} is {value} bps; basis points must be between 0 and 10000")]
    BpsOutOfRange {
        /// The field's EIP-712 name.
        field: &'static str,
        /// Its value.
        value: u16,
    },
    /// A CVaR confidence too low to mean "a bad case".
    #[error("lossConfidenceBps is {value}; a loss bound needs a confidence of at least {min} bps")]
    ConfidenceTooLow {
        /// Its value.
        value: u16,
        /// Minimum.
        min: u16,
    },
    /// The deadline is already over.
    #[error("the deadline {deadline} has passed (now {now})")]
    DeadlinePassed {
        /// Intent deadline (unix s).
        deadline: u64,
        /// Current time (unix s).
        now: u64,
    },
    /// The deadline is further out than the marketplace accepts.
    #[error("the deadline {deadline} is too far ahead; the latest accepted now is {max}")]
    DeadlineTooFar {
        /// Intent deadline (unix s).
        deadline: u64,
        /// Latest accepted deadline.
        max: u64,
    },
    /// Too many excluded operators.
    #[error("{count} operators are excluded; at most {max} may be")]
    TooManyExclusions {
        /// Number given.
        count: usize,
        /// Maximum.
        max: usize,
    },
    /// The same operator is excluded twice.
    #[error("operator {0} is excluded twice")]
    DuplicateExclusion(Address),
    /// The input asset cannot be staked in this market.
    #[error("asset {0} cannot be staked in this market")]
    UnsupportedAsset(Address),
    /// The signature cannot be parsed or recovered.
    #[error("the signature is invalid: {0}")]
    BadSignature(String),
    /// A malleable (high-s) signature.
    #[error("the signature's s value is in the upper half of the curve order; sign again with a standard (low-s) signer")]
    HighS,
    /// Signed by someone other than the owner.
    #[error("the intent was signed by {signer}, not by its owner {owner}")]
    WrongSigner {
        /// Recovered signer.
        signer: Address,
        /// Intent owner.
        owner: Address,
    },
}

impl IntentError {
    /// Every code, for the API spec and the tests that pin them.
    pub const CODES: [&'static str; 19] = [
        "intent.malformed",
        "intent.undeclared_field",
        "intent.wrong_domain",
        "intent.wrong_chain",
        "intent.wrong_contract",
        "intent.owner_zero",
        "intent.amount_zero",
        "intent.amount_too_small",
        "intent.amount_too_large",
        "intent.bps_out_of_range",
        "intent.confidence_too_low",
        "intent.deadline_passed",
        "intent.deadline_too_far",
        "intent.too_many_exclusions",
        "intent.duplicate_exclusion",
        "intent.unsupported_asset",
        "intent.bad_signature",
        "intent.high_s_signature",
        "intent.wrong_signer",
    ];
}

impl crate::Coded for IntentError {
    fn code(&self) -> &str {
        match self {
            Self::Malformed(_) => "intent.malformed",
            Self::UndeclaredField(_) => "intent.undeclared_field",
            Self::WrongDomain(_) => "intent.wrong_domain",
            Self::WrongChain { .. } => "intent.wrong_chain",
            Self::WrongContract { .. } => "intent.wrong_contract",
            Self::OwnerZero => "intent.owner_zero",
            Self::AmountZero => "intent.amount_zero",
            Self::AmountTooSmall { .. } => "intent.amount_too_small",
            Self::AmountTooLarge { .. } => "intent.amount_too_large",
            Self::BpsOutOfRange { .. } => "intent.bps_out_of_range",
            Self::ConfidenceTooLow { .. } => "intent.confidence_too_low",
            Self::DeadlinePassed { .. } => "intent.deadline_passed",
            Self::DeadlineTooFar { .. } => "intent.deadline_too_far",
            Self::TooManyExclusions { .. } => "intent.too_many_exclusions",
            Self::DuplicateExclusion(_) => "intent.duplicate_exclusion",
            Self::UnsupportedAsset(_) => "intent.unsupported_asset",
            Self::BadSignature(_) => "intent.bad_signature",
            Self::HighS => "intent.high_s_signature",
            Self::WrongSigner { .. } => "intent.wrong_signer",
        }
    }
}

/// Whether a chain node's error text says the sending account cannot pay
/// for the transaction (`-32003 Insufficient funds for gas * price +
/// value`, or an estimate with no ETH at all): such failures are answered
/// as `chain.insufficient_funds` with [`INSUFFICIENT_FUNDS`], not the RPC's
/// words.
pub fn is_insufficient_funds(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    t.contains("insufficient funds") || t.contains("gas required exceeds allowance: 0")
}

/// The sentence for `chain.insufficient_funds`.
pub const INSUFFICIENT_FUNDS: &str =
    "the sending account has too little ETH for this transaction's value and gas: fund it and try again";

/// An error both a person and a program can act on: a stable code
/// (`intent.expired`, listed in `docs/errors.md`) and a sentence (its
/// `Display`). Every error that crosses an edge — the API's error body, the
/// CLI's exit message, the SDK's `ClientError` — is one, and is converted
/// through this trait in one place at each edge.
pub trait Coded: std::fmt::Display {
    /// The stable code.
    fn code(&self) -> &str;

    /// The sentence for a person.
    fn message(&self) -> String {
        self.to_string()
    }
}
