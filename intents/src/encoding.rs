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
