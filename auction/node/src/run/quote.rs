//! The quote service: what the reference optimal strategy would give one
//! intent alone on the node's current market (`POST /v1/quote`).

use alloy::primitives::B256;
use std::sync::Arc;

use stakebid_intents::market::Index;
use stakebid_intents::{Context, Domain, Intent, Scenarios};
use stakebid_solver::{Optimal, Strategy, View};
use stakebid_wire as wire;

use crate::api::Quoter;
use crate::market::MarketFeed;

/// The quote: the reference optimal strategy on the current market, one
/// intent alone.
pub(crate) fn quoter(feed: Arc<MarketFeed>, domain: Domain) -> Quoter {
    // The scenarios are the same for every quote on one market: generated
    // once per market hash.
    type Cached = Option<(B256, Arc<Scenarios>)>;
    let cache: Arc<std::sync::Mutex<Cached>> = Arc::default();
    Arc::new(move |intent: &Intent| {
        let market = feed.get();
        let sc = {
            let mut c = cache.lock().unwrap_or_else(|p| p.into_inner());
            match c.as_ref().filter(|(h, _)| *h == market.hash()) {
                Some((_, sc)) => sc.clone(),
                None => {
                    let sc = Arc::new(Scenarios::generate(
                        &market,
                        &Index::new(&market),
                        B256::ZERO,
                        200,
                    ));
                    *c = Some((market.hash(), sc.clone()));
                    sc
                }
            }
        };
        let ctx = Context::new(&market, &sc);
        let id = intent.id(&domain);
        let batch = [(id, intent.clone())];
        let sol = Optimal::new(stakebid_solver::Backend::default_backend(), 5)
            .solve(&View { ctx: &ctx, intents: &batch }, None);
        match (sol.plans.first(), sol.evaluations.first()) {
            (Some(p), Some(e)) => Ok(wire::Quote {
                net_apy_bps: e.net_apy_bps,
                cvar_bps: e.cvar_bps,
                liquid_bps: e.liquid_bps,
                operator_bps: e.operator_bps.clone(),
                fee_wei: wire::Dec(e.fee.0),
                positions: p
                    .allocations
                    .iter()
                    .map(|a| wire::QuotePosition {
                        position: a.position.clone(),
                        amount: wire::Dec(a.amount.0),
                    })
                    .collect(),
                note: format!(
                    "the reference optimal strategy, this intent alone, on the node's market (hash {}, {}; risk parameters of {}); auctions may do better or worse",
                    market.hash(),
                    market.live.as_ref().map_or_else(|| "a fixed snapshot".to_string(), |l| format!("chain read at block {}", l.block)),
                    market.live.as_ref().map_or(market.as_of.as_str(), |l| l.params_as_of.as_str()),
                ),
            }),
            _ => Err(sol
                .left_out
                .first()
                .map(|l| format!("no plan meets this intent: {}", l.reason))
                .unwrap_or_else(|| "no plan meets this intent on this market".into())),
        }
    })
}
