//! `stakebid auction demo`: whole auction rounds in-process on a real sled
//! store — solvers with the three shipped strategies compete, a fourth
//! commits and goes silent, the auctioneer scores, penalizes and awards.
//! (The chain joins with the settlement issue.)

use alloy::primitives::B256;
use alloy::signers::local::PrivateKeySigner;
use clap::{Args, Subcommand};
use stakebid_intents::Coded;
use stakebid_node::port::IntentStore;
use std::path::PathBuf;

use super::intent::{now, DEV_CHAIN_ID, DEV_SETTLEMENT};
use super::{load_market, CliError};
use stakebid_auction::domain::registry::Registry;
use stakebid_intents::{batch, Domain, Wei};
use stakebid_node::auctioneer::Auctioneer;
use stakebid_node::port::Status;
use stakebid_node::store::Store;

use super::participants::demo_solvers;

#[derive(Subcommand, Debug)]
pub(crate) enum AuctionCmd {
    /// Run auction rounds in-process: 3 competing solvers and 1 that goes silent.
    Demo(DemoArgs),
    /// Audit a finished auction: fetch its published bids, the intents and
    /// the market from a node, regenerate the scenarios from the published
    /// seed, re-score every bid and re-select the winners; exits 0 when
    /// everything matches what the node published.
    Replay(super::replay::ReplayArgs),
}

#[derive(Args, Debug)]
pub(crate) struct DemoArgs {
    /// Intents stakers submit.
    #[arg(long, default_value_t = 20)]
    intents: usize,
    /// Seed for the stakers' intents.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Most rounds to run.
    #[arg(long, default_value_t = 3)]
    rounds: u32,
    /// Where the sled store lives (created fresh if missing).
    #[arg(long, default_value = ".stakebid/demo")]
    data_dir: PathBuf,
    /// Market JSON (default: the shipped snapshot).
    #[arg(long)]
    market: Option<PathBuf>,
}

pub(crate) fn run(cmd: AuctionCmd) -> Result<(), CliError> {
    let a = match cmd {
        AuctionCmd::Demo(a) => a,
        AuctionCmd::Replay(r) => return super::replay::run(r),
    };
    let market = load_market(a.market.as_deref())?;
    let domain = Domain { chain_id: DEV_CHAIN_ID, settlement: DEV_SETTLEMENT };
    let store = Store::open(&a.data_dir).map_err(|e| {
        CliError::new(e.code(), format!("cannot open {}: {e}", a.data_dir.display()))
    })?;
    let t0 = now();
    let group: Vec<_> = batch::generate(&market, &domain, a.intents, a.seed, t0)
        .into_iter()
        .map(|s| (s.intent.id(&domain), s))
        .collect();
    let taken = store.accept(&group).map_err(CliError::from)?;
    let fresh = taken.iter().filter(|r| r.is_ok()).count();
    tracing::info!(
        "stakers submitted {} intents ({fresh} new) into {}",
        group.len(),
        a.data_dir.display()
    );
    let (mut solvers, names) = demo_solvers(true);
    let mut registry = Registry::new();
    for s in &solvers {
        registry.bond(s.address(), Wei(2 * 10u128.pow(18)));
    }
    let key = PrivateKeySigner::from_bytes(&B256::repeat_byte(0xa0)).expect("constant key");
    let shape = stakebid_node::config::RoundConfig {
        scenarios: 200,
        batch_size: 100,
        commit_secs: 12,
        reveal_secs: 12,
        ..Default::default()
    };
    let mut auctioneer = Auctioneer::new(&store, market, key, domain, &shape);
    auctioneer.registry = registry;
    let eth = |w: i128| w as f64 / 1e18;
    for r in 0..a.rounds {
        let at = t0 + r as u64 * 60;
        let report = auctioneer.round(at, &mut solvers).map_err(CliError::from)?;
        let Some(report) = report else {
            tracing::info!("pool empty: no round to run");
            break;
        };
        tracing::info!(
            "auction {}: {} intents, {} bids revealed, {} winning bids",
            report.auction,
            report.batch,
            report.revealed,
            report.awards.len()
        );
        for (award, _) in &report.awards {
            tracing::info!(
                "  won by {:<17} {:>3} intents, score {:.6} ETH",
                names.get(&award.solver).copied().unwrap_or("?"),
                award.intentIds.len(),
                eth(award.score.try_into().unwrap_or(0))
            );
        }
        for f in &report.faults {
            tracing::info!("  fault: {} {}", names.get(&f.solver).copied().unwrap_or("?"), f.code);
        }
        for (who, wei) in &report.penalties() {
            tracing::info!(
                "  penalty: {} loses {:.3} ETH of bond",
                names.get(who).copied().unwrap_or("?"),
                *wei as f64 / 1e18
            );
        }
    }
    let count = |s| store.count_status(s).map_err(CliError::from);
    tracing::info!(
        "intents: {} awarded, {} pending, {} expired (settlement on-chain arrives with the settlement issue)",
        count(Status::Awarded)?,
        count(Status::Pending)?,
        count(Status::Expired)?
    );
    Ok(())
}
