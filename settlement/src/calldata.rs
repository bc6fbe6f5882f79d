//! Pure conversion of an award, its bid and the signed intents into the
//! arguments of `Settlement.settle`, with each position's minimum out.
//!
//! The contract recomputes the bid's hash from these exact fields and the
//! intents' ids from their EIP-712 encoding, so the conversion is field for
//! field; the award lists the bid's intents in the bid's plan order.

use alloy::primitives::{Address, Bytes, Signature, U256};

use stakebid_intents::market::{Index, Market};
use stakebid_intents::protocol::{Award, Bid};
use stakebid_intents::{Intent, SignedIntent};

use crate::contracts::Settlement;

/// Why an award cannot be turned into a settlement.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalldataError {
    /// The award's intents are not the bid's plans, in order.
    #[error("the award does not list the bid's intents in the bid's order")]
    AwardMismatch,
    /// A plan's intent is missing from the intents given.
    #[error("no signed intent for plan {0}")]
    MissingIntent(usize),
    /// A plan names a position the market does not have.
    #[error("unknown position {0}")]
    UnknownPosition(String),
}

/// The contract's form of an intent.
pub fn intent(i: &Intent) -> Settlement::Intent {
    Settlement::Intent {
        owner: i.owner,
        asset: i.asset,
        amount: i.amount,
        minNetApyBps: i.minNetApyBps,
        maxLossBps: i.maxLossBps,
        lossConfidenceBps: i.lossConfidenceBps,
        maxOperatorBps: i.maxOperatorBps,
        maxServiceBps: i.maxServiceBps,
        minLiquidBps: i.minLiquidBps,
        liquidWithinDays: i.liquidWithinDays,
        maxFeeBps: i.maxFeeBps,
        excludedOperators: i.excludedOperators.clone(),
        nonce: i.nonce,
        deadline: i.deadline,
    }
}

/// The contract's form of a bid.
pub fn bid(b: &Bid) -> Settlement::Bid {
    Settlement::Bid {
        auctionId: b.auctionId,
        solver: b.solver,
        plans: b
            .plans
            .iter()
            .map(|p| Settlement::BidPlan {
                intentId: p.intentId,
                allocations: p
                    .allocations
                    .iter()
                    .map(|a| Settlement::BidAllocation {
                        position: a.position.clone(),
                        amount: a.amount,
                    })
                    .collect(),
                fee: p.fee,
                guaranteeBps: p.guaranteeBps,
                guaranteeDays: p.guaranteeDays,
                guaranteeCap: p.guaranteeCap,
            })
            .collect(),
    }
}

/// The contract's form of an award.
pub fn award(a: &Award) -> Settlement::Award {
    Settlement::Award {
        auctionId: a.auctionId,
        bidHash: a.bidHash,
        solver: a.solver,
        intentIds: a.intentIds.clone(),
        score: a.score,
    }
}

/// What a position should yield for `amount` of `input`: the amount itself
/// when the input is held or restaked as is; minted tokens at the market's
/// exchange rate after the deposit fee. Less `tolerance_bps`, as slack for
/// rate moves between the snapshot and inclusion.
pub fn min_out(
    market: &Market,
    ix: &Index,
    position: &str,
    input: Address,
    amount: U256,
    tolerance_bps: u16,
) -> Option<U256> {
    let p = *ix.position_ids.get(position)?;
    let expected = ix.tokens_out(market, p, input, amount)?;
    Some(expected * U256::from(10_000u64 - tolerance_bps as u64) / U256::from(10_000u64))
}

/// `settle`'s argument for one award. `intents` in any order; they are put
/// in the bid's plan order.
pub fn settle_arg(
    award_: &Award,
    award_sig: &Signature,
    bid_: &Bid,
    intents: &[SignedIntent],
    market: &Market,
    tolerance_bps: u16,
) -> Result<Settlement::Settle, CalldataError> {
    let order: Vec<_> = bid_.plans.iter().map(|p| p.intentId).collect();
    if order != award_.intentIds {
        return Err(CalldataError::AwardMismatch);
    }
    let ix = Index::new(market);
    let mut signed = Vec::with_capacity(order.len());
    let mut mins = Vec::with_capacity(order.len());
    for (n, plan) in bid_.plans.iter().enumerate() {
        let si = intents
            .iter()
            .find(|s| s.intent.id(&s.domain).0 == plan.intentId)
            .ok_or(CalldataError::MissingIntent(n))?;
        signed.push(Settlement::SignedIntent {
            intent: intent(&si.intent),
            signature: si.signature.clone(),
            permit: si.permit.as_ref().map(|p| p.encode()).unwrap_or_default(),
        });
        mins.push(
            plan.allocations
                .iter()
                .map(|a| {
                    min_out(market, &ix, &a.position, si.intent.asset, a.amount, tolerance_bps)
                        .ok_or_else(|| CalldataError::UnknownPosition(a.position.clone()))
                })
                .collect::<Result<Vec<_>, _>>()?,
        );
    }
    Ok(Settlement::Settle {
        bid: bid(bid_),
        award: award(award_),
        awardSignature: Bytes::from(award_sig.as_bytes()),
        intents: signed,
        minOut: mins,
    })
}
