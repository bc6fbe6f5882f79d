//! The one honest in-process participant: a shipped strategy and a key
//! behind `stakebid_intents::protocol::Participant`, bidding exactly as the
//! networked runtime does (`pack::plan_bids`: plan on the usable market,
//! pack into bids within the gas budget, commit each, reveal each). The
//! CLI's `auction demo`, the node's tests and the benches all use it; fault
//! drills switch on `silent` (commit, never reveal) or a `tamper` applied
//! to each bid before it is sealed.

use alloy::primitives::Address;
use alloy::signers::local::PrivateKeySigner;

use stakebid_intents::envelope::{CommitMsg, RevealMsg};
use stakebid_intents::protocol::{AuctionOpen, Bid, Participant, RoundBinding};
use stakebid_intents::{Context, Intent, IntentId};

use crate::Strategy;

/// A solver running `strategy` in-process.
pub struct InProcess {
    key: PrivateKeySigner,
    strategy: Box<dyn Strategy>,
    silent: bool,
    tamper: Option<fn(&mut Bid)>,
    sealed: Vec<RevealMsg>,
}

impl InProcess {
    /// An honest solver: `strategy`, signing with `key`.
    pub fn new(key: PrivateKeySigner, strategy: Box<dyn Strategy>) -> InProcess {
        InProcess { key, strategy, silent: false, tamper: None, sealed: vec![] }
    }

    /// A fault drill: it commits and never reveals.
    pub fn silent(mut self) -> InProcess {
        self.silent = true;
        self
    }

    /// A fault drill: `f` changes each bid before it is sealed.
    pub fn tampering(mut self, f: fn(&mut Bid)) -> InProcess {
        self.tamper = Some(f);
        self
    }
}

impl Participant for InProcess {
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
        self.sealed.clear();
        let mut commits = vec![];
        for plans in crate::pack::plan_bids(&*self.strategy, ctx, batch, None) {
            let mut bid = Bid::from_plans(open.auctionId, self.address(), &plans);
            if let Some(f) = self.tamper {
                f(&mut bid);
            }
            let (c, salt) = CommitMsg::seal(at, &bid, &self.key);
            self.sealed.push(RevealMsg::seal(at, bid, salt, &self.key));
            commits.push(c);
        }
        commits
    }

    fn reveal(&mut self, _auction: u64) -> Vec<RevealMsg> {
        let sealed = std::mem::take(&mut self.sealed);
        if self.silent {
            return vec![];
        }
        sealed
    }
}
