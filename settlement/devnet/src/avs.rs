//! What a devnet's services and operators do on EigenLayer, signed with
//! their devnet keys: a service (AVS) slashes an operator in its operator
//! set through the AllocationManager; an operator names a delegation
//! approver through the DelegationManager.

use alloy::network::EthereumWallet;
use alloy::primitives::{Address, TxHash, U256};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::signers::local::PrivateKeySigner;
use eigenlayer_contract_deployer::bindings::core::allocation_manager::IAllocationManagerTypes::SlashingParams;
use eigenlayer_contract_deployer::bindings::{AllocationManager, DelegationManager};
use stakebid_intents::deployment::Deployment;
use stakebid_settlement::{ChainError, Confirm};

use crate::keys::{operator_key, service_key};

fn signer(rpc: &str, k: &PrivateKeySigner) -> Result<DynProvider, ChainError> {
    let url = rpc.parse().map_err(|_| ChainError::Config(format!("bad RPC URL {rpc}")))?;
    Ok(ProviderBuilder::new().wallet(EthereumWallet::from(k.clone())).connect_http(url).erased())
}

/// Service `service` slashes `wad` (a WAD fraction) of what `operator`
/// allocated to its operator set, in every restakeable strategy; returns
/// the transaction. EigenLayer computes what each staker loses.
pub async fn slash(
    rpc: &str,
    d: &Deployment,
    service: &str,
    operator: Address,
    wad: U256,
    description: &str,
) -> Result<TxHash, ChainError> {
    let k = service_key(service);
    let p = signer(rpc, &k)?;
    let am = AllocationManager::new(d.allocation_manager(), p.clone());
    let strategies = crate::core::sorted(d.strategies.values().copied());
    let params = SlashingParams {
        operator,
        operatorSetId: 0,
        wadsToSlash: vec![wad; strategies.len()],
        strategies,
        description: description.to_string(),
    };
    let r = am.slashOperator(k.address(), params).confirm().await?;
    Ok(r.transaction_hash)
}

/// Operator `operator` (a market id) names `approver` as its delegation
/// approver (zero: none): from then on a new staker delegates to it only
/// with the approver's signature. Returns the transaction.
pub async fn set_delegation_approver(
    rpc: &str,
    d: &Deployment,
    operator: &str,
    approver: Address,
) -> Result<TxHash, ChainError> {
    let k = operator_key(operator);
    let dm = DelegationManager::new(d.delegation_manager(), signer(rpc, &k)?);
    let r = dm.modifyOperatorDetails(k.address(), approver).confirm().await?;
    Ok(r.transaction_hash)
}
