//! The `eth_signTypedData_v4` document of an intent as types: what
//! [`crate::intent::Intent::typed_data`] writes and what
//! [`crate::intent::Intent::parse_typed_data`] reads from the message, so
//! no field is built or read by a string key.

use alloy::primitives::{Address, U256};
use serde::{de::IgnoredAny, Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::decimal::Dec;
use crate::error::IntentError;
use crate::intent::{Domain, Intent, DOMAIN_NAME, DOMAIN_VERSION, INTENT_FIELDS};

/// One `{ name, type }` entry of a type list.
#[derive(Serialize)]
struct Field {
    name: &'static str,
    #[serde(rename = "type")]
    ty: &'static str,
}

const DOMAIN_FIELDS: [(&str, &str); 4] = [
    ("name", "string"),
    ("version", "string"),
    ("chainId", "uint256"),
    ("verifyingContract", "address"),
];

#[derive(Serialize)]
struct Types {
    #[serde(rename = "EIP712Domain")]
    domain: Vec<Field>,
    #[serde(rename = "Intent")]
    intent: Vec<Field>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DomainOut {
    name: &'static str,
    version: &'static str,
    chain_id: Dec<u64>,
    #[serde(with = "crate::encoding::checksummed")]
    verifying_contract: Address,
}

/// The whole document.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Document {
    types: Types,
    primary_type: &'static str,
    domain: DomainOut,
    /// The message as a wallet shows it: integers decimal, addresses
    /// checksummed (the one intent encoding).
    #[serde(with = "crate::encoding::intent_json")]
    message: Intent,
}

fn fields(list: &[(&'static str, &'static str)]) -> Vec<Field> {
    list.iter().map(|&(name, ty)| Field { name, ty }).collect()
}

impl Document {
    pub(crate) fn new(i: &Intent, d: &Domain) -> Document {
        Document {
            types: Types { domain: fields(&DOMAIN_FIELDS), intent: fields(&INTENT_FIELDS) },
            primary_type: "Intent",
            domain: DomainOut {
                name: DOMAIN_NAME,
                version: DOMAIN_VERSION,
                chain_id: Dec(d.chain_id),
                verifying_contract: d.settlement,
            },
            message: i.clone(),
        }
    }
}

/// The message as wallets send it: integers as decimal strings, 0x-hex
/// strings or JSON numbers, addresses in any case. Every other field is
/// collected so it can be refused by name (the signature would not cover it).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MessageIn {
    owner: Address,
    asset: Address,
    amount: Dec<U256>,
    min_net_apy_bps: Dec<U256>,
    max_loss_bps: Dec<U256>,
    loss_confidence_bps: Dec<U256>,
    max_operator_bps: Dec<U256>,
    max_service_bps: Dec<U256>,
    min_liquid_bps: Dec<U256>,
    liquid_within_days: Dec<U256>,
    max_fee_bps: Dec<U256>,
    excluded_operators: Vec<Address>,
    nonce: Dec<U256>,
    deadline: Dec<U256>,
    #[serde(flatten)]
    undeclared: BTreeMap<String, IgnoredAny>,
}

fn narrow<T: TryFrom<U256>>(v: Dec<U256>, field: &str, ty: &str) -> Result<T, IntentError> {
    T::try_from(v.0).map_err(|_| IntentError::Malformed(format!("`{field}` does not fit in {ty}")))
}

impl MessageIn {
    /// Reads the message of typed data a wallet sent.
    pub(crate) fn read(message: &serde_json::Value) -> Result<MessageIn, IntentError> {
        MessageIn::deserialize(message)
            .map_err(|e| IntentError::Malformed(format!("the intent message: {e}")))
    }

    /// The intent, once no undeclared field is present and every integer fits its type.
    pub(crate) fn into_intent(self) -> Result<Intent, IntentError> {
        if let Some(extra) = self.undeclared.into_keys().next() {
            return Err(IntentError::UndeclaredField(extra));
        }
        let s = |v, f| narrow::<u16>(v, f, "uint16");
        Ok(Intent {
            owner: self.owner,
            asset: self.asset,
            amount: self.amount.0,
            minNetApyBps: s(self.min_net_apy_bps, "minNetApyBps")?,
            maxLossBps: s(self.max_loss_bps, "maxLossBps")?,
            lossConfidenceBps: s(self.loss_confidence_bps, "lossConfidenceBps")?,
            maxOperatorBps: s(self.max_operator_bps, "maxOperatorBps")?,
            maxServiceBps: s(self.max_service_bps, "maxServiceBps")?,
            minLiquidBps: s(self.min_liquid_bps, "minLiquidBps")?,
            liquidWithinDays: s(self.liquid_within_days, "liquidWithinDays")?,
            maxFeeBps: s(self.max_fee_bps, "maxFeeBps")?,
            excludedOperators: self.excluded_operators,
            nonce: self.nonce.0,
            deadline: narrow(self.deadline, "deadline", "uint64")?,
        })
    }
}
