//! How stakebid writes addresses in JSON: EIP-55 checksummed; readers take
//! any case, so records and messages written before read back. Integers
//! are decimal strings, written by [`crate::decimal`].
//!
//! Use with `#[serde(with = "…")]`; the protocol structs (`Bid`, `Award`)
//! serialize through these.

/// An `Address`, written checksummed.
pub mod checksummed {
    use alloy::primitives::Address;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes `a` EIP-55 checksummed.
    pub fn serialize<S: Serializer>(a: &Address, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&a.to_checksum(None))
    }

    /// Reads an address in any case (the API checks EIP-55 on its bodies).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Address, D::Error> {
        Address::deserialize(d)
    }
}

/// A list of addresses, written checksummed.
pub mod checksummed_vec {
    use alloy::primitives::Address;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes each address checksummed.
    pub fn serialize<S: Serializer>(v: &[Address], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|a| a.to_checksum(None)))
    }

    /// Reads addresses in any case.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Address>, D::Error> {
        Vec::<Address>::deserialize(d)
    }
}

/// An optional address, written checksummed.
pub mod checksummed_opt {
    use alloy::primitives::Address;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the address checksummed, or `null`.
    pub fn serialize<S: Serializer>(a: &Option<Address>, s: S) -> Result<S::Ok, S::Error> {
        match a {
            Some(a) => s.serialize_str(&a.to_checksum(None)),
            None => s.serialize_none(),
        }
    }

    /// Reads an address in any case, or `null`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Address>, D::Error> {
        Option::<Address>::deserialize(d)
    }
}

/// A map keyed by address, keys written checksummed.
pub mod checksummed_keys {
    use alloy::primitives::Address;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::BTreeMap;

    /// Writes the map with checksummed keys.
    pub fn serialize<V: Serialize, S: Serializer>(
        m: &BTreeMap<Address, V>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_map(m.iter().map(|(k, v)| (k.to_checksum(None), v)))
    }

    /// Reads a map keyed by addresses in any case.
    pub fn deserialize<'de, V: Deserialize<'de>, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<Address, V>, D::Error> {
        BTreeMap::<Address, V>::deserialize(d)
    }
}

/// A map whose values are addresses, written checksummed.
pub mod checksummed_values {
    use alloy::primitives::Address;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::BTreeMap;

    /// Writes the map with checksummed values.
    pub fn serialize<K: Serialize, S: Serializer>(
        m: &BTreeMap<K, Address>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_map(m.iter().map(|(k, v)| (k, v.to_checksum(None))))
    }

    /// Reads a map of addresses in any case.
    pub fn deserialize<'de, K: Deserialize<'de> + Ord, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<K, Address>, D::Error> {
        BTreeMap::<K, Address>::deserialize(d)
    }
}

/// An [`crate::Intent`] in JSON as everywhere else: its EIP-712 field
/// names, integers as decimal strings, addresses EIP-55 — the form of the
/// typed data's `message` a wallet signs. The sol struct's own serde writes
/// 0x-hex amounts, JSON-number bps and lowercase addresses; readers here
/// take that older form too (records and files written before).
pub mod intent_json {
    use alloy::primitives::{Address, U256};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::decimal::Dec;
    use crate::Intent;

    #[derive(Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Form {
        #[serde(with = "super::checksummed")]
        owner: Address,
        #[serde(with = "super::checksummed")]
        asset: Address,
        amount: Dec<U256>,
        min_net_apy_bps: Dec<u16>,
        max_loss_bps: Dec<u16>,
        loss_confidence_bps: Dec<u16>,
        max_operator_bps: Dec<u16>,
        max_service_bps: Dec<u16>,
        min_liquid_bps: Dec<u16>,
        liquid_within_days: Dec<u16>,
        max_fee_bps: Dec<u16>,
        #[serde(with = "super::checksummed_vec")]
        excluded_operators: Vec<Address>,
        nonce: Dec<U256>,
        deadline: Dec<u64>,
    }

    impl From<&Intent> for Form {
        fn from(i: &Intent) -> Form {
            Form {
                owner: i.owner,
                asset: i.asset,
                amount: Dec(i.amount),
                min_net_apy_bps: Dec(i.minNetApyBps),
                max_loss_bps: Dec(i.maxLossBps),
                loss_confidence_bps: Dec(i.lossConfidenceBps),
                max_operator_bps: Dec(i.maxOperatorBps),
                max_service_bps: Dec(i.maxServiceBps),
                min_liquid_bps: Dec(i.minLiquidBps),
                liquid_within_days: Dec(i.liquidWithinDays),
                max_fee_bps: Dec(i.maxFeeBps),
                excluded_operators: i.excludedOperators.clone(),
                nonce: Dec(i.nonce),
                deadline: Dec(i.deadline),
            }
        }
    }

    impl From<Form> for Intent {
        fn from(f: Form) -> Intent {
            Intent {
                owner: f.owner,
                asset: f.asset,
                amount: f.amount.0,
                minNetApyBps: f.min_net_apy_bps.0,
                maxLossBps: f.max_loss_bps.0,
                lossConfidenceBps: f.loss_confidence_bps.0,
                maxOperatorBps: f.max_operator_bps.0,
                maxServiceBps: f.max_service_bps.0,
                minLiquidBps: f.min_liquid_bps.0,
                liquidWithinDays: f.liquid_within_days.0,
                maxFeeBps: f.max_fee_bps.0,
                excludedOperators: f.excluded_operators,
                nonce: f.nonce.0,
                deadline: f.deadline.0,
            }
        }
    }

    /// Writes `i` in the one encoding.
    pub fn serialize<S: Serializer>(i: &Intent, s: S) -> Result<S::Ok, S::Error> {
        Form::from(i).serialize(s)
    }

    /// Reads either encoding.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Intent, D::Error> {
        Form::deserialize(d).map(Intent::from)
    }

    /// A list of intents.
    pub mod vec {
        use super::{Form, Intent};
        use serde::{Deserialize, Deserializer, Serializer};

        /// Writes each in the one encoding.
        pub fn serialize<S: Serializer>(v: &[Intent], s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(v.iter().map(Form::from))
        }

        /// Reads either encoding.
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Intent>, D::Error> {
            Vec::<Form>::deserialize(d).map(|v| v.into_iter().map(Intent::from).collect())
        }
    }
}
