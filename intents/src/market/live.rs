//! The market as a function of the chain: a dated parameter file (what no
//! chain can tell: fault probabilities, service rewards, depeg history,
//! stress events) overlaid with one [`ChainRead`] (what the protocols'
//! own view functions and events say at one block).
//!
//! Pure: the reader in `stakebid-settlement` does the I/O and hands over a
//! `ChainRead` keyed by the parameter file's ids; [`build`] is the only
//! place figures from the two sources meet, so the node, `stakebid market
//! read` and a replay of a stored round compute the same market from the
//! same inputs. [`sanity`] compares a read with the previous one before
//! anything is optimised on it.

use alloy::primitives::Address;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::{Allocation, Market, MarketError, Operator, Position, Service};
use crate::units::{Wad, Wei, WAD};

/// Seconds in the year the APRs annualise over (365 days, as Lido's API).
pub const YEAR_SECS: u128 = 365 * 86_400;

/// What one read of the chain found, at one block, keyed by the
/// parameter file's ids (unknown operators and services by address).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainRead {
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// The block every figure was read at.
    pub block: u64,
    /// Its timestamp (unix seconds).
    pub timestamp: u64,
    /// Its base fee (wei per gas): the gas price the score charges.
    pub base_fee: Wei,
    /// Per asset id.
    pub assets: BTreeMap<String, AssetRead>,
    /// Registered operators, per id.
    pub operators: BTreeMap<String, OperatorRead>,
    /// Services some operator allocates to, per id: their address.
    #[serde(with = "crate::encoding::checksummed_values")]
    pub services: BTreeMap<String, Address>,
    /// EigenLayer's minimum withdrawal delay, in blocks.
    pub withdrawal_delay_blocks: Option<u32>,
    /// Seconds a block takes on this chain (12 on Ethereum), to turn
    /// block delays into days.
    pub block_secs: u64,
}

/// One asset as its protocol reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetRead {
    /// ETH per token now (WAD): what a deposit mints at (1 for a
    /// rebasing token such as stETH).
    pub rate: Wad,
    /// The index whose growth is the yield: the exchange rate, or for a
    /// rebasing token the ETH per share (Lido's `getPooledEthByShares(1e18)`).
    pub index: Wad,
    /// The index at the start of the APR window, if the chain has history.
    pub history: Option<RatePoint>,
    /// Deposits accepted now (Lido's current stake limit, a deposit
    /// pool's room); `None` when the asset cannot be minted here.
    pub deposit_room: Option<Wei>,
    /// Deposits open (Lido not paused, Rocket Pool deposits enabled).
    pub deposits_open: bool,
    /// The deposit fee as a WAD fraction, when the protocol has one.
    pub deposit_fee: Option<Wad>,
    /// ETH the protocol holds in all (Lido's pooled ether), when read.
    pub pooled: Option<Wei>,
    /// The smallest deposit the protocol takes (Rocket Pool's
    /// `getMinimumDeposit`), when it has one.
    #[serde(default)]
    pub min_deposit: Option<Wei>,
}

/// The yield index at one past block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatePoint {
    /// The block.
    pub block: u64,
    /// Its timestamp.
    pub timestamp: u64,
    /// The index then (WAD).
    pub rate: Wad,
}

/// One registered operator as EigenLayer reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorRead {
    /// Its address.
    #[serde(with = "crate::encoding::checksummed")]
    pub address: Address,
    /// Delegated shares per restakeable asset id, in ETH at the asset's rate.
    pub delegated: BTreeMap<String, Wei>,
    /// Its maximum magnitude (WAD; below 1 once slashed).
    pub max_magnitude: Wad,
    /// Allocated magnitude per service id (WAD, of the original 1).
    pub allocations: BTreeMap<String, Wad>,
    /// Slashings seen in the protocol's events.
    pub slashings: u32,
    /// Who must sign each new delegator in (none: anyone may delegate).
    #[serde(
        default,
        with = "crate::encoding::checksummed_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub delegation_approver: Option<Address>,
}

/// Why the figures were not where they came from: the figure, where it came
/// from instead, and why — shown with the market in the API and explorer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveStamp {
    /// EIP-155 chain id read.
    pub chain_id: u64,
    /// Block the chain was read at.
    pub block: u64,
    /// Its timestamp.
    pub timestamp: u64,
    /// The parameter file's date.
    pub params_as_of: String,
    /// Assets whose APR is the parameter file's (less history than
    /// needed on this chain, or no rate reader for them).
    pub apr_fallback: Vec<String>,
}

/// How chain figures become market figures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LiveOpts {
    /// Least history an APR is computed from (1 day); less falls back.
    pub min_history_secs: u64,
}

impl Default for LiveOpts {
    fn default() -> Self {
        LiveOpts { min_history_secs: 86_400 }
    }
}

/// Chain ids of local development chains (anvil's and Hardhat's default,
/// and the older 1337), whose base fee says nothing about real gas prices.
pub const DEVNET_CHAIN_IDS: [u64; 2] = [31_337, 1_337];

/// Whether `chain_id` is a local development chain.
pub fn is_devnet(chain_id: u64) -> bool {
    DEVNET_CHAIN_IDS.contains(&chain_id)
}

/// The APR the rate's growth since `then` annualises to (simple, by the
/// blocks' timestamps, as Lido's 7-day APR); `None` below `min_secs` of
/// history. A falling rate gives 0 (the sanity check judges the fall).
pub fn apr(now: Wad, now_ts: u64, then: &RatePoint, min_secs: u64) -> Option<Wad> {
    let dt = now_ts.checked_sub(then.timestamp)?;
    if dt < min_secs || dt == 0 || then.rate.0 == 0 {
        return None;
    }
    let growth = now.0.saturating_sub(then.rate.0);
    // growth/then × year/dt in WAD, split so u128 cannot overflow for any
    // rate below 10^24 and any window up to years.
    let per_wad = growth.checked_mul(WAD)? / then.rate.0;
    Some(Wad(per_wad.checked_mul(YEAR_SECS)? / u128::from(dt)))
}

fn source(block: u64, what: &str) -> String {
    format!("chain: {what} at block {block}")
}

/// The market: `params` overlaid with `read`. Operators are those the
/// chain has registered (parameters by id; an operator the file does not
/// know takes the file's most pessimistic operator figures, flagged); the
/// positions are the file's, kept where their operator is registered.
pub fn build(params: &Market, read: &ChainRead, opts: LiveOpts) -> Result<Market, MarketError> {
    let mut m = params.clone();
    let b = read.block;
    let mut stamp = LiveStamp {
        chain_id: read.chain_id,
        block: b,
        timestamp: read.timestamp,
        params_as_of: params.as_of.clone(),
        apr_fallback: vec![],
    };
    if is_devnet(read.chain_id) && read.base_fee < params.gas.gas_price {
        // An idle devnet's base fee falls towards zero, which would make
        // every position's gas free and plans spread into dust: price gas
        // like the chain the parameter file describes instead, and say so.
        m.sources.insert(
            "gas_price".into(),
            format!(
                "reference: the parameter file's gas price (this devnet's base fee at block {b} is {} wei, below it)",
                read.base_fee.0
            ),
        );
    } else {
        m.gas.gas_price = read.base_fee;
        m.sources.insert("gas_price".into(), source(b, "base fee"));
    }
    if let Some(blocks) = read.withdrawal_delay_blocks {
        let secs = u64::from(blocks) * read.block_secs.max(1);
        m.restaking.withdrawal_delay_days =
            u16::try_from(secs.div_ceil(86_400)).unwrap_or(u16::MAX);
        m.sources.insert(
            "withdrawal_delay_days".into(),
            source(b, &format!("DelegationManager.minWithdrawalDelayBlocks() = {blocks}")),
        );
    }
    for a in &mut m.assets {
        let Some(r) = read.assets.get(&a.id) else {
            if a.kind != super::AssetKind::Native {
                stamp.apr_fallback.push(a.id.clone());
            }
            continue;
        };
        a.exchange_rate = r.rate;
        a.sources.insert("exchange_rate".into(), source(b, "the protocol's rate view"));
        match r
            .history
            .as_ref()
            .and_then(|h| apr(r.index, read.timestamp, h, opts.min_history_secs))
        {
            Some(x) => {
                a.apr = x;
                let h = r.history.expect("an APR comes from a history point");
                a.sources.insert(
                    "apr".into(),
                    format!(
                        "chain: exchange-rate growth from block {} to {b} ({} s), annualised",
                        h.block,
                        read.timestamp - h.timestamp
                    ),
                );
            }
            None => stamp.apr_fallback.push(a.id.clone()),
        }
        if let Some(min) = r.min_deposit {
            a.min_deposit = min;
            a.sources.insert("min_deposit".into(), source(b, "the pool's minimum deposit"));
        }
        if let Some(room) = r.deposit_room {
            a.deposit_cap = if r.deposits_open { room } else { Wei(0) };
            a.sources.insert(
                "deposit_cap".into(),
                source(
                    b,
                    if r.deposits_open {
                        "stake limit / deposit-pool room"
                    } else {
                        "deposits closed"
                    },
                ),
            );
        }
        if let Some(fee) = r.deposit_fee {
            a.deposit_fee = fee.to_bps();
            a.sources.insert("deposit_fee".into(), source(b, "deposit fee"));
        }
    }
    // Unknown operators and services take the most pessimistic known figures.
    let worst_op = params.operators.iter().max_by_key(|o| o.fault_probability.0).cloned();
    let worst_svc = params.services.iter().max_by_key(|s| s.fault_probability.0).cloned();
    let mut operators = Vec::new();
    for (id, r) in &read.operators {
        let Some(mut o) = params.operator(id).cloned().or_else(|| {
            worst_op.clone().map(|w| Operator {
                id: id.clone(),
                name: format!("operator {}", r.address),
                sources: BTreeMap::from([(
                    "fault_probability".into(),
                    "modelled: not in the parameter file; its most pessimistic operator's figures"
                        .into(),
                )]),
                ..w
            })
        }) else {
            continue;
        };
        o.address = r.address;
        o.delegated = Wei(r.delegated.values().map(|w| w.0).sum());
        let max = r.max_magnitude.0.max(1);
        o.allocations = r
            .allocations
            .iter()
            .filter(|(_, mag)| mag.0 > 0)
            .map(|(s, mag)| Allocation {
                service: s.clone(),
                magnitude: Wad((mag.0.saturating_mul(WAD) / max).min(WAD)),
            })
            .collect();
        // A slashed operator: what it lost of its stake it also loses of
        // the stake it may take, and each slashing seen raises its yearly
        // fault probability by its base figure (modelled: history counts).
        o.capacity = o.capacity.mul_div(r.max_magnitude.0.min(WAD), WAD);
        o.slashing_events += r.slashings;
        o.fault_probability = Wad((o.fault_probability.0 * (1 + u128::from(r.slashings))).min(WAD));
        for k in ["delegated", "allocations", "capacity", "slashing_events"] {
            o.sources.insert(k.into(), source(b, "DelegationManager / AllocationManager"));
        }
        // An operator with a delegation approver takes a new delegator only
        // with the approver's signature over that staker, which a position
        // holder created at settlement cannot have: closed to new stake.
        if let Some(approver) = r.delegation_approver {
            o.capacity = Wei(0);
            o.sources.insert(
                "capacity".into(),
                format!(
                    "{}: 0, its delegation approver {approver} must sign each new delegator in",
                    source(b, "DelegationManager.delegationApprover")
                ),
            );
        }
        operators.push(o);
    }
    m.operators = operators;
    for (id, addr) in &read.services {
        if m.service(id).is_none() {
            if let Some(w) = &worst_svc {
                m.services.push(Service {
                    id: id.clone(),
                    name: format!("service {addr}"),
                    sources: BTreeMap::from([(
                        "fault_probability".into(),
                        "modelled: not in the parameter file; its most pessimistic service's figures".into(),
                    )]),
                    ..w.clone()
                });
            }
        }
    }
    let registered =
        |p: &Position| p.operator.as_ref().is_none_or(|o| read.operators.contains_key(o));
    m.positions.retain(registered);
    m.live = Some(stamp);
    m.check()?;
    Ok(m)
}

/// Why a read is not optimised on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SanityError {
    /// A rate fell further than allowed since the previous read.
    #[error("{asset}'s exchange rate fell {drop_bps} bps since block {since} (more than the {max_bps} bps allowed): not optimising on it until someone looks")]
    RateDrop {
        /// The asset.
        asset: String,
        /// The fall in bps.
        drop_bps: u128,
        /// The allowed fall.
        max_bps: u16,
        /// The previous read's block.
        since: u64,
    },
    /// A figure no protocol could report.
    #[error("{what}: {why}")]
    Impossible {
        /// The figure.
        what: String,
        /// Why it cannot be.
        why: String,
    },
}

impl crate::Coded for SanityError {
    fn code(&self) -> &str {
        match self {
            Self::RateDrop { .. } => "market.rate_drop",
            Self::Impossible { .. } => "market.insane_figure",
        }
    }
}

/// Checks `read` against the previous one: no rate below zero-ish, no
/// stake limit above the pool's supply, no rate fallen more than
/// `max_drop_bps` since `prev`.
pub fn sanity(
    prev: Option<&ChainRead>,
    read: &ChainRead,
    max_drop_bps: u16,
) -> Result<(), SanityError> {
    for (id, a) in &read.assets {
        if a.rate.0 == 0 || a.rate.0 > 100 * WAD || a.index.0 == 0 || a.index.0 > 100 * WAD {
            return Err(SanityError::Impossible {
                what: format!("{id}'s exchange rate"),
                why: format!("{} wei of ETH per token is no rate a staking token has", a.rate.0),
            });
        }
        if let (Some(room), Some(pooled)) = (a.deposit_room, a.pooled) {
            if room.0 > pooled.0 {
                return Err(SanityError::Impossible {
                    what: format!("{id}'s stake limit"),
                    why: format!("{room} wei is above the {pooled} wei the whole pool holds"),
                });
            }
        }
        let Some(before) = prev.and_then(|p| p.assets.get(id)) else { continue };
        // A fall of the yield index is a loss (a slashing, a bad report).
        if a.index.0 < before.index.0 {
            let drop_bps = (before.index.0 - a.index.0) * 10_000 / before.index.0;
            if drop_bps > u128::from(max_drop_bps) {
                return Err(SanityError::RateDrop {
                    asset: id.clone(),
                    drop_bps,
                    max_bps: max_drop_bps,
                    since: prev.map_or(0, |p| p.block),
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(ts: u64, rate: u128) -> RatePoint {
        RatePoint { block: 1, timestamp: ts, rate: Wad(rate) }
    }

    #[test]
    fn apr_is_the_rates_simple_annualised_growth() {
        // 1.0 → 1.0005 in 7 days: 0.05 % × 365/7 = 2.607 %.
        let a = apr(Wad(1_000_500_000_000_000_000), 7 * 86_400, &point(0, WAD), 86_400).unwrap();
        assert_eq!(a.0 / 10u128.pow(12), 26_071);
        assert_eq!(apr(Wad(WAD + 1), 3_600, &point(0, WAD), 86_400), None, "an hour is too little");
        assert_eq!(apr(Wad(WAD - 5), 86_400, &point(0, WAD), 86_400), Some(Wad(0)));
    }

    fn read_with(rate: u128, room: u128, pooled: u128) -> ChainRead {
        ChainRead {
            chain_id: 1,
            block: 10,
            timestamp: 0,
            base_fee: Wei(1),
            assets: BTreeMap::from([(
                "stETH".into(),
                AssetRead {
                    rate: Wad(WAD),
                    index: Wad(rate),
                    history: None,
                    deposit_room: Some(Wei(room)),
                    deposits_open: true,
                    deposit_fee: None,
                    pooled: Some(Wei(pooled)),
                    min_deposit: None,
                },
            )]),
            operators: BTreeMap::new(),
            services: BTreeMap::new(),
            withdrawal_delay_blocks: None,
            block_secs: 12,
        }
    }

    #[test]
    fn sanity_stops_a_crashed_rate_and_a_limit_above_supply() {
        let before = read_with(WAD, 1, 10);
        assert!(sanity(Some(&before), &read_with(WAD * 99 / 100, 1, 10), 200).is_ok());
        let e = sanity(Some(&before), &read_with(WAD * 90 / 100, 1, 10), 200).unwrap_err();
        assert_eq!(crate::Coded::code(&e), "market.rate_drop");
        let e = sanity(None, &read_with(WAD, 11, 10), 200).unwrap_err();
        assert_eq!(crate::Coded::code(&e), "market.insane_figure");
    }
}
