//! Durable intake of signed intents over HTTP with the node pinned to one
//! core (`taskset -c 0 stakebid node`) and this load generator on the
//! other, against one core's raw signature-recovery rate measured here in
//! the same run (issue 21's target: ≥ 50 % of it, and p99 ≤ 20 ms at 1,000
//! requests/s of open-loop load).
//!
//! 1. References on this core, no HTTP, no disk: raw recovery (EIP-712
//!    digest + secp256k1), `accept` as intake runs it now, and the
//!    previous intake path (the typed data also re-hashed by alloy's
//!    dynamic encoder before verifying).
//! 2. Saturation: 64 requests in flight, every answer a durable 201.
//! 3. Open loop: requests sent at fixed times (1,000/s by default) whatever
//!    the answers do, latency measured from each request's *scheduled*
//!    time, so a stall shows in full (no coordinated omission).
//!
//! `cargo bench --bench intake_pinned` (`INTAKE_RATE`, `INTAKE_SECS`,
//! `INTAKE_SATURATE` to change the load).

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy::primitives::Bytes;
use serde_json::Value;
use stakebid_intents::{accept, batch, Domain, Intent, Market, Policy, SignedIntent};

const BIN: &str = env!("CARGO_BIN_EXE_stakebid");

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[((v.len() - 1) as f64 * p).round() as usize]
}

/// `n` signed intents for `d` (distinct owners and nonces), as request bodies.
fn signed(d: &Domain, n: usize, seed: u64) -> Vec<SignedIntent> {
    let mut out = vec![];
    let mut s = seed;
    while out.len() < n {
        out.extend(batch::generate(&Market::snapshot(), d, 500.min(n - out.len()), s, now()));
        s += 1;
    }
    out
}

fn body(s: &SignedIntent) -> String {
    serde_json::json!({ "typed_data": s.intent.typed_data(&s.domain), "signature": s.signature })
        .to_string()
}

fn main() {
    // Only `cargo bench` runs it (cargo test passes --bench-less args).
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    assert!(cores >= 2, "needs two cores: one for the node, one for the load");
    let pin = |pid: u32, core: &str| {
        let ok = Command::new("taskset")
            .args(["-a", "-p", "-c", core, &pid.to_string()])
            .stdout(Stdio::null())
            .status()
            .expect("taskset (util-linux)");
        assert!(ok.success());
    };
    pin(std::process::id(), "1");

    let dir = std::env::temp_dir().join(format!("stakebid-intake-pinned-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let port = stakebid_tests::free_port().expect("a free port");
    let addr = format!("127.0.0.1:{port}");
    let mut node = Command::new("taskset")
        .args(["-c", "0", BIN, "node", "--data-dir"])
        .arg(dir.join("store"))
        .args(["--http", &addr, "--round-secs", "60"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("stakebid node");
    let up = stakebid_tests::wait_for(Duration::from_secs(20), || {
        stakebid_tests::http(&addr, "GET", "/healthz", "")
    });
    assert!(up.is_some(), "the node came up");
    let d: Domain =
        serde_json::from_value(stakebid_tests::get(&addr, "/v1/node")["domain"].clone()).unwrap();

    // 1. References, on this core.
    let refs = signed(&d, 2_000, 1);
    let wallet: Vec<(Value, Bytes)> =
        refs.iter().map(|s| (s.intent.typed_data(&s.domain), s.signature.clone())).collect();
    let policy = Policy::new(d);
    let t = Instant::now();
    for s in &refs {
        let sig = alloy::primitives::Signature::from_raw(&s.signature).unwrap();
        stakebid_intents::recover(&s.intent, &s.domain, &sig).unwrap();
    }
    let raw = refs.len() as f64 / t.elapsed().as_secs_f64();
    let t = Instant::now();
    for (td, sig) in &wallet {
        accept(td, sig, now(), &policy).unwrap();
    }
    let accept_rate = refs.len() as f64 / t.elapsed().as_secs_f64();
    let t = Instant::now();
    for (td, sig) in &wallet {
        // The previous path: the dynamic-encoder cross-check on every intent.
        let (i, dm): (Intent, Domain) = Intent::from_typed_data(td).unwrap();
        let sig = alloy::primitives::Signature::from_raw(sig).unwrap();
        stakebid_intents::verify(&i, &dm, &sig).unwrap();
    }
    let previous = refs.len() as f64 / t.elapsed().as_secs_f64();
    println!("one core, no HTTP, no disk ({} intents):", refs.len());
    println!("  raw recovery (digest + secp256k1)          {raw:>8.0}/s");
    println!("  accept, as intake runs it                  {accept_rate:>8.0}/s");
    println!("  previous path (+ dynamic-encoder re-hash)  {previous:>8.0}/s");

    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let client = reqwest::Client::new();
    let url = format!("http://{addr}/v1/intents");

    // 2. Saturation: 64 in flight.
    let n = env("INTAKE_SATURATE", 6_000) as usize;
    let bodies: Vec<String> = signed(&d, n, 100).iter().map(body).collect();
    let t = Instant::now();
    let ok = rt.block_on(async {
        use futures_util::StreamExt;
        futures_util::stream::iter(bodies.iter().cloned())
            .map(|b| {
                let (c, u) = (client.clone(), url.clone());
                async move {
                    c.post(u)
                        .header("content-type", "application/json")
                        .body(b)
                        .send()
                        .await
                        .map(|r| r.status().as_u16())
                }
            })
            .buffer_unordered(64)
            .filter(|r| std::future::ready(matches!(r, Ok(201))))
            .count()
            .await
    });
    let saturated = ok as f64 / t.elapsed().as_secs_f64();
    assert_eq!(ok, n, "every intent durable (201)");
    println!("node on one core, HTTP, durable (sled group commit), 64 in flight:");
    println!(
        "  {saturated:>8.0} intents/s = {:.0} % of one core's raw recovery",
        100.0 * saturated / raw
    );

    // 3. Open loop.
    let rate = env("INTAKE_RATE", 1_000);
    let secs = env("INTAKE_SECS", 10);
    let total = (rate * secs) as usize;
    let bodies: Vec<String> = signed(&d, total, 10_000).iter().map(body).collect();
    let lat = rt.block_on(async {
        let start = tokio::time::Instant::now() + Duration::from_millis(100);
        let mut tasks = Vec::with_capacity(total);
        let out = Arc::new(std::sync::Mutex::new(Vec::with_capacity(total)));
        for (i, b) in bodies.into_iter().enumerate() {
            let at = start + Duration::from_nanos(i as u64 * 1_000_000_000 / rate);
            let (c, u, out) = (client.clone(), url.clone(), out.clone());
            tasks.push(tokio::spawn(async move {
                tokio::time::sleep_until(at).await;
                let r = c.post(u).header("content-type", "application/json").body(b).send().await;
                let ms = (tokio::time::Instant::now() - at).as_secs_f64() * 1e3;
                let ok = matches!(r.map(|r| r.status().as_u16()), Ok(201));
                out.lock().unwrap().push((ms, ok));
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        Arc::try_unwrap(out).unwrap().into_inner().unwrap()
    });
    let failed = lat.iter().filter(|(_, ok)| !ok).count();
    let mut ms: Vec<f64> = lat.iter().map(|(m, _)| *m).collect();
    println!("open loop, {rate} requests/s for {secs} s ({total} intents), node on one core:");
    println!(
        "  p50 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms, max {:.2} ms; {failed} not 201",
        pct(&mut ms, 0.5),
        pct(&mut ms, 0.99),
        pct(&mut ms, 0.999),
        pct(&mut ms, 1.0)
    );
    let _ = node.kill();
    let _ = node.wait();
    let _ = std::fs::remove_dir_all(&dir);
}
