//! Any solver, any language (issue 31): on `stakebid dev` (anvil, the
//! contracts, the node), the Python reference engine (sdk/python, started
//! from its installed package) behind `stakebid solver bond` + `solver run
//! --engine URL` bids against the built-in greedy solver with the default
//! commit window, wins on score at the same fee, settles on anvil, and
//! hears what became of every round on `/notify`; a driver restarted between
//! commit and reveal still reveals. An engine that answers garbage, late,
//! or with plans the evaluator refuses costs its solver nothing.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use stakebid_tests::{
    anvil_key, free_port, get, http, intent_bodies, scratch, solver_key, unix_now, wait_for, Node,
    Proc,
};

use crate::{args, register, BIN};

/// The reference engine's virtualenv (tests/setup.sh installs it).
fn engine_python() -> String {
    let venv = std::env::var("STAKEBID_ENGINE_VENV").unwrap_or_else(|_| {
        format!("{}/.cache/stakebid-engine", std::env::var("HOME").unwrap_or_default())
    });
    format!("{venv}/bin/python")
}

/// `python -m stakebid_engine` on a free port: (process, its URL).
pub(crate) fn python_engine(dir: &Path, name: &str, fee_bps: u16) -> (Proc, String) {
    // Run from the test's directory, so the installed package is what runs.
    let p = Proc::start_in(
        name,
        &engine_python(),
        &args(&["-m", "stakebid_engine", "--port", "0", "--fee-bps", &fee_bps.to_string()]),
        dir,
        dir,
    );
    let url = wait_for(Duration::from_secs(20), || {
        let log = p.log();
        let at = log.find("listening on ")?;
        Some(log[at + 13..].lines().next()?.trim().to_string())
    })
    .unwrap_or_else(|| panic!("the engine did not start: {}", p.log()));
    (p, url)
}

/// `stakebid solver run --engine URL` with dev key `n`.
pub(crate) fn engine_solver(dir: &Path, n: u8, engine: &str, api: &str) -> Proc {
    let key = format!("0x{}", alloy::hex::encode(solver_key(n).to_bytes()));
    let books = dir.join("solver-books").display().to_string();
    let a = args(&[
        "solver",
        "run",
        "--engine",
        engine,
        "--key",
        &key,
        "--node",
        api,
        "--data-dir",
        &books,
        "--name",
        &format!("engine-{n}"),
    ]);
    let p = Proc::start(&format!("driver-{n}"), BIN, &a, dir);
    let up = wait_for(Duration::from_secs(20), || p.log().contains("listening").then_some(()));
    assert!(up.is_some(), "the driver did not start: {}", p.log());
    p
}

fn is(v: &Value, who: alloy::primitives::Address) -> bool {
    v.as_str().is_some_and(|s| s.eq_ignore_ascii_case(&who.to_string()))
}

/// `stakebid dev` with only the built-in greedy solver and no demo
/// stakers: (the process, the node's host:port, the chain's RPC URL).
fn devnet(dir: &Path) -> (Proc, String, String) {
    let http = format!("127.0.0.1:{}", free_port().expect("a free port"));
    let chain_port = free_port().expect("a free port").to_string();
    let data = dir.join("dev").display().to_string();
    let a = args(&[
        "dev",
        "--solvers",
        "greedy",
        "--stakers",
        "0",
        "--http",
        &http,
        "--chain-port",
        &chain_port,
        "--data-dir",
        &data,
    ]);
    let mut p = Proc::start("dev", BIN, &a, dir);
    // Dropped, it stops its anvil and node too (SIGKILL would orphan them).
    p.graceful = true;
    let up = wait_for(Duration::from_secs(90), || {
        p.log().contains("running; Ctrl-C stops").then_some(())
    });
    assert!(up.is_some(), "stakebid dev did not come up: {}", p.log());
    (p, http, format!("http://127.0.0.1:{chain_port}"))
}

/// Gas money for `to` from anvil's dev account 1.
fn pay(rt: &tokio::runtime::Runtime, rpc: &str, to: alloy::primitives::Address, eth: u64) {
    use stakebid_settlement::deploy::{send_eth, wallet_provider};
    let url = rpc.parse().unwrap();
    let value = alloy::primitives::U256::from(eth) * alloy::primitives::U256::from(10u128.pow(18));
    rt.block_on(send_eth(&wallet_provider(&url, &anvil_key(1)), to, value)).unwrap();
}

/// `stakebid solver bond` from the solver's own (funded) key, as a team would.
fn bond(dir: &Path, n: u8, api: &str, rpc: &str) {
    let key = format!("0x{}", alloy::hex::encode(solver_key(n).to_bytes()));
    let out = std::process::Command::new(BIN)
        .args(["solver", "bond", "--key", &key, "--node", api, "--rpc-url", rpc])
        .current_dir(dir)
        .output()
        .expect("stakebid runs");
    assert!(out.status.success(), "bond: {}", String::from_utf8_lossy(&out.stderr));
}

/// Stakers `from..from+n` (ETH paid from anvil's account 1) escrow and
/// submit one intent each through the SDK, profiles cycling; their ids.
fn stake(rt: &tokio::runtime::Runtime, api: &str, rpc: &str, from: u64, n: u64) -> Vec<String> {
    use stakebid_intents::batch::{staker_key, Profile};
    let profiles = [Profile::Balanced, Profile::YieldSeeking, Profile::Conservative];
    let amounts = ["12", "25", "4", "40", "8", "16"];
    let mut ready = vec![];
    for k in from..from + n {
        let key = staker_key(91, k);
        pay(rt, rpc, key.address(), 60);
        let s = rt.block_on(stakebid_sdk::Staker::connect(api, key, Some(rpc))).unwrap();
        let amount = alloy::primitives::utils::parse_ether(amounts[k as usize % 6]).unwrap();
        let p = profiles[k as usize % 3];
        let i = rt.block_on(s.new_intent(p, alloy::primitives::Address::ZERO, amount)).unwrap();
        rt.block_on(s.fund(&i)).unwrap();
        ready.push((s, i));
    }
    // Submitted together, so they meet in one round.
    ready.iter().map(|(s, i)| rt.block_on(s.submit(i)).unwrap().0.to_string()).collect()
}

#[test]
fn the_python_engine_wins_against_greedy_at_the_same_fee_settles_and_hears_every_result() {
    let dir = scratch("e2e-engine");
    let rt = tokio::runtime::Runtime::new().unwrap();
    // A devnet with only greedy; the commit window is the default one:
    // what docs/solver.md tells engines to plan for.
    let (_dev, addr, rpc) = devnet(&dir);
    let api = format!("http://{addr}");
    let (engine_key, greedy_key) = (solver_key(5).address(), solver_key(0).address());
    let (engine, url) = python_engine(&dir, "engine", 5);
    // A second engine asking ten times the fee: it loses, and hears why.
    let (dear, dear_url) = python_engine(&dir, "engine-dear", 50);
    for n in [5, 6] {
        pay(&rt, &rpc, solver_key(n).address(), 3);
        bond(&dir, n, &api, &rpc);
    }
    let mut driver = engine_solver(&dir, 5, &url, &api);
    let _dear_driver = engine_solver(&dir, 6, &dear_url, &api);
    // The node reads bonds from the chain at its next round.
    let bonded = wait_for(Duration::from_secs(30), || {
        let v = get(&addr, "/v1/solvers");
        let n = v["solvers"].as_array()?.iter().filter(|s| is(&s["solver"], engine_key)).count();
        (n == 1).then_some(())
    });
    assert!(
        bonded.is_some(),
        "the bonded engine solver is never listed: {}",
        get(&addr, "/v1/solvers")
    );
    // The driver's `--name` is registered, signed by the solver's key.
    let named = wait_for(Duration::from_secs(30), || {
        let v = get(&addr, "/v1/solvers");
        let s = v["solvers"].as_array()?.iter().find(|s| is(&s["solver"], engine_key))?.clone();
        (s["name"] == "engine-5").then_some(())
    });
    assert!(named.is_some(), "the driver's name is not shown: {}", get(&addr, "/v1/solvers"));
    // `stakebid solver name`: another solver's name (case aside) is
    // refused with its code; a new one replaces the driver's.
    let dear_named = wait_for(Duration::from_secs(30), || {
        get(&addr, "/v1/solvers")["solvers"]
            .as_array()?
            .iter()
            .any(|s| s["name"] == "engine-6")
            .then_some(())
    });
    assert!(dear_named.is_some(), "{}", get(&addr, "/v1/solvers"));
    let key5 = format!("0x{}", alloy::hex::encode(solver_key(5).to_bytes()));
    let name = |n: &str| {
        std::process::Command::new(BIN)
            .args(["solver", "name", n, "--key", &key5, "--node", &api])
            .output()
            .expect("stakebid runs")
    };
    let out = name("ENGINE-6");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("name.taken"), "{out:?}");
    let out = name("Python-LP");
    assert!(out.status.success(), "{out:?}");
    let v = get(&addr, "/v1/solvers");
    let mine = v["solvers"].as_array().unwrap().iter().find(|s| is(&s["solver"], engine_key));
    assert_eq!(mine.unwrap()["name"], "python-lp", "{v}");
    let ids = stake(&rt, &api, &rpc, 0, 4);
    // A round the engine won against a greedy bid on the same intents.
    let won = wait_for(Duration::from_secs(90), || {
        let page = get(&addr, "/v1/auctions?limit=20");
        page["auctions"].as_array()?.iter().find_map(|h| {
            let id = h["id"].as_u64()?;
            let v = get(&addr, &format!("/v1/auctions/{id}"));
            let bids = v["outcome"]["bids"].as_array()?.clone();
            let mine = bids.iter().find(|b| is(&b["solver"], engine_key) && b["won"] == true)?;
            let greedy = bids.iter().find(|b| is(&b["solver"], greedy_key))?;
            Some((id, mine.clone(), greedy.clone()))
        })
    });
    let (auction, mine, greedy) = won.unwrap_or_else(|| {
        panic!("the engine never won a round against greedy: {}\n{}", driver.log(), engine.log())
    });
    // Same fee on every intent both bid on; the engine's score is higher.
    for (intent, f) in mine["figures"].as_object().unwrap() {
        if let Some(g) = greedy["figures"].get(intent) {
            assert_eq!(f["fee"], g["fee"], "same fee as greedy on {intent}");
            let s = |b: &Value| b["scores"][intent].as_str().unwrap().parse::<i128>().unwrap();
            assert!(s(&mine) >= s(&greedy), "{mine}\n{greedy}");
        }
    }
    let total = |b: &Value| b["total"].as_str().unwrap().parse::<i128>().unwrap();
    assert!(total(&mine) > total(&greedy), "won on score: {mine}\n{greedy}");
    // The engine's award settled on anvil: a successful transaction, and
    // the stakers' intents read settled.
    let tx = wait_for(Duration::from_secs(60), || {
        let v = get(&addr, &format!("/v1/auctions/{auction}"));
        let awards = v["outcome"]["awards"].as_array()?.clone();
        let a = awards.iter().find(|a| is(&a["award"]["solver"], engine_key))?;
        a["settlement"]["tx"].as_str().map(str::to_string)
    })
    .unwrap_or_else(|| {
        panic!(
            "the engine's award never settled: {}",
            get(&addr, &format!("/v1/auctions/{auction}"))
        )
    });
    let receipt = rt.block_on(async {
        use alloy::providers::Provider;
        let p = alloy::providers::ProviderBuilder::new().connect_http(rpc.parse().unwrap());
        p.get_transaction_receipt(tx.parse().unwrap()).await.unwrap()
    });
    assert!(receipt.is_some_and(|r| r.status()), "settlement {tx} succeeded on-chain");
    let settled = ids
        .iter()
        .filter(|id| get(&addr, &format!("/v1/intents/{id}"))["auction"].as_u64() == Some(auction))
        .all(|id| get(&addr, &format!("/v1/intents/{id}"))["status"] == "settled");
    assert!(settled, "the won round's intents read settled");
    // The driver's line for the round and the engine's notice carry the
    // score the node published.
    let eth = stakebid_intents::units::eth_exact(total(&mine));
    let line = wait_for(Duration::from_secs(10), || {
        let log = driver.log();
        log.lines()
            .find(|l| l.contains(&format!("auction {auction}: bid")) && l.contains(" won"))
            .map(str::to_string)
    })
    .unwrap_or_else(|| panic!("no result line for auction {auction}: {}", driver.log()));
    assert!(line.contains(&format!("score {eth} ETH")), "{line}");
    let notice = wait_for(Duration::from_secs(10), || {
        engine
            .log()
            .lines()
            .find(|l| l.contains(&format!("auction {auction}: result")))
            .map(str::to_string)
    })
    .unwrap_or_else(|| panic!("the engine heard no result: {}", engine.log()));
    assert!(notice.contains(&format!("won score {eth} ETH")), "{notice}");
    // The dear engine lost rounds and was told by how much.
    let lost = wait_for(Duration::from_secs(30), || {
        dear.log().lines().find(|l| l.contains(": result — lost score")).map(str::to_string)
    })
    .unwrap_or_else(|| panic!("the dear engine heard no loss: {}", dear.log()));
    assert!(lost.contains("winners") && lost.contains("gap"), "{lost}");

    // Restart between commit and reveal: the driver reveals from its book.
    let before = driver.log().matches("sealed a bid").count();
    stake(&rt, &api, &rpc, 4, 2);
    let sealed = wait_for(Duration::from_secs(30), || {
        let log = driver.log();
        (log.matches("sealed a bid").count() > before).then_some(())?;
        let at = log.rfind("sealed a bid")?;
        let head = &log[..at];
        head[head.rfind("auction ")? + 8..].split(':').next()?.trim().parse::<u64>().ok()
    })
    .expect("the driver seals another bid");
    driver.kill();
    let again = engine_solver(&dir, 5, &url, &api);
    let revealed = wait_for(Duration::from_secs(20), || {
        again.log().contains(&format!("auction {sealed}: revealed")).then_some(())
    });
    assert!(revealed.is_some(), "the restarted driver reveals: {}", again.log());
    let outcome = wait_for(Duration::from_secs(20), || {
        let v = get(&addr, &format!("/v1/auctions/{sealed}"));
        (!v["outcome"].is_null()).then_some(v["outcome"].clone())
    })
    .expect("the round concludes");
    assert!(
        outcome["bids"].as_array().unwrap().iter().any(|b| is(&b["solver"], engine_key)),
        "{outcome}"
    );
    assert_eq!(outcome["faults"], serde_json::json!([]), "{outcome}");
    let solvers = get(&addr, "/v1/solvers");
    for s in solvers["solvers"].as_array().unwrap() {
        assert_eq!(s["penalties"], serde_json::json!([]), "no penalty: {s}");
    }
}

/// What a fake engine does with its n-th `/solve`.
#[derive(Clone, Copy)]
enum Mode {
    Garbage,
    Late,
    Refused,
}

/// A fake engine: garbage, then too late, then a plan the evaluator
/// refuses, in turn; records the notices it gets.
fn bad_engine() -> (String, Arc<Mutex<Vec<Value>>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    let notices: Arc<Mutex<Vec<Value>>> = Arc::default();
    let seen = notices.clone();
    std::thread::spawn(move || {
        let mut n = 0usize;
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let mut r = BufReader::new(s.try_clone().unwrap());
            let mut first = String::new();
            let _ = r.read_line(&mut first);
            let mut len = 0usize;
            loop {
                let mut h = String::new();
                if r.read_line(&mut h).is_err() || h.trim().is_empty() {
                    break;
                }
                if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; len];
            let _ = r.read_exact(&mut body);
            let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let answer = if first.contains("/notify") {
                seen.lock().unwrap().push(body);
                "{}".to_string()
            } else {
                let mode = [Mode::Garbage, Mode::Late, Mode::Refused][n % 3];
                n += 1;
                match mode {
                    Mode::Garbage => "{\"bids\": \"all of them\"}".to_string(),
                    Mode::Late => {
                        std::thread::sleep(Duration::from_secs(8));
                        "{\"bids\": []}".to_string()
                    }
                    Mode::Refused => {
                        // Everything into a position the market lacks.
                        let plans: Vec<Value> = body["intents"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|i| {
                                serde_json::json!({
                                    "intent": i["id"],
                                    "allocations": [{"position": "nowhere", "amount": i["intent"]["amount"]}],
                                    "fee": "0"
                                })
                            })
                            .collect();
                        serde_json::json!({ "bids": [{ "plans": plans }] }).to_string()
                    }
                }
            };
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                answer.len()
            );
        }
    });
    (url, notices)
}

#[test]
fn an_engine_that_answers_garbage_late_or_invalid_plans_costs_its_solver_nothing() {
    let dir = scratch("e2e-engine-bad");
    let me = solver_key(0).address();
    let mut extra = args(&["--round-secs", "1"]);
    extra.extend(register(1));
    let node = Node::start(BIN, &dir, None, &extra);
    let api = format!("http://{}", node.addr);
    let (url, notices) = bad_engine();
    let driver = engine_solver(&dir, 0, &url, &api);
    for (body, _) in intent_bodies(&node.domain(), 2, 79, unix_now()) {
        let (code, v) = http(&node.addr, "POST", "/v1/intents", &body).expect("the node answers");
        assert_eq!(code, 201, "{v}");
    }
    let kinds = |k: &str| notices.lock().unwrap().iter().filter(|n| n["kind"] == k).count();
    let all = wait_for(Duration::from_secs(60), || {
        (kinds("bad_response") > 0 && kinds("timeout") > 0 && kinds("dropped") > 0).then_some(())
    });
    assert!(all.is_some(), "notices: {:?}\n{}", notices.lock().unwrap(), driver.log());
    let dropped = notices.lock().unwrap().iter().find(|n| n["kind"] == "dropped").cloned().unwrap();
    assert_eq!(dropped["reasons"][0]["code"], "plan.unknown_position", "{dropped}");
    let log = driver.log();
    for code in ["engine.bad_response", "engine.timeout", "solver.plans_dropped"] {
        assert!(log.contains(code), "{code}: {log}");
    }
    assert!(!log.contains("sealed a bid"), "nothing was committed: {log}");
    assert_eq!(kinds("committed"), 0);
    // No commitment from it in any round, so no fault and no penalty.
    let page = get(&node.addr, "/v1/auctions?limit=50");
    for h in page["auctions"].as_array().unwrap() {
        let v = get(&node.addr, &format!("/v1/auctions/{}", h["id"]));
        for c in v["commitments"].as_array().into_iter().flatten() {
            assert!(!is(&c["solver"], me), "{v}");
        }
        assert!(v["outcome"]["faults"].as_array().into_iter().flatten().next().is_none(), "{v}");
    }
    let solvers = get(&node.addr, "/v1/solvers");
    for s in solvers["solvers"].as_array().unwrap() {
        assert_eq!(s["penalties"], serde_json::json!([]), "{s}");
    }
}

/// `stakebid solver practice` on a recorded auction: the winner's own
/// strategy reproduces the winners' score exactly; an engine's score is
/// printed beside it.
#[test]
fn practice_on_a_recorded_auction_reproduces_the_winners_score_and_scores_an_engine() {
    let dir = scratch("e2e-practice");
    let node =
        Node::start(BIN, &dir, None, &args(&["--run-solvers", "greedy", "--round-secs", "1"]));
    let api = format!("http://{}", node.addr);
    let open = first_open_event(&node.addr);
    for (body, _) in intent_bodies(&node.domain(), 5, 91, unix_now()) {
        let (code, v) = http(&node.addr, "POST", "/v1/intents", &body).expect("the node answers");
        assert_eq!(code, 201, "{v}");
    }
    let (auction, total) = wait_for(Duration::from_secs(60), || {
        let page = get(&node.addr, "/v1/auctions?limit=20");
        page["auctions"].as_array()?.iter().find_map(|h| {
            let id = h["id"].as_u64()?;
            let v = get(&node.addr, &format!("/v1/auctions/{id}"));
            let o = &v["outcome"];
            o["bids"]
                .as_array()?
                .iter()
                .any(|b| b["won"] == true)
                .then(|| (id, o["total_score"].as_str().unwrap().parse::<i128>().unwrap()))
        })
    })
    .expect("greedy wins a round");
    // The live "open" announcement writes the one encoding too (its
    // body, JSON in a string, included).
    let open = open.join().expect("an open announcement on /v1/events");
    assert!(open.to_string().contains("minNetApyBps"), "{open}");
    let breaks = stakebid_tests::encoding_breaks(&open);
    assert!(breaks.is_empty(), "{breaks:?} in {open}");
    let id = auction.to_string();
    let practice = |how: &[&str]| -> Value {
        let mut a = vec!["solver", "practice", "--auction", &id, "--node", &api];
        a.extend_from_slice(how);
        let out = std::process::Command::new(BIN).args(&a).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let score = |v: &Value| v["score"].as_str().unwrap().parse::<i128>().unwrap();
    let greedy = practice(&["--strategy", "greedy"]);
    assert_eq!(score(&greedy), total, "the winner's strategy reproduces its score: {greedy}");
    assert_eq!(greedy["winners_score"].as_str().unwrap(), total.to_string());
    // `stakebid solve` takes the round as published: the 32-byte seed, the
    // node's intent views (decimal strings, no signatures), its market.
    let v = get(&node.addr, &format!("/v1/auctions/{auction}"));
    let views: Vec<Value> = v["intents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| get(&node.addr, &format!("/v1/intents/{}", id.as_str().unwrap())))
        .collect();
    let (views_file, market_file) = (dir.join("views.json"), dir.join("market.json"));
    std::fs::write(&views_file, serde_json::to_vec(&views).unwrap()).unwrap();
    let hash = v["outcome"]["market_hash"].as_str().unwrap();
    let m = get(&node.addr, &format!("/v1/markets/{hash}"));
    std::fs::write(&market_file, serde_json::to_vec(&m["market"]).unwrap()).unwrap();
    let count = v["outcome"]["scenario_count"].to_string();
    let out = std::process::Command::new(BIN)
        .args(["solve", "--strategy", "greedy", "--seed", v["seed"].as_str().unwrap()])
        .args(["--scenarios", &count, "--intents", &views_file.display().to_string()])
        .args(["--market", &market_file.display().to_string()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let solved: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(solved["scenario_seed"], v["seed"], "{solved}");
    // It plans what greedy's winning bid planned in the live round.
    let won: usize = v["outcome"]["bids"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["won"] == true)
        .map(|b| b["scores"].as_object().unwrap().len())
        .sum();
    assert_eq!(solved["plans"].as_array().unwrap().len(), won, "{solved}");

    let (_engine, url) = python_engine(&dir, "engine", 5);
    let engine = practice(&["--engine", &url]);
    assert_eq!(engine["dropped"], serde_json::json!([]), "{engine}");
    assert!(score(&engine) > total, "the LP engine would have won: {engine} vs {total}");
}

/// The data of the first `open` event on the node's `/v1/events` stream
/// (server-sent events over plain HTTP), read on a thread.
fn first_open_event(addr: &str) -> std::thread::JoinHandle<Value> {
    let mut s = std::net::TcpStream::connect(addr).expect("the node listens");
    write!(s, "GET /v1/events HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n")
        .unwrap();
    std::thread::spawn(move || {
        s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        let mut open = false;
        for line in BufReader::new(s).lines() {
            let line = line.expect("the stream stays up");
            if line.trim() == "event: open" {
                open = true;
            } else if let (true, Some(data)) = (open, line.strip_prefix("data:")) {
                return serde_json::from_str(data.trim()).expect("event data is JSON");
            }
        }
        panic!("the stream ended before an open announcement")
    })
}
