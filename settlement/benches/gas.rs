//! Gas per settled intent on a real anvil, for batches of 1, 10 and 50,
//! split into the protocol calls themselves (Lido, the deposit pools,
//! EigenLayer — frames of a `debug_traceTransaction` call trace),
//! position-holder creation (CREATE2 + initialize, reported on its own),
//! and stakebid's overhead (everything else: calldata, signature and award
//! checks, nonces, escrow, routing, adapter calls, events, the
//! transaction's base cost shared by the batch). Baseline in the same run:
//! the same positions opened by each staker directly, one transaction per
//! protocol call.
//!
//! Run: `cargo bench -p stakebid-settlement --bench gas`

use std::collections::BTreeSet;

use alloy::network::EthereumWallet;
use alloy::node_bindings::Anvil;
use alloy::primitives::{utils::parse_ether, Address, Bytes, B256, I256, U256};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::signers::local::PrivateKeySigner;
use serde_json::{json, Value};

use stakebid_intents::protocol::{Award, Bid, BidAllocation, BidPlan};
use stakebid_intents::{sign, Domain, Intent, Market, SignedIntent};
use stakebid_settlement::anvil_path;
use stakebid_settlement::calldata::settle_arg;
use stakebid_settlement::contracts::{MockEigenLayer, MockLido, Settlement};
use stakebid_settlement::deploy::{deploy, DeployParams, Deployment};

const USERS: usize = 50;
const FIRST_USER: usize = 4;

fn eth(s: &str) -> U256 {
    parse_ether(s).unwrap()
}

struct Split {
    /// Before refunds.
    total: u64,
    protocol: u64,
    creation: u64,
    refund: u64,
}

fn walk(frame: &Value, protocol: &BTreeSet<Address>, init: &str, s: &mut Split) {
    for c in frame["calls"].as_array().into_iter().flatten() {
        let gas = u64::from_str_radix(
            c["gasUsed"].as_str().unwrap_or("0x0").trim_start_matches("0x"),
            16,
        )
        .unwrap_or(0);
        let to: Option<Address> = c["to"].as_str().and_then(|t| t.parse().ok());
        let ty = c["type"].as_str().unwrap_or("");
        if ty == "CREATE2" || ty == "CREATE" {
            // The frame's gas includes CREATE2's own 32,000 and the code deposit.
            s.creation += gas;
        } else if c["input"].as_str().is_some_and(|i| i.starts_with(init)) {
            s.creation += gas;
        } else if to.is_some_and(|t| protocol.contains(&t)) {
            s.protocol += gas;
        } else {
            walk(c, protocol, init, s);
        }
    }
}

async fn trace(p: &DynProvider, tx: B256, protocol: &BTreeSet<Address>) -> Split {
    let r = p.get_transaction_receipt(tx).await.unwrap().unwrap();
    let t: Value = p
        .raw_request("debug_traceTransaction".into(), (tx, json!({ "tracer": "callTracer" })))
        .await
        .unwrap();
    // initialize(address)
    let init = format!(
        "0x{}",
        alloy::hex::encode(&alloy::primitives::keccak256("initialize(address)")[..4])
    );
    // Frames are measured before refunds (storage set and cleared in one
    // transaction: allowances, transit balances, the re-entrancy flag), the
    // receipt after; the refund is reported on its own.
    let top =
        u64::from_str_radix(t["gasUsed"].as_str().unwrap_or("0x0").trim_start_matches("0x"), 16)
            .unwrap_or(0);
    let mut s = Split {
        total: r.gas_used.max(top),
        protocol: 0,
        creation: 0,
        refund: top.saturating_sub(r.gas_used),
    };
    walk(&t, protocol, &init, &mut s);
    s
}

struct Env {
    url: alloy::transports::http::reqwest::Url,
    keys: Vec<PrivateKeySigner>,
    d: Deployment,
    market: Market,
    domain: Domain,
    nonce: u64,
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
            let i = Intent {
                owner: k.address(),
                asset: Address::ZERO,
                amount,
                minNetApyBps: 0,
                maxLossBps: 10_000,
                lossConfidenceBps: 9_500,
                maxOperatorBps: 10_000,
                maxServiceBps: 10_000,
                minLiquidBps: 0,
                liquidWithinDays: 0,
                maxFeeBps: 100,
                excludedOperators: vec![],
                nonce: U256::from(self.nonce),
                deadline: u64::MAX / 2,
            };
            let sig = sign(&i, &self.domain, k);
            let si = SignedIntent {
                intent: i,
                domain: self.domain,
                signature: Bytes::from(sig.as_bytes()),
            };
            plans.push(BidPlan {
                intentId: si.intent.id(&self.domain).0,
                allocations: plan
                    .iter()
                    .map(|(p, a)| BidAllocation { position: p.to_string(), amount: eth(a) })
                    .collect(),
                fee: eth("0.001"),
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
        let r = s.settle(vec![arg]).send().await.unwrap().get_receipt().await.unwrap();
        assert!(r.status(), "settle reverted");
        trace(&self.wallet(0), r.transaction_hash, &self.protocol()).await
    }

    fn protocol(&self) -> BTreeSet<Address> {
        self.d
            .assets
            .values()
            .copied()
            .filter(|a| !a.is_zero())
            .chain([self.d.eigenlayer])
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
            gas += lido
                .submit(Address::ZERO)
                .value(eth(a))
                .send()
                .await
                .unwrap()
                .get_receipt()
                .await
                .unwrap()
                .gas_used;
            if let Some(op) = op {
                let eigen = MockEigenLayer::new(self.d.eigenlayer, w.clone());
                gas += lido
                    .approve(self.d.eigenlayer, eth(a))
                    .send()
                    .await
                    .unwrap()
                    .get_receipt()
                    .await
                    .unwrap()
                    .gas_used;
                gas += eigen
                    .depositIntoStrategy(self.d.strategies["stETH"], self.d.assets["stETH"], eth(a))
                    .send()
                    .await
                    .unwrap()
                    .get_receipt()
                    .await
                    .unwrap()
                    .gas_used;
                if !with_holder_delegated {
                    let sig = stakebid_settlement::contracts::mock_eigen_layer::IDelegationManager::SignatureWithExpiry {
                        signature: Bytes::new(),
                        expiry: U256::ZERO,
                    };
                    gas += eigen
                        .delegateTo(self.d.operators[op], sig, B256::ZERO)
                        .send()
                        .await
                        .unwrap()
                        .get_receipt()
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
            .args(["--accounts", "60", "--gas-limit", "300000000", "--code-size-limit", "50000"])
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
        let mut env = Env { url: anvil.endpoint_url(), keys, d, market, domain, nonce: 0 };
        // Bond the solver; escrow for every staker.
        let reg = stakebid_settlement::registry::SolverRegistry::new(env.d.registry, env.wallet(3));
        reg.bond().value(eth("2")).send().await.unwrap().get_receipt().await.unwrap();
        for u in 0..USERS {
            let s = Settlement::new(env.d.settlement, env.wallet(FIRST_USER + u));
            s.deposit().value(eth("100")).send().await.unwrap().get_receipt().await.unwrap();
        }
        let shapes: [(&str, &[(&str, &str)]); 4] = [
            ("stETH (Lido submit)", &[("stETH", "1")]),
            ("stETH@op, new holder", &[("stETH@p2p", "1")]),
            ("stETH@op, holder exists", &[("stETH@p2p", "1")]),
            ("stETH + rETH + stETH@kiln", &[("stETH", "0.4"), ("rETH", "0.3"), ("stETH@kiln", "0.3")]),
        ];
        println!("| plan per intent | batch | gas per intent (paid) | protocol calls | holder creation | stakebid overhead | refund |");
        println!("|---|---:|---:|---:|---:|---:|---:|");
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
                let s = env.settle(n, &pr).await;
                let per = |x: u64| x / n as u64;
                println!(
                    "| {name} | {n} | {} | {} | {} | {} | {} |",
                    per(s.total - s.refund),
                    per(s.protocol),
                    per(s.creation),
                    per(s.total - s.protocol - s.creation),
                    per(s.refund)
                );
            }
        }
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
