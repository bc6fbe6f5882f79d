//! Delivered-yield guarantees end to end on the devnet (EigenLayer's own
//! contracts underneath): a guaranteed plan settles into one commitment per
//! award with its collateral reserved; in the day after the horizon anyone
//! claims, and the owner's escrow is credited exactly what the rule says —
//! computed here again, independently, from the protocols' own rates.

use alloy::primitives::{Address, B256, U256};
use alloy::providers::Provider;
use stakebid_intents::guarantee::Terms;
use stakebid_intents::units::{Bps, Wei};
use stakebid_intents::SignedIntent;
use stakebid_settlement::contracts::settlement::Settlement;
use stakebid_settlement::guarantee::{self, commitments_in, Commitment};
use stakebid_settlement::registry::SolverRegistry;
use stakebid_settlement::Confirm;

use crate::fixture::*;

const DAY: u64 = 86_400;
const YEAR: u64 = 365 * DAY;
const STRANGER: usize = 9;

fn terms(floor: u16, days: u16, cap: &str) -> Terms {
    Terms { floor: Bps(floor), horizon_days: days, cap: Wei(eth(cap).to()) }
}

/// Settles one guaranteed ETH intent of `amount` (fee 0.01 ETH) on `plan`
/// for USER; returns the intent and the award's commitment.
async fn settle_guaranteed(
    fx: &Fx,
    nonce: u64,
    amount: &str,
    plan: &[(&str, U256)],
    t: &Terms,
) -> (SignedIntent, Commitment) {
    fx.escrow(USER, eth(amount)).await;
    let si = fx.sign(fx.intent(fx.addr(USER), Address::ZERO, eth(amount), nonce), USER);
    let b = fx.bid(nonce, SOLVER, &[(&si, plan, eth("0.01"))]);
    let b = fx.guaranteed(b, 0, t);
    let r = fx.settle(vec![fx.arg(&b, &[&si])]).await;
    let mut cs = commitments_in(&r, fx.d.settlement);
    assert_eq!(cs.len(), 1, "one commitment per award");
    let c = cs.remove(0);
    assert_eq!(c.computed_root(), Some(c.root), "the logged leaves hash to the logged root");
    (si, c)
}

fn registry(
    fx: &Fx,
    who: usize,
) -> SolverRegistry::SolverRegistryInstance<alloy::providers::DynProvider> {
    SolverRegistry::new(fx.d.registry, fx.as_(who))
}

async fn now(fx: &Fx) -> u64 {
    let p = fx.as_(DEPLOYER);
    p.get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
        .await
        .unwrap()
        .unwrap()
        .header
        .timestamp
}

/// What the rule promises `amount` after `t` seconds at `floor` bps,
/// written out here rather than taken from the crate under test.
fn promised(amount: U256, floor: u64, t: u64) -> U256 {
    amount + amount * U256::from(floor) * U256::from(t) / U256::from(10_000 * YEAR)
}

async fn claim(fx: &Fx, who: usize, c: &Commitment, id: B256) -> Result<U256, String> {
    let (leaf, proof) = c.proof(id).unwrap();
    let s = fx.settlement(who);
    match s.claim(c.root, leaf.clone(), proof.clone()).call().await {
        Err(e) => Err(revert_name(&e)),
        Ok(paid) => {
            s.claim(c.root, leaf, proof).confirm().await.unwrap();
            Ok(paid)
        }
    }
}

/// (a) The index delivers above the floor: after the horizon a stranger's
/// claim pays nothing and the whole cap returns to the solver's free bond.
/// A second claim is refused.
#[tokio::test]
async fn a_plan_that_delivers_its_floor_pays_nothing_and_frees_the_collateral() {
    let fx = Fx::new().await;
    let reg = registry(&fx, DEPLOYER);
    let free0 = reg.freeBond(fx.addr(SOLVER)).call().await.unwrap();
    let t = terms(300, 30, "0.1");
    let (si, c) = settle_guaranteed(&fx, 1, "2", &[("stETH", eth("1.99"))], &t).await;
    let id = si.intent.id(&fx.domain).0;
    assert_eq!(c.solver, fx.addr(SOLVER));
    let r = reg.reservations(c.root).call().await.unwrap();
    assert_eq!((r.solver, r.amount), (fx.addr(SOLVER), eth("0.1")));
    assert_eq!(reg.freeBond(fx.addr(SOLVER)).call().await.unwrap(), free0 - eth("0.1"));
    let leaf = &c.proof(id).unwrap().0;
    assert_eq!((leaf.owner, leaf.amount, leaf.cap), (fx.addr(USER), eth("2"), eth("0.1")));
    assert_eq!(leaf.legs.len(), 1);
    assert_eq!(leaf.legs[0].entryValue, eth("1.99"));

    // Lido's oracle reports 1 % more pooled ETH: 1.99 × 1.01 > 2 × (1 + 3 % × 30/365).
    let lido = fx.lido(DEPLOYER);
    let pooled = lido.getTotalPooledEther().call().await.unwrap();
    lido.handleOracleReport(pooled * U256::from(101) / U256::from(100)).confirm().await.unwrap();
    fx.warp(30 * DAY).await;
    let escrow0 = fx.settlement(DEPLOYER).escrowOf(fx.addr(USER)).call().await.unwrap();
    assert_eq!(claim(&fx, STRANGER, &c, id).await, Ok(U256::ZERO));
    assert_eq!(fx.settlement(DEPLOYER).escrowOf(fx.addr(USER)).call().await.unwrap(), escrow0);
    assert_eq!(reg.reservations(c.root).call().await.unwrap().amount, U256::ZERO);
    assert_eq!(reg.freeBond(fx.addr(SOLVER)).call().await.unwrap(), free0, "the cap came back");
    assert_eq!(claim(&fx, STRANGER, &c, id).await, Err("AlreadyClaimed".into()));
}

/// (b) + (c′) rETH's rate drops 2 %: the claim pays exactly the shortfall,
/// computed here from the rates, into the owner's escrow, from the solver's
/// bond — although the owner sold every rETH it got right after settling.
#[tokio::test]
async fn a_rate_drop_pays_the_exact_shortfall_once_whatever_the_owner_did_with_its_tokens() {
    let fx = Fx::new().await;
    let reg = registry(&fx, DEPLOYER);
    let bond0 = reg.bonds(fx.addr(SOLVER)).call().await.unwrap().amount;
    let pool = fx.pool("rETH", DEPLOYER);
    let rate0 = pool.getExchangeRate().call().await.unwrap();
    let t = terms(400, 45, "0.5");
    let (si, c) = settle_guaranteed(&fx, 2, "2", &[("rETH", eth("1.99"))], &t).await;
    let id = si.intent.id(&fx.domain).0;
    let settled_at = c.proof(id).unwrap().0.settledAt;

    // The owner moves all its rETH away: nothing about the claim changes.
    let reth = stakebid_settlement::contracts::MockRocketPool::new(fx.asset("rETH"), fx.as_(USER));
    let all = reth.balanceOf(fx.addr(USER)).call().await.unwrap();
    assert!(all > U256::ZERO);
    reth.transfer(fx.addr(STRANGER), all).confirm().await.unwrap();

    let rate1 = rate0 * U256::from(98) / U256::from(100);
    pool.setExchangeRate(rate1).confirm().await.unwrap();
    // (d) Not before the horizon.
    fx.warp(44 * DAY).await;
    assert_eq!(claim(&fx, STRANGER, &c, id).await, Err("ClaimWindow".into()));
    fx.warp(DAY + 60).await;
    let at = now(&fx).await + 1; // the claim's block
    let elapsed = (at - settled_at).min(45 * DAY);
    assert_eq!(elapsed, 45 * DAY);
    let want = promised(eth("2"), 400, elapsed) - eth("1.99") * rate1 / rate0;
    assert!(want > U256::ZERO && want < eth("0.5"), "{want}");
    let escrow0 = fx.settlement(DEPLOYER).escrowOf(fx.addr(USER)).call().await.unwrap();
    let (leaf, proof) = c.proof(id).unwrap();
    let r = fx.settlement(STRANGER).claim(c.root, leaf, proof).confirm().await.unwrap();
    let ev = r
        .inner
        .logs()
        .iter()
        .find_map(|l| l.log_decode::<Settlement::GuaranteeClaimed>().ok())
        .unwrap();
    assert_eq!(ev.inner.data.paid, want, "the shortfall, to the wei");
    assert_eq!(ev.inner.data.released, eth("0.5") - want);
    let escrow1 = fx.settlement(DEPLOYER).escrowOf(fx.addr(USER)).call().await.unwrap();
    assert_eq!(escrow1 - escrow0, want, "credited to the owner's escrow");
    assert_eq!(reg.bonds(fx.addr(SOLVER)).call().await.unwrap().amount, bond0 - want);
    assert_eq!(reg.bonds(fx.addr(SOLVER)).call().await.unwrap().reserved, U256::ZERO);
    // Once.
    assert_eq!(claim(&fx, USER, &c, id).await, Err("AlreadyClaimed".into()));
    // The owner withdraws what it was credited.
    fx.settlement(USER).withdraw(escrow1).confirm().await.unwrap();
}

/// (c) EigenLayer slashes the operator 15 %: the shortfall is far above the
/// cap, and the claim pays the cap — even though the owner queued its
/// whole restaked position out of the holder first.
#[tokio::test]
async fn a_slashed_operator_pays_the_cap() {
    use stakebid_settlement::contracts::PositionHolder;
    let fx = Fx::new().await;
    let t = terms(300, 30, "0.05");
    let (si, c) = settle_guaranteed(&fx, 3, "2", &[("stETH@p2p", eth("1.99"))], &t).await;
    let id = si.intent.id(&fx.domain).0;
    let strategy = fx.d.strategies["stETH"];
    let h = crate::batch::holding(&fx, fx.addr(USER), "p2p", "stETH").await;
    PositionHolder::new(h.holder, fx.as_(USER))
        .queueWithdrawal(strategy, h.shares)
        .confirm()
        .await
        .unwrap();
    crate::slashing::slash_p2p(&fx).await;
    fx.warp(30 * DAY + 10).await;
    let p = fx.as_(DEPLOYER);
    let (leaf, _) = c.proof(id).unwrap();
    let st = guarantee::status(&p, &fx.d, &leaf, now(&fx).await).await.unwrap();
    assert!(st.delivered_bps.unwrap() < -10_000, "{st:?}");
    assert_eq!(st.payout_now, Wei(eth("0.05").to()));
    let escrow0 = fx.settlement(DEPLOYER).escrowOf(fx.addr(USER)).call().await.unwrap();
    let (_, paid) = guarantee::claim(&fx.as_(STRANGER), &fx.d, &c, id).await.unwrap();
    assert_eq!(paid, Wei(eth("0.05").to()));
    let escrow1 = fx.settlement(DEPLOYER).escrowOf(fx.addr(USER)).call().await.unwrap();
    assert_eq!(escrow1 - escrow0, eth("0.05"));
    assert!(guarantee::status(&p, &fx.d, &leaf, now(&fx).await).await.unwrap().claimed);
}

/// (d) Refused with a decoded error: after the window, a forged leaf, a
/// forged proof, an intent settled without a guarantee. After the window
/// anyone releases the collateral.
#[tokio::test]
async fn claims_outside_the_window_or_the_commitment_are_refused() {
    let fx = Fx::new().await;
    let reg = registry(&fx, DEPLOYER);
    let free0 = reg.freeBond(fx.addr(SOLVER)).call().await.unwrap();
    let t = terms(500, 30, "0.2");
    // Two guaranteed intents and one not, in one award: one root.
    fx.escrow(USER, eth("6")).await;
    let sis: Vec<SignedIntent> = (10..13)
        .map(|n| fx.sign(fx.intent(fx.addr(USER), Address::ZERO, eth("2"), n), USER))
        .collect();
    let plan = [("stETH", eth("1.99"))];
    let b = fx.bid(
        7,
        SOLVER,
        &[
            (&sis[0], &plan, eth("0.01")),
            (&sis[1], &plan, eth("0.01")),
            (&sis[2], &plan, eth("0.01")),
        ],
    );
    let b = fx.guaranteed(fx.guaranteed(b, 0, &t), 2, &t);
    let r = fx.settle(vec![fx.arg(&b, &sis.iter().collect::<Vec<_>>())]).await;
    let c = commitments_in(&r, fx.d.settlement).remove(0);
    assert_eq!(c.leaves.len(), 2);
    assert_eq!(reg.reservations(c.root).call().await.unwrap().amount, eth("0.4"));
    let ids: Vec<B256> = sis.iter().map(|s| s.intent.id(&fx.domain).0).collect();
    fx.warp(30 * DAY).await;

    let (leaf, proof) = c.proof(ids[0]).unwrap();
    let s = fx.settlement(STRANGER);
    let name = |e: alloy::contract::Error| revert_name(&e);
    // A forged leaf: a bigger amount, or another owner.
    let mut forged = leaf.clone();
    forged.amount = eth("20");
    assert_eq!(
        name(s.claim(c.root, forged, proof.clone()).call().await.unwrap_err()),
        "NotCommitted"
    );
    let mut thief = leaf.clone();
    thief.owner = fx.addr(STRANGER);
    assert_eq!(
        name(s.claim(c.root, thief, proof.clone()).call().await.unwrap_err()),
        "NotCommitted"
    );
    // A forged proof, and an unguaranteed intent passed off with a real leaf's shape.
    assert_eq!(
        name(s.claim(c.root, leaf.clone(), vec![B256::repeat_byte(7)]).call().await.unwrap_err()),
        "NotCommitted"
    );
    let mut other = leaf.clone();
    other.intentId = ids[1];
    assert_eq!(
        name(s.claim(c.root, other, proof.clone()).call().await.unwrap_err()),
        "NotCommitted"
    );
    // A root nobody committed (a leaf alone as its own root).
    let lone = guarantee::leaf_hash(&leaf);
    let mut fake = leaf.clone();
    fake.cap = eth("1");
    let fake_root = guarantee::leaf_hash(&fake);
    assert_ne!(lone, c.root);
    assert_eq!(name(s.claim(fake_root, fake, vec![]).call().await.unwrap_err()), "NoReservation");
    // The real one works; the other guaranteed intent misses its window.
    assert!(s.claim(c.root, leaf, proof).call().await.is_ok());
    fx.warp(DAY + 10).await;
    let (leaf2, proof2) = c.proof(ids[2]).unwrap();
    assert_eq!(name(s.claim(c.root, leaf2, proof2).call().await.unwrap_err()), "ClaimWindow");
    // Its collateral is not locked forever: anyone releases it.
    registry(&fx, STRANGER).release(c.root).confirm().await.unwrap();
    assert_eq!(reg.freeBond(fx.addr(SOLVER)).call().await.unwrap(), free0);
}

/// (e) Reserved collateral stays put: the solver cannot queue it out, a
/// penalty takes only the free part, and a guarantee beyond the free bond
/// fails the award as the solver's fault.
#[tokio::test]
async fn reserved_collateral_cannot_be_withdrawn_slashed_or_promised_twice() {
    use stakebid_settlement::revert::{blame_of, Blame};
    let fx = Fx::new().await;
    let reg = registry(&fx, DEPLOYER);
    let solver = fx.addr(SOLVER);
    let t = terms(300, 30, "1");
    let (_si, c) = settle_guaranteed(&fx, 4, "2", &[("stETH", eth("1.99"))], &t).await;
    let free = reg.freeBond(solver).call().await.unwrap();
    assert_eq!(free, eth("0.5"), "1.5 bonded, 1 reserved");
    let e = registry(&fx, SOLVER).queueWithdrawal(free + U256::from(1)).call().await.unwrap_err();
    assert_eq!(revert_name(&e), "InsufficientBond");
    // A penalty (0.25 each) takes the free part only, however many come.
    let a = SolverRegistry::new(fx.d.registry, fx.as_(AUCTIONEER));
    for k in 1..4u8 {
        a.slash(solver, k as u64, 3, B256::repeat_byte(k)).confirm().await.unwrap();
    }
    let b = reg.bonds(solver).call().await.unwrap();
    assert_eq!((b.amount, b.reserved), (eth("1"), eth("1")), "the collateral is intact");
    assert_eq!(reg.reservations(c.root).call().await.unwrap().amount, eth("1"));
    // A fresh 1.2 ETH keeps the solver eligible but cannot cover a 1.3 ETH
    // guarantee: the award reverts, the solver's fault (the executor drops
    // it and settles the rest).
    fx.bond(SOLVER, "1.2").await;
    fx.escrow(USER, eth("2")).await;
    let si = fx.sign(fx.intent(fx.addr(USER), Address::ZERO, eth("2"), 5), USER);
    let bid = fx.bid(9, SOLVER, &[(&si, &[("stETH", eth("1.99"))], eth("0.01"))]);
    let bid = fx.guaranteed(bid, 0, &terms(300, 30, "1.3"));
    let arg = fx.arg(&bid, &[&si]);
    let e = fx.settlement(EXECUTOR).settle(vec![arg]).call().await.unwrap_err();
    let data = e.as_revert_data();
    let (name, blame) = blame_of(data.as_ref().map(|d| d.as_ref()));
    assert_eq!((name.as_str(), blame), ("InsufficientBond", Blame::Solver));
}

/// Terms the Settlement refuses (a horizon under 30 days, a floor above
/// 100 %, a guarantee on a token intent) fail the award as the solver's.
#[tokio::test]
async fn malformed_terms_are_refused_as_the_solvers_fault() {
    let fx = Fx::new().await;
    fx.escrow(USER, eth("2")).await;
    let si = fx.sign(fx.intent(fx.addr(USER), Address::ZERO, eth("2"), 6), USER);
    let plan = [("stETH", eth("1.99"))];
    for bad in [terms(300, 29, "0.1"), terms(10_001, 30, "0.1"), terms(300, 731, "0.1")] {
        let b = fx.guaranteed(fx.bid(11, SOLVER, &[(&si, &plan, eth("0.01"))]), 0, &bad);
        assert_eq!(fx.revert_of(vec![fx.arg(&b, &[&si])]).await, "BadGuarantee", "{bad:?}");
    }
}
