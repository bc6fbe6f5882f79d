//! The yield-and-risk intent as an EIP-712 struct, its domain, its id, and
//! the `eth_signTypedData_v4` JSON a wallet signs.

use alloy::dyn_abi::TypedData;
use alloy::primitives::{Address, B256};
use alloy::sol_types::{eip712_domain, Eip712Domain, SolStruct};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::IntentError;

alloy::sol! {
    /// A staker's signed yield-and-risk intent. Field names are the EIP-712
    /// names; every bps field is an integer in [0, 10000].
    #[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
    struct Intent {
        /// The staker; the signer must be this address (or, on-chain, an ERC-1271 wallet).
        address owner;
        /// Input asset: the zero address for native ETH, otherwise the token.
        address asset;
        /// Wei of `asset` to stake, fee included.
        uint256 amount;
        /// Least first-year net yield after fees and one-off costs.
        uint16 minNetApyBps;
        /// CVaR budget: expected tail loss, as bps of `amount`.
        uint16 maxLossBps;
        /// CVaR confidence β in bps (9500 = the worst 5 % of scenarios).
        uint16 lossConfidenceBps;
        /// Most any one operator may hold of the amount.
        uint16 maxOperatorBps;
        /// Most of the amount exposed to any one service (by the operators' magnitudes).
        uint16 maxServiceBps;
        /// Least share exitable within `liquidWithinDays`.
        uint16 minLiquidBps;
        /// Horizon for `minLiquidBps`, in days.
        uint16 liquidWithinDays;
        /// Most the solver may charge, once, as bps of the amount.
        uint16 maxFeeBps;
        /// Operators that must receive nothing.
        address[] excludedOperators;
        /// Bitmap nonce: word = nonce >> 8, bit = nonce & 0xff.
        uint256 nonce;
        /// Unix seconds after which the intent may not settle.
        uint64 deadline;
    }
}

/// The native-ETH marker in `Intent.asset`.
pub const NATIVE_ETH: Address = Address::ZERO;

/// EIP-712 domain name.
pub const DOMAIN_NAME: &str = "stakebid";
/// EIP-712 domain version.
pub const DOMAIN_VERSION: &str = "1";

/// Where intents are valid: a chain and its Settlement contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Domain {
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// The Settlement contract (EIP-712 `verifyingContract`).
    #[serde(with = "crate::encoding::checksummed")]
    pub settlement: Address,
}

impl Domain {
    /// The devnet's domain: anvil's chain id (31337) and the Settlement
    /// address the first contract anvil's first account deploys gets.
    pub const DEV: Domain = Domain {
        chain_id: 31337,
        settlement: alloy::primitives::address!("5FbDB2315678afecb367f032d93F642f64180aa3"),
    };

    /// The alloy EIP-712 domain.
    pub fn eip712(&self) -> Eip712Domain {
        eip712_domain! {
            name: DOMAIN_NAME,
            version: DOMAIN_VERSION,
            chain_id: self.chain_id,
            verifying_contract: self.settlement,
        }
    }
}

/// An intent's id: its EIP-712 signing digest, unique per (domain, content).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IntentId(pub B256);

impl std::fmt::Display for IntentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Intent {
    /// The id (EIP-712 digest) of this intent under `domain`.
    pub fn id(&self, domain: &Domain) -> IntentId {
        IntentId(self.eip712_signing_hash(&domain.eip712()))
    }

    /// The `eth_signTypedData_v4` object (types, primaryType, domain,
    /// message). Integers are decimal strings so no JSON client loses
    /// precision; addresses are EIP-55 checksummed.
    pub fn typed_data(&self, domain: &Domain) -> Value {
        serde_json::to_value(crate::typed::Document::new(self, domain))
            .expect("typed data of plain strings and lists serializes")
    }

    /// Parses `eth_signTypedData_v4` JSON back into (intent, domain). The
    /// types must be exactly ours, so the digest a wallet showed is the digest
    /// we verify; the domain must be name `stakebid`, version `1`.
    pub fn from_typed_data(value: &Value) -> Result<(Intent, Domain), IntentError> {
        let (intent, domain, td) = Intent::parse_typed_data(value)?;
        round_trips(&td, &intent, &domain)?;
        Ok((intent, domain))
    }

    /// [`Intent::from_typed_data`] without the belt-and-braces digest
    /// cross-check (alloy's dynamic encoder, about as costly as the
    /// signature recovery itself): for intake, which verifies the owner's
    /// signature over the rebuilt struct's digest anyway and runs the
    /// cross-check only when that fails ([`crate::validate::accept`]). Also
    /// returns the parsed typed data for that.
    pub fn parse_typed_data(value: &Value) -> Result<(Intent, Domain, TypedData), IntentError> {
        let td = TypedData::deserialize(value)
            .map_err(|e| IntentError::Malformed(format!("not EIP-712 typed data: {e}")))?;
        if td.primary_type != "Intent" {
            return Err(IntentError::Malformed(format!(
                "primaryType is `{}`, expected `Intent`",
                td.primary_type
            )));
        }
        let encode_type = td.encode_type().map_err(|e| IntentError::Malformed(e.to_string()))?;
        if encode_type != Intent::eip712_encode_type() {
            return Err(IntentError::Malformed(format!(
                "the Intent type differs from stakebid's: got `{encode_type}`"
            )));
        }
        let d = &td.domain;
        if d.name.as_deref() != Some(DOMAIN_NAME) || d.version.as_deref() != Some(DOMAIN_VERSION) {
            return Err(IntentError::WrongDomain(format!(
                "domain name/version are {:?}/{:?}, expected `{DOMAIN_NAME}`/`{DOMAIN_VERSION}`",
                d.name, d.version
            )));
        }
        if d.salt.is_some() {
            return Err(IntentError::WrongDomain("the domain must not carry a salt".into()));
        }
        let chain_id = d
            .chain_id
            .ok_or_else(|| IntentError::WrongDomain("the domain has no chainId".into()))?;
        let chain_id: u64 = chain_id
            .try_into()
            .map_err(|_| IntentError::WrongDomain("chainId does not fit in 64 bits".into()))?;
        let settlement = d.verifying_contract.ok_or_else(|| {
            IntentError::WrongDomain("the domain has no verifyingContract".into())
        })?;
        // Every field must be one the type declares (and so one the
        // signature covers): an extra one would be dropped silently.
        let intent = crate::typed::MessageIn::read(&td.message)?.into_intent()?;
        let domain = Domain { chain_id, settlement };
        Ok((intent, domain, td))
    }
}

/// Belt and braces: the digest alloy's dynamic encoder computes from the
/// JSON must equal the digest of the struct rebuilt from it.
pub(crate) fn round_trips(
    td: &TypedData,
    intent: &Intent,
    domain: &Domain,
) -> Result<(), IntentError> {
    let digest = td.eip712_signing_hash().map_err(|e| IntentError::Malformed(e.to_string()))?;
    if digest != intent.id(domain).0 {
        return Err(IntentError::Malformed("message fields do not round-trip".into()));
    }
    Ok(())
}

/// The Intent's EIP-712 fields in order: (name, type).
pub const INTENT_FIELDS: [(&str, &str); 14] = [
    ("owner", "address"),
    ("asset", "address"),
    ("amount", "uint256"),
    ("minNetApyBps", "uint16"),
    ("maxLossBps", "uint16"),
    ("lossConfidenceBps", "uint16"),
    ("maxOperatorBps", "uint16"),
    ("maxServiceBps", "uint16"),
    ("minLiquidBps", "uint16"),
    ("liquidWithinDays", "uint16"),
    ("maxFeeBps", "uint16"),
    ("excludedOperators", "address[]"),
    ("nonce", "uint256"),
    ("deadline", "uint64"),
];
