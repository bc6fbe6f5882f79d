//! `GET /v1/stats`, maintained incrementally: each auction's share of the
//! totals is read once it can no longer change (settled, failed, voided, or
//! scored without awards), added to running totals, and subtracted when it
//! leaves the newest [`stakebid_wire::STATS_WINDOW`]. A request reads only
//! auctions that are new or still open and adds theirs to a copy of the
//! totals: no request re-reads or re-sums thousands of outcomes.

use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::port::NodeStore;
use crate::port::{Status, StoreError};
use stakebid_auction::domain::outcome::Outcome;
use stakebid_auction::domain::phase::Phase;

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

/// Running totals over many shares: added when an auction's share is
/// final, subtracted when it leaves the window (wrapping arithmetic, so a
/// subtraction exactly undoes its addition).
#[derive(Clone, Default)]
struct Totals {
    tally: BTreeMap<String, stakebid_wire::SolverTally>,
    settlements: usize,
    staked: u128,
    by_position: BTreeMap<String, u128>,
    /// Net APYs promised, as a multiset (value → how many).
    apys: BTreeMap<i64, usize>,
    apy_count: usize,
}

impl Totals {
    fn add(&mut self, s: &Share) {
        self.settlements += s.settlements;
        self.staked = self.staked.wrapping_add(s.staked);
        for (p, w) in &s.by_position {
            let e = self.by_position.entry(p.clone()).or_default();
            *e = e.wrapping_add(*w);
        }
        for (who, t) in &s.tally {
            let e = self.tally.entry(who.clone()).or_default();
            e.bids += t.bids;
            e.wins += t.wins;
            e.won_score = stakebid_wire::Dec(e.won_score.0.wrapping_add(t.won_score.0));
        }
        for a in &s.apys {
            *self.apys.entry(*a).or_default() += 1;
        }
        self.apy_count += s.apys.len();
    }

    fn sub(&mut self, s: &Share) {
        self.settlements -= s.settlements;
        self.staked = self.staked.wrapping_sub(s.staked);
        for (p, w) in &s.by_position {
            if let Some(e) = self.by_position.get_mut(p) {
                *e = e.wrapping_sub(*w);
                if *e == 0 {
                    self.by_position.remove(p);
                }
            }
        }
        for (who, t) in &s.tally {
            if let Some(e) = self.tally.get_mut(who) {
                e.bids -= t.bids;
                e.wins -= t.wins;
                e.won_score = stakebid_wire::Dec(e.won_score.0.wrapping_sub(t.won_score.0));
                if e.bids == 0 {
                    self.tally.remove(who);
                }
            }
        }
        for a in &s.apys {
            if let Some(n) = self.apys.get_mut(a) {
                *n -= 1;
                if *n == 0 {
                    self.apys.remove(a);
                }
            }
        }
        self.apy_count -= s.apys.len();
    }

    /// The middle net APY (the upper one of an even count).
    fn median(&self) -> Option<i64> {
        let mut left = self.apy_count / 2;
        for (a, n) in &self.apys {
            if left < *n {
                return Some(*a);
            }
            left -= n;
        }
        None
    }
}

/// What is kept between requests.
#[derive(Default)]
pub struct StatsBook {
    inner: Mutex<Book>,
}

#[derive(Default)]
struct Book {
    /// Final shares, by auction id, and their totals.
    done: BTreeMap<u64, Share>,
    totals: Totals,
    /// Every id at or below this was looked at and is final or open.
    seen: u64,
    /// Ids looked at that may still change.
    open: Vec<u64>,
}

impl StatsBook {
    /// The totals now. One request at a time reads what changed since the
    /// last (new auctions, and those not final then), so each is short.
    pub fn read(&self, store: &dyn NodeStore) -> Result<stakebid_wire::Stats, StoreError> {
        let mut b = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let last = store.last_auction_id()?;
        let first = last.saturating_sub(stakebid_wire::STATS_WINDOW) + 1;
        let ids: Vec<u64> = std::mem::take(&mut b.open)
            .into_iter()
            .filter(|id| *id >= first)
            .chain(b.seen.max(first - 1) + 1..=last)
            .collect();
        let mut live = b.totals.clone();
        let mut open = vec![];
        for id in ids {
            let Some(rec) = store.auction(id)? else { continue };
            let share = rec.public.as_ref().map(Share::of).unwrap_or_default();
            let fixed = matches!(rec.phase, Phase::Settled | Phase::Failed | Phase::Voided)
                || (rec.phase == Phase::Scored
                    && rec.public.as_ref().is_some_and(|o| o.awards.is_empty()));
            if fixed {
                // `live` started as the totals: both move together.
                if let Some(old) = b.done.insert(id, share.clone()) {
                    b.totals.sub(&old);
                    live.sub(&old);
                }
                b.totals.add(&share);
                live.add(&share);
            } else {
                open.push(id);
                live.add(&share);
            }
        }
        b.open = open;
        b.seen = b.seen.max(last);
        // Shares that left the window leave the totals.
        let kept = b.done.split_off(&first);
        for s in std::mem::replace(&mut b.done, kept).values() {
            b.totals.sub(s);
            live.sub(s);
        }
        Ok(stakebid_wire::Stats {
            auctions: last,
            intents_settled: store.count_status(Status::Settled)?,
            intents_pending: store.count_status(Status::Pending)?,
            settlements: live.settlements,
            wei_staked: stakebid_intents::Wei(live.staked),
            median_net_apy_bps: live.median(),
            staked_by_position: live
                .by_position
                .into_iter()
                .map(|(p, w)| (p, stakebid_intents::Wei(w)))
                .collect(),
            solvers: live.tally,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share(n: u64) -> Share {
        let mut s =
            Share { settlements: n as usize % 3, staked: u128::from(n) * 7, ..Share::default() };
        s.by_position.insert(format!("p{}", n % 4), u128::from(n) + 1);
        let t = s.tally.entry(format!("s{}", n % 2)).or_default();
        t.bids = 1 + n % 3;
        t.wins = n % 2;
        t.won_score = stakebid_wire::Dec(i128::from(n as i64) - 5);
        s.apys = (0..n % 4).map(|k| (n * 37 + k * 11) as i64 % 500 - 100).collect();
        s
    }

    /// Running totals after adding 60 shares and taking the first 20 out
    /// are the totals of the 40 left, summed afresh; the median is the
    /// sorted list's middle.
    #[test]
    fn totals_subtract_exactly_what_they_added() {
        let mut t = Totals::default();
        for n in 0..60 {
            t.add(&share(n));
        }
        for n in 0..20 {
            t.sub(&share(n));
        }
        let mut fresh = Totals::default();
        for n in 20..60 {
            fresh.add(&share(n));
        }
        assert_eq!(t.settlements, fresh.settlements);
        assert_eq!(t.staked, fresh.staked);
        assert_eq!(t.by_position, fresh.by_position);
        assert_eq!(t.tally, fresh.tally);
        assert_eq!(t.apys, fresh.apys);
        let mut all: Vec<i64> = (20..60).flat_map(|n| share(n).apys).collect();
        all.sort_unstable();
        assert_eq!(t.median(), all.get(all.len() / 2).copied());
        assert_eq!(Totals::default().median(), None);
    }
}
