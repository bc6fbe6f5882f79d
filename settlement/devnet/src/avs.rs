//! What a devnet service does as an AVS: slash an operator in its operator
//! set, through EigenLayer's AllocationManager, signed with the service's
//! devnet key.

use alloy::network::EthereumWallet;
use alloy::primitives::{Address, TxHash, U256};
use alloy::providers::{Provider, ProviderBuilder};
use eigenlayer_contract_deployer::bindings::core::allocation_manager::IAllocationManagerTypes::SlashingParams;
use eigenlayer_contract_deployer::bindings::AllocationManager;
use stakebid_intents::deployment::Deployment;
use stakebid_settlement::{ChainError, Confirm};

use crate::keys::service_key;

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
    let url = rpc.parse().map_err(|_| ChainError::Config(format!("bad RPC URL {rpc}")))?;
    let k = service_key(service);
    let p =
        ProviderBuilder::new().wallet(EthereumWallet::from(k.clone())).connect_http(url).erased();
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
    let _ = p.get_block_number().await?;
    Ok(r.transaction_hash)
}
