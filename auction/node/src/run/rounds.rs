//! The round thread: rounds run on a plain thread (scoring is CPU-bound,
//! not async work). With a shared store a term is the time this node
//! leads: the thread awaits `Leadership::stepped_up`, recovers what the
//! previous leader left, and drives rounds until the term ends.

use alloy::primitives::Address;
use alloy::signers::local::PrivateKeySigner;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

use stakebid_auction::domain::registry::Registry;
use stakebid_intents::{Coded, Domain, Wei};

use super::report::{self, Names};
use super::NodeError;
use crate::auctioneer::Auctioneer;
use crate::chain::ChainLink;
use crate::clock::unix_now;
use crate::config::RoundConfig;
use crate::leader::Leadership;
use crate::live::{drive, Live};
use crate::market::MarketFeed;
use crate::metrics::Metrics;
use crate::port::{NodeState, NodeStore};

/// What every auctioneer of this node is built from.
#[derive(Clone)]
pub(crate) struct Rounds {
    pub(crate) feed: Arc<MarketFeed>,
    pub(crate) key: PrivateKeySigner,
    pub(crate) domain: Domain,
    pub(crate) scenarios: u32,
    pub(crate) batch_size: usize,
    pub(crate) commit_secs: u64,
    pub(crate) reveal_secs: u64,
    pub(crate) every: Duration,
    pub(crate) market_url: String,
}

impl Rounds {
    /// A fresh auctioneer over `store` (call `load_state` before use).
    fn auctioneer<'s>(&self, store: &'s dyn NodeStore) -> Auctioneer<'s> {
        let shape = RoundConfig {
            scenarios: self.scenarios,
            batch_size: self.batch_size,
            commit_secs: self.commit_secs,
            reveal_secs: self.reveal_secs,
            ..RoundConfig::default()
        };
        let market = (*self.feed.get()).clone();
        let mut a = Auctioneer::new(store, market, self.key.clone(), self.domain, &shape);
        a.markets = Some(self.feed.clone());
        a
    }
}

/// After a restart (or when a term begins): voids unscored rounds; then
/// registers `solvers` with the dev `bond` (once) before any round runs.
pub(crate) fn recover_and_register(
    store: &dyn NodeStore,
    solvers: &[Address],
    bond: Wei,
) -> Result<(), NodeError> {
    let recovered = store.recover()?;
    if !recovered.voided.is_empty() || !recovered.resumed.is_empty() {
        tracing::info!(
            "restart: voided auctions {:?} (their intents back in the pool, no penalties); kept {:?}",
            recovered.voided,
            recovered.resumed
        );
    }
    let mut registry = store.node_state()?.registry.unwrap_or_else(Registry::new);
    for who in solvers {
        if !registry.solvers.contains_key(who) {
            registry.bond(*who, bond);
        }
    }
    let state = NodeState { registry: Some(registry), ..NodeState::default() };
    Ok(store.save_node_state(&state)?)
}

/// What the round thread shares with the rest of the node.
pub(crate) struct RoundThread {
    pub(crate) rounds: Rounds,
    pub(crate) store: Arc<dyn NodeStore>,
    pub(crate) live: Arc<Live>,
    pub(crate) chain: Option<Arc<ChainLink>>,
    pub(crate) metrics: Arc<Metrics>,
    /// With a shared store: rounds run only while this node leads.
    pub(crate) lead: Option<Leadership>,
    /// Solvers to register (with this dev bond) when a term begins.
    pub(crate) register: (Vec<Address>, Wei),
    pub(crate) names: Names,
}

/// Sets `flag` once `stop` turns true, or `until` finishes first.
fn end_term_on(
    handle: &tokio::runtime::Handle,
    mut stop: watch::Receiver<bool>,
    until: impl std::future::Future<Output = ()> + Send + 'static,
) -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let f = flag.clone();
    handle.spawn(async move {
        tokio::select! {
            _ = stop.wait_for(|s| *s) => {}
            () = until => {}
        }
        f.store(true, Ordering::SeqCst);
    });
    flag
}

impl RoundThread {
    /// Starts the thread: terms of rounds until `stop` turns true.
    pub(crate) fn spawn(
        self,
        handle: tokio::runtime::Handle,
        stop: watch::Receiver<bool>,
    ) -> std::thread::JoinHandle<()> {
        std::thread::spawn(move || {
            let RoundThread { rounds, store, live, chain, metrics, mut lead, register, names } =
                self;
            loop {
                if *stop.borrow() {
                    return;
                }
                let term =
                    match &mut lead {
                        None => end_term_on(&handle, stop.clone(), std::future::pending()),
                        Some(l) => {
                            let mut halt = stop.clone();
                            let epoch = handle.block_on(async {
                                tokio::select! {
                                    e = l.stepped_up() => e,
                                    _ = halt.wait_for(|s| *s) => None,
                                }
                            });
                            let Some(epoch) = epoch else { return };
                            // This term's announcements carry its epoch.
                            live.set_epoch(epoch.max(0) as u64);
                            // The previous leader's unscored rounds are voided
                            // (no penalties), scored ones resumed below.
                            if let Err(e) = recover_and_register(&*store, &register.0, register.1) {
                                tracing::warn!("cannot take over: {} ({})", e.message(), e.code());
                                std::thread::sleep(Duration::from_millis(500));
                                continue;
                            }
                            let mut l2 = l.clone();
                            end_term_on(&handle, stop.clone(), async move {
                                l2.stepped_down(epoch).await
                            })
                        }
                    };
                term_of_rounds(
                    &rounds,
                    &*store,
                    &live,
                    chain.as_deref(),
                    &metrics,
                    &handle,
                    &term,
                    &names,
                );
                if lead.is_none() || *stop.borrow() {
                    return;
                }
                tracing::info!("stopped leading; rounds stop here, the API keeps serving");
            }
        })
    }
}

/// One term of rounds: restores the auctioneer, syncs bonds and resumes
/// unsettled awards with a chain, then drives rounds until `term` is set.
// The term's inputs, each used by a different step; a struct would only
// rename them.
#[allow(clippy::too_many_arguments)]
fn term_of_rounds(
    rounds: &Rounds,
    store: &dyn NodeStore,
    live: &Live,
    chain: Option<&ChainLink>,
    metrics: &Metrics,
    handle: &tokio::runtime::Handle,
    term: &AtomicBool,
    names: &Names,
) {
    let mut auctioneer = rounds.auctioneer(store);
    if let Err(e) = auctioneer.load_state() {
        tracing::error!("cannot restore the auctioneer's state: {e} ({})", e.code());
        return;
    }
    if let Some(c) = &chain {
        // The chain's bonds are the registry's; finish what a previous run
        // left awarded (never resending what it sent).
        if let Err(e) = handle.block_on(c.sync_bonds(&mut auctioneer.registry)) {
            tracing::warn!("cannot read bonds: {e} ({})", e.code());
        }
        for e in handle.block_on(c.resume(&mut auctioneer)) {
            report::chain(&e, names, metrics);
        }
    }
    let hold = |a: &mut Auctioneer<'_>| {
        // Each round's market: read now, or the rounds stop.
        if let Some(feed) = &a.markets {
            match handle.block_on(feed.refresh(unix_now())) {
                Ok(m) => {
                    if m.hash() != a.market.hash() {
                        a.market = (*m).clone();
                    }
                    a.paused = false;
                }
                Err(_) => a.paused = true,
            }
        }
        if let Some(c) = &chain {
            for e in handle.block_on(c.prepare_round(a)) {
                report::chain(&e, names, metrics);
            }
        }
    };
    drive(auctioneer, live, handle, rounds.every, &rounds.market_url, term, hold, |a, r| {
        report::round(r, names);
        let Some(c) = &chain else { return };
        for e in handle.block_on(c.execute_penalties(r)) {
            report::chain(&e, names, metrics);
        }
        for e in handle.block_on(c.settle_pending(a)) {
            report::chain(&e, names, metrics);
        }
    });
}
