//! Integers as decimal strings: what `eth_signTypedData_v4` and viem use,
//! and the only way a JSON reader keeps precision past 2^53.

use serde::{de::Error, Deserialize, Deserializer, Serialize, Serializer};
use std::fmt::Display;
use std::str::FromStr;

/// `T` written as a decimal string (`"1500000000000000000"`). Reading also
/// takes a JSON number, so hand-written bodies with small values work.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Dec<T>(pub T);

impl<T: Display> Serialize for Dec<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de, T> Deserialize<'de> for Dec<T>
where
    T: FromStr,
    T::Err: Display,
{
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
        text.parse().map(Dec).map_err(|e| D::Error::custom(format!("`{text}`: {e}")))
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

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::U256;

    #[test]
    fn big_integers_keep_every_digit_and_hex_is_refused() {
        let v = Dec(U256::from(10u8).pow(U256::from(30u8)));
        let s = serde_json::to_string(&v).unwrap();
        assert_eq!(s, "\"1000000000000000000000000000000\"");
        assert_eq!(serde_json::from_str::<Dec<U256>>(&s).unwrap(), v);
        assert_eq!(serde_json::from_str::<Dec<i128>>("-5").unwrap(), Dec(-5));
        assert!(serde_json::from_str::<Dec<u64>>("\"0x10\"").is_err());
    }
}
