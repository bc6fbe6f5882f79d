//! A devnet for the tests: anvil from npm on 127.0.0.1 (stopped on drop),
//! everything deployed by `stakebid_devnet::deploy` (EigenLayer's own core) from the dated market snapshot,
//! a bonded solver, and helpers to sign intents, bids and awards. Shared by
//! the settlement crate's on-chain tests and the node's chain-link tests
//! (feature `onchain`, enabled only by their dev-dependencies).

#![allow(missing_docs)]

use alloy::network::EthereumWallet;
use alloy::node_bindings::{Anvil, AnvilInstance};
use alloy::primitives::{utils::parse_ether, Address, Bytes, B256, I256, U256};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::signers::local::PrivateKeySigner;
use alloy::transports::http::reqwest::Url;
use stakebid_settlement::Confirm;

use crate::anvil_path;
use stakebid_devnet::deploy;
use stakebid_devnet::el::{DelegationManager, StrategyManager};
use stakebid_intents::guarantee::Terms;
use stakebid_intents::protocol::{Award, Bid, BidAllocation, BidPlan};
use stakebid_intents::{sign, Domain, Intent, Market, SignedIntent};
use stakebid_settlement::calldata::settle_arg;
use stakebid_settlement::contracts::{MockLido, MockRocketPool, Settlement};
use stakebid_settlement::deploy::{DeployParams, Deployment};
use stakebid_settlement::executor::{error_name, skipped_in};
use stakebid_settlement::registry::SolverRegistry;

/// (intent, [(position, amount)], fee).
pub type PlanSpec<'a> = (&'a SignedIntent, &'a [(&'a str, U256)], U256);

pub fn eth(s: &str) -> U256 {
    parse_ether(s).unwrap()
}

pub const DELAY_BLOCKS: u32 = 20;

pub struct Fx {
    pub _anvil: AnvilInstance,
    pub url: Url,
    pub keys: Vec<PrivateKeySigner>,
    pub d: Deployment,
    pub market: Market,
    pub domain: Domain,
}

/// Account roles among anvil's keys.
pub const DEPLOYER: usize = 0;
pub const AUCTIONEER: usize = 1;
pub const EXECUTOR: usize = 2;
pub const SOLVER: usize = 3;
pub const RUNNER_UP: usize = 4;
/// Users start here.
pub const USER: usize = 5;

impl Fx {
    pub async fn new() -> Fx {
        Self::with_anvil(Anvil::at(anvil_path()).arg("--accounts").arg("20")).await
    }

    pub async fn with_anvil(a: Anvil) -> Fx {
        let anvil = a.try_spawn().expect("anvil starts (tests/setup.sh installs it)");
        let url = anvil.endpoint_url();
        let keys: Vec<PrivateKeySigner> = anvil
            .keys()
            .iter()
            .map(|k| PrivateKeySigner::from_bytes(&B256::from_slice(&k.to_bytes())).unwrap())
            .collect();
        let mut p = DeployParams::devnet(
            keys[AUCTIONEER].address(),
            keys[EXECUTOR].address(),
            keys[DEPLOYER].address(),
        );
        p.withdrawal_delay_blocks = DELAY_BLOCKS;
        p.lido_withdrawal_delay = 3_600;
        let d = deploy(url.as_str(), &keys[DEPLOYER], &Market::snapshot(), &p).await.unwrap();
        let market = d.apply(&Market::snapshot());
        let domain = Domain { chain_id: d.chain_id, settlement: d.settlement };
        let fx = Fx { _anvil: anvil, url, keys, d, market, domain };
        fx.bond(SOLVER, "1.5").await;
        fx.bond(RUNNER_UP, "1.5").await;
        fx
    }

    pub fn key(&self, i: usize) -> &PrivateKeySigner {
        &self.keys[i]
    }

    pub fn addr(&self, i: usize) -> Address {
        self.keys[i].address()
    }

    pub fn as_(&self, i: usize) -> DynProvider {
        ProviderBuilder::new()
            .wallet(EthereumWallet::from(self.keys[i].clone()))
            .connect_http(self.url.clone())
            .erased()
    }

    pub fn settlement(&self, i: usize) -> Settlement::SettlementInstance<DynProvider> {
        Settlement::new(self.d.settlement, self.as_(i))
    }

    pub fn lido(&self, i: usize) -> MockLido::MockLidoInstance<DynProvider> {
        MockLido::new(self.d.assets["stETH"], self.as_(i))
    }

    pub fn pool(
        &self,
        asset: &str,
        i: usize,
    ) -> MockRocketPool::MockRocketPoolInstance<DynProvider> {
        MockRocketPool::new(self.d.assets[asset], self.as_(i))
    }

    /// EigenLayer's DelegationManager, as key `i`.
    pub fn delegation(
        &self,
        i: usize,
    ) -> DelegationManager::DelegationManagerInstance<DynProvider> {
        DelegationManager::new(self.d.delegation_manager(), self.as_(i))
    }

    /// EigenLayer's StrategyManager, as key `i`.
    pub fn strategies(&self, i: usize) -> StrategyManager::StrategyManagerInstance<DynProvider> {
        StrategyManager::new(self.d.strategy_manager(), self.as_(i))
    }

    pub async fn bond(&self, who: usize, amount: &str) {
        let r = SolverRegistry::new(self.d.registry, self.as_(who));
        r.bond().value(eth(amount)).confirm().await.unwrap();
    }

    /// ETH into the Settlement's escrow.
    pub async fn escrow(&self, who: usize, amount: U256) {
        let s = self.settlement(who);
        let r = s.deposit().value(amount).confirm().await.unwrap();
        assert!(r.status());
    }

    /// A permissive intent (the on-chain checks are what is under test),
    /// valid for an hour.
    pub fn intent(&self, owner: Address, asset: Address, amount: U256, nonce: u64) -> Intent {
        permissive(owner, asset, amount, nonce, unix_now() + 3_600)
    }

    pub fn sign(&self, intent: Intent, who: usize) -> SignedIntent {
        let sig = sign(&intent, &self.domain, self.key(who));
        SignedIntent {
            intent,
            domain: self.domain,
            signature: Bytes::from(sig.as_bytes()),
            permit: None,
        }
    }

    pub fn asset(&self, id: &str) -> Address {
        self.d.assets[id]
    }

    pub fn operator(&self, id: &str) -> Address {
        self.d.operators[id]
    }

    /// A bid by `solver` with one plan per (intent, allocations, fee).
    pub fn bid(&self, auction: u64, solver: usize, plans: &[PlanSpec<'_>]) -> Bid {
        Bid {
            auctionId: auction,
            solver: self.addr(solver),
            plans: plans
                .iter()
                .map(|(si, allocs, fee)| BidPlan {
                    intentId: si.intent.id(&self.domain).0,
                    allocations: allocs
                        .iter()
                        .map(|(p, a)| BidAllocation { position: p.to_string(), amount: *a })
                        .collect(),
                    fee: *fee,
                    guaranteeBps: 0,
                    guaranteeDays: 0,
                    guaranteeCap: U256::ZERO,
                })
                .collect(),
        }
    }

    /// `bid` with `terms` attached to its plan `i`.
    pub fn guaranteed(&self, mut bid: Bid, i: usize, terms: &Terms) -> Bid {
        let p = &mut bid.plans[i];
        p.guaranteeBps = terms.floor.0;
        p.guaranteeDays = terms.horizon_days;
        p.guaranteeCap = U256::from(terms.cap.0);
        bid
    }

    /// The auctioneer's award of `bid` (signed by `signer`).
    pub fn award(&self, bid: &Bid, signer: usize) -> (Award, alloy::primitives::Signature) {
        let award = Award {
            auctionId: bid.auctionId,
            bidHash: bid.hash(),
            solver: bid.solver,
            intentIds: bid.plans.iter().map(|p| p.intentId).collect(),
            score: I256::ONE,
        };
        let sig = award.sign(&self.domain, self.key(signer));
        (award, sig)
    }

    /// `settle`'s argument for `bid`, awarded by the auctioneer.
    pub fn arg(&self, bid: &Bid, intents: &[&SignedIntent]) -> Settlement::Settle {
        let (award, sig) = self.award(bid, AUCTIONEER);
        let owned: Vec<SignedIntent> = intents.iter().map(|s| (*s).clone()).collect();
        settle_arg(&award, &sig, bid, &owned, &self.market, 10).unwrap()
    }

    /// Settles as the executor; the receipt must succeed.
    pub async fn settle(
        &self,
        args: Vec<Settlement::Settle>,
    ) -> alloy::rpc::types::TransactionReceipt {
        let r = self.settlement(EXECUTOR).settle(args).confirm().await.unwrap();
        assert!(r.status(), "settle reverted");
        r
    }

    /// The custom error `settle` reverts with (simulated by the executor).
    pub async fn revert_of(&self, args: Vec<Settlement::Settle>) -> String {
        self.revert_as(EXECUTOR, args).await
    }

    /// What `settle` does with `args`, without keeping it: the revert's
    /// name, else the settlement is sent inside an anvil snapshot (rolled
    /// back after) and the answer is `skipped:<reason>` for each intent the
    /// Settlement skipped, or `settled`.
    pub async fn outcome_of(&self, args: Vec<Settlement::Settle>) -> String {
        let r = self.revert_of(args.clone()).await;
        if r != "no revert" {
            return r;
        }
        let p = self.as_(DEPLOYER);
        let snap: U256 = p.raw_request("evm_snapshot".into(), ()).await.unwrap();
        let receipt = self.settle(args).await;
        let _: bool = p.raw_request("evm_revert".into(), (snap,)).await.unwrap();
        let skipped = skipped_in(&receipt, self.d.settlement);
        if skipped.is_empty() {
            return "settled".into();
        }
        let names: Vec<String> =
            skipped.iter().map(|(_, why)| format!("skipped:{}", why.name())).collect();
        names.join(",")
    }

    /// A configuration change through the Settlement's timelock: queued by
    /// the admin, executed once the delay has passed.
    pub async fn configure(&self, call: impl alloy::sol_types::SolCall) {
        let call = alloy::primitives::Bytes::from(call.abi_encode());
        let admin = self.settlement(DEPLOYER);
        admin.queue(call.clone()).confirm().await.unwrap();
        let delay = admin.delay().call().await.unwrap();
        self.warp(delay + 1).await;
        admin.execute(call).confirm().await.unwrap();
    }

    pub async fn revert_as(&self, who: usize, args: Vec<Settlement::Settle>) -> String {
        match self.settlement(who).settle(args).call().await {
            Ok(_) => "no revert".into(),
            Err(e) => revert_name(&e),
        }
    }

    pub async fn mine(&self, blocks: u64) {
        let p = self.as_(DEPLOYER);
        let _: serde_json::Value =
            p.raw_request("anvil_mine".into(), (U256::from(blocks),)).await.unwrap();
    }

    pub async fn warp(&self, secs: u64) {
        let p = self.as_(DEPLOYER);
        let _: serde_json::Value = p.raw_request("evm_increaseTime".into(), (secs,)).await.unwrap();
        self.mine(1).await;
    }

    pub async fn balance(&self, who: Address) -> U256 {
        self.as_(DEPLOYER).get_balance(who).await.unwrap()
    }
}

/// A withdrawal as EigenLayer logged it, as the position holder's ABI names
/// it (the same struct; `sol!` gives each binding its own type).
pub fn holder_withdrawal(
    w: stakebid_devnet::el::IDelegationManagerTypes::Withdrawal,
) -> stakebid_settlement::contracts::position_holder::IDelegationManager::Withdrawal {
    stakebid_settlement::contracts::position_holder::IDelegationManager::Withdrawal {
        staker: w.staker,
        delegatedTo: w.delegatedTo,
        withdrawer: w.withdrawer,
        nonce: w.nonce,
        startBlock: w.startBlock,
        strategies: w.strategies,
        scaledShares: w.scaledShares,
    }
}

pub fn revert_name(e: &alloy::contract::Error) -> String {
    e.as_revert_data().and_then(|d| error_name(&d)).unwrap_or_else(|| format!("undecoded: {e}"))
}

pub use crate::unix_now;

/// An intent every plan meets (no yield floor, no loss or share limits, a
/// 1 % fee cap): for tests and benches of what the chain checks.
pub fn permissive(
    owner: Address,
    asset: Address,
    amount: U256,
    nonce: u64,
    deadline: u64,
) -> Intent {
    Intent {
        owner,
        asset,
        amount,
        minNetApyBps: 0,
        maxLossBps: 10_000,
        lossConfidenceBps: 9_500,
        maxOperatorBps: 10_000,
        maxServiceBps: 10_000,
        minLiquidBps: 0,
        liquidWithinDays: 0,
        maxFeeBps: 100,
        excludedOperators: vec![],
        nonce: U256::from(nonce),
        deadline,
    }
}
