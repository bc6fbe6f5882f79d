//! The delivered-yield guarantee's rule (`docs/guarantee.md`): what a
//! plan's guarantee pays its owner, computed from the protocols' own yield
//! indexes, never from balances. The Settlement's `GuaranteeRule` library
//! computes the same, to the wei (a property test on anvil compares them).
//!
//! ```text
//! elapsed  = min(now − settled_at, H days)
//! promised = amount + amount × floor_bps × elapsed / (10,000 × 365 days)
//! value    = Σ legs  entry_value × index_now / entry_index
//! payout   = min(max(0, promised − value), cap)
//! ```
//!
//! `amount` is what the staker paid (the fee included: the floor is net of
//! it); a leg is one position of the plan as settled, valued in ETH at entry.
//! Every division rounds down.

use alloy_primitives::U256;
use serde::{Deserialize, Serialize};

use crate::units::{Bps, Wad, Wei};

/// Seconds in the guarantee's year.
pub const YEAR_SECS: u64 = 365 * 86_400;
/// The shortest horizon a guarantee may have: the indexes move about once a
/// day, so a shorter one measures noise.
pub const MIN_HORIZON_DAYS: u16 = 30;
/// How long after the horizon a claim stays open.
pub const CLAIM_WINDOW_SECS: u64 = 86_400;

/// The longest horizon the Settlement accepts.
pub const MAX_HORIZON_DAYS: u16 = 730;
/// The most positions a guaranteed plan may have (a claim reads each).
pub const MAX_LEGS: usize = 16;

/// What a solver guarantees on one plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Terms {
    /// The floor on delivered net APY.
    #[serde(rename = "floorBps")]
    pub floor: Bps,
    /// The horizon it is measured over, in days.
    pub horizon_days: u16,
    /// The most its bond pays for this plan.
    pub cap: Wei,
}

impl Terms {
    /// Whether the Settlement accepts these terms: a positive cap, a floor
    /// of at most 100 %, a horizon within [30, 730] days.
    pub fn well_formed(&self) -> bool {
        self.cap.0 > 0
            && self.floor.0 <= 10_000
            && (MIN_HORIZON_DAYS..=MAX_HORIZON_DAYS).contains(&self.horizon_days)
    }
}

/// One position of a plan as settled: its ETH value at entry and the
/// position's yield index then and now (WAD).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leg {
    /// ETH value at entry (wei).
    pub entry_value: Wei,
    /// The index at entry.
    pub entry_index: Wad,
    /// The index now.
    pub index_now: Wad,
}

/// Seconds counted towards the guarantee: since settlement, at most the horizon.
pub fn elapsed(settled_at: u64, now: u64, horizon_days: u16) -> u64 {
    now.saturating_sub(settled_at).min(u64::from(horizon_days) * 86_400)
}

/// When a claim may be made: `[settled_at + H, settled_at + H + 1 day]`.
pub fn claim_window(settled_at: u64, horizon_days: u16) -> (u64, u64) {
    let open = settled_at + u64::from(horizon_days) * 86_400;
    (open, open + CLAIM_WINDOW_SECS)
}

/// What the floor promises `amount` is worth after `elapsed` seconds.
pub fn promised(amount: Wei, floor: Bps, elapsed: u64) -> U256 {
    let a = U256::from(amount.0);
    a + a * U256::from(floor.0) * U256::from(elapsed) / U256::from(10_000u64 * YEAR_SECS)
}

/// What the legs are worth now by their indexes; `None` past 2^256 (the
/// contract reverts there). A leg with a zero entry index is worth nothing.
pub fn value_now(legs: &[Leg]) -> Option<U256> {
    legs.iter().try_fold(U256::ZERO, |sum, l| {
        if l.entry_index.0 == 0 {
            return Some(sum);
        }
        let v =
            U256::from(l.entry_value.0) * U256::from(l.index_now.0) / U256::from(l.entry_index.0);
        sum.checked_add(v)
    })
}

/// What the guarantee pays: the shortfall of the legs' value against the
/// promise, at most the cap; `None` where the contract would overflow.
pub fn payout(terms: &Terms, amount: Wei, legs: &[Leg], elapsed: u64) -> Option<Wei> {
    let owed = promised(amount, terms.floor, elapsed);
    let got = value_now(legs)?;
    let short = owed.saturating_sub(got);
    Some(Wei(short.min(U256::from(terms.cap.0)).to::<u128>()))
}

/// The delivered net APY in basis points (what the intent page charts):
/// the legs' value against `amount`, annualized over `elapsed`.
pub fn delivered_bps(amount: Wei, legs: &[Leg], elapsed: u64) -> Option<i64> {
    if amount.0 == 0 || elapsed == 0 {
        return None;
    }
    let got = value_now(legs)?;
    let a = U256::from(amount.0);
    let scale = |d: U256| -> Option<i64> {
        let bps = d * U256::from(10_000u64 * YEAR_SECS) / (a * U256::from(elapsed));
        i64::try_from(bps).ok()
    };
    if got >= a {
        scale(got - a)
    } else {
        scale(a - got).map(|b| -b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ETH: u128 = 1_000_000_000_000_000_000;

    fn leg(value: u128, entry: u128, now: u128) -> Leg {
        Leg { entry_value: Wei(value), entry_index: Wad(entry), index_now: Wad(now) }
    }

    /// The worked example of `docs/guarantee.md`.
    #[test]
    fn the_worked_example() {
        let terms = Terms { floor: Bps(300), horizon_days: 30, cap: Wei(ETH / 100) };
        let amount = Wei(10 * ETH);
        let t = elapsed(1_000, 1_000 + 40 * 86_400, 30);
        assert_eq!(t, 30 * 86_400, "capped at the horizon");
        // 9.99 ETH of stETH whose index rose 0.25 %, nothing else.
        let legs = [leg(9_990 * ETH / 1_000, ETH, ETH + ETH / 400)];
        // promised: 10 × (1 + 0.03 × 30/365) = 10.024657534246575342 ETH
        assert_eq!(promised(amount, terms.floor, t), U256::from(10_024_657_534_246_575_342u128));
        // value: 9.99 × 1.0025 = 10.014975 ETH; short 0.009682534246575342 ETH
        assert_eq!(value_now(&legs), Some(U256::from(10_014_975_000_000_000_000u128)));
        assert_eq!(payout(&terms, amount, &legs, t), Some(Wei(9_682_534_246_575_342)));
        // Capped at 0.005 ETH, and nothing when the index delivers.
        let tight = Terms { cap: Wei(ETH / 200), ..terms };
        assert_eq!(payout(&tight, amount, &legs, t), Some(Wei(ETH / 200)));
        let good = [leg(9_990 * ETH / 1_000, ETH, ETH + ETH / 200)];
        assert_eq!(payout(&terms, amount, &good, t), Some(Wei(0)));
        // Delivered: 14.975 bps over 30 days → 182 bps a year.
        assert_eq!(delivered_bps(amount, &legs, t), Some(182));
        assert_eq!(claim_window(1_000, 30), (1_000 + 30 * 86_400, 1_000 + 31 * 86_400));
    }

    #[test]
    fn a_slashed_leg_counts_what_it_lost_and_a_zero_index_leg_nothing() {
        let legs = [leg(5 * ETH, ETH, ETH * 85 / 100), leg(5 * ETH, 0, ETH)];
        assert_eq!(value_now(&legs), Some(U256::from(5 * ETH * 85 / 100)));
        assert_eq!(delivered_bps(Wei(10 * ETH), &legs, YEAR_SECS), Some(-5_750));
    }
}
