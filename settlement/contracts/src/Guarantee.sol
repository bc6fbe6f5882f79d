// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title GuaranteeRule: what a plan's delivered-yield guarantee pays.
/// @notice The same rule as `stakebid_intents::guarantee` (docs/guarantee.md),
/// to the wei; a property test on anvil compares the two. Values come from
/// the protocols' own yield indexes, never from balances:
///   elapsed  = min(now − settledAt, H days)
///   promised = amount + amount × floorBps × elapsed / (10,000 × 365 days)
///   value    = Σ legs entryValue × indexNow / entryIndex
///   payout   = min(max(0, promised − value), cap)
/// Every division rounds down; a leg with a zero entry index is worth nothing.
library GuaranteeRule {
    uint256 internal constant YEAR = 365 days;
    /// How long after the horizon a claim stays open.
    uint256 internal constant CLAIM_WINDOW = 1 days;

    /// One position of a plan as settled: its ETH value at entry and its
    /// yield index (WAD) then and now.
    struct Leg {
        uint128 entryValue;
        uint128 entryIndex;
        uint128 indexNow;
    }

    function elapsed(uint64 settledAt, uint64 at, uint16 horizonDays) internal pure returns (uint256 t) {
        t = at > settledAt ? at - settledAt : 0;
        uint256 h = uint256(horizonDays) * 1 days;
        if (t > h) t = h;
    }

    function promised(uint256 amount, uint16 floorBps, uint256 t) internal pure returns (uint256) {
        return amount + amount * floorBps * t / (10_000 * YEAR);
    }

    function valueNow(Leg[] memory legs) internal pure returns (uint256 v) {
        for (uint256 i = 0; i < legs.length; i++) {
            Leg memory l = legs[i];
            if (l.entryIndex != 0) v += uint256(l.entryValue) * l.indexNow / l.entryIndex;
        }
    }

    function payout(uint256 amount, uint16 floorBps, uint256 t, uint256 cap, Leg[] memory legs)
        internal
        pure
        returns (uint256 paid)
    {
        uint256 owed = promised(amount, floorBps, t);
        uint256 got = valueNow(legs);
        if (got >= owed) return 0;
        paid = owed - got;
        if (paid > cap) paid = cap;
    }
}
