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
//! and then the CLI's `stakebid withdraw` / `withdraw --complete` on a demo
//! staker's restaked position, across the protocol's delay.

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

/// The first demo staker (anvil dev account 5), whose plan the demo settles.
const DEMO_STAKER: &str = "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba";

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

    // The CLI: a demo staker queues a restaked position's withdrawal; it is
    // not completable before the protocol's delay, then completes.
    let conn = ["--node", &node, "--rpc-url", &rpc, "--key", DEMO_STAKER];
    let (ok, positions) = cli(&[&["positions", "--json"][..], &conn[..]].concat());
    assert!(ok, "{positions}");
    let v: serde_json::Value = serde_json::from_str(&positions).expect("positions --json");
    let restaked = v["positions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p.get("strategy").is_some())
        .expect("the demo staker holds a restaked position")["position"]
        .as_str()
        .unwrap()
        .to_string();
    let (ok, out) = cli(&[&["withdraw", "--position", &restaked][..], &conn[..]].concat());
    assert!(ok && out.contains("queued"), "{out}");
    let (ok, out) = cli(&[&["withdraw", "--complete"][..], &conn[..]].concat());
    assert!(ok && out.contains("blocks left") && !out.contains("completed"), "{out}");
    // The explorer shows the countdown on the intent that opened the position.
    let staker: alloy::signers::local::PrivateKeySigner = DEMO_STAKER.parse().unwrap();
    let mine = stakebid_tests::get(&http, &format!("/v1/owners/{}/intents", staker.address()));
    let intent = mine["intents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| {
            v["award"]["plan"]["allocations"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x["position"] == restaked.as_str()))
        })
        .expect("the intent whose plan opened the position")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let page = crate::explorer::render(&format!("{node}/#/intent/{intent}"));
    assert!(
        page.contains(r#"class="withdrawal-row""#) && page.contains("blocks left"),
        "the intent page shows the queued withdrawal's countdown:\n{page}"
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let p = alloy::providers::ProviderBuilder::new().connect_http(rpc.parse().unwrap());
    let _: serde_json::Value = rt
        .block_on(alloy::providers::Provider::raw_request(
            &p,
            "anvil_mine".into(),
            serde_json::json!(["0x40"]),
        ))
        .expect("anvil mines 64 blocks");
    let (ok, out) = cli(&[&["withdraw", "--complete"][..], &conn[..]].concat());
    assert!(ok && out.contains("completed: the tokens are in your wallet"), "{out}");
    let (ok, out) = cli(&[&["withdraw", "--complete"][..], &conn[..]].concat());
    assert!(!ok && out.contains("cli.no_withdrawal"), "nothing left to complete:\n{out}");
    drop(dev);
}
