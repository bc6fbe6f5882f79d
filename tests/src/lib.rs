//! # stakebid-tests
//!
//! The harness the end-to-end suites use to start the real pieces as
//! processes — `nats-server` on 127.0.0.1, the `stakebid` node and
//! `stakebid solver run` processes — talk to them over HTTP, and stop
//! everything they started (each [`Proc`] is killed when dropped). The
//! suites themselves live in the root package (`tests/e2e/`), so cargo
//! builds the `stakebid` binary before running them.
//!
//! This directory also holds the project's setup, run and test scripts
//! (`setup.sh`, `run.sh`, `test.sh`) and the JavaScript cross-checks
//! (`js/`, viem).
#![forbid(unsafe_code)]

#[cfg(feature = "onchain")]
pub mod onchain;

use alloy::primitives::B256;
use alloy::signers::local::PrivateKeySigner;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use stakebid_intents::{Domain, Market};

/// A started process, killed (SIGKILL) and reaped when dropped, or stopped
/// with SIGTERM first when `graceful`.
pub struct Proc {
    child: Option<Child>,
    /// Its name in messages.
    pub name: String,
    /// Where its stderr goes.
    pub log: PathBuf,
    /// Stopped with SIGTERM when dropped (and waited for, up to 20 s), so
    /// a process that starts others (`stakebid dev`: anvil, the node)
    /// stops them too; otherwise SIGKILL, as a crash would.
    pub graceful: bool,
}

impl Proc {
    /// Starts `program args`, stderr to a log file in `dir`.
    pub fn start(name: &str, program: &str, args: &[String], dir: &Path) -> Proc {
        Proc::start_in(name, program, args, dir, Path::new("."))
    }

    /// As [`Proc::start`], in working directory `cwd`.
    pub fn start_in(name: &str, program: &str, args: &[String], dir: &Path, cwd: &Path) -> Proc {
        std::fs::create_dir_all(dir).expect("log dir");
        let log = dir.join(format!("{name}.log"));
        let f = std::fs::OpenOptions::new().create(true).append(true).open(&log).expect("log file");
        let child = Command::new(program)
            .current_dir(cwd)
            .args(args)
            .stdout(Stdio::null())
            .stderr(f)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {program}: {e} (run tests/setup.sh)"));
        Proc { child: Some(child), name: name.into(), log, graceful: false }
    }

    /// Sends `signal` (a `kill -s` name: `INT`, `STOP`, `CONT`, …).
    pub fn signal(&self, signal: &str) {
        if let Some(c) = &self.child {
            let _ = Command::new("kill").args(["-s", signal, &c.id().to_string()]).status();
        }
    }

    /// SIGKILL now, as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Its log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if self.graceful {
            if let Some(c) = self.child.as_mut() {
                let _ = Command::new("kill").args(["-TERM", &c.id().to_string()]).status();
                let until = std::time::Instant::now() + std::time::Duration::from_secs(20);
                while std::time::Instant::now() < until {
                    if let Ok(Some(_)) = c.try_wait() {
                        self.child = None;
                        return;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
            }
        }
        self.kill();
    }
}

/// A fresh directory for one test.
pub fn scratch(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("stakebid-e2e-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

pub use stakebid_bus::net::free_port;

/// Polls `f` every 50 ms until it returns `Some`, or `None` after `limit`.
pub fn wait_for<T>(limit: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let end = Instant::now() + limit;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if Instant::now() > end {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Starts `nats-server` on 127.0.0.1 (Debian's; `tests/setup.sh` installs it).
pub fn nats(dir: &Path) -> (Proc, String) {
    let port = free_port().expect("a free port");
    let p = Proc::start(
        "nats",
        "nats-server",
        &["-a".into(), "127.0.0.1".into(), "-p".into(), port.to_string()],
        dir,
    );
    let ok = wait_for(Duration::from_secs(10), || {
        std::net::TcpStream::connect(("127.0.0.1", port)).ok()
    });
    assert!(ok.is_some(), "nats-server did not come up: {}", p.log());
    (p, format!("nats://127.0.0.1:{port}"))
}

/// The workspace's `tests/js` (npm tools: solc, anvil, viem), found from
/// the running package's directory (cargo sets `CARGO_MANIFEST_DIR` when it
/// runs tests) or the current directory, walking up. Resolved at run time:
/// a test binary cargo reuses from another checkout must still use this one.
pub fn js_dir() -> PathBuf {
    let start = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_default();
    start
        .ancestors()
        .map(|d| d.join("tests/js"))
        .find(|d| d.join("package.json").exists())
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("js"))
}

/// The anvil binary the npm package `@foundry-rs/anvil` installs under
/// `tests/js` (`tests/setup.sh`), or `$STAKEBID_ANVIL` if set.
pub fn anvil_path() -> PathBuf {
    if let Some(p) = std::env::var_os("STAKEBID_ANVIL") {
        return PathBuf::from(p);
    }
    js_dir().join("node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil")
}

/// Starts anvil (npm `@foundry-rs/anvil`, installed by `tests/setup.sh`, or
/// `$STAKEBID_ANVIL`) on 127.0.0.1 with 20 funded dev accounts; returns
/// the process and its RPC URL.
pub fn anvil(dir: &Path) -> (Proc, String) {
    anvil_with(dir, &[])
}

/// [`anvil`] with more arguments (`--chain-id 1`, …).
pub fn anvil_with(dir: &Path, extra: &[&str]) -> (Proc, String) {
    let port = free_port().expect("a free port");
    let bin = anvil_path().display().to_string();
    let args: Vec<String> =
        ["--host", "127.0.0.1", "--port", &port.to_string(), "--accounts", "20"]
            .iter()
            .chain(extra)
            .map(|s| s.to_string())
            .collect();
    let p = Proc::start("anvil", &bin, &args, dir);
    let addr = format!("127.0.0.1:{port}");
    let body = br#"{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}"#;
    let ok = wait_for(Duration::from_secs(20), || http_raw(&addr, "POST", "/", body));
    assert!(ok.is_some(), "anvil did not come up: {}", p.log());
    (p, format!("http://{addr}"))
}

/// anvil's well-known dev key `n` (from its default mnemonic; dev only).
pub fn anvil_key(n: usize) -> PrivateKeySigner {
    const KEYS: [&str; 3] = [
        "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
        "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
        "5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    ];
    KEYS[n].parse().expect("a constant valid key")
}

/// Runs `BIN deploy` against `rpc` (restaking withdrawals 10 blocks), writing
/// `dir/deployment.json`; returns its path.
pub fn deploy(bin: &str, dir: &Path, rpc: &str) -> PathBuf {
    let dep = dir.join("deployment.json");
    let ok = Command::new(bin)
        .args(["deploy", "--rpc-url", rpc, "--withdrawal-delay-blocks", "10", "--out"])
        .arg(&dep)
        .output()
        .expect("stakebid deploy runs");
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    dep
}

/// One HTTP/1.1 request over std (one connection per request): (status, raw body).
pub fn http_raw(addr: &str, method: &str, path: &str, body: &[u8]) -> Option<(u16, Vec<u8>)> {
    let mut s = std::net::TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).ok()?;
    // A server may answer (413) and close before reading a huge body.
    let _ = s.write_all(body);
    let mut out = Vec::new();
    s.read_to_end(&mut out).ok()?;
    let split = out.windows(4).position(|w| w == b"\r\n\r\n")?;
    let status =
        std::str::from_utf8(&out[..split]).ok()?.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, out[split + 4..].to_vec()))
}

/// One HTTP request with a JSON answer: (status, JSON).
pub fn http(addr: &str, method: &str, path: &str, body: &str) -> Option<(u16, Value)> {
    let (status, b) = http_raw(addr, method, path, body.as_bytes())?;
    Some((status, serde_json::from_slice(&b).ok()?))
}

/// `GET` that must answer 200 with JSON.
pub fn get(addr: &str, path: &str) -> Value {
    let (s, v) = http(addr, "GET", path, "").unwrap_or_else(|| panic!("GET {path}: no answer"));
    assert_eq!(s, 200, "GET {path}: {v}");
    v
}

/// The n-th dev solver key (0x1010…, 0x1111…, …), as the node's `--run-solvers` uses.
pub fn solver_key(n: u8) -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&B256::repeat_byte(0x10 + n)).expect("constant key")
}

/// A running node.
pub struct Node {
    /// The process.
    pub proc: Proc,
    /// host:port.
    pub addr: String,
    /// Its data dir.
    pub dir: PathBuf,
}

impl Node {
    /// Starts `stakebid node` on `dir` with `extra` arguments and waits for `/healthz`.
    pub fn start(bin: &str, dir: &Path, addr: Option<&str>, extra: &[String]) -> Node {
        let addr = addr
            .map(str::to_string)
            .unwrap_or_else(|| format!("127.0.0.1:{}", free_port().expect("a free port")));
        let mut args: Vec<String> = ["node", "--data-dir"].iter().map(|s| s.to_string()).collect();
        args.push(dir.join("store").display().to_string());
        args.extend(["--http".into(), addr.clone()]);
        args.extend(extra.iter().cloned());
        let proc = Proc::start("node", bin, &args, dir);
        let up = wait_for(Duration::from_secs(20), || http(&addr, "GET", "/healthz", ""));
        assert!(up.is_some(), "the node did not come up on {addr}: {}", proc.log());
        Node { proc, addr, dir: dir.to_path_buf() }
    }

    /// The domain intents must be signed for (`GET /v1/node`).
    pub fn domain(&self) -> Domain {
        serde_json::from_value(get(&self.addr, "/v1/node")["domain"].clone()).expect("domain")
    }
}

/// `count` signed intents from distinct owners for `domain`, as
/// `POST /v1/intents` bodies: (body, intent id).
pub fn intent_bodies(domain: &Domain, count: usize, seed: u64, now: u64) -> Vec<(String, B256)> {
    stakebid_intents::batch::generate(&Market::snapshot(), domain, count, seed, now)
        .into_iter()
        .map(|s| {
            let body =
                json!({ "typed_data": s.intent.typed_data(&s.domain), "signature": s.signature });
            (body.to_string(), s.intent.id(&s.domain).0)
        })
        .collect()
}

/// The domain unit tests sign for: anvil's chain id and a fixed
/// Settlement address (no chain behind it).
pub fn test_domain() -> Domain {
    Domain { chain_id: 31337, settlement: alloy::primitives::Address::repeat_byte(1) }
}

/// Unix seconds now.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

/// A 3-node NATS cluster on 127.0.0.1 with stakebid's per-role users
/// (`stakebid_bus::cluster`), from generated config files; each node a
/// [`Proc`] (index as in the spec).
pub struct NatsCluster {
    /// The servers.
    pub nodes: Vec<Proc>,
    /// Ports and passwords.
    pub spec: stakebid_bus::cluster::ClusterSpec,
}

impl NatsCluster {
    /// Starts three nodes and waits until they have routed to each other.
    pub fn start(dir: &Path) -> NatsCluster {
        let spec = stakebid_bus::cluster::ClusterSpec {
            client_ports: (0..3).map(|_| free_port().expect("a free port")).collect(),
            route_ports: (0..3).map(|_| free_port().expect("a free port")).collect(),
            auctioneer_password: format!("a-{}", std::process::id()),
            // Users for the suites' solvers: solver_key(0..3).
            solvers: (0..3u8)
                .map(|n| stakebid_bus::cluster::SolverUser {
                    address: solver_key(n).address(),
                    password: format!("s{n}-{}", std::process::id()),
                })
                .collect(),
        };
        let nodes: Vec<Proc> = (0..3)
            .map(|i| {
                let conf = dir.join(format!("nats-{i}.conf"));
                std::fs::write(&conf, spec.config(i)).expect("nats config");
                Proc::start(
                    &format!("nats-{i}"),
                    "nats-server",
                    &["-c".into(), conf.display().to_string()],
                    dir,
                )
            })
            .collect();
        for (i, p) in nodes.iter().enumerate() {
            let port = spec.client_ports[i];
            let up = wait_for(Duration::from_secs(10), || {
                std::net::TcpStream::connect(("127.0.0.1", port)).ok()
            });
            assert!(up.is_some(), "nats-{i} did not come up: {}", p.log());
        }
        // Each node routes to the two others.
        let routed = wait_for(Duration::from_secs(15), || {
            nodes
                .iter()
                .all(|p| p.log().matches("Route connection created").count() >= 2)
                .then_some(())
        });
        assert!(routed.is_some(), "the NATS nodes did not form a cluster: {}", nodes[0].log());
        NatsCluster { nodes, spec }
    }
}

/// Where `v` breaks the one encoding (docs/api.md): every 0x string of 40
/// hex digits is an EIP-55 checksummed address; every other 0x string is
/// a hash or byte string of whole bytes, 32 bytes or more (an 0x-hex
/// amount such as `0x29a2241af62c0000` is not); no JSON number is past
/// 2^53. Strings that are JSON (an envelope's body) are walked too.
pub fn encoding_breaks(v: &serde_json::Value) -> Vec<String> {
    fn walk(v: &serde_json::Value, at: &str, out: &mut Vec<String>) {
        use serde_json::Value;
        match v {
            Value::String(s) => {
                if let Some(hex) = s.strip_prefix("0x") {
                    if hex.len() == 40 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                        match s.parse::<alloy::primitives::Address>() {
                            Ok(a) if a.to_checksum(None) == *s => {}
                            _ => out.push(format!("{at}: {s} is not EIP-55")),
                        }
                    } else if hex.bytes().all(|b| b.is_ascii_hexdigit())
                        && (hex.len() < 64 || hex.len() % 2 == 1)
                    {
                        out.push(format!("{at}: {s} looks like a hex number"));
                    }
                } else if s.starts_with('{') || s.starts_with('[') {
                    if let Ok(inner) = serde_json::from_str::<Value>(s) {
                        walk(&inner, &format!("{at}(json)"), out);
                    }
                }
            }
            Value::Number(n)
                if n.as_u64().is_some_and(|n| n > (1 << 53))
                    || n.as_f64().is_some_and(|f| f.abs() > 9.0e15) =>
            {
                out.push(format!("{at}: {n} is past 2^53"));
            }
            Value::Array(a) => {
                a.iter().enumerate().for_each(|(i, x)| walk(x, &format!("{at}[{i}]"), out))
            }
            Value::Object(o) => o.iter().for_each(|(k, x)| walk(x, &format!("{at}.{k}"), out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, "$", &mut out);
    out
}

/// `schemathesis run` (the pinned one tests/setup.sh installs) with
/// `args` (the schema, then options), with a fixed request timeout and no
/// example database, in `dir`: its report, after asserting it found
/// nothing (`context` is added to the failure message).
pub fn schemathesis(args: &[&str], dir: &Path, context: &str) -> String {
    let venv = std::env::var("STAKEBID_PY_VENV").unwrap_or_else(|_| {
        format!("{}/.cache/stakebid-py", std::env::var("HOME").unwrap_or_default())
    });
    let out = Command::new(format!("{venv}/bin/schemathesis"))
        .arg("run")
        .args(args)
        .args(["--request-timeout", "10", "--generation-database", "none"])
        .current_dir(dir)
        .output()
        .expect("schemathesis runs (tests/setup.sh installs it)");
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "schemathesis found problems:\n{report}\n{context}");
    assert!(report.contains("passed"), "{report}");
    report
}
