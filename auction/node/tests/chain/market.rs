//! The market follows the chain (issue 17): on anvil with the deployed
//! stand-ins, each state change between rounds shows in the next round's
//! market, its quote and the plan that wins the round; failures stop new
//! auctions with their code and lose no intent; minimum outs come from the
//! rates at settlement.

use alloy::primitives::{Address, B256, U256};
use alloy::providers::{Provider, ProviderBuilder};
use std::sync::Arc;

use stakebid_intents::market::live::LiveOpts;
use stakebid_intents::market::Index;
use stakebid_intents::plan::Plan;
use stakebid_node::auctioneer::{Auctioneer, Participant};
use stakebid_node::chain::Event;
use stakebid_node::market::{ChainSource, FeedOpts, MarketBook, MarketFeed};
use stakebid_node::port::prelude::*;
use stakebid_node::port::Status;
use stakebid_node::store::Store;

use stakebid_devnet::avs::slash;
use stakebid_devnet::el::{AllocationManager, IAllocationManagerTypes, OperatorSet};
use stakebid_devnet::{operator_key, service_address};
use stakebid_intents::{evaluate, Coded, Context, Intent, IntentId, Market, Scenarios, Wei};
use stakebid_settlement::market::read::{ReadOpts, Reader};
use stakebid_settlement::market::Protocols;
use stakebid_settlement::registry::OnChainRegistry;
use stakebid_settlement::revert::Blame;
use stakebid_settlement::Confirm;
use stakebid_solver::{Backend, Optimal, Strategy, View};

use crate::blame::{automine, front_run, temp, tipped};
use crate::fixture::*;

const WAD: u128 = 1_000_000_000_000_000_000;

fn reader(fx: &Fx, url: &str) -> Reader {
    let p = ProviderBuilder::new().connect_http(url.parse().unwrap()).erased();
    Reader::new(p, Protocols::from_deployment(&fx.d), ReadOpts::default())
}

/// The node's feed over the fixture's deployment, kept in `store`.
fn feed_on(fx: &Fx, store: &Store, url: &str, chain_id: u64) -> Arc<MarketFeed> {
    let source = ChainSource {
        reader: reader(fx, url),
        params: fx.market.clone(),
        opts: LiveOpts::default(),
        journal: store.journal("market_cursor").unwrap(),
        timeout: std::time::Duration::from_secs(5),
    };
    let book = MarketBook::new(store.journal("markets").unwrap(), LiveOpts::default());
    MarketFeed::new(Box::new(source), Some(book), FeedOpts::default(), chain_id)
}

fn feed(fx: &Fx, store: &Store) -> Arc<MarketFeed> {
    feed_on(fx, store, fx.url.as_str(), fx.d.chain_id)
}

/// A plain ETH intent with room for any plan.
fn eth_intent(fx: &Fx, nonce: u64) -> (IntentId, Intent) {
    let i = fx.intent(fx.addr(USER), Address::ZERO, eth("20"), nonce);
    (i.id(&fx.domain), i)
}

/// The reference strategy's plan for `intent` alone on `m` (the quote).
fn quote(m: &Market, intent: &(IntentId, Intent)) -> Plan {
    let sc = Scenarios::generate(m, &Index::new(m), B256::ZERO, 100);
    let ctx = Context::new(m, &sc);
    let sol = Optimal::new(Backend::default_backend(), 5)
        .solve(&View { ctx: &ctx, intents: std::slice::from_ref(intent) }, None);
    sol.plans.into_iter().next().expect("a plan exists")
}

/// An auctioneer whose market is the feed's (refreshed as the node does
/// before each round).
fn auctioneer<'a>(fx: &Fx, store: &'a Store, feed: &Arc<MarketFeed>) -> Auctioneer<'a> {
    let mut a = crate::auctioneer_on(fx, store, (*feed.get()).clone());
    a.registry.bond(fx.addr(SOLVER), Wei(WAD));
    a.markets = Some(feed.clone());
    a
}

/// Refreshes the feed as the node does before a round, then runs one
/// round with the reference solver on `intent`: the winning plan.
async fn next_round(
    a: &mut Auctioneer<'_>,
    feed: &Arc<MarketFeed>,
    fx: &Fx,
    intent: (IntentId, Intent),
) -> Plan {
    let m = feed.refresh(unix_now()).await.expect("the market reads");
    a.market = (*m).clone();
    a.store.accept(&[(intent.0, fx.sign(intent.1.clone(), USER))]).unwrap();
    let mut ps: Vec<Box<dyn Participant>> =
        vec![Box::new(stakebid_solver::in_process::InProcess::new(
            fx.key(SOLVER).clone(),
            Box::new(Optimal::new(Backend::default_backend(), 5)),
        ))];
    // Participants are moved into the round; the plan that won is in the outcome.
    let report = a.round(unix_now(), &mut ps).unwrap().expect("a round runs");
    assert_eq!(report.awards.len(), 1, "the reference solver wins: {report:?}");
    let rec = a.store.auction(report.auction).unwrap().unwrap();
    let out = rec.public.unwrap();
    assert_eq!(out.market_hash, m.hash(), "the round ran on the market just read");
    // The record names where that market came from.
    assert_eq!(out.market_block, m.live.as_ref().map(|l| l.block));
    assert_eq!(out.params_as_of, "2025-06-03");
    let bid = &out.bids[0].bid;
    let p = bid.plans.iter().find(|p| p.intentId == intent.0 .0).unwrap();
    Plan {
        guarantee: None,
        intent: intent.0,
        allocations: p
            .allocations
            .iter()
            .map(|x| stakebid_intents::plan::Allocation {
                position: x.position.clone(),
                amount: Wei(x.amount.to()),
            })
            .collect(),
        fee: Wei(p.fee.to()),
    }
}

fn uses(plan: &Plan, asset: &str) -> bool {
    plan.allocations
        .iter()
        .any(|a| a.position == asset || a.position.starts_with(&format!("{asset}@")))
}

#[tokio::test]
async fn lidos_stake_limit_at_zero_takes_steth_out_of_the_next_rounds_quote_and_winning_plan() {
    let fx = Fx::new().await;
    let dir = temp("mkt-lido");
    let store = Store::open(&dir).unwrap();
    let feed = feed(&fx, &store);
    // Two days of history, then a Lido oracle report worth 0.2 %: stETH's
    // 7-day APR (over the two days there are) becomes the best there is.
    fx.warp(2 * 86_400).await;
    let lido = fx.lido(DEPLOYER);
    let pooled = lido.totalPooledEther().call().await.unwrap();
    lido.handleOracleReport(pooled + pooled / U256::from(500)).confirm().await.unwrap();
    let mut a = auctioneer(&fx, &store, &feed);
    let before = next_round(&mut a, &feed, &fx, eth_intent(&fx, 0)).await;
    let m = feed.get();
    let steth = m.asset("stETH").unwrap();
    assert!(steth.apr.0 > 30 * WAD / 100, "0.2 % in two days is ~36 % a year: {}", steth.apr.0);
    assert!(!m.live.as_ref().unwrap().apr_fallback.contains(&"stETH".to_string()));
    assert!(uses(&before, "stETH"), "stETH pays most: {before:?}");
    assert!(uses(&quote(&m, &eth_intent(&fx, 0)), "stETH"));
    // The stake limit drops to zero: no new ETH into stETH routes.
    lido.setStakeLimit(U256::ZERO, U256::ZERO).confirm().await.unwrap();
    let after = next_round(&mut a, &feed, &fx, eth_intent(&fx, 1)).await;
    let m = feed.get();
    assert_eq!(m.asset("stETH").unwrap().deposit_cap, Wei(0));
    assert!(!uses(&after, "stETH"), "{after:?}");
    assert!(!uses(&quote(&m, &eth_intent(&fx, 1)), "stETH"));
    drop(a);
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_rocket_pool_oracle_report_raises_reths_apr_by_the_growth_over_the_window() {
    let fx = Fx::new().await;
    let dir = temp("mkt-reth");
    let store = Store::open(&dir).unwrap();
    let feed = feed(&fx, &store);
    let p = fx.as_(DEPLOYER);
    let start =
        p.get_block_by_number(fx.d.ready_at.into()).await.unwrap().unwrap().header.timestamp;
    // Three days with no report: the rate did not grow, the APR read is 0.
    fx.warp(3 * 86_400).await;
    let m = feed.refresh(unix_now()).await.unwrap();
    assert_eq!(m.asset("rETH").unwrap().apr.0, 0);
    assert!(m.live.as_ref().unwrap().apr_fallback.is_empty(), "three days of history for all");
    // A report raising the rate by 0.1 %.
    let pool = fx.pool("rETH", DEPLOYER);
    let r0 = pool.getExchangeRate().call().await.unwrap();
    pool.setExchangeRate(r0 + r0 / U256::from(1_000)).confirm().await.unwrap();
    let m = feed.refresh(unix_now()).await.unwrap();
    let now = p.get_block_by_number(m.live.as_ref().unwrap().block.into()).await.unwrap().unwrap();
    let dt = (now.header.timestamp - start) as f64;
    let expected = 0.001 * 365.0 * 86_400.0 / dt;
    let got = m.asset("rETH").unwrap().apr.0 as f64 / 1e18;
    assert!((got - expected).abs() < 1e-9, "APR {got}, expected {expected} over {dt} s");
    assert!(m.asset("rETH").unwrap().sources["apr"].starts_with("chain:"));
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A one-position plan of `amount` into `position`.
fn all_in(id: IntentId, position: &str, amount: U256) -> Plan {
    Plan {
        guarantee: None,
        intent: id,
        allocations: vec![stakebid_intents::plan::Allocation {
            position: position.into(),
            amount: Wei(amount.to()),
        }],
        fee: Wei(0),
    }
}

#[tokio::test]
async fn an_operators_magnitude_change_moves_its_service_exposure_in_the_evaluation() {
    let fx = Fx::new().await;
    let dir = temp("mkt-magnitude");
    let store = Store::open(&dir).unwrap();
    let feed = feed(&fx, &store);
    let (id, intent) = eth_intent(&fx, 0);
    let exposure = |m: &Market| {
        let sc = Scenarios::generate(m, &Index::new(m), B256::ZERO, 50);
        let ctx = Context::new(m, &sc);
        let e = evaluate(&ctx, &intent, id, &all_in(id, "rETH@p2p", intent.amount)).unwrap();
        e.service_bps["eigenda"]
    };
    let m = feed.refresh(unix_now()).await.unwrap();
    assert_eq!(exposure(&m), 3_000, "p2p gives EigenDA 30 % of its stake");
    let first = m.hash();
    // A round opens on it (the auctioneer keeps it).
    assert!(feed.keep_for_round(first).unwrap() > 0);
    // p2p raises EigenDA's magnitude to 60 % (operator set 0, as deployed).
    let op = operator_key("p2p");
    let as_op = ProviderBuilder::new()
        .wallet(alloy::network::EthereumWallet::from(op.clone()))
        .connect_http(fx.url.clone())
        .erased();
    // EigenLayer's own AllocationManager: every strategy of the set at 60 %.
    let strategies = stakebid_devnet::core::sorted(fx.d.strategies.values().copied());
    let n = strategies.len();
    let am = AllocationManager::new(fx.d.allocation_manager(), as_op);
    let set = OperatorSet { avs: service_address("eigenda"), id: 0 };
    let to = IAllocationManagerTypes::AllocateParams {
        operatorSet: set,
        strategies,
        newMagnitudes: vec![6 * WAD as u64 / 10; n],
    };
    am.modifyAllocations(op.address(), vec![to]).confirm().await.unwrap();
    let m = feed.refresh(unix_now()).await.unwrap();
    assert_eq!(exposure(&m), 6_000);
    // The book kept the new market as its chain read only (the parameter
    // file is kept once): what a round adds to the store (docs/market.md).
    let added = feed.keep_for_round(m.hash()).unwrap();
    eprintln!("market book: {added} bytes for a new market");
    assert_eq!(feed.keep_for_round(m.hash()).unwrap(), 0, "kept once");
    assert!(added > 0 && added < 8_192, "{added} bytes");
    // The earlier market, no longer current, is rebuilt from the book.
    let earlier = feed.by_hash(first).unwrap().expect("kept");
    assert_eq!((earlier.hash(), exposure(&earlier)), (first, 3_000));
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_slashed_operator_has_less_stake_less_capacity_and_more_risk_in_the_next_market() {
    let fx = Fx::new().await;
    let dir = temp("mkt-slash");
    let store = Store::open(&dir).unwrap();
    let feed = feed(&fx, &store);
    let before = feed.refresh(unix_now()).await.unwrap();
    let p2p = before.operator("p2p").unwrap().clone();
    // EigenDA slashes half of what p2p allocated to it (30 % → 15 % of its
    // stake), through EigenLayer's own AllocationManager.
    let rpc = fx.url.to_string();
    let tx = slash(&rpc, &fx.d, "eigenda", fx.operator("p2p"), U256::from(WAD / 2), "test")
        .await
        .unwrap();
    assert!(!tx.is_zero());
    let after = feed.refresh(unix_now()).await.unwrap();
    let q = after.operator("p2p").unwrap();
    assert_eq!(q.slashing_events, p2p.slashing_events + 1);
    assert_eq!(q.fault_probability.0, 2 * p2p.fault_probability.0, "a slashing doubles it");
    let kept = p2p.delegated.0 / 100 * 85;
    assert!(
        q.delegated.0.abs_diff(kept) < 1_000_000,
        "15 % of its stake is gone: {} vs {kept}",
        q.delegated.0
    );
    assert_eq!(q.capacity.0, p2p.capacity.0 / 100 * 85);
    let eigenda = q.allocations.iter().find(|a| a.service == "eigenda").unwrap();
    // 15 % left of the remaining 85 %.
    assert_eq!(eigenda.magnitude.0, 15 * WAD / 85);
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn an_operator_that_names_a_delegation_approver_is_closed_to_new_stake_in_the_next_market() {
    let fx = Fx::new().await;
    let dir = temp("mkt-approver");
    let store = Store::open(&dir).unwrap();
    let feed = feed(&fx, &store);
    let (id, intent) = eth_intent(&fx, 0);
    let verdict = |m: &Market| {
        let sc = Scenarios::generate(m, &Index::new(m), B256::ZERO, 50);
        let ctx = Context::new(m, &sc);
        evaluate(&ctx, &intent, id, &all_in(id, "stETH@p2p", intent.amount)).map(|_| ())
    };
    let before = feed.refresh(unix_now()).await.unwrap();
    assert!(before.operator("p2p").unwrap().capacity.0 > 0);
    assert_eq!(verdict(&before), Ok(()), "p2p takes new stake");
    // p2p now approves each new delegator itself (EigenLayer's
    // `modifyOperatorDetails`): a holder created at settlement has no
    // approver signature, so EigenLayer would refuse its delegation.
    let approver = fx.addr(RUNNER_UP + 10);
    stakebid_devnet::avs::set_delegation_approver(fx.url.as_str(), &fx.d, "p2p", approver)
        .await
        .unwrap();
    let after = feed.refresh(unix_now()).await.unwrap();
    let p2p = after.operator("p2p").unwrap();
    assert_eq!(p2p.capacity, Wei(0), "closed to new stake");
    let why = &p2p.sources["capacity"];
    assert!(why.contains("delegationApprover") && why.contains(&approver.to_string()), "{why}");
    let refused = verdict(&after).unwrap_err();
    assert!(
        refused
            .iter()
            .any(|v| v.code() == "plan.capacity_exceeded" && v.to_string().contains("p2p")),
        "{refused:?}"
    );
    // Other operators are untouched.
    assert_eq!(after.operator("kiln").unwrap().capacity, before.operator("kiln").unwrap().capacity);
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_full_deposit_pool_has_no_capacity_and_the_next_plan_avoids_it() {
    let fx = Fx::new().await;
    let dir = temp("mkt-pool");
    let store = Store::open(&dir).unwrap();
    let feed = feed(&fx, &store);
    let mut a = auctioneer(&fx, &store, &feed);
    let m = feed.refresh(unix_now()).await.unwrap();
    let room = m.asset("rETH").unwrap().deposit_cap;
    assert!(room.0 > 0);
    // Someone fills the pool.
    let pool = fx.pool("rETH", USER + 3);
    pool.deposit().value(U256::from(room.0)).confirm().await.unwrap();
    let plan = next_round(&mut a, &feed, &fx, eth_intent(&fx, 0)).await;
    let m = feed.get();
    assert_eq!(m.asset("rETH").unwrap().deposit_cap, Wei(0));
    assert!(!plan.allocations.iter().any(|x| x.position.starts_with("rETH")), "{plan:?}");
    drop(a);
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_crashed_rate_a_limit_above_supply_stale_parameters_and_a_dead_rpc_stop_auctions_and_lose_nothing(
) {
    let fx = Fx::new().await;
    let dir = temp("mkt-stops");
    let store = Store::open(&dir).unwrap();
    let feed = feed(&fx, &store);
    let mut a = auctioneer(&fx, &store, &feed);
    feed.refresh(unix_now()).await.unwrap();
    // An intent waits in the pool.
    let (id, intent) = eth_intent(&fx, 0);
    let si = fx.sign(intent, USER);
    store.accept(&[(id, si)]).unwrap();
    // The node's hold: a refused refresh pauses the rounds.
    let hold = |a: &mut Auctioneer<'_>, r: Result<Arc<Market>, _>| match r {
        Ok(m) => {
            a.market = (*m).clone();
            a.paused = false;
        }
        Err(_) => a.paused = true,
    };
    // rETH's rate falls 10 % (more than the 5 % allowed).
    let pool = fx.pool("rETH", DEPLOYER);
    let r0 = pool.getExchangeRate().call().await.unwrap();
    pool.setExchangeRate(r0 - r0 / U256::from(10)).confirm().await.unwrap();
    let r = feed.refresh(unix_now()).await;
    assert_eq!(r.as_ref().map(|_| ()).unwrap_err().code(), "market.rate_drop");
    assert_eq!(feed.status().stopped.unwrap().0, "market.rate_drop");
    hold(&mut a, r);
    assert!(a.open(unix_now()).unwrap().is_none(), "no round opens");
    assert_eq!(store.get(&id).unwrap().unwrap().status, Status::Pending, "the intent waits");
    // A restarted node compares against the last read it accepted, kept in its store.
    let restarted = feed_on(&fx, &store, fx.url.as_str(), fx.d.chain_id);
    let r = restarted.refresh(unix_now()).await;
    assert_eq!(r.as_ref().map(|_| ()).unwrap_err().code(), "market.rate_drop");
    // Back to the old rate; then a stake limit above Lido's whole pool.
    pool.setExchangeRate(r0).confirm().await.unwrap();
    assert!(feed.refresh(unix_now()).await.is_ok());
    let lido = fx.lido(DEPLOYER);
    let pooled = lido.totalPooledEther().call().await.unwrap();
    lido.setStakeLimit(pooled * U256::from(2), U256::ZERO).confirm().await.unwrap();
    let r = feed.refresh(unix_now()).await;
    assert_eq!(r.as_ref().map(|_| ()).unwrap_err().code(), "market.insane_figure");
    // Risk parameters 548+ days old: a devnet only warns, any other chain stops.
    let on_holesky = feed_on(&fx, &store, fx.url.as_str(), 17_000);
    let r = on_holesky.refresh(unix_now()).await;
    assert_eq!(r.as_ref().map(|_| ()).unwrap_err().code(), "market.params_stale");
    // A dead RPC: the last market stands in for three rounds, flagged; then auctions stop.
    let dead = feed_on(&fx, &store, "http://127.0.0.1:9", fx.d.chain_id);
    for n in 1..=3 {
        assert!(dead.refresh(unix_now()).await.is_ok(), "round {n} runs on the previous market");
        assert_eq!(dead.status().stale_rounds, n);
        assert_eq!(dead.status().last_error.unwrap().0, "market.unavailable");
    }
    let r = dead.refresh(unix_now()).await;
    assert_eq!(r.as_ref().map(|_| ()).unwrap_err().code(), "market.stale");
    hold(&mut a, r);
    assert!(a.open(unix_now()).unwrap().is_none());
    assert_eq!(store.get(&id).unwrap().unwrap().status, Status::Pending);
    assert_eq!(store.with_status(Status::Pending).unwrap().len(), 1, "nothing lost");
    drop(a);
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Three ETH intents awarded to SOLVER, all into rETH (RUNNER_UP bids the
/// same, dearer), on a link whose minimum outs come from the live rates.
async fn awarded_into_reth(
    fx: &Fx,
    store: &Store,
    users: [usize; 2],
) -> (stakebid_node::chain::ChainLink, Vec<IntentId>) {
    let mut chain = crate::link(fx, store).await;
    chain.rates = Some(reader(fx, fx.url.as_str()));
    let mut ids = vec![];
    let mut signed = vec![];
    for u in users {
        fx.escrow(u, eth("1")).await;
        let si = fx.sign(fx.intent(fx.addr(u), Address::ZERO, eth("1"), 0), u);
        ids.push(si.intent.id(&fx.domain));
        signed.push((si.intent.id(&fx.domain), si));
    }
    store.accept(&signed).unwrap();
    (chain, ids)
}

async fn settle_with_move(
    fx: &Fx,
    bump_bps: u64,
    users: [usize; 2],
    auction: u64,
) -> (Vec<Event>, Store, std::path::PathBuf, Vec<IntentId>) {
    let dir = temp(&format!("mkt-minout-{bump_bps}"));
    let store = Store::open(&dir).unwrap();
    let (chain, ids) = awarded_into_reth(fx, &store, users).await;
    let mut a = crate::auctioneer(fx, &store, &chain);
    a.next_id = auction;
    chain.sync_bonds(&mut a.registry).await.unwrap();
    let script = |k: usize, fee| -> Box<dyn Participant> {
        Box::new(crate::fallback::Scripted {
            key: fx.key(k).clone(),
            position: "rETH",
            fee,
            reveals: true,
            sealed: vec![],
        })
    };
    let mut ps = vec![script(SOLVER, 0), script(RUNNER_UP, 10u128.pow(16))];
    let report = a.round(unix_now(), &mut ps).unwrap().unwrap();
    assert_eq!(report.awards[0].0.solver, fx.addr(SOLVER));
    // The rate moves in the settlement's own block, ahead of it.
    let pool = fx.pool("rETH", DEPLOYER);
    let r0 = pool.getExchangeRate().call().await.unwrap();
    automine(fx, false).await;
    let up = || tipped(pool.setExchangeRate(r0 + r0 * U256::from(bump_bps) / U256::from(10_000)));
    let (events, ()) =
        tokio::join!(chain.settle_auction(&mut a, report.auction), front_run(fx, up));
    drop(a);
    (events, store, dir, ids)
}

#[tokio::test]
async fn minimum_outs_are_the_live_rate_less_slippage_a_small_move_settles_a_large_one_fails_over_unblamed(
) {
    let fx = Fx::new().await;
    // The rate has risen 3 % since the round's market (the snapshot's
    // 1.13): minimum outs from that market would ask for more rETH than a
    // deposit now mints; from the live rate they hold.
    let pool = fx.pool("rETH", DEPLOYER);
    let r0 = pool.getExchangeRate().call().await.unwrap();
    pool.setExchangeRate(r0 + r0 * U256::from(3) / U256::from(100)).confirm().await.unwrap();
    // Within the 50 bps tolerance in the settlement's own block: the winner settles.
    let (events, store, dir, ids) = settle_with_move(&fx, 30, [USER, USER + 1], 1).await;
    assert!(
        matches!(events.as_slice(), [Event::Settled { solver, .. }] if *solver == fx.addr(SOLVER)),
        "{events:?}"
    );
    for id in &ids {
        assert_eq!(store.get(id).unwrap().unwrap().status, Status::Settled);
    }
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
    // The rate is now 30 bps higher, and the next minimum outs start from it.
    // A 2 % move in the settlement's block: fewer rETH than the minimum —
    // chain state moved, no penalty, the runner-up settles at the new rate.
    let (events, store, dir, ids) = settle_with_move(&fx, 200, [USER + 2, USER + 3], 2).await;
    let failed = events.iter().find_map(|e| match e {
        Event::Failed { solver, reason, blame, .. } => Some((*solver, reason.clone(), *blame)),
        _ => None,
    });
    assert_eq!(
        failed,
        Some((fx.addr(SOLVER), "MinOutNotMet".into(), Blame::StateMoved)),
        "{events:?}"
    );
    assert!(!events.iter().any(|e| matches!(e, Event::Slashed { .. })), "{events:?}");
    let reg = OnChainRegistry::at(fx.d.registry, fx.as_(DEPLOYER));
    assert_eq!(reg.bond_of(fx.addr(SOLVER)).await.unwrap(), eth("1.5"));
    for id in &ids {
        assert_eq!(
            store.get(id).unwrap().unwrap().status,
            Status::Settled,
            "the runner-up settles"
        );
    }
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A deposit pool left with less room than its minimum deposit (anyone can
/// leave it so): the chain read names the minimum, the evaluator refuses a
/// plan routing less than it into the pool, and the next plan avoids the
/// pool instead of bidding a deposit that would revert every settlement.
#[tokio::test]
async fn a_pool_with_less_room_than_its_minimum_deposit_is_avoided() {
    use stakebid_intents::evaluate::Violation;
    let fx = Fx::new().await;
    let dir = temp("mkt-pool-min");
    let store = Store::open(&dir).unwrap();
    let feed = feed(&fx, &store);
    let mut a = auctioneer(&fx, &store, &feed);
    let m = feed.refresh(unix_now()).await.unwrap();
    let reth = m.asset("rETH").unwrap();
    assert_eq!(reth.min_deposit, Wei(WAD / 100), "read from getMinimumDeposit()");
    // Someone fills the pool to 0.003 ETH below its maximum.
    let left = WAD * 3 / 1000;
    let pool = fx.pool("rETH", USER + 3);
    pool.deposit().value(U256::from(reth.deposit_cap.0 - left)).confirm().await.unwrap();
    let plan = next_round(&mut a, &feed, &fx, eth_intent(&fx, 0)).await;
    let m = feed.get();
    assert_eq!(m.asset("rETH").unwrap().deposit_cap, Wei(left));
    assert!(!plan.allocations.iter().any(|x| x.position.starts_with("rETH")), "{plan:?}");
    // The plan that used the room would have been refused as a whole.
    let (id, intent) = eth_intent(&fx, 1);
    let ix = stakebid_intents::market::Index::new(&m);
    let sc = stakebid_intents::Scenarios::generate(&m, &ix, B256::ZERO, 50);
    let ctx = Context::new(&m, &sc);
    let mut greedy = plan.clone();
    greedy.intent = id;
    let big = greedy.allocations.iter_mut().max_by_key(|x| x.amount).unwrap();
    big.amount.0 -= left;
    greedy
        .allocations
        .push(stakebid_intents::plan::Allocation { position: "rETH".into(), amount: Wei(left) });
    let v = stakebid_intents::evaluate(&ctx, &intent, id, &greedy).unwrap_err();
    assert!(v.iter().any(|v| matches!(v, Violation::BelowMinimumDeposit { .. })), "{v:?}");
    drop(a);
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}
