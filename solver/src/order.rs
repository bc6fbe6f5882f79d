//! An intent resolved against the market: what it may use and what it pays.

use stakebid_intents::units::BPS;
use stakebid_intents::{Context, Intent, IntentId};

/// One intent as the strategies see it.
#[derive(Clone, Debug)]
pub struct Order<'a> {
    /// Its id.
    pub id: IntentId,
    /// The intent.
    pub intent: &'a Intent,
    /// Amount in wei.
    pub amount: u128,
    /// The solver's fee in wei (strategy fee, capped by the intent).
    pub fee: u128,
    /// (position index, minted?) it may use: accepted input, operator not excluded.
    pub allowed: Vec<(usize, bool)>,
}

impl<'a> Order<'a> {
    /// Resolves `intent`; `None` when its amount is out of range.
    pub fn new(ctx: &Context<'_>, id: IntentId, intent: &'a Intent, fee_bps: u16) -> Option<Self> {
        let amount = u128::try_from(intent.amount).ok()?;
        let fee = amount * fee_bps.min(intent.maxFeeBps) as u128 / BPS;
        let m = ctx.market;
        let allowed = (0..ctx.index.positions.len())
            .filter_map(|p| {
                let minted = ctx.index.accepts(m, p, intent.asset)?;
                if let Some(o) = ctx.index.positions[p].operator {
                    if intent.excludedOperators.contains(&m.operators[o].address) {
                        return None;
                    }
                }
                Some((p, minted))
            })
            .collect();
        Some(Order { id, intent, amount, fee, allowed })
    }

    /// Net first-year rate of position `p` for this order (WAD): rate minus the deposit fee if minted.
    pub fn net_rate(&self, ctx: &Context<'_>, p: usize, minted: bool) -> f64 {
        let info = &ctx.index.positions[p];
        let fee = if minted { info.deposit_fee_bps as f64 / 1e4 } else { 0.0 };
        info.rate.as_f64() - fee
    }
}
