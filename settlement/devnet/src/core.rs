//! EigenLayer's core on a devnet, deployed the way EigenLayer deploys it:
//! empty transparent proxies first (their addresses are constructor
//! arguments of each other's implementations), then each implementation,
//! then `upgradeAndCall(initialize(owner, 0))` — paused status 0, so
//! deposits, withdrawals and slashing all run (EigenLayer's local deploy
//! script leaves some paused).

use std::collections::BTreeMap;

use alloy::network::EthereumWallet;
use alloy::primitives::{Address, Bytes, U256};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::sol_types::SolCall;
use alloy::transports::http::reqwest::Url;
use eigenlayer_contract_deployer::bindings::core::allocation_manager::AllocationManager::OperatorSet;
use eigenlayer_contract_deployer::bindings::core::allocation_manager::IAllocationManagerTypes::{
    AllocateParams, CreateSetParams, RegisterParams,
};
use eigenlayer_contract_deployer::bindings::core::delegation_manager::ISignatureUtilsMixinTypes::SignatureWithExpiry;
use eigenlayer_contract_deployer::bindings::core::rewards_coordinator::IRewardsCoordinatorTypes::RewardsCoordinatorConstructorParams;
use eigenlayer_contract_deployer::bindings::{
    AllocationManager, DelegationManager, EigenPod, EigenPodManager, EmptyContract, PauserRegistry,
    PermissionController, ProxyAdmin, RewardsCoordinator, StrategyBase, StrategyManager,
    TransparentUpgradeableProxy, UpgradeableBeacon,
};
use stakebid_intents::deployment::Deployment;
use stakebid_intents::market::Market;
use stakebid_settlement::contracts::{mock_rocket_pool::MockRocketPool, MockLido};
use stakebid_settlement::deploy::send_eth;
use stakebid_settlement::{ChainError, Confirm};

use crate::keys::{delegator_key, operator_key, service_key};

/// Which EigenLayer the devnet runs, as the deployment file records it.
pub const RELEASE: &str = "EigenLayer core (Layr-Labs/eigenlayer-contracts) at the revision \
     eigenlayer-middleware v1.3.1 pins: the slashing release line (v1.3); bytecode from the \
     eigenlayer-contract-deployer 0.4.0 crate; BUSL-1.1";

/// The `version()` string the implementations are constructed with.
const VERSION: &str = "v1.3.0";

/// The delays EigenLayer's constructors fix, in blocks.
#[derive(Clone, Debug)]
pub struct Delays {
    /// DelegationManager's `MIN_WITHDRAWAL_DELAY_BLOCKS` (mainnet: 100,800, 14 days).
    pub withdrawal: u32,
    /// AllocationManager's `DEALLOCATION_DELAY` (mainnet: 100,800).
    pub deallocation: u32,
    /// AllocationManager's `ALLOCATION_CONFIGURATION_DELAY` (mainnet:
    /// 126,000; EigenLayer's local configuration: 1,200; devnets here: 10,
    /// because anvil keeps every mined block's state on disk and a test
    /// suite deploys dozens of devnets), mined on a devnet
    /// before the operators allocate.
    pub allocation_configuration: u32,
}

impl Delays {
    /// A devnet's: the withdrawal delay asked for, deallocation as long,
    /// and EigenLayer's local configuration delay.
    pub fn devnet(withdrawal: u32) -> Delays {
        Delays { withdrawal, deallocation: withdrawal, allocation_configuration: 10 }
    }
}

/// Where the core sits.
#[derive(Clone, Debug)]
pub struct Core {
    /// The owner of every proxy and contract (the deployer).
    pub owner: Address,
    /// ProxyAdmin of every proxy.
    pub proxy_admin: Address,
    /// PauserRegistry (no pausers; the owner unpauses).
    pub pauser_registry: Address,
    /// DelegationManager proxy.
    pub delegation_manager: Address,
    /// StrategyManager proxy.
    pub strategy_manager: Address,
    /// AllocationManager proxy.
    pub allocation_manager: Address,
    /// PermissionController proxy.
    pub permission_controller: Address,
    /// RewardsCoordinator proxy (AVS rewards: holders name their claimer here).
    pub rewards_coordinator: Address,
    /// EigenPodManager proxy (native restaking needs beacon-chain proofs:
    /// no pods on a devnet, but the DelegationManager asks it for shares).
    pub eigen_pod_manager: Address,
    /// StrategyBase implementation every strategy proxy runs.
    pub strategy_implementation: Address,
}

/// Addresses in ascending order (EigenLayer requires it of slashing's
/// strategies; the rest accept it).
pub fn sorted(a: impl IntoIterator<Item = Address>) -> Vec<Address> {
    let mut v: Vec<Address> = a.into_iter().collect();
    v.sort();
    v
}

impl Core {
    /// Deploys the core with `provider`'s signer as owner.
    pub async fn deploy(
        provider: &DynProvider,
        owner: Address,
        delays: &Delays,
    ) -> Result<Core, ChainError> {
        let p = provider.clone();
        let admin = *ProxyAdmin::deploy(p.clone()).await?.address();
        let empty = *EmptyContract::deploy(p.clone()).await?.address();
        let proxy = || async {
            let t =
                TransparentUpgradeableProxy::deploy(p.clone(), empty, admin, Bytes::new()).await?;
            Ok::<_, ChainError>(*t.address())
        };
        let dm = proxy().await?;
        let sm = proxy().await?;
        let am = proxy().await?;
        let pc = proxy().await?;
        let epm = proxy().await?;
        let rc = proxy().await?;
        let pauser = *PauserRegistry::deploy(p.clone(), vec![], owner).await?.address();
        let v = || VERSION.to_string();
        let dm_impl =
            *DelegationManager::deploy(p.clone(), sm, epm, am, pauser, pc, delays.withdrawal, v())
                .await?
                .address();
        let sm_impl = *StrategyManager::deploy(p.clone(), dm, pauser, v()).await?.address();
        let am_impl = *AllocationManager::deploy(
            p.clone(),
            dm,
            pauser,
            pc,
            delays.deallocation,
            delays.allocation_configuration,
            v(),
        )
        .await?
        .address();
        let pc_impl = *PermissionController::deploy(p.clone(), v()).await?.address();
        let pod_impl =
            *EigenPod::deploy(p.clone(), Address::ZERO, epm, 1_564_000, v()).await?.address();
        let pod_beacon = *UpgradeableBeacon::deploy(p.clone(), pod_impl).await?.address();
        let epm_impl =
            *EigenPodManager::deploy(p.clone(), Address::ZERO, pod_beacon, dm, pauser, v())
                .await?
                .address();
        // EigenLayer's mainnet rewards parameters: daily calculation
        // intervals, submissions up to 70 days long, 90 days back, 30 ahead;
        // genesis at a whole interval before the devnet's clock.
        let now =
            p.get_block(alloy::eips::BlockId::latest()).await?.map_or(0, |b| b.header.timestamp);
        let day = 86_400u32;
        let genesis = (now as u32 / day).saturating_sub(1) * day;
        let rc_impl = *RewardsCoordinator::deploy(
            p.clone(),
            RewardsCoordinatorConstructorParams {
                delegationManager: dm,
                strategyManager: sm,
                allocationManager: am,
                pauserRegistry: pauser,
                permissionController: pc,
                CALCULATION_INTERVAL_SECONDS: day,
                MAX_REWARDS_DURATION: 70 * day,
                MAX_RETROACTIVE_LENGTH: 90 * day,
                MAX_FUTURE_LENGTH: 30 * day,
                GENESIS_REWARDS_TIMESTAMP: genesis,
                version: v(),
            },
        )
        .await?
        .address();
        let strategy_impl = *StrategyBase::deploy(p.clone(), sm, pauser, v()).await?.address();

        let pa = ProxyAdmin::new(admin, p.clone());
        let init = |data: Vec<u8>| Bytes::from(data);
        let dm_init = DelegationManager::initializeCall {
            initialOwner: owner,
            initialPausedStatus: U256::ZERO,
        };
        pa.upgradeAndCall(dm, dm_impl, init(dm_init.abi_encode())).confirm().await?;
        let sm_init = StrategyManager::initializeCall {
            initialOwner: owner,
            initialStrategyWhitelister: owner,
            initialPausedStatus: U256::ZERO,
        };
        pa.upgradeAndCall(sm, sm_impl, init(sm_init.abi_encode())).confirm().await?;
        let am_init = AllocationManager::initializeCall {
            initialOwner: owner,
            initialPausedStatus: U256::ZERO,
        };
        pa.upgradeAndCall(am, am_impl, init(am_init.abi_encode())).confirm().await?;
        pa.upgrade(pc, pc_impl).confirm().await?;
        let epm_init =
            EigenPodManager::initializeCall { initialOwner: owner, _initPausedStatus: U256::ZERO };
        pa.upgradeAndCall(epm, epm_impl, init(epm_init.abi_encode())).confirm().await?;
        // The owner posts reward roots (no root is posted on a devnet);
        // roots activate after an hour; operators keep 10 % by default.
        let rc_init = RewardsCoordinator::initializeCall {
            initialOwner: owner,
            initialPausedStatus: U256::ZERO,
            _rewardsUpdater: owner,
            _activationDelay: 3_600,
            _defaultSplitBips: 1_000,
        };
        pa.upgradeAndCall(rc, rc_impl, init(rc_init.abi_encode())).confirm().await?;
        Ok(Core {
            owner,
            proxy_admin: admin,
            pauser_registry: pauser,
            delegation_manager: dm,
            strategy_manager: sm,
            allocation_manager: am,
            permission_controller: pc,
            rewards_coordinator: rc,
            eigen_pod_manager: epm,
            strategy_implementation: strategy_impl,
        })
    }

    /// A `StrategyBase` proxy for `token`, whitelisted for deposits.
    pub async fn add_strategy(
        &self,
        provider: &DynProvider,
        token: Address,
    ) -> Result<Address, ChainError> {
        let init = StrategyBase::initializeCall { _underlyingToken: token }.abi_encode();
        let s = *TransparentUpgradeableProxy::deploy(
            provider.clone(),
            self.strategy_implementation,
            self.proxy_admin,
            Bytes::from(init),
        )
        .await?
        .address();
        StrategyManager::new(self.strategy_manager, provider.clone())
            .addStrategiesToDepositWhitelist(vec![s])
            .confirm()
            .await?;
        Ok(s)
    }

    /// The market's operators and services on EigenLayer: each operator
    /// registered (no delegation approver), its pre-existing stake deposited
    /// and delegated by its own staker; each service an AVS with metadata, a
    /// registrar and operator set 0 over every restakeable strategy; the
    /// allocation configuration delay mined; each operator allocating the
    /// market's magnitudes and registered for its services' sets.
    pub async fn setup_market(
        &self,
        provider: &DynProvider,
        rpc: &Url,
        delays: &Delays,
        market: &Market,
        d: &mut Deployment,
    ) -> Result<(), ChainError> {
        let signer = |k: &alloy::signers::local::PrivateKeySigner| {
            ProviderBuilder::new()
                .wallet(EthereumWallet::from(k.clone()))
                .connect_http(rpc.clone())
                .erased()
        };
        let gas = U256::from(10u128.pow(17));
        let strategies = sorted(d.strategies.values().copied());
        let registrar =
            *stakebid_settlement::contracts::DevnetAVSRegistrar::deploy(provider.clone())
                .await?
                .address();
        // Operators register first: their allocation delay starts counting.
        for o in &market.operators {
            let k = operator_key(&o.id);
            send_eth(provider, k.address(), gas).await?;
            DelegationManager::new(self.delegation_manager, signer(&k))
                .registerAsOperator(Address::ZERO, 0, format!("stakebid devnet operator {}", o.id))
                .confirm()
                .await?;
            d.operators.insert(o.id.clone(), k.address());
        }
        // Services: AVSs with metadata, a registrar and one operator set.
        for s in &market.services {
            let k = service_key(&s.id);
            send_eth(provider, k.address(), gas).await?;
            let am = AllocationManager::new(self.allocation_manager, signer(&k));
            am.updateAVSMetadataURI(k.address(), format!("stakebid devnet service {}", s.id))
                .confirm()
                .await?;
            am.setAVSRegistrar(k.address(), registrar).confirm().await?;
            let set = CreateSetParams { operatorSetId: 0, strategies: strategies.clone() };
            am.createOperatorSets(k.address(), vec![set]).confirm().await?;
            d.services.insert(s.id.clone(), k.address());
        }
        // The stake operators already hold: one staker each deposits it
        // into the first restakeable token that can be minted on a devnet
        // without ETH (the stand-ins' faucet) and delegates.
        let seed = d
            .strategies
            .iter()
            .find(|(asset, _)| asset.as_str() != "stETH")
            .map(|(asset, s)| (asset.clone(), *s));
        if let Some((asset, strategy)) = seed {
            let token = d.assets[&asset];
            let rate = market
                .assets
                .iter()
                .find(|a| a.id == asset)
                .map_or(1u128 << 60, |a| a.exchange_rate.0);
            for o in &market.operators {
                let k = delegator_key(&o.id);
                send_eth(provider, k.address(), gas).await?;
                let tokens = U256::from(o.delegated.0) * U256::from(10u128.pow(18))
                    / U256::from(rate.max(1));
                if tokens.is_zero() {
                    continue;
                }
                MockRocketPool::new(token, provider.clone())
                    .mint(k.address(), tokens)
                    .confirm()
                    .await?;
                let me = signer(&k);
                MockLido::new(token, me.clone())
                    .approve(self.strategy_manager, tokens)
                    .confirm()
                    .await?;
                StrategyManager::new(self.strategy_manager, me.clone())
                    .depositIntoStrategy(strategy, token, tokens)
                    .confirm()
                    .await?;
                let none = SignatureWithExpiry { signature: Bytes::new(), expiry: U256::ZERO };
                DelegationManager::new(self.delegation_manager, me)
                    .delegateTo(d.operators[&o.id], none, Default::default())
                    .confirm()
                    .await?;
            }
        }
        // The allocation delay set at registration takes effect after the
        // configuration delay: mine it.
        let blocks = U256::from(delays.allocation_configuration) + U256::from(2);
        provider.raw_request::<_, serde_json::Value>("anvil_mine".into(), (blocks,)).await?;
        // Allocations and registrations.
        for o in &market.operators {
            let k = operator_key(&o.id);
            let am = AllocationManager::new(self.allocation_manager, signer(&k));
            let mut per_service: BTreeMap<&str, u64> = BTreeMap::new();
            for al in &o.allocations {
                let mag: u64 = al.magnitude.0.try_into().unwrap_or(u64::MAX);
                *per_service.entry(al.service.as_str()).or_default() += mag;
            }
            if per_service.is_empty() {
                continue;
            }
            let mut params = vec![];
            let mut avss = vec![];
            for (svc, mag) in &per_service {
                let Some(&avs) = d.services.get(*svc) else { continue };
                params.push(AllocateParams {
                    operatorSet: OperatorSet { avs, id: 0 },
                    strategies: strategies.clone(),
                    newMagnitudes: vec![*mag; strategies.len()],
                });
                avss.push(avs);
            }
            am.modifyAllocations(k.address(), params).confirm().await?;
            for avs in avss {
                let reg = RegisterParams { avs, operatorSetIds: vec![0], data: Bytes::new() };
                am.registerForOperatorSets(k.address(), reg).confirm().await?;
            }
        }
        Ok(())
    }
}
