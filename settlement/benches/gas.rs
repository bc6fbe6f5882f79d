//! Gas per settled intent on a real anvil, for batches of 1, 10 and 50,
//! split into the protocol calls themselves (Lido, the deposit pools,
//! EigenLayer — frames of a `debug_traceTransaction` call trace),
//! position-holder creation (CREATE2 with its 32,000 base, and
//! `initialize`; reported on its own), and stakebid's overhead (everything
//! else: calldata, signature and award checks, nonces, escrow, routing,
//! adapters, holders' own code, events, the transaction's base cost shared
//! by the batch). Refunds (storage set and cleared in the transaction) are
//! credited to the part whose frame earned them, read from anvil's step
//! log, so no part is flattered by another's refund. Baseline in the same run:
//! the same positions opened by each staker directly, one transaction per
//! protocol call.
//!
//! Run: `cargo bench -p stakebid-settlement --bench gas`

use stakebid_settlement::Confirm;
use std::collections::BTreeSet;

use alloy::network::EthereumWallet;
use alloy::node_bindings::Anvil;
use alloy::primitives::{utils::parse_ether, Address, Bytes, B256, I256, U256};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::signers::local::PrivateKeySigner;
use serde_json::{json, Value};

use stakebid_devnet::deploy;
use stakebid_devnet::el::{DelegationManager, StrategyManager};
use stakebid_intents::protocol::{Award, Bid, BidAllocation, BidPlan};
use stakebid_intents::{sign, Domain, Market, SignedIntent};
use stakebid_settlement::calldata::settle_arg;
use stakebid_settlement::contracts::{MockLido, Settlement};
use stakebid_settlement::deploy::{DeployParams, Deployment};
use stakebid_tests::anvil_path;

const USERS: usize = 50;
const FIRST_USER: usize = 4;

fn eth(s: &str) -> U256 {
    parse_ether(s).unwrap()
}

/// One transaction's gas, net of refunds, by part.
struct Split {
    /// What the transaction paid (after refunds).
    paid: u64,
    protocol: u64,
    creation: u64,
    /// Calldata's share of the overhead (EIP-2028: 16 gas a non-zero byte, 4 a zero byte).
    calldata: u64,
    /// Gas spent by each contract's own code (a frame's gas less its
    /// children's, before refunds), the transaction's frame including the
    /// intrinsic cost: where the overhead goes.
    own: std::collections::BTreeMap<Address, u64>,
}

/// Each frame's own gas (its gas used less its children's), by contract;
/// creation frames and holders' `initialize` left out (they are holder
/// creation). `extra`: what the frame's `gasUsed` leaves out (the top
/// frame's is net of refunds).
fn own_gas(
    frame: &Value,
    extra: u64,
    init: &str,
    out: &mut std::collections::BTreeMap<Address, u64>,
) {
    let calls = || frame["calls"].as_array().into_iter().flatten();
    let children: u64 = calls().map(|c| hex_u64(&c["gasUsed"])).sum();
    if let Some(to) = frame["to"].as_str().and_then(|t| t.parse().ok()) {
        *out.entry(to).or_default() +=
            (hex_u64(&frame["gasUsed"]) + extra).saturating_sub(children);
    }
    let creation = |c: &&Value| {
        c["type"].as_str().unwrap_or("").starts_with("CREATE")
            || c["input"].as_str().is_some_and(|i| i.starts_with(init))
    };
    for c in calls().filter(|c| !creation(c)) {
        own_gas(c, 0, init, out);
    }
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Part {
    Overhead = 0,
    Protocol = 1,
    Creation = 2,
}

fn hex_u64(v: &Value) -> u64 {
    u64::from_str_radix(v.as_str().unwrap_or("0x0").trim_start_matches("0x"), 16).unwrap_or(0)
}

/// What a child frame of a `parent` frame counts as: everything under a
/// protocol or creation frame stays there; CREATE2 and the holder's
/// `initialize` are creation; calls to the protocols are protocol.
fn classify(c: &Value, parent: Part, protocol: &BTreeSet<Address>, init: &str) -> Part {
    if parent != Part::Overhead {
        return parent;
    }
    let ty = c["type"].as_str().unwrap_or("");
    let to: Option<Address> = c["to"].as_str().and_then(|t| t.parse().ok());
    if ty.starts_with("CREATE") || c["input"].as_str().is_some_and(|i| i.starts_with(init)) {
        Part::Creation
    } else if to.is_some_and(|t| protocol.contains(&t)) {
        Part::Protocol
    } else {
        Part::Overhead
    }
}

/// Gas used inside protocol and creation frames, before refunds (a
/// frame's gas includes its children's).
fn frame_gas(frame: &Value, protocol: &BTreeSet<Address>, init: &str, gas: &mut [u64; 3]) {
    for c in frame["calls"].as_array().into_iter().flatten() {
        match classify(c, Part::Overhead, protocol, init) {
            Part::Overhead => frame_gas(c, protocol, init, gas),
            part => gas[part as usize] += hex_u64(&c["gasUsed"]),
        }
        if c["type"].as_str().unwrap_or("").starts_with("CREATE") {
            // The creating frame pays CREATE2's 32,000 and 6 gas per word of
            // init code hashed; the created frame, the init code and the code deposit.
            let bytes = (c["input"].as_str().unwrap_or("0x").len() as u64).saturating_sub(2) / 2;
            gas[Part::Creation as usize] += 32_000 + 6 * bytes.div_ceil(32);
        }
    }
}

/// Each frame that runs code, in execution order, with its part: the
/// order in which the step log enters frames (calls to accounts without
/// code, such as ETH sent to a wallet or a precompile, run no steps).
fn frame_parts(
    frame: &Value,
    part: Part,
    runs_code: &BTreeSet<Address>,
    protocol: &BTreeSet<Address>,
    init: &str,
    out: &mut Vec<Part>,
) {
    out.push(part);
    for c in frame["calls"].as_array().into_iter().flatten() {
        let to: Option<Address> = c["to"].as_str().and_then(|t| t.parse().ok());
        let runs = c["type"].as_str().unwrap_or("").starts_with("CREATE")
            || to.is_some_and(|t| runs_code.contains(&t));
        if runs {
            frame_parts(c, classify(c, part, protocol, init), runs_code, protocol, init, out);
        }
    }
}

fn addresses(frame: &Value, out: &mut BTreeSet<Address>) {
    for c in frame["calls"].as_array().into_iter().flatten() {
        if let Some(t) = c["to"].as_str().and_then(|t| t.parse().ok()) {
            out.insert(t);
        }
        addresses(c, out);
    }
}

async fn trace(p: &DynProvider, tx: B256, protocol: &BTreeSet<Address>) -> Split {
    let r = p.get_transaction_receipt(tx).await.unwrap().unwrap();
    let t: Value = p
        .raw_request("debug_traceTransaction".into(), (tx, json!({ "tracer": "callTracer" })))
        .await
        .unwrap();
    let input = p.get_transaction_by_hash(tx).await.unwrap().unwrap();
    let calldata: u64 = alloy::consensus::Transaction::input(&input)
        .iter()
        .map(|b| if *b == 0 { 4 } else { 16 })
        .sum();
    // initialize(address)
    let init = format!(
        "0x{}",
        alloy::hex::encode(&alloy::primitives::keccak256("initialize(address)")[..4])
    );
    let mut gas = [0u64; 3];
    frame_gas(&t, protocol, &init, &mut gas);

    // Refunds (storage set and cleared within the transaction: transit
    // balances, allowances, the re-entrancy flag) are credited to the part
    // whose frame earned them, read step by step from the step log (anvil
    // runs with --steps-tracing).
    let mut all = BTreeSet::new();
    addresses(&t, &mut all);
    let mut runs_code = BTreeSet::new();
    for a in all {
        if !p.get_code_at(a).await.unwrap().is_empty() {
            runs_code.insert(a);
        }
    }
    let mut parts = vec![];
    frame_parts(&t, Part::Overhead, &runs_code, protocol, &init, &mut parts);
    let logs: Value = p
        .raw_request(
            "debug_traceTransaction".into(),
            (tx, json!({ "disableStack": true, "disableMemory": true, "disableStorage": true })),
        )
        .await
        .unwrap();
    let steps = logs["structLogs"].as_array().expect("anvil --steps-tracing");
    let refund_at = |s: &Value| s["refund"].as_i64().unwrap_or(0);
    let depth_at = |s: &Value| s["depth"].as_u64().unwrap();
    let mut earned = [0i64; 3];
    let mut stack = vec![0usize];
    let mut entered = 1;
    for w in steps.windows(2) {
        let (from, to) = (depth_at(&w[0]), depth_at(&w[1]));
        // Each frame keeps its own counter (a child's is merged into its
        // parent's on return), so only a change within one frame is earned there.
        if from == to {
            earned[parts[*stack.last().unwrap()] as usize] += refund_at(&w[1]) - refund_at(&w[0]);
        }
        if to > from {
            stack.push(entered);
            entered += 1;
        }
        for _ in to..from {
            stack.pop();
        }
    }
    assert_eq!(entered, parts.len(), "the step log enters the call trace's frames");
    // EIP-3529: the refund paid is at most a fifth of the gas used before it.
    let counter = steps.last().map(refund_at).unwrap_or(0).max(0) as u64;
    let paid_refund = if 4 * counter <= r.gas_used { counter } else { r.gas_used / 4 };
    let credit = |part: Part| {
        (earned[part as usize].max(0) as u64 * paid_refund).checked_div(counter).unwrap_or(0)
    };
    let mut own = std::collections::BTreeMap::new();
    own_gas(&t, paid_refund, &init, &mut own);
    Split {
        paid: r.gas_used,
        protocol: gas[1] - credit(Part::Protocol),
        creation: gas[2] - credit(Part::Creation),
        calldata,
        own,
    }
}

struct Env {
    url: alloy::transports::http::reqwest::Url,
    keys: Vec<PrivateKeySigner>,
    d: Deployment,
    market: Market,
    domain: Domain,
    nonce: u64,
    /// Terms every plan of the next settlements carries (none: unguaranteed).
    guarantee: Option<stakebid_intents::guarantee::Terms>,
    /// The commitments the last settlement logged.
    committed: Vec<stakebid_settlement::guarantee::Commitment>,
}

impl Env {
    fn wallet(&self, i: usize) -> DynProvider {
        ProviderBuilder::new()
            .wallet(EthereumWallet::from(self.keys[i].clone()))
            .connect_http(self.url.clone())
            .erased()
    }

    /// Settles one bid of `n` intents (users FIRST_USER..), each `plan`; returns the split.
    async fn settle(&mut self, n: usize, plan: &[(&str, &str)]) -> Split {
        let mut intents = vec![];
        let mut plans = vec![];
        for u in 0..n {
            let k = &self.keys[FIRST_USER + u];
            let amount: U256 = plan.iter().map(|(_, a)| eth(a)).sum::<U256>() + eth("0.001");
            let i = stakebid_tests::onchain::permissive(
                k.address(),
                Address::ZERO,
                amount,
                self.nonce,
                u64::MAX / 2,
            );
            let sig = sign(&i, &self.domain, k);
            let si = SignedIntent {
                intent: i,
                domain: self.domain,
                signature: Bytes::from(sig.as_bytes()),
                permit: None,
            };
            plans.push(BidPlan {
                intentId: si.intent.id(&self.domain).0,
                allocations: plan
                    .iter()
                    .map(|(p, a)| BidAllocation { position: p.to_string(), amount: eth(a) })
                    .collect(),
                fee: eth("0.001"),
                guaranteeBps: self.guarantee.map_or(0, |t| t.floor.0),
                guaranteeDays: self.guarantee.map_or(0, |t| t.horizon_days),
                guaranteeCap: U256::from(self.guarantee.map_or(0, |t| t.cap.0)),
            });
            intents.push(si);
        }
        self.nonce += 1;
        let bid = Bid { auctionId: self.nonce, solver: self.keys[3].address(), plans };
        let award = Award {
            auctionId: bid.auctionId,
            bidHash: bid.hash(),
            solver: bid.solver,
            intentIds: bid.plans.iter().map(|p| p.intentId).collect(),
            score: I256::ONE,
        };
        let asig = award.sign(&self.domain, &self.keys[1]);
        let arg = settle_arg(&award, &asig, &bid, &intents, &self.market, 10).unwrap();
        let s = Settlement::new(self.d.settlement, self.wallet(2));
        let r = s.settle(vec![arg]).confirm().await.unwrap();
        assert!(r.status(), "settle reverted");
        self.committed = stakebid_settlement::guarantee::commitments_in(&r, self.d.settlement);
        trace(&self.wallet(0), r.transaction_hash, &self.protocol()).await
    }

    /// What a contract is, for the overhead breakdown; `None`: a protocol's.
    fn role(&self, a: Address) -> Option<&'static str> {
        if a == self.d.settlement {
            Some("Settlement (and the transaction's intrinsic cost)")
        } else if a == Address::with_last_byte(1) {
            Some("ecrecover")
        } else if a == self.d.registry {
            Some("solver registry")
        } else if a == self.d.restaking_adapter {
            Some("restaking adapter")
        } else if self.d.minters.values().any(|m| *m == a) {
            Some("minting adapters")
        } else if self.protocol().contains(&a) || self.d.strategies.values().any(|s| *s == a) {
            None
        } else {
            Some("position holders")
        }
    }

    fn protocol(&self) -> BTreeSet<Address> {
        self.d
            .assets
            .values()
            .copied()
            .filter(|a| !a.is_zero())
            .chain([
                self.d.delegation_manager(),
                self.d.strategy_manager(),
                self.d.allocation_manager(),
            ])
            .collect()
    }

    /// The same positions opened by a staker itself: gas of its transactions.
    async fn direct(&self, user: usize, plan: &[(&str, &str)], with_holder_delegated: bool) -> u64 {
        let w = self.wallet(user);
        let mut gas = 0;
        for (p, a) in plan {
            let (asset, op) = p.split_once('@').map_or((*p, None), |(a, o)| (a, Some(o)));
            assert_eq!(asset, "stETH", "the baseline covers stETH positions");
            let lido = MockLido::new(self.d.assets["stETH"], w.clone());
            gas += lido.submit(Address::ZERO).value(eth(a)).confirm().await.unwrap().gas_used;
            if let Some(op) = op {
                let sm = StrategyManager::new(self.d.strategy_manager(), w.clone());
                let dm = DelegationManager::new(self.d.delegation_manager(), w.clone());
                gas += lido
                    .approve(self.d.strategy_manager(), eth(a))
                    .confirm()
                    .await
                    .unwrap()
                    .gas_used;
                gas += sm
                    .depositIntoStrategy(self.d.strategies["stETH"], self.d.assets["stETH"], eth(a))
                    .confirm()
                    .await
                    .unwrap()
                    .gas_used;
                if !with_holder_delegated {
                    let sig = stakebid_devnet::el::ISignatureUtilsMixinTypes::SignatureWithExpiry {
                        signature: Bytes::new(),
                        expiry: U256::ZERO,
                    };
                    gas += dm
                        .delegateTo(self.d.operators[op], sig, B256::ZERO)
                        .confirm()
                        .await
                        .unwrap()
                        .gas_used;
                }
            }
        }
        gas
    }
}

fn main() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let anvil = Anvil::at(anvil_path())
            .args(["--accounts", "60", "--gas-limit", "300000000", "--code-size-limit", "50000", "--steps-tracing"])
            .try_spawn()
            .expect("anvil (tests/setup.sh installs it)");
        let keys: Vec<PrivateKeySigner> = anvil
            .keys()
            .iter()
            .map(|k| PrivateKeySigner::from_bytes(&B256::from_slice(&k.to_bytes())).unwrap())
            .collect();
        let p = DeployParams::devnet(keys[1].address(), keys[2].address(), keys[0].address());
        let d = deploy(&anvil.endpoint(), &keys[0], &Market::snapshot(), &p).await.unwrap();
        let market = d.apply(&Market::snapshot());
        let domain = Domain { chain_id: d.chain_id, settlement: d.settlement };
        let mut env = Env {
            url: anvil.endpoint_url(),
            keys,
            d,
            market,
            domain,
            nonce: 0,
            guarantee: None,
            committed: vec![],
        };
        // Bond the solver; escrow for every staker.
        let reg = stakebid_settlement::registry::SolverRegistry::new(env.d.registry, env.wallet(3));
        reg.bond().value(eth("2")).confirm().await.unwrap();
        for u in 0..USERS {
            let s = Settlement::new(env.d.settlement, env.wallet(FIRST_USER + u));
            s.deposit().value(eth("100")).confirm().await.unwrap();
        }
        let shapes: [(&str, &[(&str, &str)]); 6] = [
            ("stETH (Lido submit)", &[("stETH", "1")]),
            ("stETH, guaranteed", &[("stETH", "1")]),
            ("stETH@op, new holder", &[("stETH@p2p", "1")]),
            ("stETH@op, holder exists", &[("stETH@p2p", "1")]),
            ("stETH + rETH + stETH@kiln", &[("stETH", "0.4"), ("rETH", "0.3"), ("stETH@kiln", "0.3")]),
            ("stETH + rETH + stETH@kiln, guaranteed", &[("stETH", "0.4"), ("rETH", "0.3"), ("stETH@kiln", "0.3")]),
        ];
        let terms = stakebid_intents::guarantee::Terms {
            floor: stakebid_intents::units::Bps(300),
            horizon_days: 30,
            cap: stakebid_intents::units::Wei(eth("0.001").to()),
        };
        println!("| plan per intent | batch | gas per intent (paid) | protocol calls | holder creation | stakebid overhead | of which calldata |");
        println!("|---|---:|---:|---:|---:|---:|---:|");
        let mut breakdown = vec![];
        for (name, plan) in shapes {
            for n in [1usize, 10, 50] {
                // Each batch size restakes with its own operator: first with
                // no holders yet, then again with the same holders in place.
                let plan_here: Vec<(String, &str)> = match name {
                    "stETH@op, new holder" | "stETH@op, holder exists" => {
                        let op = ["figment", "chorusone", "luganodes"][[1, 10, 50].iter().position(|&x| x == n).unwrap()];
                        plan.iter().map(|(_, a)| (format!("stETH@{op}"), *a)).collect()
                    }
                    _ => plan.iter().map(|(p, a)| (p.to_string(), *a)).collect(),
                };
                let pr: Vec<(&str, &str)> = plan_here.iter().map(|(p, a)| (p.as_str(), *a)).collect();
                env.guarantee = name.ends_with("guaranteed").then_some(terms);
                let s = env.settle(n, &pr).await;
                let per = |x: u64| x / n as u64;
                if n == 50 {
                    let mut by: std::collections::BTreeMap<&str, u64> = Default::default();
                    for (a, g) in &s.own {
                        if let Some(r) = env.role(*a) {
                            *by.entry(r).or_default() += g;
                        }
                    }
                    breakdown.push((name, by.into_iter().map(|(r, g)| format!("{r} {}", per(g))).collect::<Vec<_>>().join(", ")));
                }
                println!(
                    "| {name} | {n} | {} | {} | {} | {} | {} |",
                    per(s.paid),
                    per(s.protocol),
                    per(s.creation),
                    per(s.paid - s.protocol - s.creation),
                    per(s.calldata)
                );
            }
        }
        println!();
        println!("Own gas per intent by contract, batch of 50 (before refunds; protocol frames left out):");
        for (name, b) in breakdown {
            println!("- {name}: {b}");
        }
        // A claim on the last guaranteed batch (three positions, 50 leaves):
        // 30 days on, by a stranger.
        let c = env.committed.first().expect("the last batch was guaranteed").clone();
        let _: serde_json::Value =
            env.wallet(0).raw_request("evm_increaseTime".into(), (30 * 86_400u64 + 60,)).await.unwrap();
        let (r, _) = stakebid_settlement::guarantee::claim(&env.wallet(54), &env.d, &c, c.leaves[17].intentId)
            .await
            .unwrap();
        println!();
        println!("A guarantee's claim (three positions, a proof of {} hashes in a tree of 50): {} gas", c.proof(c.leaves[17].intentId).unwrap().1.len(), r.gas_used);
        // Baseline: the staker does it alone (fresh accounts 55..).
        let alone_liquid = env.direct(55, &[("stETH", "1")], false).await;
        let alone_restake = env.direct(56, &[("stETH@p2p", "1")], false).await;
        let alone_restake_again = env.direct(56, &[("stETH@p2p", "1")], true).await;
        println!();
        println!("| baseline: the staker alone | transactions | gas |");
        println!("|---|---:|---:|");
        println!("| stETH: `submit` | 1 | {alone_liquid} |");
        println!("| stETH@p2p: `submit`, `approve`, `depositIntoStrategy`, `delegateTo` | 4 | {alone_restake} |");
        println!("| stETH@p2p again (already delegated): `submit`, `approve`, `depositIntoStrategy` | 3 | {alone_restake_again} |");
    });
}
