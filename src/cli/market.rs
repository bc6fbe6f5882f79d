//! `stakebid market …`: generate, show, snapshot, read (from a chain).

use clap::Subcommand;
use std::path::PathBuf;

use super::{load_market, print_json, CliError};
use stakebid_intents::market::{generate, security, GeneratorParams, Index};
use stakebid_intents::units::Wei;

#[derive(Subcommand, Debug)]
pub(crate) enum MarketCmd {
    /// Print a seeded synthetic market as JSON.
    Generate {
        /// Assets besides native ETH.
        #[arg(long, default_value_t = 8)]
        assets: usize,
        /// Restaking operators.
        #[arg(long, default_value_t = 50)]
        operators: usize,
        /// Services (AVSs).
        #[arg(long, default_value_t = 10)]
        services: usize,
        /// Restakeable assets each operator takes.
        #[arg(long, default_value_t = 4)]
        fanout: usize,
        /// Seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Summarize a market file (default: the shipped, dated snapshot).
    Show {
        /// Market JSON file.
        file: Option<PathBuf>,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print the shipped, dated snapshot with its sources.
    Snapshot,
    /// Read the market from a chain: the protocols' state at one block over
    /// the risk-parameter file, as the node builds it every round.
    Read(ReadArgs),
}

/// `stakebid market read`.
#[derive(clap::Args, Debug)]
pub(crate) struct ReadArgs {
    /// JSON-RPC endpoint.
    #[arg(long, env = "STAKEBID_RPC_URL")]
    rpc_url: String,
    /// Protocols file naming the contracts to read (default: the shipped
    /// Ethereum mainnet file, or the deployment's with `--deployment`).
    #[arg(long)]
    protocols: Option<PathBuf>,
    /// A deployment file from `stakebid deploy`: read its stand-ins, with
    /// its addresses applied to the parameters (what its node reads).
    #[arg(long, conflicts_with = "protocols")]
    deployment: Option<PathBuf>,
    /// The risk-parameter file (default: the shipped, dated one).
    #[arg(long)]
    params: Option<PathBuf>,
    /// Block to read at (default: the latest).
    #[arg(long)]
    block: Option<u64>,
    /// Days of exchange-rate history an APR is computed over.
    #[arg(long, default_value_t = 7)]
    apr_window_days: u64,
    /// Start the event scan here instead of the protocols file's first block.
    #[arg(long)]
    from_block: Option<u64>,
    /// Requests per JSON-RPC batch (lower it for a provider that limits batches).
    #[arg(long, default_value_t = 500)]
    batch: usize,
    /// Blocks per `eth_getLogs` request (lower it for a provider that limits ranges).
    #[arg(long, default_value_t = 10_000)]
    log_chunk: u64,
    /// Print the market as JSON (hash, block, round trips, market).
    #[arg(long)]
    json: bool,
}

/// What `stakebid market read --json` prints.
#[derive(serde::Serialize)]
struct ReadOut {
    hash: alloy::primitives::B256,
    block: u64,
    round_trips: u32,
    calls: usize,
    market: stakebid_intents::Market,
}

fn read(a: ReadArgs) -> Result<(), CliError> {
    use alloy::providers::{Provider, ProviderBuilder};
    use stakebid_intents::market::live::{build, LiveOpts};
    use stakebid_settlement::market::read::{Cursor, ReadOpts, Reader};
    use stakebid_settlement::market::Protocols;
    let url = a
        .rpc_url
        .parse()
        .map_err(|_| CliError::new("cli.bad_url", format!("{} is not a URL", a.rpc_url)))?;
    let mut params = load_market(a.params.as_deref())?;
    let mut protocols = match (&a.deployment, &a.protocols) {
        (Some(d), _) => {
            let d = stakebid_settlement::deploy::load(d).map_err(CliError::from)?;
            params = d.apply(&params);
            Protocols::from_deployment(&d)
        }
        (None, Some(p)) => Protocols::load(p).map_err(CliError::from)?,
        (None, None) => Protocols::mainnet(),
    };
    if let (Some(b), Some(el)) = (a.from_block, protocols.eigenlayer.as_mut()) {
        el.from_block = b;
    }
    let provider = ProviderBuilder::new().connect_http(url).erased();
    let opts = ReadOpts {
        apr_window_secs: a.apr_window_days.max(1) * 86_400,
        batch: a.batch.max(1),
        log_chunk: a.log_chunk.max(1),
    };
    let reader = Reader::new(provider, protocols, opts);
    let rt =
        tokio::runtime::Runtime::new().map_err(|e| CliError::new("cli.runtime", e.to_string()))?;
    let (chain, stats) = rt
        .block_on(reader.read(&mut Cursor::default(), a.block))
        .map_err(|e| CliError::new("market.unavailable", format!("cannot read the chain: {e}")))?;
    let m = build(&params, &chain, LiveOpts::default())?;
    if a.json {
        print_json(&ReadOut {
            hash: m.hash(),
            block: chain.block,
            round_trips: stats.round_trips,
            calls: stats.calls,
            market: m,
        });
        return Ok(());
    }
    println!("{} read at block {} of chain {}", reader.protocols.name, chain.block, chain.chain_id);
    println!("hash       {}", m.hash());
    println!(
        "cost       {} round trips, {} calls, {} log requests",
        stats.round_trips, stats.calls, stats.log_requests
    );
    println!("gas price  {} wei (base fee)", m.gas.gas_price.0);
    for a in &m.assets {
        let from_chain = chain.assets.contains_key(&a.id);
        println!(
            "  {:<7} rate {:.6}  APR {:.2} %{}  room {:>10.1} ETH{}",
            a.id,
            a.exchange_rate.0 as f64 / 1e18,
            a.apr.0 as f64 / 1e16,
            if m.live.as_ref().is_some_and(|l| l.apr_fallback.contains(&a.id)) {
                " (parameters)"
            } else {
                ""
            },
            Wei(a.deposit_cap.0).as_eth_f64(),
            if from_chain { "" } else { "  [not read: parameter figures]" },
        );
    }
    println!(
        "restaking  {} operators registered, {} services with allocations, withdrawal delay {} days",
        chain.operators.len(),
        chain.services.len(),
        m.restaking.withdrawal_delay_days
    );
    println!("positions  {}", m.positions.len());
    Ok(())
}

pub(crate) fn run(cmd: MarketCmd) -> Result<(), CliError> {
    match cmd {
        MarketCmd::Generate { assets, operators, services, fanout, seed } => {
            let m = generate(&GeneratorParams { assets, operators, services, fanout, seed });
            print_json(&m);
        }
        MarketCmd::Snapshot => println!("{}", stakebid_intents::market::SNAPSHOT_JSON),
        MarketCmd::Read(a) => read(a)?,
        MarketCmd::Show { file, json } => {
            let m = load_market(file.as_deref())?;
            let ix = Index::new(&m);
            let sec = security(&m, &[]);
            let rates: Vec<u128> = ix.positions.iter().map(|p| p.rate.0).collect();
            let pct = |w: u128| w as f64 / 1e16;
            let sources: usize = m.sources.len()
                + m.assets.iter().map(|a| a.sources.len()).sum::<usize>()
                + m.operators.iter().map(|o| o.sources.len()).sum::<usize>()
                + m.services.iter().map(|s| s.sources.len()).sum::<usize>();
            if json {
                print_json(&Summary {
                    assets: m.assets.len(),
                    as_of: &m.as_of,
                    hash: m.hash(),
                    name: &m.name,
                    operators: m.operators.len(),
                    positions: m.positions.len(),
                    security_gamma_wad: sec.gamma.map(stakebid_wire::Dec),
                    services: m.services.len(),
                    sourced_figures: sources,
                    stress: m.stress.iter().map(|s| s.name.as_str()).collect(),
                });
                return Ok(());
            }
            println!("{} (as of {})", m.name, m.as_of);
            println!("hash       {}", m.hash());
            println!(
                "size       {} assets, {} operators, {} services, {} positions",
                m.assets.len(),
                m.operators.len(),
                m.services.len(),
                m.positions.len()
            );
            println!(
                "yield      {:.2} % to {:.2} % a year across positions",
                pct(rates.iter().copied().min().unwrap_or(0)),
                pct(rates.iter().copied().max().unwrap_or(0))
            );
            println!("assets");
            for a in &m.assets {
                println!(
                    "  {:<7} {:>5.2} %  fee {:>5} bps  exit {:>2} d  cap {:>10.0} ETH  worst depeg {:.2} %",
                    a.id,
                    pct(a.apr.0),
                    a.protocol_fee.0,
                    a.exit_days,
                    Wei(a.deposit_cap.0).as_eth_f64(),
                    pct(a.max_depeg.0)
                );
            }
            match sec.gamma {
                Some(g) => println!(
                    "security   network γ = {:.3} (Durvasula–Roughgarden sufficient condition)",
                    g as f64 / 1e18
                ),
                None => println!("security   a service has no stake: no γ bound"),
            }
            for s in &m.stress {
                println!("stress     {}", s.name);
            }
            println!("sources    {sources} figures carry a source ({} marked modelled)", {
                let all = m
                    .assets
                    .iter()
                    .flat_map(|a| a.sources.values())
                    .chain(m.operators.iter().flat_map(|o| o.sources.values()))
                    .chain(m.services.iter().flat_map(|s| s.sources.values()))
                    .chain(m.sources.values());
                all.filter(|v| v.starts_with("modelled")).count()
            });
        }
    }
    Ok(())
}

/// `stakebid market show --json`.
#[derive(serde::Serialize)]
struct Summary<'a> {
    assets: usize,
    as_of: &'a str,
    hash: alloy::primitives::B256,
    name: &'a str,
    operators: usize,
    positions: usize,
    security_gamma_wad: Option<stakebid_wire::Dec<i128>>,
    services: usize,
    sourced_figures: usize,
    stress: Vec<&'a str>,
}
