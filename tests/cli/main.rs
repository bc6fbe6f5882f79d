//! The `stakebid` binary as a user runs it: exit codes, stable error codes
//! on stdout, and byte-identical output for identical inputs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn stakebid(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stakebid")).args(args).output().expect("stakebid runs")
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stakebid-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn write(path: &Path, out: &Output) {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::write(path, &out.stdout).unwrap();
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn a_wallet_signature_verifies_and_a_foreign_chain_is_refused_with_a_code() {
    let td = tmp("intent.json");
    write(&td, &stakebid(&["intent", "example", "--amount-eth", "3"]));
    let sig = stakebid(&["intent", "sign", "--typed-data", s(&td)]);
    assert!(sig.status.success());
    let sig = String::from_utf8(sig.stdout).unwrap().trim().to_string();
    let ok = stakebid(&["intent", "verify", "--typed-data", s(&td), "--signature", &sig]);
    assert!(ok.status.success());
    let v: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(v["signer"], "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    let bad = stakebid(&[
        "intent",
        "verify",
        "--typed-data",
        s(&td),
        "--signature",
        &sig,
        "--chain-id",
        "1",
    ]);
    assert!(!bad.status.success());
    let v: serde_json::Value = serde_json::from_slice(&bad.stdout).unwrap();
    assert_eq!(v["code"], "intent.wrong_chain");
    let garbage = stakebid(&["intent", "verify", "--typed-data", s(&td), "--signature", "0x1234"]);
    let v: serde_json::Value = serde_json::from_slice(&garbage.stdout).unwrap();
    assert_eq!(v["code"], "intent.bad_signature");
    let missing =
        stakebid(&["intent", "verify", "--typed-data", "/nonexistent", "--signature", &sig]);
    let v: serde_json::Value = serde_json::from_slice(&missing.stdout).unwrap();
    assert_eq!(v["code"], "cli.io");
}

#[test]
fn solve_is_byte_identical_and_its_plans_pass_evaluate() {
    let intents = tmp("intents.json");
    write(
        &intents,
        &stakebid(&["intents", "generate", "--count", "15", "--seed", "4", "--now", "1790000000"]),
    );
    for strategy in ["optimal", "greedy", "waterfill"] {
        let args = [
            "solve",
            "--intents",
            s(&intents),
            "--strategy",
            strategy,
            "--seed",
            "7",
            "--scenarios",
            "150",
        ];
        let a = stakebid(&args);
        let b = stakebid(&args);
        assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
        assert_eq!(a.stdout, b.stdout, "{strategy}: output differs between runs");
        let plans = tmp(&format!("plans-{strategy}.json"));
        std::fs::write(&plans, &a.stdout).unwrap();
        let v = stakebid(&[
            "evaluate",
            "--intents",
            s(&intents),
            "--plan",
            s(&plans),
            "--seed",
            "7",
            "--scenarios",
            "150",
        ]);
        assert!(v.status.success(), "{strategy}: {}", String::from_utf8_lossy(&v.stderr));
    }
}

#[test]
fn evaluate_fails_a_tampered_plan_and_names_the_broken_constraint() {
    let intents = tmp("intents-t.json");
    write(
        &intents,
        &stakebid(&["intents", "generate", "--count", "5", "--seed", "8", "--now", "1790000000"]),
    );
    let out = stakebid(&["solve", "--intents", s(&intents)]);
    let mut v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["plans"][0]["fee"] = "1".into();
    let plans = tmp("tampered.json");
    std::fs::write(&plans, v.to_string()).unwrap();
    let e = stakebid(&["evaluate", "--intents", s(&intents), "--plan", s(&plans)]);
    assert!(!e.status.success());
    let text = String::from_utf8(e.stdout).unwrap();
    assert!(text.contains("plan.amount_mismatch"), "{text}");
}

#[test]
fn a_node_off_a_devnet_refuses_published_dev_keys_and_names_what_to_set() {
    let dir = tmp("mainnet-node");
    let base = [
        "node",
        "--chain-id",
        "1",
        "--no-auctions",
        "--data-dir",
        s(&dir),
        "--http",
        "127.0.0.1:1",
    ];
    // No key at all: the devnet default is not used off a devnet.
    let out = stakebid(&base);
    assert!(!out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["code"], "node.key_missing", "{v}");
    assert!(v["message"].as_str().unwrap().contains("STAKEBID_AUCTIONEER_KEY"), "{v}");
    // anvil's first key, from the environment: refused as a published key.
    let out = Command::new(env!("CARGO_BIN_EXE_stakebid"))
        .args(base)
        .env(
            "STAKEBID_AUCTIONEER_KEY",
            "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
        )
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["code"], "node.dev_key_refused", "{v}");
    // A key file is read (here holding anvil's second key: refused too).
    let key = tmp("auctioneer.key");
    std::fs::write(&key, "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d\n")
        .unwrap();
    let mut args = base.to_vec();
    args.extend(["--auctioneer-key-file", s(&key)]);
    let out = stakebid(&args);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["code"], "node.dev_key_refused", "{v}");
    assert!(!dir.exists(), "nothing was created before the keys were checked");
}

#[test]
fn an_unknown_strategy_is_a_clear_error() {
    let intents = tmp("intents-u.json");
    write(&intents, &stakebid(&["intents", "generate", "--count", "1"]));
    let out = stakebid(&["solve", "--intents", s(&intents), "--strategy", "magic"]);
    assert!(!out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["code"], "cli.unknown_strategy");
}

#[test]
fn an_auction_round_awards_the_batch_and_penalizes_the_silent_solver() {
    let dir = tmp("demo-store");
    let out =
        stakebid(&["auction", "demo", "--intents", "12", "--seed", "3", "--data-dir", s(&dir)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("won by solver-"), "{err}");
    assert!(err.contains("solver-silent round.unrevealed"), "{err}");
    assert!(err.contains("penalty: solver-silent"), "{err}");
    // Run again on the same store: the intents are already there, nothing doubles.
    let again =
        stakebid(&["auction", "demo", "--intents", "12", "--seed", "3", "--data-dir", s(&dir)]);
    let err = String::from_utf8(again.stderr).unwrap();
    assert!(err.contains("(0 new)"), "{err}");
}

/// A minimal HTTP/1.1 client over std (one request per connection).
fn http(addr: &str, method: &str, path: &str, body: &str) -> Option<(u16, serde_json::Value)> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).ok()?;
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    let status = out.split_whitespace().nth(1)?.parse().ok()?;
    let json = out.split("\r\n\r\n").nth(1).and_then(|b| serde_json::from_str(b).ok())?;
    Some((status, json))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn start_node(dir: &Path, addr: &str, demo: bool) -> std::process::Child {
    let mut args = vec!["node", "--data-dir", s(dir), "--http", addr];
    if demo {
        args.extend(["--demo-solvers", "--round-secs", "1"]);
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_stakebid"))
        .args(&args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if http(addr, "GET", "/v1/health", "").is_some() {
            return child;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the node did not come up on {addr}");
}

#[test]
fn a_node_awards_an_http_intent_and_a_killed_node_loses_nothing() {
    let dir = tmp("node-store");
    let addr = format!("127.0.0.1:{}", free_port());
    let mut node = start_node(&dir, &addr, true);
    let td = tmp("node-intent.json");
    write(&td, &stakebid(&["intent", "example", "--amount-eth", "8"]));
    let sig =
        String::from_utf8(stakebid(&["intent", "sign", "--typed-data", s(&td)]).stdout).unwrap();
    let body = format!(
        "{{\"typed_data\": {}, \"signature\": \"{}\"}}",
        std::fs::read_to_string(&td).unwrap(),
        sig.trim()
    );
    let (status, v) = http(&addr, "POST", "/v1/intents", &body).unwrap();
    assert_eq!(status, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    let (status, v) = http(&addr, "POST", "/v1/intents", &body).unwrap();
    assert_eq!((status, v["code"].as_str()), (409, Some("intent.replayed")));
    // The in-process solvers win it within a few rounds.
    let mut state = String::new();
    for _ in 0..100 {
        let (_, v) = http(&addr, "GET", &format!("/v1/intents/{id}"), "").unwrap();
        state = v["status"].as_str().unwrap().to_string();
        if state == "awarded" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(state, "awarded");
    // The round is listed; after its reveal deadline every bid and score is public.
    let (_, list) = http(&addr, "GET", "/v1/auctions", "").unwrap();
    let auction =
        list["auctions"].as_array().unwrap().iter().find(|a| a["phase"] == "awarded").unwrap()
            ["id"]
            .clone();
    let mut outcome = serde_json::Value::Null;
    for _ in 0..100 {
        let (_, a) = http(&addr, "GET", &format!("/v1/auctions/{auction}"), "").unwrap();
        outcome = a["outcome"].clone();
        if !outcome.is_null() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let bids = outcome["bids"].as_array().expect("public bids after the reveal deadline");
    assert!(bids.iter().any(|b| b["won"] == true && b["scores"].get(&id).is_some()), "{outcome}");
    node.kill().unwrap(); // SIGKILL
    node.wait().unwrap();
    let mut node = start_node(&dir, &addr, false);
    let (_, v) = http(&addr, "GET", &format!("/v1/intents/{id}"), "").unwrap();
    assert_eq!(v["status"], "awarded");
    let (status, v) = http(&addr, "POST", "/v1/intents", &body).unwrap();
    assert_eq!(
        (status, v["code"].as_str()),
        (409, Some("intent.replayed")),
        "replay after restart"
    );
    node.kill().unwrap();
    node.wait().unwrap();
}
