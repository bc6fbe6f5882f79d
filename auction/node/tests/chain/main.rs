//! The node's chain link on a real anvil: awards settle through the
//! settlement crate's executor, a failed winner falls back to the
//! runner-up, and penalties land on the SolverRegistry.

mod blame;
mod fallback;
mod funding;
mod market;
mod penalties;
// The on-chain fixture (anvil, contracts, signed intents) the settlement
// crate's tests use too.
pub(crate) use stakebid_tests::onchain as fixture;

use stakebid_intents::Market;
use stakebid_node::auctioneer::Auctioneer;
use stakebid_node::chain::ChainLink;
use stakebid_node::store::Store;

/// The node's chain link on the fixture's deployment (snapshot market,
/// default executor tunables), its journals in `store`.
pub(crate) async fn link(fx: &fixture::Fx, store: &Store) -> ChainLink {
    ChainLink::connect(
        &fx.url,
        fx.d.clone(),
        &Market::snapshot(),
        fx.key(fixture::AUCTIONEER),
        fx.key(fixture::EXECUTOR),
        store,
        Default::default(),
    )
    .await
    .unwrap()
}

/// An auctioneer on `store` and the link's market: small rounds (50
/// scenarios, batches of 10), a fresh registry.
pub(crate) fn auctioneer<'a>(
    fx: &fixture::Fx,
    store: &'a Store,
    chain: &ChainLink,
) -> Auctioneer<'a> {
    auctioneer_on(fx, store, chain.market.clone())
}

/// An auctioneer on `store` and `market` (small rounds, a fresh registry).
pub(crate) fn auctioneer_on<'a>(
    fx: &fixture::Fx,
    store: &'a Store,
    market: Market,
) -> Auctioneer<'a> {
    let shape = stakebid_node::config::RoundConfig {
        scenarios: 50,
        batch_size: 10,
        commit_secs: 3,
        reveal_secs: 2,
        ..Default::default()
    };
    Auctioneer::new(store, market, fx.key(fixture::AUCTIONEER).clone(), fx.domain, &shape)
}
