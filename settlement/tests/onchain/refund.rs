//! A staker cannot make an award fail through its own account: one that
//! delegates (EIP-7702) to code refusing ETH after its intent was awarded
//! still settles — `settle` never sends an owner ETH, what is held as ETH
//! is credited to its escrow — and the rest of the award with it.

use alloy::eips::eip7702::Authorization;
use alloy::network::TransactionBuilder7702;
use alloy::primitives::{Address, B256, U256};
use alloy::providers::Provider;
use alloy::rpc::types::TransactionRequest;
use alloy::signers::SignerSync;
use stakebid_settlement::contracts::RefusesEth;
use stakebid_settlement::executor::{Job, Outcome};
use stakebid_settlement::Confirm;

use crate::executor::{executor, tempdir};
use crate::fixture::*;

#[tokio::test]
async fn an_owner_whose_account_refuses_eth_cannot_make_its_award_fail() {
    let fx = Fx::new().await;
    let (u, v) = (USER, USER + 1);
    fx.escrow(u, eth("2")).await;
    fx.escrow(v, eth("2")).await;
    let mine = fx.sign(fx.intent(fx.addr(u), Address::ZERO, eth("1"), 1), u);
    let other = fx.sign(fx.intent(fx.addr(v), Address::ZERO, eth("1"), 1), v);
    // Both keep 0.3 as ETH (held as is) and stake the rest.
    let plan = [("ETH", eth("0.3")), ("stETH", eth("0.69"))];
    let b = fx.bid(1, SOLVER, &[(&mine, &plan, eth("0.01")), (&other, &plan, eth("0.01"))]);
    let arg = fx.arg(&b, &[&mine, &other]);

    // After the award, U delegates its account to code that refuses ETH
    // (a sponsor sends the type-4 transaction; U only signs the authorization).
    let refuses = RefusesEth::deploy(fx.as_(DEPLOYER)).await.unwrap();
    let p = fx.as_(DEPLOYER);
    let auth = Authorization {
        chain_id: U256::from(fx.d.chain_id),
        address: *refuses.address(),
        nonce: p.get_transaction_count(fx.addr(u)).await.unwrap(),
    };
    let sig = fx.key(u).sign_hash_sync(&auth.signature_hash()).unwrap();
    let tx = TransactionRequest::default()
        .to(fx.addr(DEPLOYER))
        .with_authorization_list(vec![auth.into_signed(sig)]);
    p.send_transaction(tx).await.unwrap().get_receipt().await.unwrap();
    assert!(p.get_code_at(fx.addr(u)).await.unwrap().starts_with(&[0xef, 0x01, 0x00]));
    // The trick is armed: a plain transfer to U now fails.
    let push = TransactionRequest::default().to(fx.addr(u)).value(U256::from(1)).gas_limit(100_000);
    let r = p.send_transaction(push).await.unwrap().get_receipt().await.unwrap();
    assert!(!r.status(), "U's account refuses ETH");

    // The executor settles the award: both intents, nobody blamed.
    let db = sled::open(tempdir()).unwrap();
    let ex = executor(&fx, &db).await;
    let job = Job { key: B256::repeat_byte(1), auction: 1, solver: fx.addr(SOLVER), arg };
    let o = ex.settle(&job).await.unwrap();
    assert!(matches!(&o, Outcome::Settled { skipped, .. } if skipped.is_empty()), "{o:?}");
    let s = fx.settlement(DEPLOYER);
    // U's 0.3 ETH is in its escrow (1 left + 0.3), its stETH in its wallet.
    assert_eq!(s.escrowOf(fx.addr(u)).call().await.unwrap(), eth("1.3"));
    assert_eq!(fx.lido(DEPLOYER).balanceOf(fx.addr(u)).call().await.unwrap(), eth("0.69"));
    assert_eq!(s.escrowOf(fx.addr(v)).call().await.unwrap(), eth("1.3"));
    // Its escrow stays U's to take, through code of its own choosing.
    assert!(s.nonceUsed(fx.addr(u), U256::from(1)).call().await.unwrap());
    let _ = fx.settlement(SOLVER).withdraw(eth("0.02")).confirm().await.unwrap();
}
