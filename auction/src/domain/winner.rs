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
    /// The evaluator's figures per intent (shown with the awarded plans).
    pub figures: BTreeMap<IntentId, super::score::Figures>,
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

/// After winner `failed` could not settle: the best selection among the
/// remaining bids that cover only its intents (never the failed bid, nor one
/// in `tried`: bids whose settlement failed earlier in the auction), within
/// the capacity the other winners leave. Indices refer to `cands`; the
/// runner-up's reference scores are computed the same way as `select`'s.
pub fn runner_up(
    cands: &[Candidate],
    sel: &Selection,
    failed: usize,
    tried: &BTreeSet<usize>,
    avail: &Available,
) -> Selection {
    let freed: BTreeSet<IntentId> = cands[failed].scores.keys().copied().collect();
    let mut others = CapacityUse::default();
    for &w in sel.winners.iter().filter(|&&w| w != failed) {
        others.add(&cands[w].capacity);
    }
    let left = avail.minus(&others);
    let pool: Vec<usize> = (0..cands.len())
        // A bid whose settlement already failed in this auction is never
        // awarded again: each bid fails at most once, so fallbacks end.
        .filter(|&i| i != failed && !sel.winners.contains(&i) && !tried.contains(&i))
        .filter(|&i| cands[i].scores.keys().all(|id| freed.contains(id)))
        .collect();
    let sub: Vec<Candidate> = pool.iter().map(|&i| cands[i].clone()).collect();
    let s = select(&sub, &left);
    Selection {
        winners: s.winners.iter().map(|&k| pool[k]).collect(),
        total: s.total,
        unfair: s.unfair.iter().map(|&k| pool[k]).collect(),
        reference: s.reference,
    }
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

/// Exact best subset of `eligible` (all with positive score).
///
/// Set packing with a shared knapsack is NP-hard, so the search is branch
/// and bound made fast for auction-shaped inputs:
/// - when the eligible bids' total capacity fits (the usual case), bids
///   that share no intent are independent: each connected component is
///   solved on its own and the results add up;
/// - it branches on intents, not bids: at the first undecided intent it
///   tries each bid whose smallest intent it is, best first, then leaving
///   the intent unserved — so every bid is considered exactly once per path;
/// - the bound is Σ over undecided intents of the best per-intent score any
///   bid offers it (each intent is served at most once, so no packing can
///   beat it), tight because the fairness filter makes batches price intents
///   near their single-intent bids.
fn search(cands: &[Candidate], eligible: &[usize], avail: &Available) -> (Vec<usize>, i128) {
    let mut all = CapacityUse::default();
    for &i in eligible {
        all.add(&cands[i].capacity);
    }
    let groups =
        if fits(&all, avail) { components(cands, eligible) } else { vec![eligible.to_vec()] };
    let (mut winners, mut total) = (Vec::new(), 0);
    for g in groups {
        let (w, t) = Search::run(cands, &g, avail);
        winners.extend(w);
        total += t;
    }
    winners.sort_unstable();
    (winners, total)
}

/// Groups of bids connected by shared intents, each in ascending order.
fn components(cands: &[Candidate], eligible: &[usize]) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..eligible.len()).collect();
    fn root(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    let mut owner: BTreeMap<IntentId, usize> = BTreeMap::new();
    for (k, &i) in eligible.iter().enumerate() {
        for id in cands[i].scores.keys() {
            match owner.get(id) {
                Some(&o) => {
                    let (a, b) = (root(&mut parent, o), root(&mut parent, k));
                    parent[a.max(b)] = a.min(b);
                }
                None => {
                    owner.insert(*id, k);
                }
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (k, &i) in eligible.iter().enumerate() {
        let r = root(&mut parent, k);
        groups.entry(r).or_default().push(i);
    }
    groups.into_values().collect()
}

struct Search<'a> {
    cands: &'a [Candidate],
    avail: &'a Available,
    /// The component's intents, ascending.
    intents: Vec<IntentId>,
    /// Per intent (same order): the best score any bid gives it (≥ 0).
    best_each: Vec<i128>,
    /// Per intent (same order): bids whose smallest intent it is, best first.
    starts: Vec<Vec<usize>>,
    pos: BTreeMap<IntentId, usize>,
    best: (Vec<usize>, i128),
}

impl<'a> Search<'a> {
    fn run(cands: &'a [Candidate], group: &[usize], avail: &'a Available) -> (Vec<usize>, i128) {
        let intents: Vec<IntentId> = group
            .iter()
            .flat_map(|&i| cands[i].scores.keys().copied())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let pos: BTreeMap<IntentId, usize> =
            intents.iter().enumerate().map(|(k, id)| (*id, k)).collect();
        let mut best_each = vec![0i128; intents.len()];
        let mut starts = vec![Vec::new(); intents.len()];
        for &i in group {
            for (id, sc) in &cands[i].scores {
                let k = pos[id];
                best_each[k] = best_each[k].max(*sc);
            }
            if let Some(first) = cands[i].scores.keys().next() {
                starts[pos[first]].push(i);
            }
        }
        // Best first finds good incumbents early; the index breaks ties, so
        // the order, and with it the tie-break, is canonical.
        for s in &mut starts {
            s.sort_by(|&a, &b| cands[b].score().cmp(&cands[a].score()).then(a.cmp(&b)));
        }
        let bound: i128 = best_each.iter().sum();
        let n = intents.len();
        let mut s = Search { cands, avail, intents, best_each, starts, pos, best: (Vec::new(), 0) };
        let mut taken = vec![false; n];
        s.dfs(0, &mut taken, &mut Vec::new(), &CapacityUse::default(), 0, bound);
        s.best
    }

    /// `bound`: Σ best_each over intents not yet decided (not taken, not passed).
    fn dfs(
        &mut self,
        mut k: usize,
        taken: &mut [bool],
        chosen: &mut Vec<usize>,
        used: &CapacityUse,
        total: i128,
        bound: i128,
    ) {
        if total > self.best.1 {
            let mut w = chosen.clone();
            w.sort_unstable();
            self.best = (w, total);
        }
        while k < self.intents.len() && taken[k] {
            k += 1;
        }
        if k == self.intents.len() || total + bound <= self.best.1 {
            return;
        }
        let starts = self.starts[k].clone();
        for i in starts {
            let c = &self.cands[i];
            let ks: Vec<usize> = c.scores.keys().map(|id| self.pos[id]).collect();
            if ks.iter().any(|&j| taken[j]) {
                continue;
            }
            let mut next = used.clone();
            next.add(&c.capacity);
            if !fits(&next, self.avail) {
                continue;
            }
            let covered: i128 = ks.iter().map(|&j| self.best_each[j]).sum();
            for &j in &ks {
                taken[j] = true;
            }
            chosen.push(i);
            self.dfs(k + 1, taken, chosen, &next, total + c.score(), bound - covered);
            chosen.pop();
            for &j in &ks {
                taken[j] = false;
            }
        }
        // Leave intent k unserved.
        taken[k] = true;
        self.dfs(k + 1, taken, chosen, used, total, bound - self.best_each[k]);
        taken[k] = false;
    }
}
