//! Issue 28's critical attack, run as written against `stakebid dev`: a
//! bonded solver's signature over any 32-byte digest — the simplest is the
//! signing hash of its own `bond()` transaction, public on the chain —
//! posted as its commitment (and as its reveal) in every round. It used to
//! be accepted, left unrevealed and slashed on-chain (11 rounds: bond
//! 2.0 → 0.9 ETH). Now every post is refused with a code, and after ten
//! rounds the victim's `/v1/solvers` entry and on-chain bond are
//! byte-identical.

use std::time::Duration;

use alloy::consensus::Transaction as _;
use alloy::network::EthereumWallet;
use alloy::primitives::{Address, Bytes, U256};
use alloy::providers::{Provider, ProviderBuilder};
use alloy::rpc::types::Filter;
use alloy::sol_types::SolEvent;
use serde_json::{json, Value};

use stakebid_intents::batch::generate;
use stakebid_intents::envelope::{CommitMsg, RevealMsg};
use stakebid_intents::protocol::Bid;
use stakebid_intents::{Domain, Market};
use stakebid_settlement::contracts::Settlement;
use stakebid_settlement::deploy::Deployment;
use stakebid_settlement::registry::SolverRegistry;
use stakebid_settlement::Confirm;
use stakebid_tests::{anvil_key, free_port, get, http, scratch, unix_now, wait_for, Proc};

use crate::{args, BIN};

#[test]
fn a_solvers_bond_transaction_signature_posted_as_its_commitment_for_ten_rounds_costs_it_nothing() {
    let dir = scratch("e2e-impersonation");
    let addr = format!("127.0.0.1:{}", free_port().expect("a free port"));
    let chain_port = free_port().expect("a free port");
    let rpc = format!("http://127.0.0.1:{chain_port}");
    let data = dir.join("dev");
    let a = args(&["dev", "--http", &addr, "--chain-port", &chain_port.to_string()]);
    let mut a = a;
    a.extend(["--data-dir".to_string(), data.to_string_lossy().into_owned()]);
    let dev = Stop(
        Proc::start("dev", BIN, &a, &dir),
        vec![addr.clone(), format!("127.0.0.1:{chain_port}")],
    );
    let dev = &dev.0;
    let up = wait_for(Duration::from_secs(180), || dev.log().contains("demo done").then_some(()));
    assert!(up.is_some(), "stakebid dev did not finish its demo:\n{}", dev.log());
    let d: Deployment =
        stakebid_settlement::deploy::load(&data.join("deployment.json")).expect("deployment");
    let domain = Domain { chain_id: d.chain_id, settlement: d.settlement };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let read = ProviderBuilder::new().connect_http(rpc.parse().unwrap()).erased();

    // The victim: the first bonded solver. Its bond() transaction's signing
    // hash and signature, as anyone reads them from the chain.
    let (victim, digest, signature) = rt.block_on(async {
        let f = Filter::new()
            .address(d.registry)
            .event_signature(SolverRegistry::Bonded::SIGNATURE_HASH)
            .from_block(0);
        let log = read.get_logs(&f).await.unwrap().into_iter().next().expect("a bond");
        let tx = read
            .get_transaction_by_hash(log.transaction_hash.unwrap())
            .await
            .unwrap()
            .expect("the bond transaction");
        let envelope = tx.inner.inner();
        let who = tx.inner.signer();
        assert_eq!(envelope.to(), Some(d.registry), "a bond() call");
        let sig = Bytes::from(envelope.signature().as_bytes());
        (who, envelope.signature_hash(), sig)
    });
    let bond_of = |who: Address| {
        rt.block_on(async {
            let r = SolverRegistry::new(d.registry, read.clone());
            let b = r.bonds(who).call().await.unwrap();
            (b.amount, b.queued, b.unlockAt)
        })
    };
    let entry_of = |v: &Value| -> Value {
        v["solvers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["solver"].as_str().unwrap().eq_ignore_ascii_case(&victim.to_string()))
            .cloned()
            .expect("the victim is listed")
    };
    let listed_before = entry_of(&get(&addr, "/v1/solvers"));
    let bond_before = bond_of(victim);
    assert!(bond_before.0 > U256::ZERO);

    // Funded intents keep rounds coming: a few new stakers a wave.
    let market = Market::snapshot();
    let funder = ProviderBuilder::new()
        .wallet(EthereumWallet::from(anvil_key(1)))
        .connect_http(rpc.parse().unwrap())
        .erased();
    let submit_wave = |wave: u64| {
        let intents: Vec<_> = generate(&market, &domain, 2, 900 + wave, unix_now())
            .into_iter()
            .filter(|s| s.intent.asset.is_zero())
            .collect();
        rt.block_on(async {
            for s in &intents {
                let st = Settlement::new(d.settlement, funder.clone());
                st.depositFor(s.intent.owner).value(s.intent.amount).confirm().await.unwrap();
            }
        });
        for s in &intents {
            let body =
                json!({ "typed_data": s.intent.typed_data(&s.domain), "signature": s.signature });
            let (st, v) = http(&addr, "POST", "/v1/intents", &body.to_string()).unwrap();
            assert_eq!(st, 201, "{v}");
        }
    };

    let mut attacked = std::collections::BTreeSet::new();
    let mut wave = 0;
    let deadline = std::time::Instant::now() + Duration::from_secs(240);
    while attacked.len() < 10 && std::time::Instant::now() < deadline {
        if wave <= attacked.len() as u64 {
            submit_wave(wave);
            wave += 1;
        }
        let list = get(&addr, "/v1/auctions?limit=5");
        let live = list["auctions"]
            .as_array()
            .unwrap()
            .iter()
            .find_map(|a| (a["phase"] == "committing").then(|| a["id"].as_u64().unwrap()));
        let Some(id) = live else {
            std::thread::sleep(Duration::from_millis(200));
            continue;
        };
        if !attacked.insert(id) {
            std::thread::sleep(Duration::from_millis(200));
            continue;
        }
        let commit = CommitMsg {
            auction: id,
            solver: victim,
            commitment: digest,
            signature: signature.clone(),
        };
        let reveal = RevealMsg {
            bid: Bid { auctionId: id, solver: victim, plans: vec![] },
            salt: digest,
            signature: signature.clone(),
        };
        for (path, body) in [
            (format!("/v1/auctions/{id}/commitments"), serde_json::to_string(&commit).unwrap()),
            (format!("/v1/auctions/{id}/reveals"), serde_json::to_string(&reveal).unwrap()),
        ] {
            let (st, v) = http(&addr, "POST", &path, &body).unwrap();
            assert_eq!(st, 422, "{path}: {v}");
            assert_eq!(v["code"], "round.bad_signature", "{path}: {v}");
        }
    }
    assert_eq!(attacked.len(), 10, "ten rounds were attacked:\n{}", dev.log());
    // Let the last attacked round close (a penalty would land after it).
    let last = *attacked.iter().max().unwrap();
    let closed = wait_for(Duration::from_secs(30), || {
        let a = get(&addr, &format!("/v1/auctions/{last}"));
        (!a["outcome"].is_null()).then_some(a)
    })
    .expect("the last attacked round closed");
    assert_eq!(closed["outcome"]["faults"], json!([]), "{closed}");
    std::thread::sleep(Duration::from_secs(3));

    assert_eq!(entry_of(&get(&addr, "/v1/solvers")), listed_before, "the victim's entry changed");
    assert_eq!(bond_of(victim), bond_before, "the victim's on-chain bond changed");
    let slashed = rt.block_on(async {
        let f = Filter::new()
            .address(d.registry)
            .event_signature(SolverRegistry::Slashed::SIGNATURE_HASH)
            .from_block(0);
        read.get_logs(&f).await.unwrap().len()
    });
    assert_eq!(slashed, 0, "nobody was slashed");
    // Every attacked round's record holds no fault.
    for id in &attacked {
        let a = get(&addr, &format!("/v1/auctions/{id}"));
        assert!(a["outcome"].is_null() || a["outcome"]["faults"] == json!([]), "{a}");
    }
}

/// `stakebid dev` stopped as a person would (Ctrl-C), so it stops the node
/// and anvil it started, whether the test passed or panicked.
struct Stop(Proc, Vec<String>);

impl Drop for Stop {
    fn drop(&mut self) {
        self.0.signal("INT");
        let _ = wait_for(Duration::from_secs(20), || {
            self.1.iter().all(|a| std::net::TcpStream::connect(a).is_err()).then_some(())
        });
    }
}
