//! The node's side on a real chain: an auction whose winner's plan reverts
//! because the deposit pool filled up in between falls back to the
//! runner-up, which settles in the same auction, and the winner is not
//! slashed; a solver that never reveals loses bond on-chain.

use alloy::primitives::{Address, U256};
use alloy::signers::local::PrivateKeySigner;
use stakebid_node::port::prelude::*;
use stakebid_settlement::Confirm;

use stakebid_auction::domain::phase::Phase;
use stakebid_auction::domain::registry::Offence;
use stakebid_intents::envelope::{CommitMsg, RevealMsg};
use stakebid_intents::plan::{Allocation, Plan};
use stakebid_intents::protocol::{AuctionOpen, Bid, RoundBinding};
use stakebid_intents::{Context, Intent, IntentId, Wei};
use stakebid_node::auctioneer::Participant;
use stakebid_node::chain::Event;
use stakebid_node::port::Status;
use stakebid_node::store::Store;
use stakebid_settlement::registry::OnChainRegistry;
use stakebid_settlement::revert::Blame;

use crate::fixture::*;

/// A solver with a fixed plan per intent: all of it (less `fee`) into `position`.
pub(crate) struct Scripted {
    pub(crate) key: PrivateKeySigner,
    pub(crate) position: &'static str,
    pub(crate) fee: u128,
    pub(crate) reveals: bool,
    pub(crate) sealed: Vec<RevealMsg>,
}

impl Participant for Scripted {
    fn address(&self) -> Address {
        self.key.address()
    }

    fn commit(
        &mut self,
        at: &RoundBinding,
        open: &AuctionOpen,
        _: &Context<'_>,
        batch: &[(IntentId, Intent)],
    ) -> Vec<CommitMsg> {
        let plans: Vec<Plan> = batch
            .iter()
            .map(|(id, i)| {
                let amount: u128 = i.amount.to();
                Plan {
                    guarantee: None,
                    intent: *id,
                    allocations: vec![Allocation {
                        position: self.position.into(),
                        amount: Wei(amount - self.fee),
                    }],
                    fee: Wei(self.fee),
                }
            })
            .collect();
        let bid = Bid::from_plans(open.auctionId, self.address(), &plans);
        let (c, salt) = CommitMsg::seal(at, &bid, &self.key);
        self.sealed = vec![RevealMsg::seal(at, bid, salt, &self.key)];
        vec![c]
    }

    fn reveal(&mut self, _: u64) -> Vec<RevealMsg> {
        if self.reveals {
            std::mem::take(&mut self.sealed)
        } else {
            vec![]
        }
    }
}

#[tokio::test]
async fn a_reverted_winner_falls_back_to_the_runner_up_and_only_faults_are_slashed() {
    let fx = Fx::new().await;
    let silent = USER + 8;
    fx.bond(silent, "1.5").await;
    let dir = std::env::temp_dir().join(format!("stakebid-fallback-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open(&dir).unwrap();
    let mut signed = vec![];
    for (n, u) in [USER, USER + 1].into_iter().enumerate() {
        fx.escrow(u, eth("1")).await;
        let si = fx.sign(fx.intent(fx.addr(u), Address::ZERO, eth("1"), n as u64), u);
        signed.push((si.intent.id(&fx.domain), si));
    }
    assert!(store.accept(&signed).unwrap().iter().all(|r| r.is_ok()));

    let chain = crate::link(&fx, &store).await;
    let mut a = crate::auctioneer(&fx, &store, &chain);
    let (w, r) = (fx.addr(SOLVER), fx.addr(RUNNER_UP));
    for who in [w, r, fx.addr(silent)] {
        a.registry.bond(who, Wei(1));
    }
    // The registry follows the chain: 1.5 ETH each, minimum 1 ETH.
    chain.sync_bonds(&mut a.registry).await.unwrap();
    assert_eq!(a.registry.solvers[&w].bond, Wei(15 * 10u128.pow(17)));

    // The winner asks no fee and mints rETH; the runner-up charges 1 % and mints stETH.
    let script = |k: usize, position, fee, reveals| -> Box<dyn Participant> {
        Box::new(Scripted { key: fx.key(k).clone(), position, fee, reveals, sealed: vec![] })
    };
    let mut ps = vec![
        script(SOLVER, "rETH", 0, true),
        script(RUNNER_UP, "stETH", 10u128.pow(16), true),
        script(silent, "stETH", 10u128.pow(16), false),
    ];
    let report = a.round(unix_now(), &mut ps).unwrap().expect("a round runs");
    assert_eq!(report.awards.len(), 1);
    assert_eq!(report.awards[0].0.solver, w, "the cheaper plan wins");

    // The silent solver's penalty is executed on-chain.
    let reg = OnChainRegistry::at(fx.d.registry, fx.as_(DEPLOYER));
    let events = chain.execute_penalties(&report).await;
    assert!(
        matches!(events.as_slice(), [Event::Slashed { solver, .. }] if *solver == fx.addr(silent)),
        "{events:?}"
    );
    assert_eq!(reg.bond_of(fx.addr(silent)).await.unwrap(), eth("1.4"));

    // The rETH deposit pool fills up between the award and the settlement.
    fx.pool("rETH", DEPLOYER).setMaximumDepositPoolSize(U256::ZERO).confirm().await.unwrap();
    let events = chain.settle_auction(&mut a, report.auction).await;
    assert!(
        matches!(
            events.as_slice(),
            [Event::Failed { solver, reason, blame: Blame::StateMoved, runner_ups: 1, .. }, Event::Settled { solver: s2, intents: 2, .. }]
                if *solver == w && reason == "DepositPoolFull" && *s2 == r
        ),
        "{events:?}"
    );
    // Settled in the same auction, by the runner-up, into its plan.
    for (id, si) in &signed {
        assert_eq!(store.get(id).unwrap().unwrap().status, Status::Settled);
        assert_eq!(fx.lido(DEPLOYER).balanceOf(si.intent.owner).call().await.unwrap(), eth("0.99"));
    }
    let rec = store.auction(report.auction).unwrap().unwrap();
    assert_eq!(rec.phase, Phase::Settled);
    // The winner: not slashed, on-chain or off; its record says why.
    assert_eq!(reg.bond_of(w).await.unwrap(), eth("1.5"));
    let last = a.registry.solvers[&w].record.last().unwrap();
    assert_eq!((last.offence, last.amount), (Offence::StateMoved, Wei(0)));
    // Asked again (a restart): nothing left to do, nothing sent.
    assert!(chain.settle_auction(&mut a, report.auction).await.is_empty());
    assert!(chain.resume(&mut a).await.iter().all(|e| !matches!(e, Event::Problem { .. })));
    drop(a);
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}
