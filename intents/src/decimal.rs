//! Integers in JSON as decimal strings, in one place: what
//! `eth_signTypedData_v4` and viem write, and the only way a JSON reader
//! keeps precision past 2^53. Every integer the node stores or serves goes
//! through here: the wire's [`Dec`] wrapper, `#[serde(with =
//! "stakebid_intents::decimal")]` fields, [`map`] for maps of them, and the
//! `Wei`/`Wad` newtypes.
//!
//! Readers also take a JSON number (hand-written files and bodies with small
//! values), and for 256-bit values 0x-hex, which records written before the
//! decimal rule carry.

use alloy::primitives::{I256, U256};
use serde::{de::Error, Deserialize, Deserializer, Serialize, Serializer};
use std::fmt::Display;
use std::str::FromStr;

/// An integer type this module writes and reads.
pub trait Decimal: Sized + Display {
    /// Parses `text` (decimal; 0x-hex where the type allows it).
    fn parse_text(text: &str) -> Result<Self, String>;
}

macro_rules! plain {
    ($($t:ty),*) => {$(
        impl Decimal for $t {
            fn parse_text(text: &str) -> Result<Self, String> {
                <$t>::from_str(text.trim()).map_err(|e| e.to_string())
            }
        }
    )*};
}
plain!(u8, u16, u32, u64, u128, i32, i64, i128);

impl Decimal for U256 {
    fn parse_text(t: &str) -> Result<Self, String> {
        match t.strip_prefix("0x") {
            Some(h) => U256::from_str_radix(h, 16),
            None => U256::from_str_radix(t, 10),
        }
        .map_err(|e| e.to_string())
    }
}

impl Decimal for I256 {
    fn parse_text(t: &str) -> Result<Self, String> {
        match t.strip_prefix("0x") {
            Some(_) => I256::from_hex_str(t),
            None => I256::from_dec_str(t),
        }
        .map_err(|e| e.to_string())
    }
}

/// `T` written as a decimal string (`"1500000000000000000"`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Dec<T>(pub T);

impl<T: Display> Serialize for Dec<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de, T: Decimal> Deserialize<'de> for Dec<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            S(String),
            N(serde_json::Number),
        }
        let text = match Raw::deserialize(d)? {
            Raw::S(s) => s,
            Raw::N(n) => n.to_string(),
        };
        T::parse_text(&text)
            .map(Dec)
            .map_err(|e| D::Error::custom(format!("`{text}` is not a decimal integer: {e}")))
    }
}

impl<T> From<T> for Dec<T> {
    fn from(v: T) -> Self {
        Dec(v)
    }
}

impl<T: Display> Display for Dec<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Writes `v` in decimal (`#[serde(with = "stakebid_intents::decimal")]`).
pub fn serialize<T: Display, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// Reads what [`serialize`] writes (and a JSON number, and legacy hex).
pub fn deserialize<'de, T: Decimal, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    Dec::<T>::deserialize(d).map(|d| d.0)
}

/// A map whose values are decimal strings.
pub mod map {
    use super::{Dec, Decimal};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::BTreeMap;
    use std::fmt::Display;

    /// Writes each value in decimal.
    pub fn serialize<K: Serialize, T: Display, S: Serializer>(
        m: &BTreeMap<K, T>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_map(m.iter().map(|(k, v)| (k, Dec(v))))
    }

    /// Reads a map of decimal strings.
    pub fn deserialize<'de, K, T, D>(d: D) -> Result<BTreeMap<K, T>, D::Error>
    where
        K: Deserialize<'de> + Ord,
        T: Decimal,
        D: Deserializer<'de>,
    {
        let m = BTreeMap::<K, Dec<T>>::deserialize(d)?;
        Ok(m.into_iter().map(|(k, v)| (k, v.0)).collect())
    }
}

/// An optional decimal string (`null` or absent: `None`).
pub mod opt {
    use super::{Dec, Decimal};
    use serde::{Deserialize, Deserializer, Serializer};
    use std::fmt::Display;

    /// Writes the value in decimal, or `null`.
    pub fn serialize<T: Display, S: Serializer>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_str(&v.to_string()),
            None => s.serialize_none(),
        }
    }

    /// Reads a decimal string or `null`.
    pub fn deserialize<'de, T: Decimal, D: Deserializer<'de>>(d: D) -> Result<Option<T>, D::Error> {
        Ok(Option::<Dec<T>>::deserialize(d)?.map(|d| d.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_integers_keep_every_digit_and_only_wide_ones_read_hex() {
        let v = Dec(U256::from(10u8).pow(U256::from(30u8)));
        let s = serde_json::to_string(&v).unwrap();
        assert_eq!(s, "\"1000000000000000000000000000000\"");
        assert_eq!(serde_json::from_str::<Dec<U256>>(&s).unwrap(), v);
        assert_eq!(serde_json::from_str::<Dec<i128>>("-5").unwrap(), Dec(-5));
        assert!(serde_json::from_str::<Dec<u64>>("\"0x10\"").is_err());
        // Records written before the decimal rule carry 0x-hex 256-bit values.
        assert_eq!(serde_json::from_str::<Dec<U256>>("\"0x10\"").unwrap(), Dec(U256::from(16)));
        let i = serde_json::from_str::<Dec<I256>>("\"0x2a\"").unwrap();
        assert_eq!(i, Dec(I256::try_from(42).unwrap()));
        let e = serde_json::from_str::<Dec<u128>>("\"-1\"").unwrap_err().to_string();
        assert!(e.contains("`-1` is not a decimal integer"), "{e}");
    }

    #[test]
    fn maps_write_values_as_strings() {
        let m: std::collections::BTreeMap<String, i128> = [("a".into(), -3)].into();
        #[derive(Serialize, Deserialize, PartialEq, Debug)]
        struct W(#[serde(with = "super::map")] std::collections::BTreeMap<String, i128>);
        let s = serde_json::to_string(&W(m.clone())).unwrap();
        assert_eq!(s, r#"{"a":"-3"}"#);
        assert_eq!(serde_json::from_str::<W>(&s).unwrap(), W(m));
    }
}
