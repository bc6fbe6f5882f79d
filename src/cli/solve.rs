//! Offline solving for solver operators: `intents generate`, `solve`, `evaluate`.

use alloy::primitives::{B256, U256};
use clap::{Args, Subcommand};
use serde::{Deserialize, Serialize};
use stakebid_intents::Coded;
use std::path::PathBuf;
use std::time::Instant;

use super::intent::{now, DEV_CHAIN_ID, DEV_SETTLEMENT};
use super::{load_market, parse_json, print_json, read, CliError};
use stakebid_intents::batch;
use stakebid_intents::market::Index;
use stakebid_intents::{
    evaluate as eval, signature, Context, Domain, Intent, IntentId, Plan, Scenarios, SignedIntent,
};
use stakebid_solver::{by_name, Backend, Optimal, Solution, Strategy, View, STRATEGIES};

#[derive(Subcommand, Debug)]
pub(crate) enum IntentsCmd {
    /// Print a batch of varied, signed intents (risk-averse to yield-seeking) for a market.
    Generate {
        /// How many.
        #[arg(long, default_value_t = 10)]
        count: usize,
        /// Seed: the same seed gives the same batch.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Market JSON (default: the shipped snapshot).
        #[arg(long)]
        market: Option<PathBuf>,
        /// Unix time the deadlines count from (default: now).
        #[arg(long)]
        now: Option<u64>,
    },
    /// Submit a file of signed intents (as `generate` prints) to a node;
    /// prints one line per intent: its id and status, or the node's code.
    /// Exits non-zero if any was refused.
    Submit {
        /// The signed intents (JSON array; `-` for stdin).
        #[arg(long)]
        file: PathBuf,
        /// The node's base URL.
        #[arg(long, default_value = "http://127.0.0.1:8645")]
        node: String,
    },
}

#[derive(Args, Debug)]
pub(crate) struct ScenarioArgs {
    /// Market JSON (default: the shipped snapshot).
    #[arg(long)]
    market: Option<PathBuf>,
    /// Intents JSON (from `stakebid intents generate`).
    #[arg(long)]
    intents: PathBuf,
    /// Scenario seed: a number, or an auction's published 32-byte seed
    /// (0x and 64 hex digits, as `GET /v1/auctions/{id}` shows it).
    #[arg(long, default_value = "0", value_parser = parse_seed)]
    seed: B256,
    /// Number of risk scenarios.
    #[arg(long, default_value_t = 200)]
    scenarios: u32,
}

#[derive(Args, Debug)]
pub(crate) struct SolveArgs {
    #[command(flatten)]
    s: ScenarioArgs,
    /// optimal, greedy or waterfill.
    #[arg(long, default_value = "optimal")]
    strategy: String,
    /// LP backend for `optimal`: cbc or microlp.
    #[arg(long)]
    backend: Option<String>,
    /// Fee the solver asks, in bps of each intent (capped by the intent's maximum).
    #[arg(long, default_value_t = 5)]
    fee_bps: u16,
    /// `optimal` only: most positions per intent.
    #[arg(long)]
    max_positions: Option<usize>,
    /// `optimal` only: smallest allocation per position, in ether.
    #[arg(long)]
    min_ticket_eth: Option<String>,
}

#[derive(Args, Debug)]
pub(crate) struct EvaluateArgs {
    #[command(flatten)]
    s: ScenarioArgs,
    /// Plans JSON: the output of `stakebid solve`, or an array of plans.
    #[arg(long)]
    plan: PathBuf,
}

pub(crate) fn run_intents(cmd: IntentsCmd) -> Result<(), CliError> {
    let (count, seed, market, at) = match cmd {
        IntentsCmd::Generate { count, seed, market, now } => (count, seed, market, now),
        IntentsCmd::Submit { file, node } => return submit(&file, &node),
    };
    let m = load_market(market.as_deref())?;
    let domain = Domain { chain_id: DEV_CHAIN_ID, settlement: DEV_SETTLEMENT };
    print_json(&batch::generate(&m, &domain, count, seed, at.unwrap_or_else(now)));
    Ok(())
}

fn submit(file: &std::path::Path, node: &str) -> Result<(), CliError> {
    let signed: Vec<SignedIntent> = parse_json(&read(file)?, "the intents file")?;
    let rt = tokio::runtime::Runtime::new()
        .map_err(|e| CliError::new("node.runtime", format!("cannot start the runtime: {e}")))?;
    let client = stakebid_sdk::Client::new(node);
    let mut refused = 0;
    for s in &signed {
        let td = stakebid_wire::TypedData::new(&s.intent, &s.domain);
        match rt.block_on(client.submit(&td, &s.signature)) {
            Ok(id) => println!("{id} pending"),
            Err(e) => {
                refused += 1;
                println!("{} refused: {} ({})", s.intent.id(&s.domain), e, e.code());
                if matches!(e, stakebid_sdk::SdkError::Transport(_)) {
                    return Err(e.into());
                }
            }
        }
    }
    tracing::info!(
        "submitted {} intents to {node}: {} accepted, {refused} refused",
        signed.len(),
        signed.len() - refused
    );
    if refused > 0 {
        return Err(CliError::new("intent.refused", format!("{refused} intents were refused")));
    }
    Ok(())
}

/// One entry of an intents file: what `stakebid intents generate` writes
/// (signed: the signature is checked), or the node's intent view
/// (`GET /v1/intents/{id}`: decimal strings, no signature; offline
/// solving needs none).
#[derive(Deserialize)]
#[serde(untagged)]
enum IntentEntry {
    Signed(SignedIntent),
    View { id: IntentId, intent: stakebid_wire::IntentMessage },
}

/// Loads intents; a signed one whose signature fails is an error naming it.
fn load_intents(path: &std::path::Path) -> Result<Vec<(IntentId, Intent)>, CliError> {
    let text = read(path)?;
    // A single intent view is accepted as well as a list.
    let entries: Vec<IntentEntry> = match serde_json::from_str::<IntentEntry>(&text) {
        Ok(one) => vec![one],
        Err(_) => parse_json(&text, "the intents file")?,
    };
    entries
        .into_iter()
        .enumerate()
        .map(|(n, e)| match e {
            IntentEntry::Signed(s) => {
                let sig = signature::parse_signature(&s.signature)?;
                let id = signature::verify(&s.intent, &s.domain, &sig).map_err(|e| {
                    CliError::new(e.code(), format!("intent #{n} in the file: {e}"))
                })?;
                Ok((id, s.intent))
            }
            IntentEntry::View { id, intent } => Ok((id, Intent::from(&intent))),
        })
        .collect()
}

/// `--seed`: a u64, or 0x and 64 hex digits.
fn parse_seed(s: &str) -> Result<B256, String> {
    if let Some(hex) = s.strip_prefix("0x") {
        if hex.len() == 64 {
            return s.parse::<B256>().map_err(|e| format!("not a 32-byte hex seed: {e}"));
        }
    }
    s.parse::<u64>().map(|n| B256::from(U256::from(n))).map_err(|_| {
        "give a number or a 32-byte seed (0x and 64 hex digits, as an auction publishes it)"
            .to_string()
    })
}

/// What `solve` prints: byte-identical for the same inputs.
#[derive(Serialize, Deserialize)]
struct SolveOutput {
    strategy: String,
    market_hash: B256,
    scenario_seed: B256,
    scenarios: u32,
    plans: Vec<Plan>,
    left_out: Vec<LeftOut>,
}

/// An intent no plan was found for, and why.
#[derive(Serialize, Deserialize)]
struct LeftOut {
    intent: IntentId,
    reason: String,
}

/// A plan file: `solve`'s output, or a bare list of plans.
#[derive(Deserialize)]
#[serde(untagged)]
enum PlanFile {
    Output { plans: Vec<Plan> },
    Bare(Vec<Plan>),
}

/// One violated promise, as `evaluate` prints it.
#[derive(Serialize)]
struct Broken {
    code: String,
    message: String,
}

/// `evaluate`'s verdict on one plan (fields in name order, as before).
#[derive(Serialize)]
struct Verdict {
    #[serde(skip_serializing_if = "Option::is_none")]
    evaluation: Option<stakebid_intents::Evaluation>,
    intent: IntentId,
    valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    violations: Option<Vec<Broken>>,
}

pub(crate) fn solve(a: SolveArgs) -> Result<(), CliError> {
    let m = load_market(a.s.market.as_deref())?;
    let intents = load_intents(&a.s.intents)?;
    let ix = Index::new(&m);
    let sc = Scenarios::generate(&m, &ix, a.s.seed, a.s.scenarios);
    let ctx = Context::new(&m, &sc);
    let strategy: Box<dyn Strategy> = match a.strategy.as_str() {
        "optimal" => {
            let b = match a.backend.as_deref() {
                Some(b) => backend(b)?,
                None => Backend::default_backend(),
            };
            let mut o = Optimal::new(b, a.fee_bps);
            o.max_positions = a.max_positions;
            if let Some(t) = &a.min_ticket_eth {
                o.min_ticket = super::parse_eth(t)?.to::<u128>();
            }
            Box::new(o)
        }
        name => by_name(name, a.fee_bps).ok_or_else(|| {
            CliError::new(
                "cli.unknown_strategy",
                format!("no strategy `{name}`; choose one of {}", STRATEGIES.join(", ")),
            )
        })?,
    };
    let started = Instant::now();
    let sol = strategy.solve(&View { ctx: &ctx, intents: &intents }, None);
    let elapsed = started.elapsed();
    table(&intents, &sol, strategy.name(), elapsed);
    let mut plans = sol.plans.clone();
    plans.sort_by_key(|p| p.intent);
    print_json(&SolveOutput {
        strategy: strategy.name().into(),
        market_hash: m.hash(),
        scenario_seed: a.s.seed,
        scenarios: a.s.scenarios,
        plans,
        left_out: sol
            .left_out
            .iter()
            .map(|l| LeftOut { intent: l.intent, reason: l.reason.clone() })
            .collect(),
    });
    Ok(())
}

fn backend(name: &str) -> Result<Backend, CliError> {
    match name {
        #[cfg(feature = "cbc")]
        "cbc" => Ok(Backend::Cbc),
        "microlp" => Ok(Backend::MicroLp),
        _ => Err(CliError::new(
            "cli.unknown_backend",
            format!(
                "no LP backend `{name}` in this build; available: {}",
                if cfg!(feature = "cbc") { "cbc, microlp" } else { "microlp (built without CBC)" }
            ),
        )),
    }
}

/// The per-intent table, on stderr so stdout stays machine-readable.
fn table(intents: &[(IntentId, Intent)], sol: &Solution, name: &str, t: std::time::Duration) {
    tracing::info!(
        "{:<12} {:>10} {:>8} {:>8} {:>12} {:>4}  strategy {name}",
        "intent",
        "ETH",
        "net APY",
        "CVaR",
        "surplus ETH",
        "pos"
    );
    for (id, i) in intents {
        let short = &id.to_string()[..12];
        let eth = u128::try_from(i.amount).unwrap_or(u128::MAX) as f64 / 1e18;
        if let Some(e) = sol.evaluations.iter().find(|e| e.intent == *id) {
            let pos = sol.plans.iter().find(|p| p.intent == *id).map_or(0, |p| p.allocations.len());
            tracing::info!(
                "{short:<12} {eth:>10.3} {:>6.2} % {:>6.2} % {:>12.6} {pos:>4}",
                e.net_apy_bps as f64 / 100.0,
                e.cvar_bps as f64 / 100.0,
                e.surplus as f64 / 1e18,
            );
        } else if let Some(l) = sol.left_out.iter().find(|l| l.intent == *id) {
            tracing::info!("{short:<12} {eth:>10.3}  left out: {}", l.reason);
        }
    }
    tracing::info!(
        "{} of {} intents planned, total score {:.6} ETH, solved in {:.1} ms",
        sol.plans.len(),
        intents.len(),
        sol.score() as f64 / 1e18,
        t.as_secs_f64() * 1e3
    );
    if let (Some(b), Some(gap)) = (sol.bound, sol.gap()) {
        tracing::info!(
            "upper bound {:.6} ETH (the LP relaxation without safety margins): within {:.3} % of the optimum",
            b as f64 / 1e18,
            gap * 100.0
        );
    }
}

pub(crate) fn evaluate(a: EvaluateArgs) -> Result<(), CliError> {
    let m = load_market(a.s.market.as_deref())?;
    let intents = load_intents(&a.s.intents)?;
    let text = read(&a.plan)?;
    let plans =
        match parse_json::<PlanFile>(&text, "the plan file (solve's output or a list of plans)")? {
            PlanFile::Output { plans } | PlanFile::Bare(plans) => plans,
        };
    let ix = Index::new(&m);
    let sc = Scenarios::generate(&m, &ix, a.s.seed, a.s.scenarios);
    let ctx = Context::new(&m, &sc);
    let mut verdicts = Vec::new();
    let mut bad = 0;
    for p in &plans {
        let Some((id, intent)) = intents.iter().find(|(id, _)| *id == p.intent) else {
            bad += 1;
            let broken = Broken {
                code: "plan.unknown_intent".into(),
                message: "no intent in the intents file has this id".into(),
            };
            verdicts.push(Verdict {
                evaluation: None,
                intent: p.intent,
                valid: false,
                violations: Some(vec![broken]),
            });
            continue;
        };
        match eval(&ctx, intent, *id, p) {
            Ok(e) => verdicts.push(Verdict {
                evaluation: Some(e),
                intent: *id,
                valid: true,
                violations: None,
            }),
            Err(vs) => {
                bad += 1;
                let list =
                    vs.iter().map(|v| Broken { code: v.code(), message: v.to_string() }).collect();
                verdicts.push(Verdict {
                    evaluation: None,
                    intent: *id,
                    valid: false,
                    violations: Some(list),
                });
            }
        }
    }
    print_json(&verdicts);
    tracing::info!("{} of {} plans valid", plans.len() - bad, plans.len());
    if bad > 0 {
        return Err(CliError::new(
            "plan.invalid",
            format!("{bad} of {} plans break their intent's constraints", plans.len()),
        ));
    }
    Ok(())
}
