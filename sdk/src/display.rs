//! What people read: amounts in ETH (or the token's name) with sensible
//! significant digits, rates in %, dates in UTC, and why an intent waits
//! in words. Programs use the exact wei (`--json`, the wire types).

use alloy::primitives::{Address, U256};

use crate::wire::Waiting;

const WEI: u128 = 1_000_000_000_000_000_000;

/// `wei` in ETH (or any 18-decimal token): four decimals from 0.01 up,
/// four significant digits below, trailing zeros trimmed (`3`, `2.1291`,
/// `0.0025`, `0.00001235`).
pub fn eth(wei: U256) -> String {
    if wei.is_zero() {
        return "0".into();
    }
    // Decimals to keep: 4, or enough for four significant digits.
    let mut d = 4u32;
    while d < 18
        && wei * U256::from(10u64).pow(U256::from(d)) < U256::from(WEI) * U256::from(1000u64)
    {
        d += 1;
    }
    let scale = U256::from(10u64).pow(U256::from(18 - d));
    let q = (wei + scale / U256::from(2u64)) / scale;
    let unit = U256::from(10u64).pow(U256::from(d));
    let frac = format!("{:0>width$}", (q % unit).to_string(), width = d as usize);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        (q / unit).to_string()
    } else {
        format!("{}.{frac}", q / unit)
    }
}

/// `wei` of `unit` for people: `2.1291 rETH`.
pub fn amount(wei: U256, unit: &str) -> String {
    format!("{} {unit}", eth(wei))
}

/// Basis points as a percentage: `312` → `3.12 %`.
pub fn pct(bps: i64) -> String {
    let sign = if bps < 0 { "−" } else { "" };
    let b = bps.unsigned_abs();
    format!("{sign}{}.{:02} %", b / 100, b % 100)
}

/// Unix seconds as a UTC date and time: `2026-12-07 10:31:02 UTC`.
pub fn utc(secs: u64) -> String {
    chrono::DateTime::from_timestamp(secs as i64, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| format!("unix time {secs}"))
}

/// A duration for people: `3 d 4 h`, `5 h 12 min`, `42 s`.
pub fn duration(secs: u64) -> String {
    match secs {
        s if s >= 86_400 => format!("{} d {} h", s / 86_400, s % 86_400 / 3600),
        s if s >= 3600 => format!("{} h {} min", s / 3600, s % 3600 / 60),
        s if s >= 60 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

/// Why a pending intent waits, in its owner's words; `unit_of` names an
/// asset (ETH for the zero address).
pub fn waiting(w: &Waiting, unit_of: impl Fn(Address) -> String) -> String {
    match w {
        Waiting::Funding { asset, needed, available } => {
            let unit = unit_of(*asset);
            let where_ = if asset.is_zero() {
                "the Settlement escrow holds"
            } else {
                "your allowance to the Settlement and your balance allow"
            };
            format!(
                "waiting for funding: {where_} {}, your open intents in it need {} ({} short); it joins the next auction once funded",
                amount(available.0, &unit),
                amount(needed.0, &unit),
                amount(needed.0.saturating_sub(available.0), &unit)
            )
        }
        Waiting::NonceSpent => {
            "its nonce is already used on-chain (settled elsewhere or cancelled): it cannot settle and expires at its deadline".into()
        }
        Waiting::Backoff { until_round } => format!(
            "no valid plan covered your intents lately: they wait behind everyone else's until auction {until_round}"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_as_people_write_them() {
        let w = |s: &str| alloy::primitives::utils::parse_ether(s).unwrap();
        assert_eq!(eth(w("3")), "3");
        assert_eq!(eth(w("2.129143133934070795")), "2.1291");
        assert_eq!(eth(w("0.0025")), "0.0025");
        assert_eq!(eth(w("0.000012345")), "0.00001235");
        assert_eq!(eth(U256::from(1u64)), "0.000000000000000001");
        assert_eq!(eth(w("1.99999")), "2");
        assert_eq!(amount(w("1.5"), "stETH"), "1.5 stETH");
        assert_eq!(pct(312), "3.12 %");
        assert_eq!(pct(-5), "−0.05 %");
        assert_eq!(utc(1_796_574_441), "2026-12-06 16:27:21 UTC");
        assert_eq!(duration(90_000), "1 d 1 h");
    }
}
