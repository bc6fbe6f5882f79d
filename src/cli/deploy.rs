//! `stakebid deploy`: deploys the SolverRegistry, the Settlement, the
//! adapters and the protocol stand-ins to a chain and writes the
//! deployment file `stakebid node --deployment` reads.

use alloy::primitives::Address;
use clap::Args;
use stakebid_intents::Coded;
use std::path::PathBuf;

use super::devnet::deploy;
use super::keys::{parse_key, DEVNET_CHAIN_IDS, DEV_AUCTIONEER_KEY, DEV_EXECUTOR_KEY, DEV_KEY};
use super::{load_market, print_json, CliError};
use stakebid_settlement::deploy::{DeployParams, MAINNET_CONFIG_DELAY};

#[derive(Args, Debug)]
pub(crate) struct DeployArgs {
    /// JSON-RPC endpoint of the chain (anvil: http://127.0.0.1:8545).
    #[arg(long, env = "STAKEBID_RPC_URL")]
    rpc_url: String,
    /// The deployer's private key (default: anvil's first dev key).
    #[arg(long, env = "STAKEBID_DEPLOYER_KEY", default_value = DEV_KEY, hide_default_value = true)]
    key: String,
    /// Who signs awards and slashes bonds (default: the dev auctioneer key's address).
    #[arg(long)]
    auctioneer: Option<Address>,
    /// Who may call `settle` (default: the dev executor key's address); it
    /// must be neither the deployer (the admin) nor the auctioneer.
    #[arg(long)]
    executor: Option<Address>,
    /// Seconds a change of auctioneer, executor, adapter or route waits in
    /// the Settlement's timelock (default: 60 on a devnet, two days elsewhere).
    #[arg(long)]
    config_delay_secs: Option<u64>,
    /// Market JSON whose assets, operators and positions to deploy (default: the shipped snapshot).
    #[arg(long)]
    market: Option<PathBuf>,
    /// Blocks a restaking withdrawal waits (EigenLayer's 14 days of 12 s blocks by default).
    #[arg(long, default_value_t = 100_800)]
    withdrawal_delay_blocks: u32,
    /// Where to write the deployment file.
    #[arg(long, default_value = ".stakebid/deployment.json")]
    out: PathBuf,
    /// Print the deployment as JSON on stdout too.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(a: DeployArgs) -> Result<(), CliError> {
    let key = parse_key(&a.key)?;
    let market = load_market(a.market.as_deref())?;
    let auctioneer = match a.auctioneer {
        Some(x) => x,
        None => parse_key(DEV_AUCTIONEER_KEY)?.address(),
    };
    let executor = match a.executor {
        Some(x) => x,
        None => parse_key(DEV_EXECUTOR_KEY)?.address(),
    };
    let mut p = DeployParams::devnet(auctioneer, executor, key.address());
    p.withdrawal_delay_blocks = a.withdrawal_delay_blocks;
    let rt = tokio::runtime::Runtime::new()
        .map_err(|e| CliError::new("cli.runtime", format!("cannot start the runtime: {e}")))?;
    p.config_delay = match a.config_delay_secs {
        Some(s) => s,
        None => {
            let chain = rt.block_on(stakebid_settlement::chain_id(&a.rpc_url))?;
            if DEVNET_CHAIN_IDS.contains(&chain) {
                p.config_delay
            } else {
                MAINNET_CONFIG_DELAY
            }
        }
    };
    tracing::info!("[deploy] deploying to {} from {}", a.rpc_url, key.address());
    let d = rt
        .block_on(deploy(&a.rpc_url, &key, &market, &p))
        .map_err(|e| CliError::new(e.code(), format!("deployment failed: {e}")))?;
    if let Some(dir) = a.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| {
            CliError::new("cli.io", format!("cannot create {}: {e}", dir.display()))
        })?;
    }
    stakebid_settlement::deploy::save(&d, &a.out).map_err(CliError::from)?;
    tracing::info!(
        "[deploy] chain {}: Settlement {}, SolverRegistry {}",
        d.chain_id,
        d.settlement,
        d.registry
    );
    tracing::info!(
        "[deploy] {} assets, {} operators, {} positions routed; auctioneer {}, executor {}",
        d.assets.len(),
        d.operators.len(),
        d.positions.len(),
        d.auctioneer,
        d.executor
    );
    tracing::info!("[deploy] wrote {}", a.out.display());
    if a.json {
        print_json(&d);
    }
    Ok(())
}
