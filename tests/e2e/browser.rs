//! The explorer and the wallet kit against the README's main job: `stakebid
//! dev` runs (anvil, the contracts, the node, three solvers, the six-staker
//! demo); once its demo has settled, node's test runner runs
//! - `tests/js/explorer.test.mjs`: every explorer page in headless Debian
//!   Chromium (playwright-core), search, the live round, console errors,
//!   screenshots for the README;
//! - `sdk/js/test/*.test.mjs`: the wallet kit's quote → sign → fund →
//!   submit → settled path, cancellation, refusals, withdrawals, its types
//!   against the OpenAPI document, and `npm pack` installed in a fresh
//!   project running the README's example;
//!
//! and then the README's staker journey on the CLI (quote, submit --wait,
//! status, positions, withdraw, withdraw --complete, a refused token
//! intent, cancel), its human output free of wei and unix times.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use stakebid_tests::{free_port, scratch};

use crate::BIN;

/// `stakebid dev`, stopped with SIGTERM (so it stops anvil and the node it
/// started) when dropped.
struct Dev(Child);

impl Drop for Dev {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.0.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A service that `position`'s operator allocates to slashes half of that
/// allocation through EigenLayer's AllocationManager; returns the fraction
/// of the operator's stake slashed (WAD).
fn slash_the_operator_of(dev: &std::path::Path, rpc: &str, position: &str) -> u128 {
    let d = stakebid_settlement::deploy::load(&dev.join("deployment.json")).unwrap();
    let market = stakebid_intents::Market::snapshot();
    let op = position.split('@').nth(1).expect("a restaked position");
    let al = market.operator(op).unwrap().allocations.first().expect("it allocates").clone();
    let wad = 10u128.pow(18);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(stakebid_devnet::avs::slash(
        rpc,
        &d,
        &al.service,
        d.operators[op],
        alloy::primitives::U256::from(wad / 2),
        "e2e",
    ))
    .unwrap();
    // EigenLayer rounds the slashed magnitude up.
    al.magnitude.0.div_ceil(2)
}

/// Who EigenLayer's RewardsCoordinator lets claim the rewards of `owner`'s
/// holder for `position` on the devnet in `dev`.
fn claimer_of(
    dev: &std::path::Path,
    rpc: &str,
    owner: alloy::primitives::Address,
    position: &str,
) -> alloy::primitives::Address {
    use alloy::providers::{Provider, ProviderBuilder};
    use stakebid_devnet::el::RewardsCoordinator;
    use stakebid_settlement::contracts::EigenLayerAdapter;
    let d = stakebid_settlement::deploy::load(&dev.join("deployment.json")).unwrap();
    let op = d.operators[position.split('@').nth(1).expect("a restaked position")];
    let p = ProviderBuilder::new().connect_http(rpc.parse().unwrap()).erased();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let holder =
            EigenLayerAdapter::new(d.restaking_adapter, p.clone()).holderOf(owner, op).call().await;
        let rc = d.rewards_coordinator.expect("the devnet has a RewardsCoordinator");
        RewardsCoordinator::new(rc, p).claimerFor(holder.unwrap()).call().await.unwrap()
    })
}

/// The first demo staker (anvil dev account 5), whose plan the demo settles.
/// No run of ten or more decimal digits outside hex (`0x…`) and JSON: a
/// wei amount or a unix time a person would have to decode.
fn wei_free(out: &str) -> bool {
    out.lines().filter(|l| !l.trim_start().starts_with('{')).all(|l| {
        l.split(|c: char| !c.is_ascii_alphanumeric())
            .all(|t| !(t.len() >= 10 && t.chars().all(|c| c.is_ascii_digit())))
    })
}

/// The demo's winning plans keep the market's documented minimum position
/// size (docs/market.md: the largest of the ticket, the position's own gas
/// times the multiple at the market's gas price, and the share of amount −
/// fee; capped at amount − fee), restated here from the market's figures;
/// the devnet prices gas at the parameter file's reference price (not its
/// idle base fee), and 3 ETH on the conservative profile is quoted at most
/// four positions.
fn no_dust_in_the_demo(http: &str, node: &str, rpc: &str) {
    use stakebid_tests::get;
    let m = &get(http, "/v1/market")["market"];
    let dec = |v: &serde_json::Value| v.as_str().unwrap().parse::<u128>().unwrap();
    let (ticket, multiple, share) = (
        dec(&m["min_position"]["ticket"]),
        m["min_position"]["gas_multiple"].as_u64().unwrap() as u128,
        m["min_position"]["share_bps"].as_u64().unwrap() as u128,
    );
    assert_eq!(
        (ticket, multiple, share),
        (50_000_000_000_000_000, 50, 2_000),
        "the documented default rule"
    );
    let price = dec(&m["gas"]["gas_price"]);
    assert_eq!(price, 2_000_000_000, "the devnet prices gas at the reference 2 gwei");
    assert!(m["sources"]["gas_price"].as_str().unwrap().starts_with("reference:"), "{m}");
    let gas_of = |position: &str| {
        let p = m["positions"].as_array().unwrap().iter().find(|p| p["id"] == position).unwrap();
        let g = &m["gas"];
        g["per_position"].as_u64().unwrap() as u128
            + if p["operator"].is_string() {
                g["per_restaked_position"].as_u64().unwrap() as u128
            } else {
                0
            }
    };
    let mut checked = 0;
    for a in get(http, "/v1/auctions")["auctions"].as_array().unwrap() {
        let view = get(http, &format!("/v1/auctions/{}", a["id"]));
        for bid in view["outcome"]["bids"].as_array().into_iter().flatten() {
            if bid["won"] != true {
                continue;
            }
            for plan in bid["plans"].as_array().unwrap() {
                let id = plan["intent"].as_str().unwrap();
                let amount = dec(&get(http, &format!("/v1/intents/{id}"))["intent"]["amount"]);
                let alloc = amount - dec(&plan["fee"]);
                for al in plan["allocations"].as_array().unwrap() {
                    let pos = al["position"].as_str().unwrap();
                    let least =
                        ticket.max(multiple * gas_of(pos) * price).max(alloc * share / 10_000);
                    assert!(dec(&al["amount"]) >= least.min(alloc), "dust in the demo: {plan}");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 6, "the demo's plans were read ({checked} positions)");
    let (ok, out) = cli(&[
        "intent",
        "quote",
        "--amount-eth",
        "3",
        "--profile",
        "conservative",
        "--json",
        "--node",
        node,
        "--rpc-url",
        rpc,
    ]);
    let q: serde_json::Value = serde_json::from_str(out.trim()).unwrap_or_else(|_| panic!("{out}"));
    let n = q["positions"].as_array().map_or(0, |p| p.len());
    assert!(ok && (1..=4).contains(&n), "3 ETH conservative: {n} positions\n{out}");
}

fn cli(args: &[&str]) -> (bool, String) {
    let out = Command::new(BIN).args(args).output().expect("stakebid runs");
    let text =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

#[test]
fn the_explorer_and_the_wallet_kit_work_on_stakebid_dev() {
    let dir = scratch("e2e-browser");
    let http = format!("127.0.0.1:{}", free_port().expect("a free port"));
    let chain_port = free_port().expect("a free port").to_string();
    let mut child = Command::new(BIN)
        .args(["dev", "--http", &http, "--chain-port", &chain_port, "--data-dir"])
        .arg(dir.join("dev"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("stakebid runs");
    let stderr = child.stderr.take().unwrap();
    let dev = Dev(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            eprintln!("{line}");
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("stakebid dev's demo settles within 4 minutes");
        assert!(!line.contains("demo failed"), "{line}");
        if line.contains("demo done: 6 intents settled on-chain") {
            break;
        }
    }
    let node = format!("http://{http}");
    let rpc = format!("http://127.0.0.1:{chain_port}");
    no_dust_in_the_demo(&http, &node, &rpc);
    let root = env!("CARGO_MANIFEST_DIR");
    let shots = std::env::var("STAKEBID_SCREENSHOTS")
        .unwrap_or_else(|_| dir.join("screenshots").display().to_string());
    let out = Command::new("node")
        .args([
            "--test",
            "--test-concurrency=1",
            "--test-reporter=spec",
            "tests/js/explorer.test.mjs",
            "sdk/js/test/flow.test.mjs",
            "sdk/js/test/types.test.mjs",
            "sdk/js/test/pack.test.mjs",
        ])
        .current_dir(root)
        .env("STAKEBID_URL", &node)
        .env("STAKEBID_RPC", &rpc)
        .env("SCREENSHOTS", &shots)
        .output()
        .expect("node runs");
    let report = String::from_utf8_lossy(&out.stdout);
    eprintln!("{report}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the browser and wallet-kit tests failed:\n{report}");
    for page in ["home", "intent", "owner", "auction", "solvers", "market", "intent-phone"] {
        let f = std::path::Path::new(&shots).join(format!("{page}.png"));
        assert!(f.metadata().map(|m| m.len() > 10_000).unwrap_or(false), "screenshot {page}");
    }

    // The README's staker journey on the CLI, as the default staker (anvil's
    // second key), read as a person reads it: amounts in ETH, dates in UTC,
    // no wei anywhere (wei only with --json).
    let conn = ["--node", &node, "--rpc-url", &rpc];
    let run = |args: &[&str]| {
        let (ok, out) = cli(&[args, &conn[..]].concat());
        assert!(wei_free(&out), "a wei amount or a unix time in human output of {args:?}:\n{out}");
        (ok, out)
    };
    let (ok, out) = run(&["intent", "quote", "--amount-eth", "5", "--profile", "conservative"]);
    assert!(ok && out.contains("net APY ") && out.contains(" %") && out.contains(" ETH"), "{out}");
    let (ok, out) =
        run(&["intent", "submit", "--amount-eth", "5", "--profile", "yield-seeking", "--wait"]);
    assert!(ok, "{out}");
    for said in ["escrowed 5 ETH", "settled", " UTC", "plan by solver", "settled in tx"] {
        assert!(out.contains(said), "submit --wait says {said:?}:\n{out}");
    }
    let intent = out
        .split("intent ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .expect("the intent id is printed")
        .to_string();
    let (ok, out) = run(&["intent", "status", "--id", &intent]);
    assert!(ok && out.contains("settled") && out.contains(" UTC") && out.contains(" ETH"), "{out}");
    let (ok, out) = run(&["positions"]);
    assert!(ok && out.contains("restaked shares"), "{out}");
    let restaked = out
        .lines()
        .find(|l| l.contains("(restaked shares)"))
        .and_then(|l| l.split_whitespace().next())
        .expect("a restaked position is listed")
        .to_string();
    let token = restaked.split('@').next().unwrap().to_string();
    // AVS rewards accrue to the position holder in EigenLayer's
    // RewardsCoordinator: the staker names itself as their claimer.
    let owner = stakebid_tests::anvil_key(1).address();
    let (ok, out) = run(&["rewards-claimer", "--position", &restaked]);
    assert!(ok && out.contains("claimable by"), "{out}");
    assert_eq!(claimer_of(&dir.join("dev"), &rpc, owner, &restaked), owner);
    let (ok, out) = run(&["withdraw", "--position", &restaked]);
    assert!(ok && out.contains("queued"), "{out}");
    // A service the operator allocates to slashes it on EigenLayer while
    // the withdrawal waits: what it pays drops by the slashed fraction, as
    // EigenLayer computes it, and the explorer shows that figure.
    let path = format!("/v1/owners/{owner}/withdrawals");
    let pays = |v: &serde_json::Value| -> u128 {
        v["withdrawals"][0]["withdrawable"].as_str().expect("withdrawable").parse().unwrap()
    };
    let before = pays(&stakebid_tests::get(&http, &path));
    let fraction = slash_the_operator_of(&dir.join("dev"), &rpc, &restaked);
    let after = pays(&stakebid_tests::get(&http, &path));
    let expect = before - before / 1_000_000 * (fraction / 1_000_000_000_000);
    assert!(after < before && after.abs_diff(expect) < 1_000_000_000_000, "{after} vs {expect}");
    // The explorer shows the countdown and what it pays now.
    let page = crate::explorer::render(&format!("{node}/#/intent/{intent}"));
    assert!(
        page.contains(r#"class="withdrawal-row""#) && page.contains("blocks left"),
        "the intent page shows the queued withdrawal's countdown:\n{page}"
    );
    let shown = format!("{:.4}", after as f64 / 1e18);
    assert!(
        page.contains(&format!(r#"<td class="num withdrawable">{shown}</td>"#)),
        "the intent page shows what the slashed withdrawal pays ({shown}):\n{page}"
    );
    // A devnet mines only on transactions: --complete mines the delay itself.
    let (ok, out) = run(&["withdraw", "--complete"]);
    assert!(
        ok && out.contains("devnet: mined")
            && out.contains("completed: the tokens are in your wallet"),
        "{out}"
    );
    let (ok, out) = run(&["positions"]);
    let listed = out.lines().any(|l| {
        l.split_whitespace().next() == Some(token.as_str()) && l.contains("in your wallet")
    });
    assert!(ok && listed, "the withdrawn {token} is still listed, in the wallet:\n{out}");
    let (ok, out) = run(&["withdraw", "--complete"]);
    assert!(!ok && out.contains("cli.no_withdrawal"), "nothing left to complete:\n{out}");
    // A token the wallet does not hold: refused before any approval is sent.
    let (ok, out) = run(&["intent", "submit", "--amount-eth", "2", "--asset", "stETH"]);
    assert!(
        !ok && out.contains("sdk.balance_short") && out.contains("nothing was approved"),
        "{out}"
    );
    // Cancel: a settled intent cannot be; the refusal is a sentence with its code.
    let (ok, out) = run(&["intent", "cancel", "--id", &intent]);
    assert!(!ok && out.contains("intent.not_cancellable"), "{out}");
    staking_steth_with_a_permit_sends_no_approve(&dir.join("dev"), &node, &rpc);
    drop(dev);
}

/// A stETH intent funded by an EIP-2612 permit (the CLI signs it with the
/// local key; the node checks it against the token's domain and nonce; the
/// executor passes it to the Settlement) settles with no approve
/// transaction: the owner's only `Approval` log is inside the settlement's
/// own transaction, where the Settlement used the permit.
fn staking_steth_with_a_permit_sends_no_approve(dev_dir: &std::path::Path, node: &str, rpc: &str) {
    use alloy::primitives::{utils::parse_ether, Address, B256, U256};
    use alloy::providers::{Provider, ProviderBuilder};
    use alloy::rpc::types::Filter;
    use alloy::signers::local::PrivateKeySigner;
    let dep: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dev_dir.join("deployment.json")).unwrap()).unwrap();
    let steth: Address = dep["assets"]["stETH"].as_str().unwrap().parse().unwrap();
    let settlement: Address = dep["settlement"].as_str().unwrap().parse().unwrap();
    // A fresh owner: ETH from anvil, stETH by staking it at the stand-in.
    let key = PrivateKeySigner::random();
    let owner = key.address();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let p = ProviderBuilder::new().wallet(key.clone()).connect_http(rpc.parse().unwrap());
        p.raw_request::<_, ()>(
            "anvil_setBalance".into(),
            (owner, U256::from(10u128 * 10u128.pow(18))),
        )
        .await
        .unwrap();
        let lido = stakebid_settlement::contracts::MockLido::new(steth, &p);
        lido.submit(Address::ZERO)
            .value(parse_ether("3").unwrap())
            .send()
            .await
            .unwrap()
            .get_receipt()
            .await
            .unwrap();
    });
    let hex_key = format!("0x{}", alloy::primitives::hex::encode(key.to_bytes()));
    let (ok, out) = cli(&[
        "intent",
        "submit",
        "--amount-eth",
        "2",
        "--asset",
        "stETH",
        "--profile",
        "balanced",
        "--wait",
        "--key",
        &hex_key,
        "--node",
        node,
        "--rpc-url",
        rpc,
    ]);
    assert!(
        ok && out.contains("funded by an EIP-2612 permit") && out.contains("settled in tx"),
        "{out}"
    );
    let tx: B256 = out
        .lines()
        .find_map(|l| l.split("settled in tx ").nth(1))
        .and_then(|t| t.split_whitespace().next())
        .and_then(|t| t.trim_end_matches(',').parse().ok())
        .unwrap_or_else(|| panic!("the settlement tx is printed:\n{out}"));
    let approvals = rt.block_on(async {
        let p = ProviderBuilder::new().connect_http(rpc.parse().unwrap());
        let topic = alloy::primitives::keccak256("Approval(address,address,uint256)");
        let f = Filter::new()
            .address(steth)
            .event_signature(topic)
            .topic1(owner.into_word())
            .from_block(0);
        p.get_logs(&f).await.unwrap()
    });
    assert!(!approvals.is_empty(), "the permit set the allowance inside the settlement");
    for log in &approvals {
        assert_eq!(log.transaction_hash, Some(tx), "an Approval outside the settlement: {log:?}");
        assert_eq!(log.topics()[2], settlement.into_word());
    }
}
