//! The `stakebid` binary as a user runs it: exit codes, stable error codes
//! on stdout, and byte-identical output for identical inputs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod engine;
mod published_abi;

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
    // With an auctioneer key of its own, the node's demo solvers (published
    // keys) are refused off a devnet, and nothing is created either.
    for flag in [&["--demo-solvers"][..], &["--run-solvers", "greedy"][..]] {
        let mut args = base.to_vec();
        args.extend(flag);
        let out = Command::new(env!("CARGO_BIN_EXE_stakebid"))
            .args(&args)
            .env(
                "STAKEBID_AUCTIONEER_KEY",
                "0x7777777777777777777777777777777777777777777777777777777777777777",
            )
            .output()
            .unwrap();
        assert!(!out.status.success());
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["code"], "node.dev_key_refused", "{flag:?}: {v}");
        assert!(v["message"].as_str().unwrap().contains("not a devnet"), "{v}");
        assert!(!dir.exists(), "nothing was created before the solvers were refused");
    }
}

/// At a terminal a person reads an error once (the sentence on stderr);
/// piped, stdout also carries it as JSON for scripts (the test above).
#[test]
fn at_a_terminal_an_error_is_printed_once() {
    let intents = tmp("intents-tty.json");
    write(&intents, &stakebid(&["intents", "generate", "--count", "1"]));
    let cmd = format!(
        "{} solve --intents {} --strategy magic",
        env!("CARGO_BIN_EXE_stakebid"),
        intents.display()
    );
    // `script` runs the command on a pseudo-terminal, as a shell would.
    let out = Command::new("script").args(["-qec", &cmd, "/dev/null"]).output().unwrap();
    let screen = String::from_utf8_lossy(&out.stdout);
    assert_eq!(screen.matches("cli.unknown_strategy").count(), 1, "{screen}");
    assert!(screen.contains("error[cli.unknown_strategy]: no strategy"), "{screen}");
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

fn start_node(dir: &Path, addr: &str, demo: bool, json_log: Option<&Path>) -> std::process::Child {
    let mut args = vec!["node", "--data-dir", s(dir), "--http", addr];
    if demo {
        args.extend(["--demo-solvers", "--round-secs", "1"]);
    }
    let stderr = match json_log {
        Some(p) => {
            args.extend(["--log-format", "json"]);
            std::process::Stdio::from(std::fs::File::create(p).unwrap())
        }
        None => std::process::Stdio::null(),
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_stakebid"))
        .args(&args)
        .stdout(std::process::Stdio::null())
        .stderr(stderr)
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
    let addr = format!("127.0.0.1:{}", stakebid_tests::free_port().unwrap());
    let log = tmp("node-log.jsonl");
    let mut node = start_node(&dir, &addr, true, Some(&log));
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
    // The intent answers with its auction and awarded plan.
    let (_, v) = http(&addr, "GET", &format!("/v1/intents/{id}"), "").unwrap();
    assert!(v["auction"].is_u64() && v["award"]["plan"]["allocations"].is_array(), "{v}");
    // `--log-format json`: the round's events are JSON lines inside its span.
    let logs = std::fs::read_to_string(&log).unwrap();
    let closed = logs
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|l| l["fields"]["message"] == "round closed")
        .unwrap_or_else(|| panic!("no JSON `round closed` event:\n{logs}"));
    assert_eq!(closed["span"]["name"], "auction", "{closed}");
    assert!(closed["span"]["id"].is_u64() && closed["fields"]["revealed"].is_u64(), "{closed}");
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
    let mut node = start_node(&dir, &addr, false, None);
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

/// The crate graph `docs/layering.md` draws: settlement depends on intents
/// alone; the node and the solver reach the bus without the wallet SDK.
#[test]
fn the_crate_graph_is_the_documented_layering() {
    let out = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let m: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let deps = |name: &str| -> Vec<String> {
        let p = m["packages"].as_array().unwrap().iter().find(|p| p["name"] == name).unwrap();
        let mut d: Vec<String> = p["dependencies"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["kind"].is_null() && d["name"].as_str().unwrap().starts_with("stakebid"))
            .map(|d| d["name"].as_str().unwrap().to_string())
            .collect();
        d.sort();
        d
    };
    assert_eq!(deps("stakebid-intents"), Vec::<String>::new());
    assert_eq!(deps("stakebid-chain"), ["stakebid-intents"]);
    assert_eq!(deps("stakebid-settlement"), ["stakebid-chain", "stakebid-intents"]);
    assert_eq!(deps("stakebid-wire"), ["stakebid-intents"]);
    assert_eq!(deps("stakebid-bus"), ["stakebid-intents", "stakebid-wire"]);
    assert_eq!(deps("stakebid-solver"), ["stakebid-bus", "stakebid-intents", "stakebid-wire"]);
    assert_eq!(deps("stakebid-auction"), ["stakebid-intents"]);
    assert_eq!(
        deps("stakebid-node"),
        [
            "stakebid-auction",
            "stakebid-bus",
            "stakebid-intents",
            "stakebid-settlement",
            "stakebid-solver",
            "stakebid-wire"
        ]
    );
    assert_eq!(
        deps("stakebid-sdk"),
        ["stakebid-bus", "stakebid-chain", "stakebid-intents", "stakebid-wire"]
    );
}

/// The store port owns its records, its error and its traits: nothing in
/// `auction/node/src/port/` names an adapter (the sled or Postgres module,
/// or either client crate).
#[test]
fn the_store_port_imports_nothing_from_an_adapter() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![];
    rust_files(&root.join("auction/node/src/port"), &mut files);
    assert!(files.len() >= 3, "the checker reads the port: {files:?}");
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for banned in ["crate::store", "crate::pg", "sled::", "postgres::", "super::super"] {
            assert!(!text.contains(banned), "{} names {banned}", f.display());
        }
    }
}

/// The node is a library: the CLI parses flags, builds a `NodeConfig` and
/// prints; `src/cli/node.rs` holds no wiring (it never builds the API
/// state, the round thread or the lease) and stays short; and nothing but
/// `main.rs`'s last-resort error print writes with `eprintln!` (every line
/// goes through `tracing`, so `--log-format json` covers all of them).
#[test]
fn the_cli_holds_no_node_wiring_and_prints_only_through_tracing() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let node = std::fs::read_to_string(root.join("src/cli/node.rs")).unwrap();
    assert!(node.lines().count() < 200, "src/cli/node.rs has {} lines", node.lines().count());
    let mut cli = vec![];
    rust_files(&root.join("src/cli"), &mut cli);
    for f in &cli {
        let text = std::fs::read_to_string(f).unwrap();
        for wiring in [
            "AppState",
            "RoundThread",
            "Live::new",
            "leader::spawn",
            "ChainLink::connect",
            "Intake::start",
        ] {
            assert!(!text.contains(wiring), "{} wires the node itself ({wiring})", f.display());
        }
    }
    let files = product_sources(root);
    let mut found = vec![];
    for f in files.iter().filter(|f| **f != root.join("src/main.rs")) {
        let text = std::fs::read_to_string(f).unwrap();
        let code = without_test_modules(&text);
        for (n, l) in code.lines().enumerate() {
            if l.contains("eprintln!(") && !l.trim_start().starts_with("//") {
                found.push(format!(
                    "{}:{}: {}",
                    f.strip_prefix(root).unwrap().display(),
                    n + 1,
                    l.trim()
                ));
            }
        }
    }
    assert!(found.is_empty(), "printing around tracing:\n{}", found.join("\n"));
    let main = std::fs::read_to_string(root.join("src/main.rs")).unwrap();
    assert_eq!(main.matches("eprintln!(").count(), 1, "main.rs prints only its last-resort error");
}

/// The names in `krate`'s full normal dependency tree (`cargo tree`).
fn normal_tree(krate: &str) -> std::collections::BTreeSet<String> {
    let out = Command::new(env!("CARGO"))
        .args(["tree", "-p", krate, "-e", "normal", "--prefix", "none", "--offline"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let tree = String::from_utf8_lossy(&out.stdout);
    let names: std::collections::BTreeSet<String> =
        tree.lines().filter_map(|l| l.split_whitespace().next()).map(String::from).collect();
    assert!(names.contains("alloy"), "{krate}: the checker reads the tree:\n{tree}");
    names
}

/// The wallet-facing crates build without storage or the executor: the
/// full normal dependency tree of `stakebid-sdk` and `stakebid-wire` has no
/// sled, no Postgres client and no `stakebid-settlement`.
#[test]
fn wallet_crates_pull_in_no_storage_or_executor() {
    for krate in ["stakebid-sdk", "stakebid-wire"] {
        let names = normal_tree(krate);
        for banned in [
            "sled",
            "postgres",
            "tokio-postgres",
            "stakebid-settlement",
            "stakebid-auction",
            "stakebid-node",
        ] {
            assert!(!names.contains(banned), "{krate} depends on {banned}");
        }
    }
}

/// The auction core is pure: its full normal dependency tree has no web
/// server, no database client, no API schema and no metrics crate (those
/// are the node's, `stakebid-node`).
#[test]
fn the_auction_core_pulls_in_no_io() {
    let names = normal_tree("stakebid-auction");
    for banned in [
        "axum",
        "hyper",
        "sled",
        "postgres",
        "tokio-postgres",
        "utoipa",
        "prometheus-client",
        "tokio",
        "stakebid-settlement",
        "stakebid-bus",
    ] {
        assert!(!names.contains(banned), "stakebid-auction depends on {banned}");
    }
}

/// The records the node stores are persistence DTOs of their own
/// (`stakebid_node::persist`, `from_domain` / `into_domain`): the domain
/// types they map carry no serde, so how an old store spelled a record
/// cannot leak into the rules, and every stored record goes through a DTO.
#[test]
fn stored_domain_types_carry_no_serde() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("auction/src/domain");
    for f in ["outcome.rs", "intent.rs", "phase.rs", "registry.rs", "round.rs", "score.rs"] {
        let text = std::fs::read_to_string(root.join(f)).unwrap();
        assert!(!text.contains("serde"), "auction/src/domain/{f} names serde");
    }
    let persist = Path::new(env!("CARGO_MANIFEST_DIR")).join("auction/node/src/persist");
    let mut rows = 0;
    for e in std::fs::read_dir(&persist).unwrap() {
        let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
        rows += text.matches("fn from_domain(").count();
    }
    assert!(rows >= 10, "every stored type has its DTO ({rows} found)");
}

/// Test scaffolding is shared, not copied: one `fn free_port`
/// (`stakebid_bus::net`), one honest in-process participant
/// (`stakebid_solver::in_process`: the only `Participant` that runs a
/// strategy), and no test reaching into another crate's test sources with
/// `#[path]` (the on-chain fixture is `stakebid_tests::onchain`).
#[test]
fn shared_scaffolding_is_declared_once() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![];
    for d in ["intents", "auction", "settlement", "solver", "sdk", "src", "tests", "benches"] {
        rust_files(&root.join(d), &mut files);
    }
    let rel = |f: &PathBuf| f.strip_prefix(root).unwrap().display().to_string();
    let (mut ports, mut honest, mut paths) = (vec![], vec![], vec![]);
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let code: Vec<&str> = text
            .lines()
            .map(|l| l.trim_start())
            .map(|l| l.strip_prefix("pub(crate) ").or(l.strip_prefix("pub ")).unwrap_or(l))
            .filter(|l| !l.starts_with("//"))
            .collect();
        if code.iter().any(|l| l.starts_with("fn free_port(")) {
            ports.push(rel(f));
        }
        if code.iter().any(|l| l.starts_with("impl Participant for"))
            && code.iter().any(|l| l.contains("plan_bids(") && !l.contains('"'))
        {
            honest.push(rel(f));
        }
        if code.iter().any(|l| l.starts_with("#[path")) {
            paths.push(rel(f));
        }
    }
    assert_eq!(ports, ["sdk/bus/src/net.rs"]);
    assert_eq!(honest, ["solver/src/in_process.rs"]);
    assert!(paths.is_empty(), "#[path] reaches: {paths:?}");
}

const TABLE_BEGIN: &str = "<!-- BEGIN every code: generated from stakebid_intents::codes::ErrorCode (STAKEBID_BLESS=1 cargo test regenerates); do not edit -->\n";
const TABLE_END: &str = "<!-- END every code -->";

/// `docs/errors.md`'s table of every code and `sdk/js/src/codes.d.ts` are
/// what `ErrorCode` writes: a code added, removed or reworded in the enum
/// without regenerating them fails here (`STAKEBID_BLESS=1` rewrites them).
#[test]
fn the_error_table_and_typescript_union_are_generated_from_the_one_enum() {
    use stakebid_intents::codes::ErrorCode;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bless = std::env::var_os("STAKEBID_BLESS").is_some();
    let doc_path = root.join("docs/errors.md");
    let doc = std::fs::read_to_string(&doc_path).unwrap();
    let (head, rest) = doc.split_once(TABLE_BEGIN).expect("docs/errors.md has the table markers");
    let (kept, tail) = rest.split_once(TABLE_END).expect("docs/errors.md has the end marker");
    let table = ErrorCode::markdown_table();
    if bless {
        std::fs::write(&doc_path, format!("{head}{TABLE_BEGIN}{table}{TABLE_END}{tail}")).unwrap();
    } else {
        assert!(
            kept == table,
            "docs/errors.md's table differs from ErrorCode: run STAKEBID_BLESS=1 cargo test"
        );
    }
    let ts_path = root.join("sdk/js/src/codes.d.ts");
    let ts = ErrorCode::typescript_union();
    if bless {
        std::fs::write(&ts_path, &ts).unwrap();
    } else {
        let kept = std::fs::read_to_string(&ts_path).unwrap_or_default();
        assert!(
            kept == ts,
            "sdk/js/src/codes.d.ts differs from ErrorCode: run STAKEBID_BLESS=1 cargo test"
        );
    }
    assert!(table.contains("| `round.not_eligible` | 403 |"), "the checker reads real rows");
}

/// Every string literal in the product's sources that looks like a code of
/// a known family (`intent.…`, `store.…`) is a declared `ErrorCode`: a code
/// cannot be added without declaring (and so documenting) it.
#[test]
fn every_code_the_sources_use_is_declared() {
    use stakebid_intents::codes::ErrorCode;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let families: std::collections::BTreeSet<&str> =
        ErrorCode::ALL.iter().map(|c| c.as_str().split('.').next().unwrap()).collect();
    let files = product_sources(root);
    let mut undeclared = vec![];
    let mut seen = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let code = &without_test_modules(&text);
        for lit in code.split('"').skip(1).step_by(2) {
            let Some((family, name)) = lit.split_once('.') else { continue };
            let shaped = !name.is_empty()
                && name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                && family.chars().all(|c| c.is_ascii_lowercase() || c == '_');
            if !shaped || !families.contains(family) {
                continue;
            }
            seen += 1;
            if ErrorCode::parse(lit).is_none() {
                undeclared.push(format!("{}: {lit}", f.strip_prefix(root).unwrap().display()));
            }
        }
    }
    assert!(seen > 100, "the checker finds the codes ({seen})");
    assert!(
        undeclared.is_empty(),
        "codes used but not declared in ErrorCode:\n{}",
        undeclared.join("\n")
    );
}

/// Where the API names a status and a code together, the status is the one
/// the code declares (so no status is chosen apart from the enum).
#[test]
fn explicit_api_statuses_are_the_declared_ones() {
    use stakebid_intents::codes::ErrorCode;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![];
    rust_files(&root.join("auction/node/src/api"), &mut files);
    let status = |name: &str| match name {
        "BAD_REQUEST" => 400,
        "FORBIDDEN" => 403,
        "NOT_FOUND" => 404,
        "REQUEST_TIMEOUT" => 408,
        "CONFLICT" => 409,
        "PAYLOAD_TOO_LARGE" => 413,
        "UNPROCESSABLE_ENTITY" => 422,
        "TOO_MANY_REQUESTS" => 429,
        "SERVICE_UNAVAILABLE" => 503,
        other => panic!("add {other} to the test's table"),
    };
    let (mut checked, mut wrong) = (0, vec![]);
    for f in &files {
        let text: String = std::fs::read_to_string(f).unwrap().split_whitespace().collect();
        for part in text.split("ApiError::new(StatusCode::").skip(1) {
            let Some((name, rest)) = part.split_once(',') else { continue };
            let Some(lit) = rest.strip_prefix('"').and_then(|r| r.split('"').next()) else {
                continue;
            };
            checked += 1;
            let declared = ErrorCode::parse(lit).and_then(|c| c.status());
            if declared != Some(status(name)) {
                wrong.push(format!("{lit}: {name} but declared {declared:?}"));
            }
        }
    }
    assert!(checked > 20, "the checker finds the calls ({checked})");
    assert!(wrong.is_empty(), "{wrong:?}");
}

/// One `sol!` binding per contract or interface name in the workspace.
#[test]
fn one_binding_per_contract() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![];
    for d in ["intents", "auction", "settlement", "solver", "sdk", "src", "tests"] {
        rust_files(&root.join(d), &mut files);
    }
    let mut seen: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for block in text.split("sol!").skip(1) {
            let body: String = block.chars().take_while(|_| true).collect();
            // `sol!(… Name, "artifacts/Name.json")`: the artifact names the contract.
            if let Some(a) = body.split(".json\"").next().filter(|h| h.len() < body.len()) {
                if let Some(name) = a.rsplit('/').next() {
                    if !name.contains('\n') && body.find(".json").unwrap() < 200 {
                        seen.entry(name.to_string()).or_default().push(f.display().to_string());
                        continue;
                    }
                }
            }
            // `sol! { interface IName { … } contract … }`
            let end = body.find("\n}").unwrap_or(body.len());
            for w in body[..end].split_whitespace().collect::<Vec<_>>().windows(2) {
                if w[0] == "interface" || w[0] == "contract" {
                    let name: String =
                        w[1].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                    seen.entry(name).or_default().push(f.display().to_string());
                }
            }
        }
    }
    assert!(seen.contains_key("Settlement") && seen.contains_key("ILidoViews"), "{seen:?}");
    let twice: Vec<_> = seen.iter().filter(|(_, fs)| fs.len() > 1).collect();
    assert!(twice.is_empty(), "bound more than once: {twice:?}");
}

/// No two CLI modules import each other (`super::x` / `super::{x, …}`): the
/// CLI's shared pieces sit in leaf modules (`keys`, the parent's helpers).
#[test]
fn no_two_cli_modules_import_each_other() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/cli");
    let mut uses: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        Default::default();
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path().file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    for n in &names {
        let text = std::fs::read_to_string(dir.join(format!("{n}.rs"))).unwrap();
        let mut refs = std::collections::BTreeSet::new();
        for part in text.split("super::").skip(1) {
            let group = if let Some(g) = part.strip_prefix('{') {
                g.split('}').next().unwrap()
            } else {
                part
            };
            for item in group.split(',') {
                let word: String =
                    item.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if names.contains(&word)
                    && &word != n
                    && part.starts_with('{') | part.starts_with(word.as_str())
                {
                    refs.insert(word);
                }
                if !part.starts_with('{') {
                    break;
                }
            }
        }
        uses.insert(n.clone(), refs);
    }
    for (a, refs) in &uses {
        for b in refs {
            assert!(!uses[b].contains(a), "src/cli/{a}.rs and src/cli/{b}.rs import each other");
        }
    }
    assert!(uses["node"].contains("keys"), "the checker sees grouped imports: {uses:?}");
}

/// `text` with every `#[cfg(test)] mod … { … }` blanked out (its lines kept
/// as empty lines, so reported line numbers still match the file): what the
/// source checks read. Code after a test module is still checked.
fn without_test_modules(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("#[cfg(test)]") {
        let after = &rest[at + "#[cfg(test)]".len()..];
        let is_mod = after.trim_start().starts_with("mod ");
        let open = after.find('{');
        let (true, Some(open)) = (is_mod, open) else {
            out.push_str(&rest[..at + "#[cfg(test)]".len()]);
            rest = after;
            continue;
        };
        let mut depth = 0usize;
        let mut end = after.len();
        for (i, c) in after[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        out.push_str(&rest[..at]);
        let skipped = &rest[at..at + "#[cfg(test)]".len() + end];
        out.push_str(&"\n".repeat(skipped.matches('\n').count()));
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// JSON built by hand (`json!`) or read by string key (`v["field"]`,
/// `v.get("field")`) in `text`, outside `#[cfg(test)]` modules: (line, text).
fn json_glue(text: &str) -> Vec<(usize, String)> {
    let code = &without_test_modules(text);
    let keyed = |line: &str, open: &str, close: &str| {
        line.match_indices(open).any(|(i, _)| {
            let rest = &line[i + open.len()..];
            let key: String =
                rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            !key.is_empty() && rest[key.len()..].starts_with(close)
        })
    };
    code.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim_start().starts_with("//"))
        .filter(|(_, l)| {
            l.contains("json!") || keyed(l, "[\"", "\"]") || keyed(l, ".get(\"", "\")")
        })
        .map(|(n, l)| (n + 1, l.trim().to_string()))
        .collect()
}

/// Every Rust file of the product (each crate's `src/`, the binary's), no
/// tests or benches.
fn product_sources(root: &Path) -> Vec<PathBuf> {
    let mut files = vec![];
    for d in [
        "intents/src",
        "auction/src",
        "auction/node/src",
        "settlement/src",
        "settlement/chain/src",
        "solver/src",
        "sdk/src",
        "sdk/bus/src",
        "sdk/wire/src",
        "src",
    ] {
        rust_files(&root.join(d), &mut files);
    }
    files
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn no_hand_built_or_string_keyed_json_outside_the_presentation_layer() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // The API's presentation modules and the wire types are where JSON is
    // shaped; everything else passes typed values.
    let presentation = [root.join("auction/node/src/api"), root.join("sdk/wire")];
    let mut files = vec![];
    for d in [
        "intents/src",
        "auction/src",
        "auction/node/src",
        "settlement/src",
        "solver/src",
        "sdk",
        "src",
    ] {
        rust_files(&root.join(d), &mut files);
    }
    assert!(files.iter().any(|f| f.ends_with("intents/src/intent.rs")), "intents/ is covered");
    let mut found = vec![];
    let mut in_presentation = 0;
    for f in &files {
        let hits = json_glue(&std::fs::read_to_string(f).unwrap());
        if presentation.iter().any(|p| f.starts_with(p)) {
            in_presentation += hits.len();
            continue;
        }
        for (n, l) in hits {
            found.push(format!("{}:{n}: {l}", f.strip_prefix(root).unwrap().display()));
        }
    }
    assert!(found.is_empty(), "JSON glue outside the presentation layer:\n{}", found.join("\n"));
    // The checker does see what it looks for (the API reads its raw bodies by key).
    assert!(in_presentation > 0, "the checker found nothing even where JSON is shaped");
    assert_eq!(json_glue("let a = v[\"id\"];\nlet b = json!({});\nlet c = m.get(\"k\");").len(), 3);
    assert!(json_glue("c.get(\"/v1/node\"); m[\"stETH-x\"]").is_empty());
    // Code after a test module is still read; the module itself is not.
    let after =
        "#[cfg(test)]\nmod tests {\n    fn t() { let x = json!({}); }\n}\nlet b = json!({});\n";
    assert_eq!(json_glue(after), vec![(5, "let b = json!({});".to_string())]);
}

/// Integers are written as decimal strings by one module
/// (`stakebid_intents::decimal`): no other serde helper or wrapper for them
/// is declared anywhere in the workspace's sources.
#[test]
fn one_decimal_encoding_module() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![];
    for d in ["intents", "auction", "settlement", "solver", "sdk", "src", "tests"] {
        rust_files(&root.join(d), &mut files);
    }
    let declares = |l: &str| {
        let l = l.trim_start();
        let l = l.strip_prefix("pub(crate) ").or(l.strip_prefix("pub ")).unwrap_or(l);
        [
            "mod dec {",
            "mod dec_map {",
            "mod decimal {",
            "mod decimal_signed {",
            "struct Dec<",
            "fn dec_",
        ]
        .iter()
        .any(|d| l.starts_with(d))
    };
    let mut found = vec![];
    for f in &files {
        if f.components().any(|c| c.as_os_str() == "node_modules" || c.as_os_str() == "target") {
            continue;
        }
        for (n, l) in std::fs::read_to_string(f).unwrap().lines().enumerate() {
            if declares(l) && !l.contains('"') {
                let f = f.strip_prefix(root).unwrap().display().to_string();
                found.push(format!("{f}:{}: {}", n + 1, l.trim()));
            }
        }
    }
    let (ours, others): (Vec<_>, Vec<_>) =
        found.iter().partition(|l| l.starts_with("intents/src/decimal.rs:"));
    assert!(
        others.is_empty(),
        "decimal encodings declared outside stakebid_intents::decimal: {others:?}"
    );
    assert!(ours.iter().any(|l| l.contains("struct Dec<")), "the checker sees the one it keeps");
    let lib = std::fs::read_to_string(root.join("intents/src/lib.rs")).unwrap();
    assert!(lib.contains("pub mod decimal;"), "the one module is declared");
}

#[test]
fn the_sdk_public_api_has_no_untyped_json() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![];
    for d in ["sdk/src", "sdk/bus/src", "sdk/wire/src"] {
        rust_files(&root.join(d), &mut files);
    }
    let mut found = vec![];
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let code = &without_test_modules(&text);
        for (n, l) in code.lines().enumerate() {
            let l = l.trim();
            if l.starts_with("//") {
                continue;
            }
            if l.contains("serde_json::Value")
                || l.contains("Json<Value>")
                || l.contains(": Value")
                || l.contains("-> Value")
            {
                found.push(format!("{}:{}: {l}", f.strip_prefix(root).unwrap().display(), n + 1));
            }
        }
    }
    assert!(found.is_empty(), "untyped JSON in the SDK:\n{}", found.join("\n"));
}

#[test]
fn library_crates_log_through_tracing_not_eprintln() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![];
    for d in ["intents", "solver", "auction", "settlement", "sdk"] {
        rust_files(&root.join(d), &mut files);
    }
    let found: Vec<String> = files
        .iter()
        .filter(|f| {
            !f.components().any(|c| c.as_os_str() == "tests" || c.as_os_str() == "examples")
        })
        .filter(|f| std::fs::read_to_string(f).unwrap().contains("eprintln!"))
        .map(|f| f.strip_prefix(root).unwrap().display().to_string())
        .collect();
    assert!(found.is_empty(), "eprintln! in library code: {found:?}");
}

#[test]
fn a_bad_config_file_is_refused_by_name_before_anything_is_created() {
    let dir = tmp("config-node");
    let _ = std::fs::remove_dir_all(&dir);
    let cfg = tmp("bad.toml");
    std::fs::write(&cfg, "[executor]\nreplace_after = 6\n").unwrap();
    let out = stakebid(&["node", "--config", s(&cfg), "--data-dir", s(&dir), "--no-auctions"]);
    assert!(!out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["code"], "node.config", "{v}");
    assert!(v["message"].as_str().unwrap().contains("replace_after"), "{v}");
    assert!(!dir.exists(), "nothing is created");
}
