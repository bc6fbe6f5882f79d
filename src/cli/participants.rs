//! In-process solver participants on logical time: a shipped strategy
//! behind the auction's `Participant` trait, for `stakebid auction demo`.
//! The node's solvers (in-process or not) use `stakebid_solver::runtime`.

use alloy::primitives::{Address, B256};
use alloy::signers::local::PrivateKeySigner;
use std::collections::BTreeMap;

use stakebid_auction::auctioneer::Participant;
use stakebid_intents::envelope::{CommitMsg, RevealMsg};
use stakebid_intents::protocol::{AuctionOpen, Bid, RoundBinding};
use stakebid_intents::{Context, Intent, IntentId};
use stakebid_solver::{by_name, Strategy};

/// A solver process stand-in: a strategy, a key, and its sealed bids.
pub(crate) struct Solver {
    key: PrivateKeySigner,
    strategy: Box<dyn Strategy>,
    silent: bool,
    sealed: Vec<RevealMsg>,
}

impl Participant for Solver {
    fn address(&self) -> Address {
        self.key.address()
    }

    fn commit(
        &mut self,
        at: &RoundBinding,
        open: &AuctionOpen,
        ctx: &Context<'_>,
        batch: &[(IntentId, Intent)],
    ) -> Vec<CommitMsg> {
        // As a networked solver does.
        let bids = stakebid_solver::pack::plan_bids(&*self.strategy, ctx, batch, None);
        self.sealed.clear();
        let mut commits = vec![];
        for plans in bids {
            let bid = Bid::from_plans(open.auctionId, self.address(), &plans);
            let (c, salt) = CommitMsg::seal(at, &bid, &self.key);
            self.sealed.push(RevealMsg::seal(at, bid, salt, &self.key));
            commits.push(c);
        }
        commits
    }

    fn reveal(&mut self, _auction: u64) -> Vec<RevealMsg> {
        if self.silent {
            self.sealed.clear();
            return vec![];
        }
        std::mem::take(&mut self.sealed)
    }
}

/// The demo line-up: optimal, greedy, waterfill, and (if `with_silent`) an
/// optimal solver that commits and never reveals. Returns them with names.
pub(crate) fn demo_solvers(
    with_silent: bool,
) -> (Vec<Box<dyn Participant>>, BTreeMap<Address, &'static str>) {
    let mut solvers: Vec<Box<dyn Participant>> = Vec::new();
    let mut names = BTreeMap::new();
    let lineup = [
        ("solver-optimal", "optimal", false),
        ("solver-greedy", "greedy", false),
        ("solver-waterfill", "waterfill", false),
        ("solver-silent", "optimal", true),
    ];
    for (n, (name, strategy, silent)) in lineup.into_iter().enumerate() {
        if silent && !with_silent {
            continue;
        }
        let key = PrivateKeySigner::from_bytes(&B256::repeat_byte(0x10 + n as u8))
            .expect("a constant valid key");
        names.insert(key.address(), name);
        solvers.push(Box::new(Solver {
            key,
            strategy: by_name(strategy, 5).expect("shipped strategy"),
            silent,
            sealed: vec![],
        }));
    }
    (solvers, names)
}
