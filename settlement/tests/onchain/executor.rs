//! The executor: simulates before sending, records outcomes, replaces a
//! stuck transaction with higher fees, cancels one that would now revert or
//! that no block takes (so the award can fall back), and after being killed
//! between sending and the receipt finishes the job without sending again.

use stakebid_settlement::Confirm;
use std::time::Duration;

use alloy::primitives::{Address, B256, U256};
use alloy::providers::Provider;

use stakebid_settlement::contracts::Settlement;
use stakebid_settlement::executor::{Executor, Job, Outcome};
use stakebid_settlement::registry::SolverRegistry;
use stakebid_settlement::revert::Blame;

use crate::fixture::*;

pub(crate) async fn one_job(fx: &Fx, nonce: u64, position: &str) -> Job {
    fx.escrow(USER, eth("2")).await;
    let si = fx.sign(fx.intent(fx.addr(USER), Address::ZERO, eth("1"), nonce), USER);
    let b = fx.bid(1, SOLVER, &[(&si, &[(position, eth("0.99"))], eth("0.01"))]);
    let arg = fx.arg(&b, &[&si]);
    Job { key: B256::repeat_byte(nonce as u8), auction: 1, solver: fx.addr(SOLVER), arg }
}

pub(crate) async fn executor(fx: &Fx, db: &sled::Db) -> Executor {
    Executor::new(
        &fx.url,
        fx.key(EXECUTOR),
        fx.d.settlement,
        db.open_tree("settlements").unwrap(),
        Default::default(),
    )
    .await
    .unwrap()
}

/// A fresh chain and journal, an executor that replaces after
/// `replace_after`, one job for USER's intent 1, and automine off: what the
/// replacement and cancel tests start from.
async fn paused(replace_after: Duration) -> (Fx, sled::Db, Executor, Job) {
    let fx = Fx::new().await;
    let db = sled::open(tempdir()).unwrap();
    let mut ex = executor(&fx, &db).await;
    ex.config.replace_after_ms = replace_after.as_millis() as u64;
    let job = one_job(&fx, 1, "stETH").await;
    automine(&fx, false).await;
    (fx, db, ex, job)
}

async fn automine(fx: &Fx, on: bool) {
    let _: serde_json::Value =
        fx.as_(DEPLOYER).raw_request("evm_setAutomine".into(), (on,)).await.unwrap();
}

async fn settled_events(fx: &Fx) -> usize {
    let f = alloy::rpc::types::Filter::new()
        .address(fx.d.settlement)
        .event_signature(<Settlement::IntentSettled as alloy::sol_types::SolEvent>::SIGNATURE_HASH)
        .from_block(0);
    fx.as_(DEPLOYER).get_logs(&f).await.unwrap().len()
}

async fn executor_txs(fx: &Fx) -> u64 {
    fx.as_(DEPLOYER).get_transaction_count(fx.addr(EXECUTOR)).await.unwrap()
}

#[tokio::test]
async fn simulates_first_sends_once_and_records_the_outcome() {
    let fx = Fx::new().await;
    let dir = tempdir();
    let db = sled::open(&dir).unwrap();
    let ex = executor(&fx, &db).await;
    let job = one_job(&fx, 1, "rETH").await;
    let o = ex.settle(&job).await.unwrap();
    assert!(matches!(o, Outcome::Settled { gas_used, .. } if gas_used > 0), "{o:?}");
    assert_eq!(ex.outcome(&job.key).unwrap(), Some(o.clone()));
    // Asked again (a restart, a duplicate award message): the record, no new transaction.
    assert_eq!(ex.settle(&job).await.unwrap(), o);
    assert_eq!(executor_txs(&fx).await, 1);

    // The rETH deposit pool fills up before the next one: the simulation
    // reverts, nothing is sent, and it is not the solver's fault.
    fx.pool("rETH", DEPLOYER).setMaximumDepositPoolSize(U256::ZERO).confirm().await.unwrap();
    let job = one_job(&fx, 2, "rETH").await;
    let o = ex.settle(&job).await.unwrap();
    assert_eq!(o, Outcome::Failed { reason: "DepositPoolFull".into(), blame: Blame::StateMoved });
    assert_eq!(executor_txs(&fx).await, 1);
}

#[tokio::test]
async fn killed_between_send_and_receipt_it_resumes_without_sending_again() {
    let fx = Fx::new().await;
    let dir = tempdir();
    let job = one_job(&fx, 1, "stETH").await;
    automine(&fx, false).await;
    {
        let db = sled::open(&dir).unwrap();
        let ex = executor(&fx, &db).await;
        let j = job.clone();
        let task = tokio::spawn(async move { ex.settle(&j).await });
        // Wait until it has sent (journalled and in the pool), then kill it.
        let tree = db.open_tree("settlements").unwrap();
        for _ in 0..100 {
            if tree.get(job.key).unwrap().is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        task.abort();
        let _ = task.await;
        db.flush().unwrap();
    }
    let pending: serde_json::Value =
        fx.as_(DEPLOYER).raw_request("txpool_status".into(), ()).await.unwrap();
    assert_eq!(
        pending["pending"],
        serde_json::json!("0x1"),
        "one settlement waits in the pool: {pending}"
    );
    // Restart: a new executor on the same journal. The chain mines a moment later.
    let db = sled::open(&dir).unwrap();
    let ex = executor(&fx, &db).await;
    assert_eq!(ex.unfinished().unwrap(), vec![job.key]);
    let miner = {
        let p = fx.as_(DEPLOYER);
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(1)).await;
            let _: serde_json::Value = p.raw_request("evm_mine".into(), ()).await.unwrap();
        })
    };
    let done = ex.resume().await.unwrap();
    miner.await.unwrap();
    assert!(matches!(done.as_slice(), [(k, Outcome::Settled { .. })] if *k == job.key), "{done:?}");
    assert_eq!(executor_txs(&fx).await, 1, "exactly one transaction was ever sent");
    assert_eq!(settled_events(&fx).await, 1);
    assert_eq!(ex.settle(&job).await.unwrap(), done[0].1, "and the outcome is recorded");
    automine(&fx, true).await;
}

#[tokio::test]
async fn a_stuck_transaction_is_replaced_with_higher_fees_and_lands_once() {
    let (fx, _db, ex, job) = paused(Duration::from_millis(1200)).await;
    let key = job.key;
    let task = tokio::spawn(async move {
        let o = ex.settle(&job).await;
        (o, ex)
    });
    tokio::time::sleep(Duration::from_millis(3000)).await;
    let _: serde_json::Value = fx.as_(DEPLOYER).raw_request("evm_mine".into(), ()).await.unwrap();
    let (o, ex) = task.await.unwrap();
    assert!(matches!(o.unwrap(), Outcome::Settled { .. }));
    let sent = ex.sent(&key).unwrap();
    assert!(sent.len() >= 2, "replaced at least once: {sent:?}");
    assert_eq!(executor_txs(&fx).await, 1, "one nonce, so only one version landed");
    assert_eq!(settled_events(&fx).await, 1);
    automine(&fx, true).await;
}

pub(crate) fn tempdir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!(
        "stakebid-exec-{}-{}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The version of the award that was mined: a plain transfer to the
/// executor itself (the cancel), not a reverted settlement.
async fn assert_cancel_mined(fx: &Fx, db: &sled::Db, key: &B256) {
    let mut mined = vec![];
    for h in executor(fx, db).await.sent(key).unwrap() {
        if let Some(r) = fx.as_(DEPLOYER).get_transaction_receipt(h).await.unwrap() {
            mined.push(r);
        }
    }
    assert_eq!(mined.len(), 1, "one version mined");
    assert_eq!(mined[0].to, Some(fx.addr(EXECUTOR)), "the cancel, not the settlement");
    assert_eq!(mined[0].gas_used, 21_000);
}

/// Polls the journal (through a second executor on the same tree) until
/// `n` versions of the award were sent.
async fn wait_sent(fx: &Fx, db: &sled::Db, key: &B256, n: usize) {
    let watcher = executor(fx, db).await;
    for _ in 0..200 {
        if watcher.sent(key).unwrap().len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never sent {n} versions: {:?}", watcher.sent(key).unwrap());
}

#[tokio::test]
async fn a_settlement_no_block_takes_is_cancelled_as_missed_and_not_the_solvers_fault() {
    let (fx, db, mut ex, job) = paused(Duration::from_millis(800)).await;
    ex.config.max_replacements = 1;
    let key = job.key;
    let task = tokio::spawn(async move { ex.settle(&job).await });
    // Sent, replaced once, then cancelled: three versions, then a block.
    wait_sent(&fx, &db, &key, 3).await;
    let _: serde_json::Value = fx.as_(DEPLOYER).raw_request("evm_mine".into(), ()).await.unwrap();
    let o = task.await.unwrap().unwrap();
    assert_eq!(o, Outcome::Failed { reason: "Missed".into(), blame: Blame::StateMoved });
    assert_cancel_mined(&fx, &db, &key).await;
    assert_eq!(settled_events(&fx).await, 0, "the settlement never landed");
    assert_eq!(executor_txs(&fx).await, 1, "the nonce went to the cancel");
    let s = fx.settlement(DEPLOYER);
    assert!(!s.nonceUsed(fx.addr(USER), U256::from(1)).call().await.unwrap(), "intent still open");
    assert_eq!(s.escrowOf(fx.addr(USER)).call().await.unwrap(), eth("2"));
    automine(&fx, true).await;
}

#[tokio::test]
async fn a_pending_settlement_that_would_now_revert_is_cancelled_with_the_reason_and_blame() {
    let (fx, db, ex, job) = paused(Duration::from_millis(1500)).await;
    let key = job.key;
    let task = tokio::spawn(async move { ex.settle(&job).await });
    wait_sent(&fx, &db, &key, 1).await;
    // A gas spike prices the settlement out of the next block, and in that
    // block the solver queues its whole bond out (so it is no longer
    // eligible: an owner's cancel would only make the intent skipped).
    let gwei = |x: u128| x * 1_000_000_000;
    let _: serde_json::Value = fx
        .as_(DEPLOYER)
        .raw_request("anvil_setNextBlockBaseFeePerGas".into(), (U256::from(gwei(100)),))
        .await
        .unwrap();
    let _pending = SolverRegistry::new(fx.d.registry, fx.as_(SOLVER))
        .queueWithdrawal(eth("1.5"))
        .max_fee_per_gas(gwei(300))
        .max_priority_fee_per_gas(gwei(2))
        .gas(100_000)
        .send()
        .await
        .unwrap();
    let _: serde_json::Value = fx.as_(DEPLOYER).raw_request("evm_mine".into(), ()).await.unwrap();
    assert_eq!(executor_txs(&fx).await, 0, "the settlement was priced out");
    // The executor re-simulates before replacing, sees the revert and cancels.
    wait_sent(&fx, &db, &key, 2).await;
    let _: serde_json::Value = fx.as_(DEPLOYER).raw_request("evm_mine".into(), ()).await.unwrap();
    let o = task.await.unwrap().unwrap();
    assert_eq!(o, Outcome::Failed { reason: "SolverNotEligible".into(), blame: Blame::Solver });
    assert_cancel_mined(&fx, &db, &key).await;
    assert_eq!(settled_events(&fx).await, 0);
    assert_eq!(executor_txs(&fx).await, 1, "the nonce went to the cancel");
    automine(&fx, true).await;
}

/// A settlement whose transaction the block could not hold (its gas limit,
/// estimate + 20 %, above the block gas limit) is failed at once, blamed on
/// nobody, and never retried unchanged: a node used to rebroadcast such a
/// transaction forever and open no new round (issue 28). Two ways: the
/// node refuses the transaction (the limit changed after the last block),
/// or the executor sees the block's limit first and does not send it.
#[tokio::test]
async fn a_settlement_over_the_block_gas_limit_fails_without_being_retried() {
    let fx = Fx::new().await;
    let db = sled::open(tempdir()).unwrap();
    let ex = executor(&fx, &db).await;
    let job = one_job(&fx, 1, "stETH").await;
    let gas = ex.simulate(vec![job.arg.clone()]).await.unwrap();
    // The block still holds the estimate, not the limit the executor sends.
    let _: serde_json::Value = fx
        .as_(DEPLOYER)
        .raw_request("evm_setBlockGasLimit".into(), (U256::from(gas + gas / 10),))
        .await
        .unwrap();
    let before = executor_txs(&fx).await;
    let failed = |o: &Outcome, why: &str| match o {
        Outcome::Failed { reason, blame } => {
            assert!(reason.starts_with(why), "{reason}");
            assert_eq!(*blame, Blame::Unknown);
        }
        other => panic!("{other:?}"),
    };
    // The latest block still has the old limit: sent, refused by the node.
    let o = ex.settle(&job).await.unwrap();
    failed(&o, "Refused(");
    assert_eq!(executor_txs(&fx).await, before, "nothing was mined");
    assert_eq!(ex.outcome(&job.key).unwrap(), Some(o.clone()), "the outcome is journalled");
    // Asked again (the next round): the same record, not sent again.
    assert_eq!(ex.settle(&job).await.unwrap(), o);
    // Once a block carries the new limit, the executor does not even send.
    let _: serde_json::Value = fx.as_(DEPLOYER).raw_request("evm_mine".into(), ()).await.unwrap();
    let job = one_job(&fx, 2, "stETH").await;
    let o = ex.settle(&job).await.unwrap();
    failed(&o, "OverBlockGasLimit");
    assert!(ex.sent(&job.key).unwrap().is_empty(), "nothing was sent");
    assert_eq!(executor_txs(&fx).await, before);
}
