//! `GET /v1/stats`, maintained incrementally: each auction's share of the
//! totals is read once it can no longer change (settled, failed, voided, or
//! scored without awards) and kept; a request reads only auctions that are
//! new or still open, then sums the shares of the newest
//! [`stakebid_wire::STATS_WINDOW`]. No request re-reads thousands of
//! outcomes; the totals' lock is held only to merge, never over store reads.

use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::domain::outcome::Outcome;
use crate::domain::phase::Phase;
use crate::infra::store::{Status, StoreError};
use crate::port::NodeStore;

/// One auction's share of the totals.
#[derive(Clone, Default)]
struct Share {
    tally: BTreeMap<String, stakebid_wire::SolverTally>,
    settlements: usize,
    staked: u128,
    by_position: BTreeMap<String, u128>,
    apys: Vec<i64>,
}

impl Share {
    fn of(o: &Outcome) -> Share {
        let mut s = Share::default();
        for b in &o.bids {
            let t = s.tally.entry(b.solver.to_checksum(None)).or_default();
            t.bids += 1;
            if b.won {
                t.wins += 1;
                t.won_score = stakebid_wire::Dec(t.won_score.0.saturating_add(b.total));
            }
        }
        for entry in &o.awards {
            let Some(note) = &entry.settlement else { continue };
            s.settlements += 1;
            let Some(bid) = o.bids.iter().find(|b| b.bid_hash == entry.award.bidHash) else {
                continue;
            };
            for plan in bid.plans.iter().flatten() {
                let in_award = entry.award.intentIds.contains(&plan.intent.0);
                let skipped = note.skipped.iter().any(|(i, _)| *i == plan.intent);
                if !in_award || skipped {
                    continue;
                }
                for a in &plan.allocations {
                    s.staked = s.staked.saturating_add(a.amount.0);
                    let e = s.by_position.entry(a.position.clone()).or_default();
                    *e = e.saturating_add(a.amount.0);
                }
                if let Some(f) = bid.figures.get(&plan.intent) {
                    s.apys.push(f.net_apy_bps);
                }
            }
        }
        s
    }
}

/// What is kept between requests.
#[derive(Default)]
pub struct StatsBook {
    inner: Mutex<Book>,
    /// One refresh at a time (each reads only what changed since the last).
    refresh: Mutex<()>,
}

#[derive(Default)]
struct Book {
    /// Final shares, by auction id.
    done: BTreeMap<u64, Share>,
    /// Every id at or below this was looked at and is final or open.
    seen: u64,
    /// Ids looked at that may still change.
    open: Vec<u64>,
}

impl StatsBook {
    /// The totals now.
    pub fn read(&self, store: &dyn NodeStore) -> Result<stakebid_wire::Stats, StoreError> {
        let _one = self.refresh.lock().unwrap_or_else(|p| p.into_inner());
        let last = store.last_auction_id()?;
        let first = last.saturating_sub(stakebid_wire::STATS_WINDOW) + 1;
        let (seen, open) = {
            let b = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            (b.seen, b.open.clone())
        };
        // Outside the lock: the auctions that are new or may still change.
        let mut looked: Vec<(u64, Option<Share>, bool)> = vec![];
        for id in open.into_iter().filter(|id| *id >= first).chain(seen.max(first - 1) + 1..=last) {
            let Some(rec) = store.auction(id)? else { continue };
            let fixed = matches!(rec.phase, Phase::Settled | Phase::Failed | Phase::Voided)
                || (rec.phase == Phase::Scored
                    && rec.public.as_ref().is_some_and(|o| o.awards.is_empty()));
            looked.push((id, rec.public.as_ref().map(Share::of), fixed));
        }
        let mut b = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        b.seen = b.seen.max(last);
        b.open.clear();
        let mut live: Vec<Share> = vec![];
        for (id, share, fixed) in looked {
            if fixed {
                b.done.insert(id, share.unwrap_or_default());
            } else {
                b.open.push(id);
                live.extend(share);
            }
        }
        b.done = b.done.split_off(&first);
        let mut st = stakebid_wire::Stats {
            auctions: last,
            intents_settled: store.count_status(Status::Settled),
            intents_pending: store.count_status(Status::Pending),
            settlements: 0,
            wei_staked: stakebid_intents::Wei(0),
            median_net_apy_bps: None,
            staked_by_position: BTreeMap::new(),
            solvers: BTreeMap::new(),
        };
        let mut apys = vec![];
        for s in b.done.values().chain(live.iter()) {
            st.settlements += s.settlements;
            st.wei_staked.0 = st.wei_staked.0.saturating_add(s.staked);
            for (p, w) in &s.by_position {
                let e = st.staked_by_position.entry(p.clone()).or_default();
                e.0 = e.0.saturating_add(*w);
            }
            for (who, t) in &s.tally {
                let e = st.solvers.entry(who.clone()).or_default();
                e.bids += t.bids;
                e.wins += t.wins;
                e.won_score = stakebid_wire::Dec(e.won_score.0.saturating_add(t.won_score.0));
            }
            apys.extend_from_slice(&s.apys);
        }
        apys.sort_unstable();
        st.median_net_apy_bps = apys.get(apys.len() / 2).copied();
        Ok(st)
    }
}
