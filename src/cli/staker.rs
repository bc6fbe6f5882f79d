//! The staker's commands, over the SDK's `Staker`: `stakebid intent
//! new|quote|submit|status|cancel`, `stakebid positions`, `stakebid
//! withdraw`, `stakebid auctions list|show`. Human output by default,
//! `--json` for scripts.

use alloy::primitives::{Address, B256, U256};
use clap::{Args, Subcommand};
use std::time::Duration;

use super::keys::parse_key;
use super::parse_eth;
use super::{print_json, CliError};
use stakebid_intents::IntentId;
use stakebid_sdk::display::{amount, duration, pct, utc};
use stakebid_sdk::{profile, Client, Staker};
use stakebid_wire::{Dec, IntentStatus};

/// The staker key on the devnet: anvil's second dev key (the first one is
/// the deployer's and executor's; sharing it would race their nonces).
pub(crate) const DEV_STAKER_KEY: &str =
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Runtime::new().map_err(|e| CliError::new("cli.runtime", e.to_string()))
}

/// Who and where: the node, the chain, the staker's key.
#[derive(Args, Debug, Clone)]
pub(crate) struct Conn {
    /// The node's API.
    #[arg(long, env = "STAKEBID_NODE", default_value = "http://127.0.0.1:8645")]
    node: String,
    /// The chain's JSON-RPC (to fund intents and read positions).
    #[arg(long, env = "STAKEBID_RPC_URL", default_value = "http://127.0.0.1:8545")]
    rpc_url: String,
    /// The staker's private key (default: anvil's second dev key).
    #[arg(long, env = "STAKEBID_KEY", default_value = DEV_STAKER_KEY, hide_default_value = true)]
    key: String,
    /// JSON output for scripts.
    #[arg(long)]
    json: bool,
}

impl Conn {
    async fn staker(&self, chain: bool) -> Result<Staker, CliError> {
        let rpc = chain.then_some(self.rpc_url.as_str());
        Staker::connect(&self.node, parse_key(&self.key)?, rpc).await.map_err(CliError::from)
    }
}

/// What intent to make.
#[derive(Args, Debug, Clone)]
pub(crate) struct NewArgs {
    /// Risk profile: conservative, balanced or yield-seeking.
    #[arg(long, default_value = "balanced")]
    profile: String,
    /// Amount in ether (decimal), fee included.
    #[arg(long)]
    amount_eth: String,
    /// What to stake: ETH, or an asset id of the node's market (stETH, rETH…), or a token address.
    #[arg(long, default_value = "ETH")]
    asset: String,
}

impl NewArgs {
    async fn intent(&self, s: &Staker) -> Result<stakebid_intents::Intent, CliError> {
        let p = profile(&self.profile).ok_or_else(|| {
            CliError::new(
                "cli.unknown_profile",
                format!(
                    "no profile {:?}: use conservative, balanced or yield-seeking",
                    self.profile
                ),
            )
        })?;
        let asset = match self.asset.parse::<Address>() {
            Ok(a) => a,
            Err(_) if self.asset == "ETH" => Address::ZERO,
            Err(_) => {
                let m = s.client.market().await?.market;
                m.asset(&self.asset).map(|a| a.token).ok_or_else(|| {
                    CliError::new(
                        "cli.unknown_asset",
                        format!("the node's market has no asset {:?}", self.asset),
                    )
                })?
            }
        };
        s.new_intent(p, asset, parse_eth(&self.amount_eth)?).await.map_err(CliError::from)
    }
}

#[derive(Subcommand, Debug)]
pub(crate) enum AuctionsCmd {
    /// Recent auctions: id, phase, intents.
    List {
        /// The node's API.
        #[arg(long, env = "STAKEBID_NODE", default_value = "http://127.0.0.1:8645")]
        node: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// One auction: bids and scores (after the reveal deadline), winners, settlements.
    Show {
        /// The node's API.
        #[arg(long, env = "STAKEBID_NODE", default_value = "http://127.0.0.1:8645")]
        node: String,
        /// Auction id.
        #[arg(long)]
        id: u64,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
}

/// `stakebid intent new`: the typed data to sign (for an external wallet).
pub(crate) fn new(c: Conn, a: NewArgs) -> Result<(), CliError> {
    runtime()?.block_on(async {
        let s = c.staker(false).await?;
        let i = a.intent(&s).await?;
        print_json(&s.typed_data(&i));
        Ok(())
    })
}

/// `stakebid intent quote`.
pub(crate) fn quote(c: Conn, a: NewArgs) -> Result<(), CliError> {
    runtime()?.block_on(async {
        let s = c.staker(false).await?;
        let i = a.intent(&s).await?;
        let q = s.quote(&i).await?;
        if c.json {
            print_json(&q);
        } else {
            println!(
                "net APY {}, tail loss (CVaR) {}, exitable in time {}, fee {}",
                pct(q.net_apy_bps),
                pct(q.cvar_bps as i64),
                pct(q.liquid_bps as i64),
                amount(U256::from(q.fee_wei.0), "ETH")
            );
            for p in &q.positions {
                println!("  {:<18} {}", p.position, amount(U256::from(p.amount.0), "ETH"));
            }
        }
        Ok(())
    })
}

/// `stakebid intent submit`: fund, sign (or use a wallet's signature), submit, optionally wait.
pub(crate) fn submit(
    c: Conn,
    a: NewArgs,
    typed_data: Option<std::path::PathBuf>,
    signature: Option<String>,
    wait: bool,
) -> Result<(), CliError> {
    runtime()?.block_on(async {
        let s = c.staker(true).await?;
        let own_key = typed_data.is_none() || signature.is_none();
        let (i, sig) = match (typed_data, signature) {
            (Some(f), Some(sig)) => {
                let v: serde_json::Value = super::parse_json(&super::read(&f)?, "the typed data")?;
                let (i, _) = stakebid_intents::Intent::from_typed_data(&v)?;
                let sig = sig.trim().parse().map_err(|_| {
                    CliError::new("intent.bad_signature", "the signature is not 0x-prefixed hex")
                })?;
                (i, sig)
            }
            _ => {
                let i = a.intent(&s).await?;
                let sig = s.sign(&i);
                (i, sig)
            }
        };
        // A token with a permit, signed by the local key: no approve
        // transaction (the Settlement uses the permit when it settles).
        let permit = if own_key { s.permit(&i).await? } else { None };
        let (funded, id) = match &permit {
            Some(p) => (
                "funded by an EIP-2612 permit: no approve transaction".to_string(),
                s.submit_with_permit(&i, &sig, p).await?,
            ),
            None => {
                let funded = s.fund(&i).await?;
                (funded, s.submit_signed(&i, &sig).await?)
            }
        };
        let status =
            if wait { s.wait(&id, Duration::from_secs(300)).await? } else { IntentStatus::Pending };
        if c.json {
            print_json(&Submitted { id, status, funding: &funded });
        } else {
            println!("{funded}");
            println!("intent {} submitted", id.0);
            if wait {
                print_view(&s, &s.status(&id).await?);
            }
        }
        Ok(())
    })
}

fn parse_id(id: &str) -> Result<IntentId, CliError> {
    id.parse::<B256>()
        .map(IntentId)
        .map_err(|_| CliError::new("intent.bad_id", "an intent id is 0x and 64 hex digits"))
}

/// `stakebid intent status`.
pub(crate) fn status(c: Conn, id: String, wait: bool) -> Result<(), CliError> {
    runtime()?.block_on(async {
        let s = c.staker(false).await?;
        let id = parse_id(&id)?;
        if wait {
            s.wait(&id, Duration::from_secs(300)).await?;
        }
        let r = s.status(&id).await?;
        if c.json {
            print_json(&r);
        } else {
            print_view(&s, &r);
        }
        Ok(())
    })
}

/// The name people know an asset by: ETH, or the deployment's token name.
fn unit_of(s: &Staker, asset: Address) -> String {
    if asset.is_zero() {
        return "ETH".into();
    }
    s.deployment()
        .and_then(|d| d.assets.iter().find(|(_, a)| **a == asset).map(|(n, _)| n.clone()))
        .unwrap_or_else(|| format!("of token {asset}"))
}

/// An intent's view for people: status and when, why it waits, the plan
/// with its figures, the auction and the settlement.
fn print_view(s: &Staker, v: &stakebid_wire::IntentView) {
    let i = &v.intent;
    let unit = unit_of(s, i.asset);
    println!(
        "intent {}: {} — {} on the {} risk limits, valid until {}",
        v.id.0,
        v.status,
        amount(i.amount.0, &unit),
        format_args!("net APY ≥ {}", pct(i.min_net_apy_bps.0 as i64)),
        utc(i.deadline.0)
    );
    for h in &v.history {
        println!("  {:<10} {}", h.status.to_string(), utc(h.at));
    }
    if let Some(w) = &v.waiting {
        println!("  {}", stakebid_sdk::display::waiting(w, |a| unit_of(s, a)));
    }
    let Some(a) = &v.award else { return };
    let e = &a.evaluation;
    println!(
        "  plan by solver {} in auction {}: net APY {}, tail loss (CVaR) {}, exitable in time {}, fee {}",
        a.solver,
        v.auction.map(|n| n.to_string()).unwrap_or_else(|| "?".into()),
        pct(e.net_apy_bps),
        pct(e.cvar_bps as i64),
        pct(e.liquid_bps as i64),
        amount(U256::from(e.fee.0), &unit)
    );
    for al in &a.plan.allocations {
        println!("    {:<18} {}", al.position, amount(U256::from(al.amount.0), &unit));
    }
    match &a.settlement {
        Some(st) => println!("  settled in tx {} ({} gas)", st.tx, st.gas_used),
        None => println!("  awaiting settlement on-chain"),
    }
}

/// The token a position's amount is counted in: liquid `rETH`, or the
/// shares of a restaked `rETH@kiln`.
fn position_unit(position: &str) -> String {
    match position.split_once('@') {
        Some((token, _)) => format!("{token} (restaked shares)"),
        None => position.to_string(),
    }
}

/// `stakebid intent cancel`.
pub(crate) fn cancel(c: Conn, id: String, on_chain: bool) -> Result<(), CliError> {
    runtime()?.block_on(async {
        let s = c.staker(on_chain).await?;
        let id = parse_id(&id)?;
        let r = s.cancel(&id).await?;
        if on_chain {
            let nonce: U256 = r.intent.nonce.0;
            let tx = s.cancel_on_chain(nonce).await?;
            tracing::info!("nonce {nonce} invalidated on-chain (tx {tx})");
        }
        if c.json {
            print_json(&r)
        } else {
            println!("intent {} {}", id.0, r.status)
        }
        Ok(())
    })
}

/// `stakebid positions`.
pub(crate) fn positions(c: Conn) -> Result<(), CliError> {
    runtime()?.block_on(async {
        let s = c.staker(true).await?;
        let ps = s.positions().await?;
        let escrow = s.escrow().await?;
        if c.json {
            print_json(&Holdings { owner: s.address(), escrow_wei: Dec(escrow), positions: &ps });
        } else {
            println!("owner {} — escrow {}", s.address(), amount(escrow, "ETH"));
            for p in ps.iter().filter(|p| !p.amount.is_zero()) {
                let at = if p.holder == s.address() {
                    "in your wallet".to_string()
                } else {
                    format!("in your position holder {}", p.holder)
                };
                println!(
                    "  {:<18} {}  ({at})",
                    p.position,
                    amount(p.amount, &position_unit(&p.position))
                );
            }
        }
        Ok(())
    })
}

/// The staker's position `position`, or the error naming the command that lists them.
fn held<'a>(
    ps: &'a [stakebid_sdk::Position],
    position: &str,
) -> Result<&'a stakebid_sdk::Position, CliError> {
    ps.iter().find(|p| p.position == position).ok_or_else(|| {
        CliError::new(
            "cli.unknown_position",
            format!("you hold no {position}; `stakebid positions` lists yours"),
        )
    })
}

/// `stakebid withdraw`: queue a restaked position's withdrawal (its delay starts now).
pub(crate) fn withdraw(c: Conn, position: String) -> Result<(), CliError> {
    runtime()?.block_on(async {
        let s = c.staker(true).await?;
        let ps = s.positions().await?;
        let p = held(&ps, &position)?;
        let tx = s.queue_withdrawal(p, p.amount).await?;
        if c.json {
            print_json(&Withdrawal { position: &position, shares: Dec(p.amount), tx });
        } else {
            println!("withdrawal of {} queued in your position holder {} (tx {tx}); `stakebid withdraw --complete` after the protocol's delay", amount(p.amount, &position_unit(&position)), p.holder);
        }
        Ok(())
    })
}

/// `stakebid rewards-claimer`: names who claims a restaked position's AVS rewards.
pub(crate) fn rewards_claimer(
    c: Conn,
    position: String,
    claimer: Option<Address>,
) -> Result<(), CliError> {
    runtime()?.block_on(async {
        let s = c.staker(true).await?;
        let ps = s.positions().await?;
        let p = held(&ps, &position)?;
        let claimer = claimer.unwrap_or(s.address());
        let tx = s.set_rewards_claimer(p, claimer).await?;
        if c.json {
            print_json(&Claimer { position: &position, holder: p.holder, claimer, tx });
        } else {
            println!("AVS rewards of {position} (earned by your position holder {}) are claimable by {claimer} in EigenLayer's RewardsCoordinator (tx {tx})", p.holder);
        }
        Ok(())
    })
}

/// What `stakebid claim --json` prints.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct ClaimView {
    intent: B256,
    root: B256,
    #[serde(with = "stakebid_intents::encoding::checksummed")]
    solver: Address,
    floor_bps: u16,
    horizon_days: u16,
    cap: stakebid_intents::Wei,
    settled_at: u64,
    opens_at: u64,
    closes_at: u64,
    delivered_bps: Option<i64>,
    payout_now: stakebid_intents::Wei,
    claimed: bool,
    paid: Option<stakebid_intents::Wei>,
    tx: Option<B256>,
}

/// `stakebid claim`: a guarantee's status and, when its window is open, the claim.
pub(crate) fn claim(c: Conn, intent: B256, status_only: bool) -> Result<(), CliError> {
    runtime()?.block_on(async {
        let s = c.staker(true).await?;
        let Some((com, st)) = s.guarantee(intent).await? else {
            return Err(CliError::new(
                "cli.no_guarantee",
                format!("intent {intent} has no guarantee on the chain: its plan settled without one, or has not settled"),
            ));
        };
        let mut view = ClaimView {
            intent,
            root: com.root,
            solver: com.solver,
            floor_bps: st.terms.floor.0,
            horizon_days: st.terms.horizon_days,
            cap: st.terms.cap,
            settled_at: st.settled_at,
            opens_at: st.window.0,
            closes_at: st.window.1,
            delivered_bps: st.delivered_bps,
            payout_now: st.payout_now,
            claimed: st.claimed,
            paid: None,
            tx: None,
        };
        let eth = |w: stakebid_intents::Wei| w.0 as f64 / 1e18;
        if !c.json {
            println!(
                "guarantee of {intent}: at least {:.2} % net APY over {} days, up to {} ETH from solver {}'s bond",
                st.terms.floor.0 as f64 / 100.0,
                st.terms.horizon_days,
                eth(st.terms.cap),
                com.solver
            );
            match st.delivered_bps {
                Some(b) => println!("delivered so far: {:.2} % net APY (the protocols' own indexes)", b as f64 / 100.0),
                None => println!("delivered so far: nothing measured yet (settled this block)"),
            }
            println!(
                "claim window: {} to {} (unix seconds){}",
                st.window.0,
                st.window.1,
                if st.claimed { "; already claimed" } else { "" }
            );
        }
        if !status_only {
            if st.claimed {
                return Err(CliError::new("cli.claim_not_open", format!("the guarantee of {intent} was already claimed")));
            }
            match s.claim(&com, intent).await {
                Ok((tx, paid)) => {
                    view.paid = Some(paid);
                    view.tx = Some(tx);
                    view.claimed = true;
                    if !c.json {
                        println!("claimed: {} ETH credited to the owner's escrow (tx {tx})", eth(paid));
                    }
                }
                Err(e) if e.to_string().contains("ClaimWindow") => {
                    return Err(CliError::new(
                        "cli.claim_not_open",
                        format!("the claim window of {intent} is {} to {} (unix seconds): not open now", st.window.0, st.window.1),
                    ));
                }
                Err(e) => return Err(e.into()),
            }
        }
        if c.json {
            print_json(&view);
        }
        Ok(())
    })
}

/// Seconds per block for the countdown (mainnet's slot; a devnet mines on demand).
const BLOCK_SECS: u64 = 12;

/// `stakebid withdraw --complete`: completes every queued withdrawal whose
/// delay has passed (of `only`, if given); lists the rest with their countdown.
pub(crate) fn complete(c: Conn, only: Option<String>) -> Result<(), CliError> {
    runtime()?.block_on(async {
        let s = c.staker(true).await?;
        let pending: Vec<_> = s
            .withdrawals()
            .await?
            .into_iter()
            .filter(|w| only.as_ref().is_none_or(|p| *p == w.position))
            .collect();
        if pending.is_empty() {
            return Err(CliError::new(
                "cli.no_withdrawal",
                "no queued withdrawal to complete; `stakebid withdraw --position ID` queues one",
            ));
        }
        // A devnet mines only on transactions: its blocks would never come.
        // There the wait is mined at once (anvil_mine); elsewhere it runs.
        let wait = pending.iter().map(|w| w.blocks_left).max().unwrap_or(0);
        let pending = if wait > 0 && devnet_mine(&c.rpc_url, wait).await? {
            if !c.json {
                println!("devnet: mined {wait} blocks to pass the protocol's withdrawal delay");
            }
            s.withdrawals()
                .await?
                .into_iter()
                .filter(|w| only.as_ref().is_none_or(|p| *p == w.position))
                .collect()
        } else {
            pending
        };
        let measured = if pending.iter().any(|w| w.blocks_left > 0) {
            measured_block_secs(&c.rpc_url).await
        } else {
            None
        };
        let (block_secs, basis) = match measured {
            Some(secs) => (secs, "measured over this chain's last 1,000 blocks"),
            None => (BLOCK_SECS, "Ethereum's slot"),
        };
        let mut out = vec![];
        for w in &pending {
            let tx = if w.blocks_left == 0 { Some(s.complete_withdrawal(w).await?) } else { None };
            if !c.json {
                match tx {
                    Some(tx) => println!(
                        "withdrawal of {} completed: the tokens are in your wallet (tx {tx})",
                        amount(w.shares, &position_unit(&w.position))
                    ),
                    None => println!(
                        "withdrawal of {} completes at block {}: {} blocks left (about {} at {block_secs} s a block, {basis})",
                        amount(w.shares, &position_unit(&w.position)),
                        w.completable_at_block,
                        w.blocks_left,
                        duration(w.blocks_left * block_secs)
                    ),
                }
            }
            out.push(Completion { withdrawal: w.clone(), tx });
        }
        if c.json {
            print_json(&out);
        }
        Ok(())
    })
}

/// On anvil (chain id 31337), mines `blocks` blocks and says so; false on
/// any other chain.
/// Blocks the block-time estimate averages over.
const SAMPLE_BLOCKS: u64 = 1_000;

/// This chain's seconds per block over its last [`SAMPLE_BLOCKS`] blocks
/// (rounded, at least 1); `None` when it is younger or does not answer
/// (the caller then says Ethereum's 12): a withdrawal's wait is told in
/// the chain's own time.
async fn measured_block_secs(rpc: &str) -> Option<u64> {
    use alloy::eips::BlockNumberOrTag;
    use alloy::providers::Provider;
    let p = alloy::providers::ProviderBuilder::new().connect_http(rpc.parse().ok()?);
    let head = p.get_block_by_number(BlockNumberOrTag::Latest).await.ok()??;
    let n = head.header.number.checked_sub(SAMPLE_BLOCKS)?;
    let then = p.get_block_by_number(BlockNumberOrTag::Number(n)).await.ok()??;
    let dt = head.header.timestamp.saturating_sub(then.header.timestamp);
    Some(((dt + SAMPLE_BLOCKS / 2) / SAMPLE_BLOCKS).max(1))
}

async fn devnet_mine(rpc: &str, blocks: u64) -> Result<bool, CliError> {
    use alloy::providers::Provider;
    let url =
        rpc.parse().map_err(|_| CliError::new("cli.bad_url", format!("{rpc} is not a URL")))?;
    let p = alloy::providers::ProviderBuilder::new().connect_http(url);
    let chain =
        p.get_chain_id().await.map_err(|e| CliError::new("chain.rpc_failed", e.to_string()))?;
    if chain != stakebid_intents::Domain::DEV.chain_id {
        return Ok(false);
    }
    p.raw_request::<_, serde_json::Value>("anvil_mine".into(), (format!("{blocks:#x}"),))
        .await
        .map_err(|e| CliError::new("chain.rpc_failed", e.to_string()))?;
    Ok(true)
}

/// `stakebid withdraw --complete --json`: each queued withdrawal, and the
/// transaction that completed it (none while its delay runs).
#[derive(serde::Serialize)]
struct Completion {
    #[serde(flatten)]
    withdrawal: stakebid_sdk::PendingWithdrawal,
    tx: Option<B256>,
}

/// `stakebid auctions list|show`.
pub(crate) fn auctions(cmd: AuctionsCmd) -> Result<(), CliError> {
    runtime()?.block_on(async {
        match cmd {
            AuctionsCmd::List { node, json } => {
                let v = Client::new(&node).auctions(50).await?;
                if json {
                    print_json(&v);
                } else {
                    for a in &v.auctions {
                        println!("#{:<5} {:<10} {} intents", a.id, a.phase.to_string(), a.intents);
                    }
                }
            }
            AuctionsCmd::Show { node, id, json } => {
                let v = Client::new(&node).auction(id).await?;
                if json {
                    print_json(&v);
                } else {
                    println!("auction #{id}: {} intents, {}", v.intents.len(), v.phase);
                    let Some(o) = &v.outcome else { return Ok(()) };
                    for b in &o.bids {
                        let won = if b.won { "WON" } else { "" };
                        println!("  bid {} score {} {won}", b.solver, b.total);
                    }
                    for w in &o.awards {
                        match &w.settlement {
                            Some(st) => println!(
                                "  settled: {} intents, tx {}, {} gas",
                                w.award.intentIds.len(),
                                st.tx,
                                st.gas_used
                            ),
                            None => {
                                println!("  awarded to {}, awaiting settlement", w.award.solver)
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    })
}

/// `stakebid intent submit --json`.
#[derive(serde::Serialize)]
struct Submitted<'a> {
    id: IntentId,
    status: IntentStatus,
    funding: &'a str,
}

/// `stakebid positions --json`.
#[derive(serde::Serialize)]
struct Holdings<'a> {
    #[serde(with = "stakebid_intents::encoding::checksummed")]
    owner: Address,
    escrow_wei: Dec<U256>,
    positions: &'a [stakebid_sdk::Position],
}

/// `stakebid rewards-claimer --json`.
#[derive(serde::Serialize)]
struct Claimer<'a> {
    position: &'a str,
    #[serde(with = "stakebid_intents::encoding::checksummed")]
    holder: Address,
    #[serde(with = "stakebid_intents::encoding::checksummed")]
    claimer: Address,
    tx: B256,
}

/// `stakebid withdraw --json`.
#[derive(serde::Serialize)]
struct Withdrawal<'a> {
    position: &'a str,
    shares: Dec<U256>,
    tx: B256,
}
