//! Reading a 2,000-position market from a chain: round trips and time.
//!
//! A generated market (8 assets, 500 operators taking 4 restakeable assets
//! each, 20 services: 2,009 positions) is deployed on anvil — pools,
//! strategies, 500 operators registered with their allocations — and read
//! the way the node reads it every round: cold (the event cursor scans the
//! deployment's blocks) and warm (the cursor is at the head, as after the
//! first round). Baseline in the same run: the same reads with one request
//! per round trip (batches of 1), what a reader without JSON-RPC batching
//! or multicall does.
//!
//! Run: `cargo bench -p stakebid-settlement --bench market_read`

use std::time::Instant;

use alloy::node_bindings::Anvil;
use alloy::primitives::B256;
use alloy::providers::{Provider, ProviderBuilder};
use alloy::signers::local::PrivateKeySigner;

use stakebid_devnet::deploy;
use stakebid_intents::market::live::{build, LiveOpts};
use stakebid_intents::market::{generate, GeneratorParams};
use stakebid_settlement::deploy::DeployParams;
use stakebid_settlement::market::read::{Cursor, ReadOpts, Reader};
use stakebid_settlement::market::Protocols;
use stakebid_tests::anvil_path;

#[tokio::main]
async fn main() {
    let anvil = Anvil::at(anvil_path()).arg("--accounts").arg("4").try_spawn().expect("anvil");
    let url = anvil.endpoint_url();
    let keys: Vec<PrivateKeySigner> = anvil
        .keys()
        .iter()
        .map(|k| PrivateKeySigner::from_bytes(&B256::from_slice(&k.to_bytes())).unwrap())
        .collect();
    let market =
        generate(&GeneratorParams { assets: 8, operators: 500, services: 20, fanout: 4, seed: 7 });
    let p = DeployParams::devnet(keys[1].address(), keys[2].address(), keys[0].address());
    let t = Instant::now();
    let d = deploy(url.as_str(), &keys[0], &market, &p).await.expect("deploys");
    let head = ProviderBuilder::new().connect_http(url.clone()).get_block_number().await.unwrap();
    println!(
        "deployed {} positions, {} operators in {:.1} s ({head} blocks)",
        market.positions.len(),
        market.operators.len(),
        t.elapsed().as_secs_f64()
    );
    let params = d.apply(&market);
    println!("| reader | events | round trips | eth_calls | log requests | time | positions |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    for (name, batch) in
        [("batched (500 a request)", 500), ("baseline: one request a round trip", 1)]
    {
        let provider = ProviderBuilder::new().connect_http(url.clone()).erased();
        let opts = ReadOpts { batch, ..ReadOpts::default() };
        let reader = Reader::new(provider, Protocols::from_deployment(&d), opts);
        let mut cursor = Cursor::default();
        for events in ["cold: scan from the deployment", "warm: cursor at the head"] {
            let t = Instant::now();
            let (read, stats) = reader.read(&mut cursor, None).await.expect("reads");
            let ms = t.elapsed().as_secs_f64() * 1e3;
            let m = build(&params, &read, LiveOpts::default()).expect("a valid market");
            println!(
                "| {name} | {events} | {} | {} | {} | {ms:.0} ms | {} |",
                stats.round_trips,
                stats.calls,
                stats.log_requests,
                m.positions.len()
            );
        }
    }
}
