//! Every check the Settlement makes: the solver's and the executor's side
//! each shown reverting with its own error (simulated with eth_call as the
//! executor would), the owner's side each skipping the intent with its
//! reason while the rest of the award settles; a contract wallet's
//! ERC-1271 signature accepted; the timelock, the pause and the separate
//! roles.

use alloy::primitives::{Address, Bytes, U256};
use alloy::sol_types::SolCall;
use stakebid_settlement::Confirm;

use stakebid_intents::{sign, Domain};
use stakebid_settlement::calldata;
use stakebid_settlement::contracts::{
    ReentrantAdapter, ReentrantToken, Settlement, TestSmartWallet,
};

use crate::fixture::*;

fn manual(
    fx: &Fx,
    bid: &stakebid_intents::protocol::Bid,
    si: &stakebid_intents::SignedIntent,
) -> Settlement::Settle {
    let (award, sig) = fx.award(bid, AUCTIONEER);
    Settlement::Settle {
        bid: calldata::bid(bid),
        award: calldata::award(&award),
        awardSignature: Bytes::from(sig.as_bytes()),
        intents: vec![Settlement::SignedIntent {
            intent: calldata::intent(&si.intent),
            signature: si.signature.clone(),
            permit: Bytes::new(),
        }],
        minOut: vec![vec![U256::ZERO; bid.plans[0].allocations.len()]],
    }
}

#[tokio::test]
async fn every_guard_reverts_or_skips_with_its_own_reason() {
    let fx = Fx::new().await;
    let u = USER;
    let owner = fx.addr(u);
    fx.escrow(u, eth("50")).await;
    let one = |nonce: u64| fx.intent(owner, Address::ZERO, eth("1"), nonce);
    let good = |si: &stakebid_intents::SignedIntent| {
        fx.bid(1, SOLVER, &[(si, &[("stETH", eth("0.99"))], eth("0.01"))])
    };

    // Baseline: a correct one settles.
    let ok = fx.sign(one(10), u);
    fx.settle(vec![fx.arg(&good(&ok), &[&ok])]).await;

    // Replayed: the same settlement again, and another intent on the same
    // nonce. The owner's side: the intent is skipped, nothing reverts.
    assert_eq!(fx.outcome_of(vec![fx.arg(&good(&ok), &[&ok])]).await, "skipped:nonce_used");
    let mut other = one(10);
    other.amount = eth("2");
    let other = fx.sign(other, u);
    let b = fx.bid(1, SOLVER, &[(&other, &[("stETH", eth("1.99"))], eth("0.01"))]);
    assert_eq!(fx.outcome_of(vec![fx.arg(&b, &[&other])]).await, "skipped:nonce_used");

    // Cancelled on-chain by its owner.
    let c = fx.sign(one(11), u);
    let s = fx.settlement(u);
    s.invalidateNonces(vec![U256::from(11)]).confirm().await.unwrap();
    assert_eq!(fx.outcome_of(vec![fx.arg(&good(&c), &[&c])]).await, "skipped:nonce_used");

    // Signed by someone else.
    let i = one(12);
    let sig = sign(&i, &fx.domain, fx.key(u + 1));
    let forged = stakebid_intents::SignedIntent {
        intent: i,
        domain: fx.domain,
        signature: Bytes::from(sig.as_bytes()),
        permit: None,
    };
    assert_eq!(fx.outcome_of(vec![fx.arg(&good(&forged), &[&forged])]).await, "skipped:signature");

    // Signed for another chain: the signature does not verify here.
    let i = one(13);
    let elsewhere = Domain { chain_id: 1, settlement: fx.d.settlement };
    let sig = sign(&i, &elsewhere, fx.key(u));
    let wrong_chain = stakebid_intents::SignedIntent {
        intent: i,
        domain: fx.domain,
        signature: Bytes::from(sig.as_bytes()),
        permit: None,
    };
    assert_eq!(
        fx.outcome_of(vec![fx.arg(&good(&wrong_chain), &[&wrong_chain])]).await,
        "skipped:signature"
    );

    // Past its deadline.
    let mut i = one(14);
    i.deadline = unix_now() - 60;
    let late = fx.sign(i, u);
    assert_eq!(fx.outcome_of(vec![fx.arg(&good(&late), &[&late])]).await, "skipped:expired");

    // More than the escrow holds (another owner's intents are untouched).
    let mut i = one(19);
    i.amount = eth("60");
    let broke = fx.sign(i, u);
    let b = fx.bid(1, SOLVER, &[(&broke, &[("stETH", eth("59.9"))], eth("0.1"))]);
    assert_eq!(fx.outcome_of(vec![fx.arg(&b, &[&broke])]).await, "skipped:escrow");

    // Allocations + fee ≠ amount.
    let m = fx.sign(one(15), u);
    let b = fx.bid(1, SOLVER, &[(&m, &[("stETH", eth("0.98"))], eth("0.01"))]);
    assert_eq!(fx.revert_of(vec![fx.arg(&b, &[&m])]).await, "AmountMismatch");

    // Caps: the fee above maxFeeBps, an operator above maxOperatorBps, an excluded operator.
    let b = fx.bid(1, SOLVER, &[(&m, &[("stETH", eth("0.98"))], eth("0.02"))]);
    assert_eq!(fx.revert_of(vec![fx.arg(&b, &[&m])]).await, "FeeTooHigh");
    let mut i = one(16);
    i.maxOperatorBps = 5_000;
    let capped = fx.sign(i, u);
    let b = fx.bid(
        1,
        SOLVER,
        &[(
            &capped,
            &[("stETH@p2p", eth("0.3")), ("rETH@p2p", eth("0.3")), ("stETH", eth("0.39"))],
            eth("0.01"),
        )],
    );
    assert_eq!(fx.revert_of(vec![fx.arg(&b, &[&capped])]).await, "OperatorCapExceeded");
    let b = fx.bid(
        1,
        SOLVER,
        &[(
            &capped,
            &[("stETH@p2p", eth("0.3")), ("rETH@kiln", eth("0.3")), ("stETH", eth("0.39"))],
            eth("0.01"),
        )],
    );
    assert_eq!(
        fx.revert_of(vec![fx.arg(&b, &[&capped])]).await,
        "no revert",
        "0.3 + 0.3 at two operators is within 50 %"
    );
    let mut i = one(17);
    i.excludedOperators = vec![fx.operator("kiln")];
    let excl = fx.sign(i, u);
    let b = fx.bid(1, SOLVER, &[(&excl, &[("stETH@kiln", eth("0.99"))], eth("0.01"))]);
    assert_eq!(fx.revert_of(vec![fx.arg(&b, &[&excl])]).await, "ExcludedOperator");

    // Less out than the executor's minimum.
    let mut arg = fx.arg(&good(&m), &[&m]);
    arg.minOut[0][0] = eth("0.99") + U256::from(1);
    assert_eq!(fx.revert_of(vec![arg]).await, "MinOutNotMet");

    // An adapter taken off the allow-list.
    let reth_minter = fx.d.minters["rETH"];
    fx.configure(Settlement::allowAdapterCall { adapter: reth_minter, allowed: false }).await;
    let b = fx.bid(1, SOLVER, &[(&m, &[("rETH", eth("0.99"))], eth("0.01"))]);
    assert_eq!(fx.revert_of(vec![fx.arg(&b, &[&m])]).await, "AdapterNotAllowed");
    fx.configure(Settlement::allowAdapterCall { adapter: reth_minter, allowed: true }).await;
    assert_eq!(fx.revert_of(vec![fx.arg(&b, &[&m])]).await, "no revert");

    // A position the Settlement has no route for (the contract's own check,
    // past the executor's, which would refuse to price it).
    let b = fx.bid(1, SOLVER, &[(&m, &[("stETH@nobody", eth("0.99"))], eth("0.01"))]);
    assert_eq!(fx.revert_of(vec![manual(&fx, &b, &m)]).await, "UnknownPosition");

    // The award: signed by someone other than the auctioneer; a bid changed after it.
    let b = good(&m);
    let (award, _) = fx.award(&b, AUCTIONEER);
    let (_, not_auctioneer) = fx.award(&b, SOLVER);
    let arg =
        calldata::settle_arg(&award, &not_auctioneer, &b, std::slice::from_ref(&m), &fx.market, 10)
            .unwrap();
    assert_eq!(fx.revert_of(vec![arg]).await, "BadAwardSignature");
    let mut arg = fx.arg(&b, &[&m]);
    arg.bid.plans[0].fee = eth("0.001");
    arg.bid.plans[0].allocations[0].amount = eth("0.999");
    assert_eq!(fx.revert_of(vec![arg]).await, "BidMismatch");

    // A solver without a bond.
    let unbonded = fx.bid(1, USER + 9, &[(&m, &[("stETH", eth("0.99"))], eth("0.01"))]);
    assert_eq!(fx.revert_of(vec![fx.arg(&unbonded, &[&m])]).await, "SolverNotEligible");

    // Only the executor may settle.
    assert_eq!(fx.revert_as(SOLVER, vec![fx.arg(&good(&m), &[&m])]).await, "NotExecutor");

    // Re-entrancy through an allow-listed but malicious adapter...
    let evil = ReentrantAdapter::deploy(fx.as_(DEPLOYER), fx.d.settlement).await.unwrap();
    fx.configure(Settlement::setRouteCall {
        id: "EVIL".into(),
        adapter: *evil.address(),
        token: fx.asset("stETH"),
        operator: Address::ZERO,
    })
    .await;
    fx.configure(Settlement::allowAdapterCall { adapter: *evil.address(), allowed: true }).await;
    let b = fx.bid(1, SOLVER, &[(&m, &[("EVIL", eth("0.99"))], eth("0.01"))]);
    assert_eq!(fx.revert_of(vec![manual(&fx, &b, &m)]).await, "Reentrancy");
    // ...and through a token whose transferFrom calls back.
    let tok = ReentrantToken::deploy(fx.as_(u), fx.d.settlement).await.unwrap();
    tok.approve(fx.d.settlement, U256::MAX).confirm().await.unwrap();
    fx.configure(Settlement::setRouteCall {
        id: "REE".into(),
        adapter: Address::ZERO,
        token: *tok.address(),
        operator: Address::ZERO,
    })
    .await;
    let ti = fx.sign(fx.intent(owner, *tok.address(), eth("1"), 18), u);
    let b = fx.bid(1, SOLVER, &[(&ti, &[("REE", eth("0.99"))], eth("0.01"))]);
    assert_eq!(fx.revert_of(vec![manual(&fx, &b, &ti)]).await, "Reentrancy");
}

#[tokio::test]
async fn a_contract_wallet_signs_with_erc1271() {
    let fx = Fx::new().await;
    let keyholder = USER + 3;
    let wallet = TestSmartWallet::deploy(fx.as_(keyholder), fx.addr(keyholder)).await.unwrap();
    let w = *wallet.address();
    let deposit = Settlement::depositCall {}.abi_encode();
    wallet
        .execute(fx.d.settlement, eth("2"), deposit.into())
        .value(eth("2"))
        .confirm()
        .await
        .unwrap();
    assert_eq!(fx.settlement(DEPLOYER).escrowOf(w).call().await.unwrap(), eth("2"));
    let intent = fx.intent(w, Address::ZERO, eth("1"), 1);
    // A key that is not the wallet's: refused.
    let wrong = fx.sign(intent.clone(), USER);
    let b =
        fx.bid(1, SOLVER, &[(&wrong, &[("ETH", eth("0.3")), ("stETH", eth("0.69"))], eth("0.01"))]);
    assert_eq!(fx.outcome_of(vec![fx.arg(&b, &[&wrong])]).await, "skipped:signature");
    // The wallet's key: accepted through isValidSignature.
    let si = fx.sign(intent, keyholder);
    fx.settle(vec![fx.arg(&b, &[&si])]).await;
    assert_eq!(fx.lido(DEPLOYER).balanceOf(w).call().await.unwrap(), eth("0.69"));
    // The 0.3 ETH held as is is credited to the wallet's escrow, not pushed.
    assert_eq!(fx.balance(w).await, U256::ZERO);
    assert_eq!(fx.settlement(DEPLOYER).escrowOf(w).call().await.unwrap(), eth("1.3"));
}

#[tokio::test]
async fn an_eip2612_permit_carried_with_the_intent_replaces_the_allowance() {
    use alloy::primitives::keccak256;
    use alloy::signers::SignerSync;
    use alloy::sol_types::SolValue;
    let fx = Fx::new().await;
    let u = USER;
    let owner = fx.addr(u);
    let lido = fx.lido(u);
    lido.submit(Address::ZERO).value(eth("2")).confirm().await.unwrap();
    let si = fx.sign(fx.intent(owner, fx.asset("stETH"), eth("1"), 1), u);
    let b = fx.bid(1, SOLVER, &[(&si, &[("stETH@p2p", eth("0.99"))], eth("0.01"))]);
    // No allowance: the intent is skipped.
    assert_eq!(fx.outcome_of(vec![fx.arg(&b, &[&si])]).await, "skipped:allowance");
    // A permit for exactly the intent's amount, signed by the owner.
    let deadline = U256::from(unix_now() + 600);
    let sep = lido.DOMAIN_SEPARATOR().call().await.unwrap();
    let typehash = keccak256(
        "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)",
    );
    let nonce = lido.nonces(owner).call().await.unwrap();
    let st = keccak256((typehash, owner, fx.d.settlement, eth("1"), nonce, deadline).abi_encode());
    let digest = keccak256([&[0x19u8, 0x01][..], sep.as_slice(), st.as_slice()].concat());
    let sig = fx.key(u).sign_hash_sync(&digest).unwrap();
    let mut arg = fx.arg(&b, &[&si]);
    let v = 27u8 + sig.v() as u8;
    arg.intents[0].permit = (deadline, U256::from(v), sig.r(), sig.s()).abi_encode().into();
    fx.settle(vec![arg]).await;
    assert_eq!(lido.balanceOf(owner).call().await.unwrap(), eth("1"));
}

/// The Settlement reads intents from the raw calldata: a uint16 field whose
/// word carries high bits is refused as `BadIntent` (not masked, not hashed
/// as some other value).
#[tokio::test]
async fn an_intent_word_that_is_not_a_clean_value_of_its_type_is_refused() {
    let fx = Fx::new().await;
    let owner = fx.addr(USER);
    fx.escrow(USER, eth("5")).await;
    let mut i = fx.intent(owner, Address::ZERO, eth("1"), 40);
    // A value no other word of this settlement has, to find its word.
    i.maxFeeBps = 4321;
    let si = fx.sign(i, USER);
    let bid = fx.bid(1, SOLVER, &[(&si, &[("stETH", eth("0.99"))], eth("0.01"))]);
    let clean = Settlement::settleCall { batch: vec![fx.arg(&bid, &[&si])] }.abi_encode();
    let word = U256::from(4321u64).to_be_bytes::<32>();
    let at = (4..clean.len())
        .step_by(32)
        .find(|&o| clean[o..o + 32] == word)
        .expect("maxFeeBps's word in the calldata");
    let call = |input: Vec<u8>| {
        let fx = &fx;
        async move {
            let tx = alloy::rpc::types::TransactionRequest::default()
                .from(fx.addr(EXECUTOR))
                .to(fx.d.settlement)
                .input(Bytes::from(input).into());
            match alloy::providers::Provider::call(&fx.as_(EXECUTOR), tx).await {
                Ok(_) => "no revert".to_string(),
                Err(e) => e
                    .as_error_resp()
                    .and_then(|r| r.as_revert_data())
                    .and_then(|d| stakebid_settlement::executor::error_name(&d))
                    .unwrap_or_else(|| format!("undecoded: {e}")),
            }
        }
    };
    // The same bytes as they are would settle (simulated) ...
    assert_eq!(call(clean.clone()).await, "no revert");
    // ... and with a high bit set in that word they are refused.
    let mut dirty = clean;
    dirty[at] = 0x01;
    assert_eq!(call(dirty).await, "BadIntent");
}
