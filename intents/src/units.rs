//! Fixed-point quantities. Amounts are wei, rates and fractions are WAD
//! (1e18 = 100 %), shares are basis points. All are integers; floating point
//! lives only inside the optimizer.

use alloy::primitives::U256;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// 1e18: the WAD unit (100 %).
pub const WAD: u128 = 1_000_000_000_000_000_000;
/// 10,000 basis points = 100 %.
pub const BPS: u128 = 10_000;
/// Seconds in the 365-day year used for first-year yields.
pub const YEAR_SECS: u64 = 365 * 24 * 3600;

/// An amount of wei. `u128` holds 3.4e20 ETH, far above the ETH supply, so
/// every product that can exceed it is taken in `U256` by the callers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Wei(pub u128);

impl Wei {
    /// Zero wei.
    pub const ZERO: Wei = Wei(0);

    /// Whether it is zero (for `skip_serializing_if`).
    pub fn is_zero(&self) -> bool {
        self.0 == 0
    }

    /// Whole ether to wei.
    pub const fn ether(eth: u64) -> Wei {
        Wei(eth as u128 * WAD)
    }

    /// As a `U256`, for wide intermediate products.
    pub fn u256(self) -> U256 {
        U256::from(self.0)
    }

    /// Checked sum.
    pub fn checked_add(self, other: Wei) -> Option<Wei> {
        self.0.checked_add(other.0).map(Wei)
    }

    /// `self × num / den`, floored, computed without overflow.
    pub fn mul_div(self, num: u128, den: u128) -> Wei {
        let v = self.u256() * U256::from(num) / U256::from(den);
        Wei(v.to::<u128>())
    }

    /// As ether, for human output only.
    pub fn as_eth_f64(self) -> f64 {
        self.0 as f64 / WAD as f64
    }
}

/// `wei` as ETH, exactly (no float): every digit down to the wei, trailing
/// zeros trimmed — so two scores that differ by 1.9e-12 ETH read differently.
pub fn eth_exact(wei: i128) -> String {
    let sign = if wei < 0 { "-" } else { "" };
    let w = wei.unsigned_abs();
    let (whole, frac) = (w / WAD, w % WAD);
    if frac == 0 {
        return format!("{sign}{whole}");
    }
    let digits = format!("{frac:018}");
    format!("{sign}{whole}.{}", digits.trim_end_matches('0'))
}

impl fmt::Display for Wei {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Wei travel in JSON as decimal strings: JSON numbers lose precision above
/// 2^53 in most clients (JavaScript among them).
impl Serialize for Wei {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        crate::decimal::serialize(&self.0, s)
    }
}

impl<'de> Deserialize<'de> for Wei {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::decimal::deserialize(d).map(Wei)
    }
}

/// A WAD fraction or rate (1e18 = 100 %), serialized as a decimal string.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Wad(pub u128);

impl Wad {
    /// Zero.
    pub const ZERO: Wad = Wad(0);
    /// 100 %.
    pub const ONE: Wad = Wad(WAD);

    /// From basis points.
    pub const fn from_bps(bps: u128) -> Wad {
        Wad(bps * 100_000_000_000_000)
    }

    /// In basis points, floored (saturating at `u16::MAX`).
    pub fn to_bps(self) -> Bps {
        Bps(u16::try_from(self.0 / (WAD / 10_000)).unwrap_or(u16::MAX))
    }

    /// As a float, for the optimizer and human output only.
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / WAD as f64
    }
}

impl Serialize for Wad {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        crate::decimal::serialize(&self.0, s)
    }
}

impl<'de> Deserialize<'de> for Wad {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::decimal::deserialize(d).map(Wad)
    }
}

/// Basis points (10,000 = 100 %).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Bps(pub u16);

impl Bps {
    /// As a WAD fraction.
    pub fn wad(self) -> Wad {
        Wad::from_bps(self.0 as u128)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wei_round_trips_as_decimal_string() {
        let w = Wei(123_456_789_012_345_678_901_234_567);
        let j = serde_json::to_string(&w).unwrap();
        assert_eq!(j, "\"123456789012345678901234567\"");
        assert_eq!(serde_json::from_str::<Wei>(&j).unwrap(), w);
        assert!(serde_json::from_str::<Wei>("\"-1\"").is_err());
        assert!(serde_json::from_str::<Wei>("\"1e18\"").is_err());
    }

    #[test]
    fn mul_div_does_not_overflow() {
        let w = Wei(u128::MAX / 2);
        assert_eq!(w.mul_div(WAD, WAD), w);
    }
}
