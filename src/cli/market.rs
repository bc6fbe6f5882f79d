//! `stakebid market …`: generate, show, snapshot.

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
}

pub(crate) fn run(cmd: MarketCmd) -> Result<(), CliError> {
    match cmd {
        MarketCmd::Generate { assets, operators, services, fanout, seed } => {
            let m = generate(&GeneratorParams { assets, operators, services, fanout, seed });
            print_json(&m);
        }
        MarketCmd::Snapshot => println!("{}", stakebid_intents::market::SNAPSHOT_JSON),
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
