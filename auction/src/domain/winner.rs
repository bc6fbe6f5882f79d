//! Winner selection: which revealed bids win.
//!
//! A bid covers a set of intents and wins or loses whole. Winners cover
//! disjoint intents, together stay within the round's shared capacity
//! (deposit, operator and service caps), and maximize the total score.
//! Before the search a fairness filter drops any batched bid that gives one
//! of its intents less than the best single-intent bid for that intent
//! (CoW Protocol's rule), so batching cannot be used to short-change a user.
//!
//! The search is exact (depth-first branch and bound), deterministic and has
//! no wall-clock limit: a replay of the same bids gives the same winners.
//! Ties go to the earlier bid in the caller's order (its canonical order).

use alloy::primitives::Address;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

use stakebid_intents::evaluate::CapacityUse;
use stakebid_intents::IntentId;

/// A revealed bid the evaluator accepted, reduced to what selection needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// The solver that bid.
    pub solver: Address,
    /// Score per intent covered (wei), from `intents::evaluate`.
    pub scores: BTreeMap<IntentId, i128>,
    /// Capacity all its plans use together.
    pub capacity: CapacityUse,
}

impl Candidate {
    /// Total score.
    pub fn score(&self) -> i128 {
        self.scores.values().sum()
    }
}

/// The outcome.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Selection {
    /// Indices of the winning candidates, ascending.
    pub winners: Vec<usize>,
    /// Their total score.
    pub total: i128,
    /// Candidates dropped by the fairness filter.
    pub unfair: Vec<usize>,
    /// Per winning solver: the best total without any of its bids (for a
    /// future second-price reward).
    pub reference: BTreeMap<Address, i128>,
}

/// Capacity still available in the round, by entity id.
pub type Available = CapacityUse;

fn fits(used: &CapacityUse, avail: &Available) -> bool {
    used.exceeded_within(avail).is_none()
}

/// Selects winners among `cands` within `avail`.
pub fn select(cands: &[Candidate], avail: &Available) -> Selection {
    let unfair = unfair(cands);
    let eligible: Vec<usize> = (0..cands.len())
        .filter(|i| !unfair.contains(i) && cands[*i].score() > 0)
        .filter(|i| fits(&cands[*i].capacity, avail))
        .collect();
    let (winners, total) = search(cands, &eligible, avail);
    let mut reference = BTreeMap::new();
    for w in &winners {
        let solver = cands[*w].solver;
        reference.entry(solver).or_insert_with(|| {
            let without: Vec<usize> =
                eligible.iter().copied().filter(|i| cands[*i].solver != solver).collect();
            search(cands, &without, avail).1
        });
    }
    Selection { winners, total, unfair, reference }
}

/// Batched bids that give some intent less than its best single-intent bid.
fn unfair(cands: &[Candidate]) -> Vec<usize> {
    let mut best_single: BTreeMap<IntentId, i128> = BTreeMap::new();
    for c in cands.iter().filter(|c| c.scores.len() == 1) {
        for (id, s) in &c.scores {
            let e = best_single.entry(*id).or_insert(i128::MIN);
            *e = (*e).max(*s);
        }
    }
    (0..cands.len())
        .filter(|&i| {
            let c = &cands[i];
            c.scores.len() > 1
                && c.scores.iter().any(|(id, s)| best_single.get(id).is_some_and(|b| s < b))
        })
        .collect()
}

struct Search<'a> {
    cands: &'a [Candidate],
    order: Vec<usize>,
    suffix: Vec<i128>,
    avail: &'a Available,
    best: (Vec<usize>, i128),
}

impl Search<'_> {
    fn dfs(
        &mut self,
        k: usize,
        chosen: &mut Vec<usize>,
        taken: &mut BTreeSet<IntentId>,
        used: &CapacityUse,
        total: i128,
    ) {
        if total > self.best.1 {
            let mut w = chosen.clone();
            w.sort_unstable();
            self.best = (w, total);
        }
        if k == self.order.len() || total + self.suffix[k] <= self.best.1 {
            return;
        }
        let i = self.order[k];
        let c = &self.cands[i];
        if c.scores.keys().all(|id| !taken.contains(id)) {
            let mut next = used.clone();
            next.add(&c.capacity);
            if fits(&next, self.avail) {
                chosen.push(i);
                taken.extend(c.scores.keys().copied());
                self.dfs(k + 1, chosen, taken, &next, total + c.score());
                for id in c.scores.keys() {
                    taken.remove(id);
                }
                chosen.pop();
            }
        }
        self.dfs(k + 1, chosen, taken, used, total);
    }
}

/// Exact best subset of `eligible` (all with positive score).
fn search(cands: &[Candidate], eligible: &[usize], avail: &Available) -> (Vec<usize>, i128) {
    // Highest score first finds good incumbents early; index breaks ties so
    // the order, and with it the tie-break, is canonical.
    let mut order = eligible.to_vec();
    order.sort_by(|&a, &b| cands[b].score().cmp(&cands[a].score()).then(a.cmp(&b)));
    let mut suffix = vec![0i128; order.len() + 1];
    for k in (0..order.len()).rev() {
        suffix[k] = suffix[k + 1] + cands[order[k]].score();
    }
    let mut s = Search { cands, order, suffix, avail, best: (Vec::new(), 0) };
    s.dfs(0, &mut Vec::new(), &mut BTreeSet::new(), &CapacityUse::default(), 0);
    s.best
}
