//! A staker's whole path with the SDK: a balanced-profile intent for 2 ETH,
//! quoted, funded from escrow, signed with a local key, submitted, followed
//! to settlement, and the resulting positions read from the chain.
//!
//! Against `stakebid dev` (node on 127.0.0.1:8645, anvil on 8545):
//! `cargo run --release -p stakebid-sdk --example stake`
//! Env: STAKEBID_NODE, STAKEBID_RPC_URL, STAKEBID_KEY (default: anvil's third dev key).

use std::time::Duration;

use alloy::primitives::{utils::parse_ether, Address};
use stakebid_intents::batch::Profile;
use stakebid_sdk::Staker;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = |k: &str, d: &str| std::env::var(k).unwrap_or_else(|_| d.to_string());
    let node = env("STAKEBID_NODE", "http://127.0.0.1:8645");
    let rpc = env("STAKEBID_RPC_URL", "http://127.0.0.1:8545");
    let key =
        env("STAKEBID_KEY", "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a");
    let staker = Staker::connect(&node, key.parse()?, Some(&rpc)).await?;

    let intent = staker.new_intent(Profile::Balanced, Address::ZERO, parse_ether("2")?).await?;
    let quote = staker.quote(&intent).await?;
    println!("quote: net APY {} bps, CVaR {} bps", quote.net_apy_bps, quote.cvar_bps);
    println!("funding: {}", staker.fund(&intent).await?);
    // An external wallet would sign `staker.typed_data(&intent)` instead and
    // pass its signature to `submit_signed`.
    let id = staker.submit(&intent).await?;
    println!("submitted {}", id.0);
    let status = staker.wait(&id, Duration::from_secs(120)).await?;
    println!("status: {status}");
    for p in staker.positions().await? {
        if !p.amount.is_zero() {
            println!("  {:<16} {} (in {})", p.position, p.amount, p.holder);
        }
    }
    Ok(())
}
