//! A batch of intents from several users (native ETH from escrow and
//! stETH from an allowance) settles in one transaction; every position
//! matches its plan to the wei. An award's ETH for one route is deposited
//! once and split pro rata.

use alloy::primitives::{Address, U256};
use stakebid_settlement::Confirm;

use stakebid_intents::SignedIntent;
use stakebid_settlement::contracts::{
    EigenLayerAdapter, MockRocketPool, PositionHolder, Settlement,
};

use crate::fixture::*;

/// rETH minted for `x` wei: (x − 5 bps deposit fee) / 1.13.
fn reth(x: U256) -> U256 {
    (x - x * U256::from(5u64 * 10u64.pow(14)) / eth("1")) * eth("1") / eth("1.13")
}

pub(crate) struct Holding {
    pub(crate) holder: Address,
    pub(crate) shares: U256,
    pub(crate) delegated: Address,
    pub(crate) owner: Address,
}

pub(crate) async fn holding(fx: &Fx, owner: Address, operator: &str, asset: &str) -> Holding {
    let ad = EigenLayerAdapter::new(fx.d.restaking_adapter, fx.as_(DEPLOYER));
    let holder = ad.holderOf(owner, fx.operator(operator)).call().await.unwrap();
    let shares = fx
        .strategies(DEPLOYER)
        .stakerDepositShares(holder, fx.d.strategies[asset])
        .call()
        .await
        .unwrap();
    let delegated = fx.delegation(DEPLOYER).delegatedTo(holder).call().await.unwrap();
    let owner =
        PositionHolder::new(holder, fx.as_(DEPLOYER)).owner().call().await.unwrap_or_default();
    Holding { holder, shares, delegated, owner }
}

#[tokio::test]
async fn a_batch_from_several_users_settles_into_positions_equal_to_the_plans() {
    let fx = Fx::new().await;
    let (a, b, c) = (USER, USER + 1, USER + 2);
    let steth = fx.asset("stETH");
    fx.escrow(a, eth("10")).await;
    fx.escrow(b, eth("2")).await;
    // C holds stETH (minted at Lido's stand-in) and approves the Settlement.
    let lido_c = fx.lido(c);
    lido_c.submit(Address::ZERO).value(eth("5")).confirm().await.unwrap();
    lido_c.approve(fx.d.settlement, U256::MAX).confirm().await.unwrap();

    let ia = fx.sign(fx.intent(fx.addr(a), Address::ZERO, eth("4"), 1), a);
    let ib = fx.sign(fx.intent(fx.addr(b), Address::ZERO, eth("2"), 7), b);
    let ic = fx.sign(fx.intent(fx.addr(c), steth, eth("3"), 300), c);
    let bid1 = fx.bid(
        1,
        SOLVER,
        &[
            (
                &ia,
                &[
                    ("ETH", eth("0.5")),
                    ("stETH", eth("1")),
                    ("rETH", eth("1")),
                    ("stETH@p2p", eth("0.7")),
                    ("rETH@kiln", eth("0.79")),
                ],
                eth("0.01"),
            ),
            (&ib, &[("stETH@p2p", eth("1")), ("stETH@figment", eth("0.99"))], eth("0.01")),
        ],
    );
    let bid2 = fx.bid(
        1,
        RUNNER_UP,
        &[(&ic, &[("stETH", eth("1")), ("stETH@kiln", eth("1.98"))], eth("0.02"))],
    );
    let a_eth = fx.balance(fx.addr(a)).await;
    let solver_eth = fx.balance(fx.addr(SOLVER)).await;
    let args = vec![fx.arg(&bid1, &[&ia, &ib]), fx.arg(&bid2, &[&ic])];
    let receipt = fx.settle(args).await;

    // One event per settled intent, one per award.
    let settled: Vec<_> = receipt
        .inner
        .logs()
        .iter()
        .filter_map(|l| l.log_decode::<Settlement::IntentSettled>().ok())
        .map(|l| l.inner.data.intentId)
        .collect();
    assert_eq!(
        settled,
        vec![ia.intent.id(&fx.domain).0, ib.intent.id(&fx.domain).0, ic.intent.id(&fx.domain).0]
    );

    // A: 0.5 ETH held as is (credited back to its escrow, never pushed),
    // 1 stETH, rETH for 1 ETH, restaked stETH with p2p and rETH with kiln,
    // each in its own holder it owns.
    assert_eq!(fx.balance(fx.addr(a)).await, a_eth, "settle sends an owner no ETH");
    let lido = fx.lido(DEPLOYER);
    assert_eq!(lido.balanceOf(fx.addr(a)).call().await.unwrap(), eth("1"));
    let pool = fx.pool("rETH", DEPLOYER);
    assert_eq!(pool.balanceOf(fx.addr(a)).call().await.unwrap(), reth(eth("1")));
    let h = holding(&fx, fx.addr(a), "p2p", "stETH").await;
    assert_eq!((h.shares, h.delegated, h.owner), (eth("0.7"), fx.operator("p2p"), fx.addr(a)));
    let h2 = holding(&fx, fx.addr(a), "kiln", "rETH").await;
    assert_eq!(
        (h2.shares, h2.delegated, h2.owner),
        (reth(eth("0.79")), fx.operator("kiln"), fx.addr(a))
    );
    assert_ne!(h.holder, h2.holder, "one holder per operator");
    // B: split over two operators, so two holders.
    let hb1 = holding(&fx, fx.addr(b), "p2p", "stETH").await;
    let hb2 = holding(&fx, fx.addr(b), "figment", "stETH").await;
    assert_eq!((hb1.shares, hb1.delegated, hb1.owner), (eth("1"), fx.operator("p2p"), fx.addr(b)));
    assert_eq!(
        (hb2.shares, hb2.delegated, hb2.owner),
        (eth("0.99"), fx.operator("figment"), fx.addr(b))
    );
    // C paid in stETH: 1 stays in the wallet, 1.98 restaked with kiln, 0.02 fee.
    assert_eq!(lido.balanceOf(fx.addr(c)).call().await.unwrap(), eth("3"));
    let hc = holding(&fx, fx.addr(c), "kiln", "stETH").await;
    assert_eq!((hc.shares, hc.delegated, hc.owner), (eth("1.98"), fx.operator("kiln"), fx.addr(c)));
    // Fees: ETH credited to the first solver's escrow balance (withdrawn
    // with `withdraw`, never pushed), stETH to the second.
    assert_eq!(fx.balance(fx.addr(SOLVER)).await, solver_eth);
    assert_eq!(lido.balanceOf(fx.addr(RUNNER_UP)).call().await.unwrap(), eth("0.02"));
    // Escrow spent exactly; the Settlement and adapters keep nothing else.
    let s = fx.settlement(DEPLOYER);
    assert_eq!(s.escrowOf(fx.addr(a)).call().await.unwrap(), eth("6.5"));
    assert_eq!(s.escrowOf(fx.addr(b)).call().await.unwrap(), U256::ZERO);
    assert_eq!(s.escrowOf(fx.addr(SOLVER)).call().await.unwrap(), eth("0.02"));
    assert_eq!(fx.balance(fx.d.settlement).await, eth("6.52"));
    fx.settlement(SOLVER).withdraw(eth("0.02")).confirm().await.unwrap();
    assert!(fx.balance(fx.addr(SOLVER)).await > solver_eth + eth("0.0199"), "fees withdrawn");
    for ad in fx.d.minters.values().chain([&fx.d.restaking_adapter]) {
        assert_eq!(fx.balance(*ad).await, U256::ZERO);
        assert_eq!(lido.balanceOf(*ad).call().await.unwrap(), U256::ZERO);
        assert_eq!(pool.balanceOf(*ad).call().await.unwrap(), U256::ZERO);
    }
    // Nonces are spent.
    assert!(s.nonceUsed(fx.addr(a), U256::from(1)).call().await.unwrap());
    assert!(s.nonceUsed(fx.addr(c), U256::from(300)).call().await.unwrap());
    assert!(!s.nonceUsed(fx.addr(a), U256::from(2)).call().await.unwrap());
}

#[tokio::test]
async fn the_contract_computes_the_same_intent_id_as_the_off_chain_code() {
    let fx = Fx::new().await;
    let mut i = fx.intent(fx.addr(USER), Address::ZERO, eth("1"), 5);
    i.excludedOperators = vec![fx.operator("p2p"), fx.operator("kiln")];
    let on = fx
        .settlement(DEPLOYER)
        .intentId(stakebid_settlement::calldata::intent(&i))
        .call()
        .await
        .unwrap();
    assert_eq!(on, i.id(&fx.domain).0);
}

#[tokio::test]
async fn an_awards_eth_for_one_route_is_deposited_once_and_split_pro_rata() {
    let fx = Fx::new().await;
    let users = [USER, USER + 1, USER + 2];
    // Amounts that do not divide evenly, so rounding shows.
    let amounts = [eth("1"), eth("0.7"), U256::from(333_333_333_333_333_333u64)];
    let mut intents = vec![];
    for (u, a) in users.iter().zip(amounts) {
        fx.escrow(*u, a + eth("0.001")).await;
        intents.push(fx.sign(fx.intent(fx.addr(*u), Address::ZERO, a + eth("0.001"), 1), *u));
    }
    let allocations: Vec<[(&str, U256); 1]> = amounts.iter().map(|a| [("rETH", *a)]).collect();
    let plans: Vec<PlanSpec<'_>> =
        intents.iter().zip(&allocations).map(|(i, al)| (i, &al[..], eth("0.001"))).collect();
    let bid = fx.bid(1, SOLVER, &plans);
    let refs: Vec<&SignedIntent> = intents.iter().collect();
    let receipt = fx.settle(vec![fx.arg(&bid, &refs)]).await;

    // One deposit into the pool for the three allocations.
    let pool = fx.pool("rETH", DEPLOYER);
    let deposits: Vec<_> = receipt
        .inner
        .logs()
        .iter()
        .filter_map(|l| l.log_decode::<MockRocketPool::DepositReceived>().ok())
        .collect();
    assert_eq!(deposits.len(), 1, "one protocol deposit per route per award");
    let total: U256 = amounts.iter().copied().sum();
    assert_eq!(deposits[0].inner.data.amount, total);
    let minted = reth(total);
    assert_eq!(deposits[0].inner.data.minted, minted);

    // Each gets its share rounded down, the last what is left; the adapter keeps nothing.
    let mut left = minted;
    for (k, (u, a)) in users.iter().zip(amounts).enumerate() {
        let want = if k + 1 == users.len() { left } else { minted * a / total };
        left -= want;
        let got = pool.balanceOf(fx.addr(*u)).call().await.unwrap();
        assert_eq!(got, want, "user {k}");
        // Within a few wei of depositing alone (the pool's own rounding).
        let alone = reth(a);
        assert!(got.max(alone) - got.min(alone) <= U256::from(2), "{got} vs alone {alone}");
    }
    assert_eq!(pool.balanceOf(fx.d.minters["rETH"]).call().await.unwrap(), U256::ZERO);
    assert_eq!(fx.balance(fx.d.minters["rETH"]).await, U256::ZERO);
}
