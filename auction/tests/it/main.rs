//! Winner selection against brute force on random small instances, and its
//! invariants: no intent awarded twice, no shared cap exceeded, fairness;
//! scoring; and the sealed round (`round`).

mod round;

use alloy::primitives::{Address, B256};
use proptest::prelude::*;
use stakebid_auction::domain::winner::{runner_up, select, Available, Candidate};
use stakebid_intents::evaluate::CapacityUse;
use stakebid_intents::{IntentId, Wei};
use std::collections::{BTreeMap, BTreeSet};

fn intent(n: u8) -> IntentId {
    IntentId(B256::repeat_byte(n + 1))
}

fn cand(solver: u8, scores: &[(u8, i128)], op_use: u128) -> Candidate {
    let mut capacity = CapacityUse::default();
    capacity.operators.insert("op".into(), Wei(op_use));
    Candidate {
        solver: Address::repeat_byte(solver),
        scores: scores.iter().map(|&(i, s)| (intent(i), s)).collect(),
        capacity,
        figures: Default::default(),
    }
}

fn avail(op: u128) -> Available {
    let mut a = CapacityUse::default();
    a.operators.insert("op".into(), Wei(op));
    a
}

/// Every subset, checked by the same rules, best total (ties: any).
fn brute(cands: &[Candidate], excluded: &BTreeSet<usize>, cap: u128) -> i128 {
    let n = cands.len();
    let mut best = 0;
    for mask in 0u32..(1 << n) {
        let mut seen = BTreeSet::new();
        let (mut total, mut used, mut ok) = (0i128, 0u128, true);
        for (i, c) in cands.iter().enumerate() {
            if mask & (1 << i) == 0 {
                continue;
            }
            if excluded.contains(&i) || c.score() <= 0 {
                ok = false;
                break;
            }
            for id in c.scores.keys() {
                ok &= seen.insert(*id);
            }
            used += c.capacity.operators["op"].0;
            total += c.score();
        }
        if ok && used <= cap {
            best = best.max(total);
        }
    }
    best
}

fn arb_cands() -> impl Strategy<Value = Vec<Candidate>> {
    proptest::collection::vec(
        (0u8..4, proptest::collection::btree_map(0u8..6, -50i128..1000, 1..4), 0u128..60),
        0..12,
    )
    .prop_map(|v| {
        v.into_iter()
            .map(|(s, scores, op)| cand(s, &scores.into_iter().collect::<Vec<_>>(), op))
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn selection_is_optimal_and_respects_every_rule(cands in arb_cands(), cap in 0u128..150) {
        let sel = select(&cands, &avail(cap));
        // Never one intent twice, never above the cap, never an unfair bid.
        let mut seen = BTreeSet::new();
        let mut used = 0;
        for &w in &sel.winners {
            for id in cands[w].scores.keys() {
                prop_assert!(seen.insert(*id), "intent awarded twice");
            }
            used += cands[w].capacity.operators["op"].0;
            prop_assert!(!sel.unfair.contains(&w));
        }
        prop_assert!(used <= cap);
        prop_assert_eq!(sel.total, sel.winners.iter().map(|&w| cands[w].score()).sum::<i128>());
        // Exactly the brute-force optimum under the same fairness filter.
        let unfair: BTreeSet<usize> = sel.unfair.iter().copied().collect();
        prop_assert_eq!(sel.total, brute(&cands, &unfair, cap));
        // The reference score of each winning solver is the optimum without it.
        for (solver, r) in &sel.reference {
            let mut without = unfair.clone();
            without.extend((0..cands.len()).filter(|&i| cands[i].solver == *solver));
            prop_assert_eq!(*r, brute(&cands, &without, cap));
        }
        // Replays give the same winners.
        prop_assert_eq!(select(&cands, &avail(cap)), sel);
    }

    #[test]
    fn a_runner_up_replaces_a_failed_winner_within_what_is_left(cands in arb_cands(), cap in 0u128..150) {
        let sel = select(&cands, &avail(cap));
        // A bid that failed before in the auction is never picked again.
        let tried: BTreeSet<usize> = (0..cands.len()).filter(|i| i % 3 == 1).collect();
        for &failed in &sel.winners {
            let r = runner_up(&cands, &sel, failed, &tried, &avail(cap));
            let freed: BTreeSet<IntentId> = cands[failed].scores.keys().copied().collect();
            let others: u128 = sel.winners.iter().filter(|&&w| w != failed).map(|&w| cands[w].capacity.operators["op"].0).sum();
            let mut seen = BTreeSet::new();
            let mut used = 0;
            for &w in &r.winners {
                prop_assert!(w != failed && !sel.winners.contains(&w) && !tried.contains(&w));
                for id in cands[w].scores.keys() {
                    prop_assert!(freed.contains(id), "a runner-up only takes the failed winner's intents");
                    prop_assert!(seen.insert(*id), "intent awarded twice");
                }
                used += cands[w].capacity.operators["op"].0;
            }
            prop_assert!(others + used <= cap, "capacity the other winners hold is respected");
            // Exactly the best among the eligible rest (brute force on that pool).
            let excluded: BTreeSet<usize> = (0..cands.len())
                .filter(|&i| i == failed || tried.contains(&i) || sel.winners.contains(&i) || !cands[i].scores.keys().all(|id| freed.contains(id)) || r.unfair.contains(&i))
                .collect();
            prop_assert_eq!(r.total, brute(&cands, &excluded, cap.saturating_sub(others)));
        }
    }
}

#[test]
fn a_batch_that_short_changes_one_intent_is_filtered_out() {
    let cands = vec![
        // Batched: more in total, but gives intent 0 less than bid 1 does alone.
        cand(1, &[(0, 100), (1, 500)], 0),
        cand(2, &[(0, 150)], 0),
        cand(3, &[(1, 400)], 0),
    ];
    let sel = select(&cands, &avail(10));
    assert_eq!(sel.unfair, vec![0]);
    assert_eq!(sel.winners, vec![1, 2]);
    assert_eq!(sel.total, 550);
}

#[test]
fn shared_capacity_picks_the_better_subset() {
    let cands = vec![cand(1, &[(0, 300)], 60), cand(2, &[(1, 200)], 50), cand(3, &[(2, 200)], 50)];
    // Cap 100: both 200-bids (400) beat the single 300-bid.
    let sel = select(&cands, &avail(100));
    assert_eq!(sel.winners, vec![1, 2]);
    let by: BTreeMap<_, _> = sel.reference.clone();
    assert_eq!(by[&Address::repeat_byte(2)], 300);
}

mod scoring {
    use alloy::primitives::{Address, B256, U256};
    use stakebid_auction::domain::score::score;
    use stakebid_intents::market::Index;
    use stakebid_intents::protocol::Bid;
    use stakebid_intents::{batch, Context, Domain, Market, Scenarios};
    use stakebid_solver::{Backend, Optimal, Strategy, View};

    #[test]
    fn the_auctioneer_recomputes_scores_and_rejects_a_tampered_plan() {
        let m = Market::snapshot();
        let ix = Index::new(&m);
        let sc = Scenarios::generate(&m, &ix, B256::ZERO, 100);
        let ctx = Context::new(&m, &sc);
        let d = Domain { chain_id: 31337, settlement: Address::repeat_byte(1) };
        let intents: Vec<_> = batch::generate(&m, &d, 8, 2, 1_790_000_000)
            .into_iter()
            .map(|s| (s.intent.id(&d), s.intent))
            .collect();
        let sol = Optimal::new(Backend::default_backend(), 5)
            .solve(&View { ctx: &ctx, intents: &intents }, None);
        assert!(!sol.plans.is_empty());
        let batch = intents.iter().cloned().collect();
        let bid = Bid::from_plans(1, Address::repeat_byte(5), &sol.plans);
        let cand = score(&ctx, &batch, &bid).unwrap();
        assert_eq!(cand.score(), sol.score());
        // Moving one wei from the fee into a position breaks the exact sum.
        let mut bad = bid.clone();
        bad.plans[0].allocations[0].amount += U256::from(1);
        let reasons = score(&ctx, &batch, &bad).unwrap_err();
        assert!(reasons.iter().any(|r| r.code == "plan.amount_mismatch"), "{reasons:?}");
        // A plan for an intent outside the batch is refused.
        let mut stranger = bid.clone();
        stranger.plans[0].intentId = B256::repeat_byte(0xee);
        let reasons = score(&ctx, &batch, &stranger).unwrap_err();
        assert_eq!(reasons[0].code, "bid.unknown_intent");
    }

    /// A bid whose settlement would not fit the gas budget is refused with
    /// `bid.over_gas_budget`; the same plans split by the solver's packer
    /// into bids within the budget are all valid candidates.
    #[test]
    fn a_bid_over_the_gas_budget_is_refused_and_its_split_is_not() {
        use stakebid_auction::domain::score::score_all;
        use stakebid_intents::protocol::{bid_gas, SETTLEMENT_GAS_BUDGET};
        use stakebid_solver::Greedy;
        let m = Market::snapshot();
        let ix = Index::new(&m);
        let sc = Scenarios::generate(&m, &ix, B256::repeat_byte(3), 100);
        let ctx = Context::new(&m, &sc);
        let d = Domain { chain_id: 31337, settlement: Address::repeat_byte(1) };
        let intents: Vec<_> = batch::generate(&m, &d, 200, 9, 1_790_000_000)
            .into_iter()
            .map(|s| (s.intent.id(&d), s.intent))
            .collect();
        let batch: std::collections::BTreeMap<_, _> = intents.iter().cloned().collect();
        let sol = Greedy { fee_bps: 1 }.solve(&View { ctx: &ctx, intents: &intents }, None);
        let gas: Vec<u64> = sol.evaluations.iter().map(|e| e.gas).collect();
        assert!(
            bid_gas(&m.gas, gas.iter().copied()) > SETTLEMENT_GAS_BUDGET,
            "the test needs a heavy bid"
        );
        let solver = Address::repeat_byte(7);
        let whole = Bid::from_plans(1, solver, &sol.plans);
        let scored = score_all(&ctx, &batch, &[whole]);
        assert!(scored.cands.is_empty());
        assert_eq!(scored.rejected[0].1[0].code, "bid.over_gas_budget");
        let split = stakebid_solver::pack::pack(&m.gas, sol.plans.into_iter().zip(gas).collect());
        assert!(split.len() > 1);
        let bids: Vec<Bid> = split.iter().map(|p| Bid::from_plans(1, solver, p)).collect();
        let scored = score_all(&ctx, &batch, &bids);
        assert!(scored.rejected.is_empty(), "{:?}", scored.rejected);
        assert_eq!(scored.cands.len(), split.len());
    }

    /// `score_all` evaluates each distinct plan once, in parallel; the
    /// candidates, rejections and the selection must be the sequential
    /// path's exactly — on bids that repeat plans, tamper with them, plan
    /// unknown intents or one intent twice.
    #[test]
    fn parallel_memoised_scoring_is_the_sequential_path_exactly() {
        use stakebid_auction::domain::score::score_all;
        use stakebid_auction::domain::winner::select;
        use stakebid_intents::evaluate::CapacityUse;
        use stakebid_solver::Greedy;
        let m = Market::snapshot();
        let ix = Index::new(&m);
        let sc = Scenarios::generate(&m, &ix, B256::repeat_byte(3), 100);
        let ctx = Context::new(&m, &sc);
        let d = Domain { chain_id: 31337, settlement: Address::repeat_byte(1) };
        // 20 intents: a bid of all of them stays within the gas budget.
        let intents: Vec<_> = batch::generate(&m, &d, 20, 9, 1_790_000_000)
            .into_iter()
            .map(|s| (s.intent.id(&d), s.intent))
            .collect();
        let batch: std::collections::BTreeMap<_, _> = intents.iter().cloned().collect();
        let mut bids = vec![];
        for (k, fee_bps) in (1..=4).enumerate() {
            let plans =
                Greedy { fee_bps }.solve(&View { ctx: &ctx, intents: &intents }, None).plans;
            for (j, chunk) in
                [&plans[..], &plans[..plans.len() / 2], &plans[..1]].iter().enumerate()
            {
                let solver = Address::repeat_byte((10 * k + j) as u8 + 1);
                bids.push(Bid::from_plans(1, solver, chunk));
            }
        }
        let mut tampered = bids[0].clone();
        tampered.plans[1].allocations[0].amount += U256::from(1);
        let mut stranger = bids[1].clone();
        stranger.plans[0].intentId = B256::repeat_byte(0xee);
        let mut twice = bids[2].clone();
        let first = twice.plans[0].clone();
        twice.plans.push(first);
        bids.extend([tampered, stranger, twice]);
        let fast = score_all(&ctx, &batch, &bids);
        assert!(fast.evaluated < fast.plans, "plans repeat across bids");
        let mut cands = vec![];
        let mut rejected = vec![];
        for (i, b) in bids.iter().enumerate() {
            match score(&ctx, &batch, b) {
                Ok(c) => cands.push((i, c)),
                Err(r) => rejected.push((i, r)),
            }
        }
        assert_eq!(fast.cand_bids, cands.iter().map(|(i, _)| *i).collect::<Vec<_>>());
        assert_eq!(fast.cands, cands.iter().map(|(_, c)| c.clone()).collect::<Vec<_>>());
        assert_eq!(fast.rejected, rejected);
        assert_eq!(fast.rejected.len(), 3);
        let avail = CapacityUse::available(&m);
        let seq: Vec<_> = cands.into_iter().map(|(_, c)| c).collect();
        let (a, b) = (select(&fast.cands, &avail), select(&seq, &avail));
        assert_eq!((a.winners, a.total), (b.winners, b.total));
    }
}
