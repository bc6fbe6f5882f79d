//! The evaluator against an independent re-implementation: on random
//! markets, intents and plans it accepts exactly the plans that break no
//! constraint, and its CVaR equals the Rockafellar–Uryasev minimum.

use alloy::primitives::{Address, B256, U256};
use proptest::prelude::*;
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use stakebid_intents::evaluate::cvar;
use stakebid_intents::market::{generate, security, GeneratorParams, Index};
use stakebid_intents::plan::Allocation;
use stakebid_intents::units::{Wei, WAD};
use stakebid_intents::{evaluate, Context, Intent, Market, Plan, Scenarios, NATIVE_ETH};
use std::collections::{BTreeMap, BTreeSet};

use crate::common::*;

/// CVaR by its definition: min over ζ of ζ + E[(L − ζ)+] / (1 − β); the
/// minimum is attained at one of the losses.
fn cvar_ru(losses: &[u128], probs: &[u128], conf_bps: u16) -> f64 {
    let alpha = (10_000 - conf_bps as u128) as f64 / 10_000.0;
    losses
        .iter()
        .map(|&z| {
            let z = z as f64;
            let tail: f64 = losses
                .iter()
                .zip(probs)
                .map(|(&l, &p)| (p as f64 / WAD as f64) * (l as f64 - z).max(0.0))
                .sum();
            z + tail / alpha
        })
        .fold(f64::INFINITY, f64::min)
}

fn probs_from(weights: &[u64]) -> Vec<u128> {
    let total: u128 = weights.iter().map(|&w| w as u128 + 1).sum();
    let mut p: Vec<u128> = weights.iter().map(|&w| (w as u128 + 1) * WAD / total).collect();
    let rest = WAD - p.iter().sum::<u128>();
    p[0] += rest;
    p
}

proptest! {
    #[test]
    fn cvar_equals_the_rockafellar_uryasev_minimum(
        raw in proptest::collection::vec((0u64..1_000_000_000_000, 0u64..1000), 1..60),
        conf in 5000u16..10_000,
    ) {
        let losses: Vec<u128> = raw.iter().map(|(l, _)| *l as u128 * 1_000_000).collect();
        let probs = probs_from(&raw.iter().map(|(_, w)| *w).collect::<Vec<_>>());
        let ours = cvar(&losses, &probs, conf).0 as f64;
        let theirs = cvar_ru(&losses, &probs, conf);
        prop_assert!((ours - theirs).abs() <= theirs * 1e-9 + 2.0, "ours {ours} theirs {theirs}");
    }

    #[test]
    fn cvar_at_full_confidence_is_the_worst_loss(
        losses in proptest::collection::vec(0u128..1_000_000_000_000_000, 1..40),
    ) {
        let probs = probs_from(&vec![1; losses.len()]);
        prop_assert_eq!(cvar(&losses, &probs, 10_000).0, *losses.iter().max().unwrap());
    }
}

/// The codes of every constraint `plan` breaks, computed from the market
/// directly (not from the evaluator's index).
fn independent_violations(
    m: &Market,
    sc: &Scenarios,
    i: &Intent,
    plan: &Plan,
) -> BTreeSet<&'static str> {
    let mut v = BTreeSet::new();
    let amount: u128 = i.amount.to();
    let wad = U256::from(WAD);
    let total: u128 = plan.allocations.iter().map(|a| a.amount.0).sum::<u128>() + plan.fee.0;
    if total != amount {
        v.insert("plan.amount_mismatch");
    }
    if plan.fee.0 * 10_000 > amount * i.maxFeeBps as u128 {
        v.insert("plan.fee_too_high");
    }
    let (mut gross, mut costs, mut liquid) = (0u128, 0u128, 0u128);
    let mut per_op: BTreeMap<&str, u128> = BTreeMap::new();
    let mut per_svc: BTreeMap<&str, U256> = BTreeMap::new();
    let mut per_asset: BTreeMap<&str, u128> = BTreeMap::new();
    let mut losses = vec![0u128; sc.list.len()];
    for al in &plan.allocations {
        let pi = m.positions.iter().position(|p| p.id == al.position).unwrap();
        let pos = &m.positions[pi];
        let asset = m.asset(&pos.asset).unwrap();
        let x = al.amount.0;
        let minted = i.asset == NATIVE_ETH && asset.token != Address::ZERO;
        let accepted = if asset.token == Address::ZERO {
            i.asset == NATIVE_ETH
        } else {
            i.asset == asset.token || (minted && asset.mint_from_eth)
        };
        if !accepted {
            v.insert("plan.asset_not_accepted");
        }
        let mut rate = U256::from(asset.apr.0);
        let mut exit = asset.exit_days as u32;
        if let Some(oid) = &pos.operator {
            let op = m.operator(oid).unwrap();
            if i.excludedOperators.contains(&op.address) {
                v.insert("plan.excluded_operator");
            }
            *per_op.entry(oid).or_default() += x;
            for a in &op.allocations {
                let s = m.service(&a.service).unwrap();
                let r = U256::from(a.magnitude.0) * U256::from(s.reward_rate.0) / wad;
                rate += r * U256::from(10_000 - op.commission.0 as u128) / U256::from(10_000);
                *per_svc.entry(&s.id).or_default() += U256::from(x) * U256::from(a.magnitude.0);
            }
            exit += m.restaking.withdrawal_delay_days as u32;
        }
        // The dust rule, restated: ticket, gas multiple, share of amount − fee.
        let r = m.min_position;
        let gas = m.gas.per_position
            + if pos.operator.is_some() { m.gas.per_restaked_position } else { 0 };
        let alloc = amount - plan.fee.0.min(amount);
        let least = [r.ticket.0, r.gas_multiple as u128 * gas as u128 * m.gas.gas_price.0]
            .into_iter()
            .chain([alloc * r.share_bps as u128 / 10_000])
            .max()
            .unwrap()
            .min(alloc);
        if x < least {
            v.insert("plan.dust_position");
        }
        gross += (U256::from(x) * rate / wad).to::<u128>();
        if minted && accepted {
            costs += x * asset.deposit_fee.0 as u128 / 10_000;
        }
        if exit <= i.liquidWithinDays as u32 {
            liquid += x;
        }
        *per_asset.entry(&asset.id).or_default() += x;
        for (s, scen) in sc.list.iter().enumerate() {
            if let Some((_, f)) = scen.losses.iter().find(|(p, _)| *p as usize == pi) {
                losses[s] += (U256::from(x) * U256::from(f.0) / wad).to::<u128>();
            }
        }
    }
    let net = gross as i128 - costs as i128 - plan.fee.0 as i128;
    if net * 10_000 < (amount * i.minNetApyBps as u128) as i128 {
        v.insert("plan.yield_too_low");
    }
    for (oid, x) in &per_op {
        if x * 10_000 > amount * i.maxOperatorBps as u128 {
            v.insert("plan.operator_share_too_high");
        }
        if *x > m.operator(oid).unwrap().capacity.0 {
            v.insert("plan.capacity_exceeded");
        }
    }
    for (sid, raw) in &per_svc {
        if *raw * U256::from(10_000) > U256::from(amount * i.maxServiceBps as u128) * wad {
            v.insert("plan.service_share_too_high");
        }
        if (*raw / wad).to::<u128>() > m.service(sid).unwrap().stake_cap.0 {
            v.insert("plan.capacity_exceeded");
        }
    }
    for (aid, x) in &per_asset {
        if *x > m.asset(aid).unwrap().deposit_cap.0 {
            v.insert("plan.capacity_exceeded");
        }
    }
    if liquid * 10_000 < amount * i.minLiquidBps as u128 {
        v.insert("plan.liquidity_too_low");
    }
    let probs: Vec<u128> = sc.list.iter().map(|s| s.probability.0).collect();
    let c = cvar_ru(&losses, &probs, i.lossConfidenceBps);
    let bound = amount as f64 * i.maxLossBps as f64 / 10_000.0;
    // Far from the bound, the float definition decides; within a few wei the
    // integer evaluator is the reference and this check abstains.
    if c > bound + 16.0 {
        v.insert("plan.loss_too_high");
    } else if (c - bound).abs() <= 16.0 {
        v.insert("abstain");
    }
    v
}

struct Gen(ChaCha8Rng);
impl Gen {
    fn r(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.0.next_u64() % (hi - lo + 1)
    }
}

fn random_intent(g: &mut Gen, m: &Market) -> Intent {
    let mut i = intent();
    i.amount = U256::from(g.r(1, 2_000) as u128 * WAD / 10);
    let loose = g.r(0, 1) == 0;
    i.minNetApyBps = g.r(0, if loose { 150 } else { 400 }) as u16;
    i.maxLossBps = g.r(if loose { 300 } else { 5 }, 1000) as u16;
    i.lossConfidenceBps = g.r(5000, 9990) as u16;
    i.maxOperatorBps = g.r(if loose { 5000 } else { 500 }, 10_000) as u16;
    i.maxServiceBps = g.r(if loose { 5000 } else { 200 }, 10_000) as u16;
    i.minLiquidBps = g.r(0, if loose { 2000 } else { 10_000 }) as u16;
    i.liquidWithinDays = g.r(0, 30) as u16;
    i.maxFeeBps = g.r(0, 50) as u16;
    i.excludedOperators = if g.r(0, 3) == 0 && !m.operators.is_empty() {
        vec![m.operators[g.r(0, m.operators.len() as u64 - 1) as usize].address]
    } else {
        vec![]
    };
    if g.r(0, 5) == 0 {
        // Pay with a token instead of ETH.
        i.asset = m.assets[g.r(1, m.assets.len() as u64 - 1) as usize].token;
    }
    i
}

fn random_plan(g: &mut Gen, m: &Market, i: &Intent, id: stakebid_intents::IntentId) -> Plan {
    let amount: u128 = i.amount.to();
    let fee = amount * g.r(0, 60) as u128 / 10_000;
    // Half the plans keep within the dust rule's share (≤ 3 positions of
    // comparable weight), so both verdicts stay common.
    let even = g.r(0, 1) == 0;
    let k = if even { g.r(1, 3) } else { g.r(1, 5) } as usize;
    let mut picks: Vec<usize> =
        (0..k).map(|_| g.r(0, m.positions.len() as u64 - 1) as usize).collect();
    picks.sort();
    picks.dedup();
    let lo = if even { 60 } else { 1 };
    let weights: Vec<u128> = picks.iter().map(|_| g.r(lo, 100) as u128).collect();
    let wsum: u128 = weights.iter().sum();
    let rest = amount - fee;
    let mut allocations: Vec<Allocation> = picks
        .iter()
        .zip(&weights)
        .map(|(&p, &w)| Allocation {
            position: m.positions[p].id.clone(),
            amount: Wei(rest * w / wsum),
        })
        .collect();
    let placed: u128 = allocations.iter().map(|a| a.amount.0).sum();
    allocations[0].amount.0 += rest - placed;
    if g.r(0, 20) == 0 {
        allocations[0].amount.0 += 1; // off by one wei
    }
    Plan { guarantee: None, intent: id, allocations, fee: Wei(fee) }
}

#[test]
fn the_evaluator_accepts_exactly_the_plans_that_break_nothing() {
    let mut g = Gen(ChaCha8Rng::seed_from_u64(7));
    let (mut accepted, mut rejected) = (0, 0);
    for case in 0..3000u64 {
        let m = if case % 3 == 0 {
            Market::snapshot()
        } else {
            generate(&GeneratorParams {
                assets: 4,
                operators: 12,
                services: 5,
                fanout: 2,
                seed: case,
            })
        };
        let ix = Index::new(&m);
        let sc = Scenarios::generate(&m, &ix, B256::from(U256::from(case)), 40);
        let ctx = Context::new(&m, &sc);
        let i = random_intent(&mut g, &m);
        let id = i.id(&domain());
        let plan = random_plan(&mut g, &m, &i, id);
        let expected = independent_violations(&m, &sc, &i, &plan);
        if expected.contains("abstain") {
            continue;
        }
        match evaluate(&ctx, &i, id, &plan) {
            Ok(e) => {
                accepted += 1;
                assert!(expected.is_empty(), "case {case}: accepted but breaks {expected:?}");
                assert_eq!(e.score, e.surplus - e.gas_cost.0 as i128);
            }
            Err(vs) => {
                rejected += 1;
                let got: BTreeSet<String> = vs.iter().map(|v| v.code()).collect();
                let want: BTreeSet<String> = expected.iter().map(|s| s.to_string()).collect();
                assert_eq!(got, want, "case {case}");
            }
        }
    }
    // Both sides of the property were exercised.
    assert!(accepted > 100 && rejected > 100, "accepted {accepted}, rejected {rejected}");
}

/// The 10 ETH intent (a 2 % floor, 10 % loss budget, no liquidity need)
/// and its plan: all of it in stETH, no fee.
fn all_steth() -> (Intent, stakebid_intents::IntentId, Plan) {
    let mut i = intent();
    i.minLiquidBps = 0;
    i.maxLossBps = 1000;
    i.minNetApyBps = 200;
    let id = i.id(&domain());
    let plan = Plan {
        guarantee: None,
        intent: id,
        allocations: vec![Allocation { position: "stETH".into(), amount: Wei(10 * WAD) }],
        fee: Wei(0),
    };
    (i, id, plan)
}

#[test]
fn an_all_steth_plan_earns_steth_apr_and_reports_the_june_2022_stress() {
    let m = Market::snapshot();
    let ix = Index::new(&m);
    let sc = Scenarios::generate(&m, &ix, B256::ZERO, 100);
    let ctx = Context::new(&m, &sc);
    let (i, id, plan) = all_steth();
    let ten = 10 * WAD;
    let e = evaluate(&ctx, &i, id, &plan).unwrap();
    assert_eq!(e.net_yield, (ten * 282 / 10_000) as i128);
    assert_eq!(e.net_apy_bps, 282);
    assert_eq!(e.surplus, (ten * 82 / 10_000) as i128);
    let june = e.stress.iter().find(|s| s.name.contains("June 2022")).unwrap();
    assert_eq!(june.loss_bps, 650);
    let launch = e.stress.iter().find(|s| s.name.contains("Launchnodes")).unwrap();
    assert_eq!(launch.loss.0, 0);
    // A fee is paid out of the yield.
    let fee = ten / 1000;
    let plan = Plan {
        guarantee: None,
        intent: id,
        allocations: vec![Allocation { position: "stETH".into(), amount: Wei(ten - fee) }],
        fee: Wei(fee),
    };
    let e2 = evaluate(&ctx, &i, id, &plan).unwrap();
    assert!(e2.net_yield < e.net_yield - fee as i128 + 1);
}

#[test]
fn adding_stake_to_operators_raises_the_security_margin() {
    let m = Market::snapshot();
    let before = security(&m, &[]).gamma.unwrap();
    let extra = vec![Wei(50_000 * WAD); m.operators.len()];
    let after = security(&m, &extra).gamma.unwrap();
    assert!(after > before, "{before} → {after}");
}

/// The dust rule (protocol version 2): a position below the largest of the
/// ticket, its gas × the multiple and the share of amount − fee is refused
/// with `plan.dust_position` and its minimum; one position holding the
/// whole allocation never is; a market without the rule (every market
/// recorded before it) accepts the same plan and keeps its old hash.
#[test]
fn a_position_below_the_markets_minimum_is_dust() {
    let m = Market::snapshot();
    let ix = Index::new(&m);
    let sc = Scenarios::generate(&m, &ix, B256::ZERO, 100);
    let ctx = Context::new(&m, &sc);
    let mut i = intent();
    i.minLiquidBps = 0;
    i.maxLossBps = 1000;
    i.minNetApyBps = 100;
    i.maxOperatorBps = 10_000;
    i.maxServiceBps = 10_000;
    i.amount = U256::from(3 * WAD);
    let id = i.id(&domain());
    let plan = |parts: &[(&str, u128)]| Plan {
        guarantee: None,
        intent: id,
        allocations: parts
            .iter()
            .map(|&(p, x)| Allocation { position: p.into(), amount: Wei(x) })
            .collect(),
        fee: Wei(0),
    };
    // A fifth of 3 ETH is 0.6 ETH: 0.5 ETH in rETH is dust.
    let split = plan(&[("stETH", 25 * WAD / 10), ("rETH", 5 * WAD / 10)]);
    let v = evaluate(&ctx, &i, id, &split).unwrap_err();
    assert!(
        v.iter()
            .any(|v| matches!(v, stakebid_intents::Violation::DustPosition { position, min, .. }
            if position == "rETH" && min.0 == 6 * WAD / 10)),
        "{v:?}"
    );
    assert!(
        evaluate(&ctx, &i, id, &plan(&[("stETH", 24 * WAD / 10), ("rETH", 6 * WAD / 10)])).is_ok()
    );
    // A tiny intent in one position: the minimum is capped at its amount.
    let mut small = i.clone();
    small.amount = U256::from(WAD / 100);
    let sid = small.id(&domain());
    let one = Plan {
        guarantee: None,
        intent: sid,
        allocations: vec![Allocation { position: "stETH".into(), amount: Wei(WAD / 100) }],
        fee: Wei(0),
    };
    assert!(evaluate(&ctx, &small, sid, &one).is_ok());
    // Without the rule the split is fine, and the hash is the pre-rule one.
    let mut old = m.clone();
    old.min_position = Default::default();
    let ctx_old = Context::new(&old, &sc);
    assert!(evaluate(&ctx_old, &i, id, &split).is_ok());
    assert_ne!(old.hash(), m.hash(), "the rule is part of what solvers agree on");
}

/// A guarantee is valued by the scenarios: E[min(shortfall at the horizon,
/// cap)], computed here from the definition (docs/guarantee.md, Scoring);
/// its score credit is capped at 10 bps of the amount; terms the
/// Settlement would refuse are a violation.
#[test]
fn a_guarantee_adds_its_expected_payout_to_the_score_up_to_a_cap() {
    use stakebid_intents::guarantee::Terms;
    use stakebid_intents::units::Bps;
    let m = Market::snapshot();
    let ix = Index::new(&m);
    let sc = Scenarios::generate(&m, &ix, B256::repeat_byte(3), 200);
    let ctx = Context::new(&m, &sc);
    let (i, id, bare) = all_steth();
    let ten = 10 * WAD;
    let base = evaluate(&ctx, &i, id, &bare).unwrap();
    assert!(base.guarantee.is_none());
    let p = ix.position_ids["stETH"];
    // Floor 0 over 90 days, cap 0.5 ETH: pays a scenario's loss beyond 90
    // days of yield.
    let t = Terms { floor: Bps(0), horizon_days: 90, cap: Wei(WAD / 2) };
    let plan = Plan { guarantee: Some(t), ..bare.clone() };
    let e = evaluate(&ctx, &i, id, &plan).unwrap();
    let yield90 = U256::from(ten) * U256::from(282u64) / U256::from(10_000u64) * U256::from(90u64)
        / U256::from(365u64);
    let mut want = U256::ZERO;
    for (s, sce) in sc.list.iter().enumerate() {
        let f = sc.by_position[p].iter().find(|(k, _)| *k as usize == s).map_or(0, |(_, f)| f.0);
        let loss = U256::from(ten) * U256::from(f) / U256::from(WAD);
        let short = loss.saturating_sub(yield90).min(U256::from(WAD / 2));
        want += short * U256::from(sce.probability.0);
    }
    let want = (want / U256::from(WAD)).to::<u128>();
    let g = e.guarantee.clone().unwrap();
    assert_eq!(g.expected_payout, Wei(want));
    assert!(want > 0, "some scenario loses more than 90 days of yield");
    assert_eq!(g.credit, Wei(want.min(ten / 1000)));
    assert!(e.gas > base.gas, "a guaranteed intent costs more gas");
    let extra_gas = (e.gas - base.gas) as i128 * m.gas.gas_price.0 as i128;
    assert_eq!(e.score, base.score + g.credit.0 as i128 - extra_gas);

    // A floor far above what the plan earns pays the cap in every
    // scenario; the credit stops at 10 bps of the amount.
    let t = Terms { floor: Bps(1000), horizon_days: 30, cap: Wei(WAD / 20) };
    let e = evaluate(&ctx, &i, id, &Plan { guarantee: Some(t), ..bare.clone() }).unwrap();
    let g = e.guarantee.unwrap();
    assert_eq!(g.expected_payout.0 / 1000, (WAD / 20) / 1000, "≈ the cap: {:?}", g.expected_payout);
    assert_eq!(g.credit, Wei(ten / 1000));

    for bad in [
        Terms { floor: Bps(300), horizon_days: 29, cap: Wei(WAD) },
        Terms { floor: Bps(10_001), horizon_days: 30, cap: Wei(WAD) },
        Terms { floor: Bps(300), horizon_days: 30, cap: Wei(0) },
    ] {
        let v = evaluate(&ctx, &i, id, &Plan { guarantee: Some(bad), ..bare.clone() }).unwrap_err();
        assert_eq!(
            v.iter().map(|v| v.code()).collect::<Vec<_>>(),
            ["plan.bad_guarantee"],
            "{bad:?}"
        );
    }
}
