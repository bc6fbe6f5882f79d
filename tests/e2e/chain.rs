//! The marketplace settling on a real chain, all real processes: anvil,
//! `stakebid deploy`, nats-server, the node with the deployment, and three
//! `stakebid solver run` processes on NATS, bonded on-chain;
//! 20 intents from 8 stakers (native ETH from escrow, and LSTs from
//! allowances) all settle, and every staker's wallet and position holders
//! on-chain equal the sum of the settled plans, to the wei (an award's ETH
//! for one route is deposited once and split pro rata; see `award_outs`).

use stakebid_settlement::Confirm;
use std::collections::BTreeMap;
use std::time::Duration;

use alloy::network::EthereumWallet;
use alloy::primitives::{Address, B256, U256};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::signers::local::PrivateKeySigner;
use serde_json::json;

use stakebid_devnet::el::{DelegationManager, StrategyManager};
use stakebid_intents::batch::{generate, staker_key};
use stakebid_intents::market::{Index, Market};
use stakebid_intents::protocol::{Bid, BidPlan};
use stakebid_intents::{Domain, SignedIntent};
use stakebid_settlement::contracts::{EigenLayerAdapter, MockLido, MockRocketPool, Settlement};
use stakebid_settlement::deploy::Deployment;
use stakebid_tests::{
    anvil, anvil_key, get, http, nats, scratch, solver_key, unix_now, wait_for, Node, Proc,
};

use crate::{args, BIN};

const SEED: u64 = 77;

fn wallet(url: &str, k: &PrivateKeySigner) -> DynProvider {
    ProviderBuilder::new()
        .wallet(EthereumWallet::from(k.clone()))
        .connect_http(url.parse().unwrap())
        .erased()
}

/// Gives each staker what its intents spend: escrowed ETH (deposited for
/// it by a funder) or tokens plus an allowance to the Settlement.
async fn fund(url: &str, d: &Deployment, intents: &[SignedIntent]) {
    let funder = wallet(url, &anvil_key(1));
    let admin = wallet(url, &anvil_key(0));
    let asset_of: BTreeMap<Address, String> =
        d.assets.iter().map(|(k, v)| (*v, k.clone())).collect();
    for n in 0..8 {
        let k = staker_key(SEED, n);
        let mine: Vec<&SignedIntent> =
            intents.iter().filter(|s| s.intent.owner == k.address()).collect();
        let eth: U256 =
            mine.iter().filter(|s| s.intent.asset.is_zero()).map(|s| s.intent.amount).sum();
        if eth > U256::ZERO {
            let s = Settlement::new(d.settlement, funder.clone());
            s.depositFor(k.address()).value(eth).confirm().await.unwrap();
        }
        let tokens: Vec<&&SignedIntent> =
            mine.iter().filter(|s| !s.intent.asset.is_zero()).collect();
        if tokens.is_empty() {
            continue;
        }
        // Gas money, then tokens and an allowance, from the staker itself.
        let tx = alloy::rpc::types::TransactionRequest::default()
            .to(k.address())
            .value(U256::from(10u128.pow(18)) * U256::from(300));
        funder.send_transaction(tx).await.unwrap().get_receipt().await.unwrap();
        let me = wallet(url, &k);
        for s in tokens {
            let token = s.intent.asset;
            if asset_of[&token] == "stETH" {
                let l = MockLido::new(token, me.clone());
                l.submit(Address::ZERO).value(s.intent.amount).confirm().await.unwrap();
            } else {
                let p = MockRocketPool::new(token, admin.clone());
                p.mint(k.address(), s.intent.amount).confirm().await.unwrap();
            }
            let t = MockRocketPool::new(token, me.clone());
            t.approve(d.settlement, U256::MAX).confirm().await.unwrap();
        }
    }
}

/// What `x` wei deposited at once mints of `position`'s token, as the
/// stand-ins compute it (deposit fee, then the exchange rate); `x` itself
/// when the position takes the input as is.
fn out_of(m: &Market, ix: &Index, position: &str, input: Address, x: U256) -> U256 {
    let p = ix.position_ids[position];
    if ix.accepts(m, p, input) == Some(true) {
        mint(m, ix.positions[p].asset, x)
    } else {
        x
    }
}

/// What `x` wei minted into asset `a` at once gives.
fn mint(m: &Market, a: usize, x: U256) -> U256 {
    let asset = &m.assets[a];
    let fee =
        x * U256::from(asset.deposit_fee.0) * U256::from(10u64.pow(14)) / U256::from(10u64.pow(18));
    (x - fee) * U256::from(10u64.pow(18)) / U256::from(asset.exchange_rate.0)
}

/// What each allocation of one award yields. The contract sends an award's
/// ETH for one route in one deposit (liquid positions: one per token;
/// restaked: one per token through the restaking adapter) and splits what
/// was minted pro rata, rounded down, the last allocation in plan order
/// taking what is left. Token-paid allocations are delivered as they are.
fn award_outs(
    m: &Market,
    ix: &Index,
    plans: &[BidPlan],
    input_of: &BTreeMap<B256, Address>,
) -> BTreeMap<(B256, usize), U256> {
    let mut out = BTreeMap::new();
    // (restaked?, asset) → the allocations minted together, in plan order.
    type Slot = ((B256, usize), U256);
    let mut groups: Vec<((bool, usize), Vec<Slot>)> = vec![];
    for p in plans {
        let input = input_of[&p.intentId];
        for (j, al) in p.allocations.iter().enumerate() {
            let pi = ix.position_ids[&al.position];
            if input.is_zero() && ix.accepts(m, pi, input) == Some(true) {
                let pos = &ix.positions[pi];
                let key = (pos.operator.is_some(), pos.asset);
                let slot = ((p.intentId, j), al.amount);
                match groups.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, g)) => g.push(slot),
                    None => groups.push((key, vec![slot])),
                }
            } else {
                out.insert((p.intentId, j), out_of(m, ix, &al.position, input, al.amount));
            }
        }
    }
    for ((_, asset), g) in groups {
        let total: U256 = g.iter().map(|(_, a)| *a).sum();
        let minted = mint(m, asset, total);
        let mut left = minted;
        for (k, (slot, a)) in g.iter().enumerate() {
            let share = if k + 1 == g.len() { left } else { minted * *a / total };
            left -= share;
            out.insert(*slot, share);
        }
    }
    out
}

#[derive(Default, Debug, PartialEq)]
struct Holdings {
    eth: U256,
    tokens: BTreeMap<Address, U256>,
    restaked: BTreeMap<(String, String), U256>,
    spent: BTreeMap<Address, U256>,
}

#[test]
fn twenty_intents_from_eight_stakers_settle_on_chain_into_their_plans() {
    let dir = scratch("e2e-chain");
    let (_anvil, url) = anvil(&dir);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dep = stakebid_tests::deploy(BIN, &dir, &url);
    let d = stakebid_settlement::deploy::load(&dep).unwrap();
    let market = d.apply(&Market::snapshot());
    let domain = Domain { chain_id: d.chain_id, settlement: d.settlement };
    let intents = generate(&market, &domain, 20, SEED, unix_now());
    assert!(intents.iter().any(|s| !s.intent.asset.is_zero()), "some pay in tokens");
    rt.block_on(fund(&url, &d, &intents));

    // NATS, and three solver processes bonded on-chain.
    let (_nats, nats_url) = nats(&dir);
    let rpc_url: alloy::transports::http::reqwest::Url = url.parse().unwrap();
    let mut node_args = args(&[
        "--deployment",
        dep.to_str().unwrap(),
        "--rpc-url",
        &url,
        "--nats",
        &nats_url,
        "--round-secs",
        "1",
        "--commit-secs",
        "3",
        "--reveal-secs",
        "1",
        "--batch-size",
        "8",
        "--scenarios",
        "100",
    ]);
    let names = ["optimal", "greedy", "waterfill"];
    for n in 0..3 {
        let k = solver_key(n);
        let two = U256::from(2) * U256::from(10u128.pow(18));
        rt.block_on(crate::fund_and_bond(&rpc_url, d.registry, &anvil_key(1), &k, two));
        node_args.extend(["--solver".to_string(), k.address().to_string()]);
    }
    let node = Node::start(BIN, &dir, None, &node_args);
    let api = format!("http://{}", node.addr);
    let books = dir.join("solver-books").display().to_string();
    let _solvers: Vec<Proc> = names
        .iter()
        .enumerate()
        .map(|(n, s)| {
            let key = format!("0x{}", alloy::hex::encode(solver_key(n as u8).to_bytes()));
            let name = format!("solver-{s}");
            let a = args(&[
                "solver",
                "run",
                "--strategy",
                s,
                "--key",
                &key,
                "--node",
                &api,
                "--nats",
                &nats_url,
                "--name",
                &name,
                "--data-dir",
                &books,
            ]);
            Proc::start(&name, BIN, &a, &dir)
        })
        .collect();
    let listening = wait_for(Duration::from_secs(20), || {
        names
            .iter()
            .all(|s| {
                std::fs::read_to_string(dir.join(format!("solver-{s}.log")))
                    .unwrap_or_default()
                    .contains("listening")
            })
            .then_some(())
    });
    assert!(listening.is_some(), "the three solver processes listen on NATS");
    assert_eq!(node.domain(), domain, "the node takes its domain from the deployment");
    let read = ProviderBuilder::new().connect_http(url.parse().unwrap()).erased();
    let owners: Vec<Address> = (0..8).map(|n| staker_key(SEED, n).address()).collect();
    let snapshot = |tokens: &[Address]| {
        rt.block_on(async {
            let mut out = BTreeMap::new();
            let settlement = Settlement::new(d.settlement, read.clone());
            for o in &owners {
                // ETH is paid from the owner's escrow in the Settlement and
                // ETH held as is goes back there (never pushed to a wallet).
                out.insert((*o, Address::ZERO), settlement.escrowOf(*o).call().await.unwrap());
                for t in tokens {
                    out.insert(
                        (*o, *t),
                        MockRocketPool::new(*t, read.clone()).balanceOf(*o).call().await.unwrap(),
                    );
                }
            }
            out
        })
    };
    let tokens: Vec<Address> = d.assets.values().copied().filter(|a| !a.is_zero()).collect();
    let before = snapshot(&tokens);
    for s in &intents {
        let body =
            json!({ "typed_data": s.intent.typed_data(&s.domain), "signature": s.signature });
        let (st, v) = http(&node.addr, "POST", "/v1/intents", &body.to_string()).unwrap();
        assert_eq!(st, 201, "{v}");
    }
    let settled = wait_for(Duration::from_secs(150), || {
        intents
            .iter()
            .all(|s| {
                get(&node.addr, &format!("/v1/intents/{}", s.intent.id(&domain).0))["status"]
                    == "settled"
            })
            .then_some(())
    });
    assert!(settled.is_some(), "not every intent settled:\n{}", node.proc.log());

    // Every settled plan, from the public record; each intent in exactly one.
    let mut plans = BTreeMap::new();
    let mut awards: Vec<Vec<BidPlan>> = vec![];
    let list = get(&node.addr, "/v1/auctions?limit=100");
    for a in list["auctions"].as_array().unwrap() {
        let rec = get(&node.addr, &format!("/v1/auctions/{}", a["id"]))["outcome"].clone();
        for award in rec["awards"].as_array().cloned().unwrap_or_default() {
            if award.get("settlement").is_none() {
                continue;
            }
            let bid: Bid = rec["bids"]
                .as_array()
                .unwrap()
                .iter()
                .find(|b| b["bid_hash"] == award["award"]["bidHash"])
                .map(|b| serde_json::from_value(b["bid"].clone()).unwrap())
                .unwrap();
            awards.push(bid.plans.clone());
            for p in bid.plans {
                assert!(plans.insert(p.intentId, (bid.solver, p)).is_none(), "settled twice");
            }
        }
    }
    assert_eq!(plans.len(), intents.len());

    // Expected wallets and holders, from the plans.
    let ix = Index::new(&market);
    let input_of: BTreeMap<B256, Address> =
        intents.iter().map(|s| (s.intent.id(&domain).0, s.intent.asset)).collect();
    let mut outs = BTreeMap::new();
    for a in &awards {
        outs.extend(award_outs(&market, &ix, a, &input_of));
    }
    let mut want: BTreeMap<Address, Holdings> = BTreeMap::new();
    for s in &intents {
        let (_, plan) = &plans[&s.intent.id(&domain).0];
        let h = want.entry(s.intent.owner).or_default();
        let input = s.intent.asset;
        if input.is_zero() {
            // The whole amount (allocations and fee) leaves the escrow.
            *h.spent.entry(Address::ZERO).or_default() += s.intent.amount;
        } else {
            *h.spent.entry(input).or_default() += plan.fee;
        }
        for (j, al) in plan.allocations.iter().enumerate() {
            let p = &market.positions[ix.position_ids[&al.position]];
            let token = d.assets[&p.asset];
            let out = outs[&(plan.intentId, j)];
            match &p.operator {
                Some(op) => {
                    *h.restaked.entry((op.clone(), p.asset.clone())).or_default() += out;
                    if !input.is_zero() {
                        *h.spent.entry(input).or_default() += al.amount;
                    }
                }
                None if token.is_zero() => h.eth += al.amount,
                None if token == input => {}
                None => *h.tokens.entry(token).or_default() += out,
            }
        }
    }
    let after = snapshot(&tokens);
    rt.block_on(async {
        let ad = EigenLayerAdapter::new(d.restaking_adapter, read.clone());
        let sm = StrategyManager::new(d.strategy_manager(), read.clone());
        let dm = DelegationManager::new(d.delegation_manager(), read.clone());
        for (owner, h) in &want {
            let eth_spent = h.spent.get(&Address::ZERO).copied().unwrap_or_default();
            assert_eq!(
                after[&(*owner, Address::ZERO)] + eth_spent - before[&(*owner, Address::ZERO)],
                h.eth,
                "ETH escrow of {owner} (held as is: credited back)"
            );
            for t in &tokens {
                let got = after[&(*owner, *t)] + h.spent.get(t).copied().unwrap_or_default();
                let want_t = before[&(*owner, *t)] + h.tokens.get(t).copied().unwrap_or_default();
                assert_eq!(got, want_t, "token {t} of {owner}");
            }
            for ((op, asset), shares) in &h.restaked {
                let holder = ad.holderOf(*owner, d.operators[op]).call().await.unwrap();
                let got = sm.stakerDepositShares(holder, d.strategies[asset]).call().await.unwrap();
                assert_eq!(got, *shares, "{asset} restaked with {op} by {owner}");
                assert_eq!(dm.delegatedTo(holder).call().await.unwrap(), d.operators[op]);
            }
        }
    });
    let log = node.proc.log();
    assert!(log.contains("settled") && log.contains("gas"), "the node reports settlements:\n{log}");
}
