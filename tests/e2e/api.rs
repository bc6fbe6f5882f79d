//! The API as its clients see it, against a running `stakebid dev` (anvil,
//! the deployed contracts, three bonded solvers, a demo settled on-chain):
//! every answer a client gets validates against its schema in
//! `/openapi.json` (objects closed: no field outside the schema), integers
//! are decimal strings and addresses checksummed, and schemathesis's fuzz
//! of the document finds no 5xx and no answer outside its schema.

use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};
use stakebid_tests::{free_port, get, http, scratch, wait_for};

use crate::BIN;

/// `stakebid dev`, stopped with SIGTERM (as Ctrl-C would) when dropped, so
/// it stops anvil and the node it started.
struct Dev(Child);

impl Drop for Dev {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.0.id().to_string()]).status();
        let _ = self.0.wait();
    }
}

/// The document with every object schema closed (`additionalProperties:
/// false` where the schema lists its properties), so an answer with a field
/// the document does not name fails validation.
fn closed(doc: &Value) -> Value {
    fn close(v: &mut Value) {
        match v {
            Value::Object(m) => {
                if m.contains_key("properties") && !m.contains_key("additionalProperties") {
                    m.insert("additionalProperties".into(), Value::Bool(false));
                }
                m.values_mut().for_each(close);
            }
            Value::Array(a) => a.iter_mut().for_each(close),
            _ => {}
        }
    }
    let mut d = doc.clone();
    close(&mut d["components"]);
    d
}

/// Checks `body` (the answer to `method template` with `status`) against
/// the document's schema for it; returns what is wrong.
fn check(doc: &Value, method: &str, template: &str, status: u16, body: &Value) -> Vec<String> {
    let op = &doc["paths"][template][method];
    assert!(op.is_object(), "{method} {template} is not in the document");
    let key = if status >= 400 { "4XX".to_string() } else { status.to_string() };
    let schema = &op["responses"][&key]["content"]["application/json"]["schema"];
    assert!(schema.is_object(), "{method} {template} documents no JSON body for {key}");
    let mut root = closed(doc);
    root.as_object_mut().unwrap().insert("$ref".into(), schema["$ref"].clone());
    if schema.get("$ref").is_none() {
        root = json!({ "allOf": [schema], "components": root["components"] });
    }
    let v = jsonschema::validator_for(&root).expect("the document compiles as JSON Schema");
    v.iter_errors(body)
        .map(|e| format!("{method} {template} {status}: {e} at {}", e.instance_path))
        .collect()
}

/// Every string in `v` that looks like a hex integer, or an address not
/// written checksummed, with its JSON path.
fn encoding_faults(v: &Value, path: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            m.iter().for_each(|(k, x)| encoding_faults(x, &format!("{path}.{k}"), out))
        }
        Value::Array(a) => {
            a.iter().enumerate().for_each(|(i, x)| encoding_faults(x, &format!("{path}[{i}]"), out))
        }
        Value::String(s)
            if s.starts_with("0x") && s[2..].chars().all(|c| c.is_ascii_hexdigit()) =>
        {
            match s.len() {
                // An address: must be EIP-55 (a zero address has no letters to case).
                42 => {
                    if alloy::primitives::Address::parse_checksummed(s, None).is_err() {
                        out.push(format!("{path}: {s} is not checksummed"));
                    }
                }
                // A hash, a 65-byte signature.
                66 | 132 => {}
                _ => out.push(format!("{path}: {s} is a hex-encoded integer")),
            }
        }
        _ => {}
    }
}

#[test]
fn every_answer_of_a_dev_run_matches_its_schema_and_one_encoding_and_the_fuzz_finds_nothing() {
    let dir = scratch("e2e-api");
    let addr = format!("127.0.0.1:{}", free_port().expect("a free port"));
    let chain_port = free_port().expect("a free port").to_string();
    let log = dir.join("dev.log");
    let child = Command::new(BIN)
        .args(["dev", "--http", &addr, "--chain-port", &chain_port, "--stakers", "3", "--data-dir"])
        .arg(dir.join("dev"))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("stakebid runs");
    let _dev = Dev(child);
    let text = || std::fs::read_to_string(&log).unwrap_or_default();
    let done = wait_for(Duration::from_secs(300), || {
        let t = text();
        (t.contains("demo done") || t.contains("demo failed")).then_some(t)
    });
    let t = done.unwrap_or_else(|| panic!("the demo did not finish:\n{}", text()));
    assert!(t.contains("demo done: 3 intents settled"), "{t}");

    let doc = get(&addr, "/openapi.json");
    // Every answer a client can get, with the route it came from.
    let mut answers: Vec<(&str, String, u16, Value)> = vec![];
    let mut ask = |method: &'static str, template: &str, path: &str, body: &str| -> Value {
        let (status, v) =
            http(&addr, &method.to_uppercase(), path, body).unwrap_or_else(|| panic!("{path}"));
        answers.push((method, template.to_string(), status, v.clone()));
        v
    };
    for p in ["/v1/health", "/healthz", "/v1/node", "/v1/market", "/v1/solvers"] {
        ask("get", p, p, "");
    }
    let list = ask("get", "/v1/auctions", "/v1/auctions?limit=200", "");
    let mut intents = BTreeSet::new();
    for a in list["auctions"].as_array().unwrap() {
        let one = ask("get", "/v1/auctions/{id}", &format!("/v1/auctions/{}", a["id"]), "");
        for id in one["intents"].as_array().unwrap() {
            intents.insert(id.as_str().unwrap().to_string());
        }
    }
    assert!(intents.len() >= 3, "the demo's intents are in its auctions: {intents:?}");
    let mut owners = BTreeSet::new();
    let mut message = Value::Null;
    let mut settled = 0;
    for id in &intents {
        let v = ask("get", "/v1/intents/{id}", &format!("/v1/intents/{id}"), "");
        owners.insert(v["intent"]["owner"].as_str().unwrap().to_string());
        // A settled intent answers with its auction, plan, figures and transaction.
        if v["status"] == "settled" {
            let a = &v["award"];
            assert!(v["auction"].is_u64(), "{v}");
            assert!(!a["plan"]["allocations"].as_array().unwrap().is_empty(), "{v}");
            assert!(
                a["evaluation"]["net_apy_bps"].is_i64()
                    && a["evaluation"]["gas"].as_u64() > Some(0),
                "{v}"
            );
            assert!(a["settlement"]["tx"].as_str().is_some_and(|t| t.len() == 66), "{v}");
            settled += 1;
        }
        message = v["intent"].clone();
    }
    assert_eq!(settled, 3, "the demo's three intents are settled");
    for o in &owners {
        ask("get", "/v1/owners/{address}/intents", &format!("/v1/owners/{o}/intents"), "");
    }
    let mut td = get(&addr, "/v1/eip712");
    td["message"] = message;
    ask("post", "/v1/quote", "/v1/quote", &json!({ "typed_data": td }).to_string());
    // Refusals are answers too.
    let zero = format!("0x{}", "0".repeat(64));
    ask("get", "/v1/intents/{id}", &format!("/v1/intents/{zero}"), "");
    ask("get", "/v1/auctions/{id}", "/v1/auctions/999999", "");
    ask("post", "/v1/intents", "/v1/intents", "{\"typed_data\": {}}");

    let mut faults = vec![];
    for (method, template, status, body) in &answers {
        faults.extend(check(&doc, method, template, *status, body));
        encoding_faults(body, &format!("{method} {template}"), &mut faults);
    }
    assert!(faults.is_empty(), "{} answers checked; faults:\n{}", answers.len(), faults.join("\n"));
    // The checkers do catch what they look for.
    assert!(
        !check(&doc, "get", "/v1/health", 200, &json!({ "status": "ok", "extra": 1 })).is_empty()
    );
    assert!(!check(&doc, "get", "/v1/solvers", 200, &json!({ "min_bond": 1, "solvers": [] }))
        .is_empty());
    let mut caught = vec![];
    let lower = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";
    encoding_faults(&json!({ "fee": "0x3039", "solver": lower }), "self-check", &mut caught);
    assert_eq!(caught.len(), 2, "{caught:?}");
    assert!(answers.iter().any(|(_, t, _, v)| t == "/v1/auctions/{id}"
        && v["outcome"]["bids"][0]["bid"]["plans"].is_array()));

    // Issue 15's stall: one staker submits two intents back to back. The CLI
    // funds what both need (escrow for one used to leave the other to
    // revert the award, or now to wait forever), so both settle.
    let node_url = format!("http://{addr}");
    let rpc = format!("http://127.0.0.1:{chain_port}");
    let key = "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6";
    let submit = |wait: bool| {
        let mut a = vec!["intent", "submit", "--node", &node_url, "--rpc-url", &rpc, "--key", key];
        a.extend(["--amount-eth", "3", "--json"]);
        if wait {
            a.push("--wait");
        }
        let out = Command::new(BIN).args(&a).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    let first = submit(false);
    let second = submit(true);
    assert_eq!(second["status"], "settled", "{second}");
    let settled_first = wait_for(Duration::from_secs(60), || {
        let v = get(&addr, &format!("/v1/intents/{}", first["id"].as_str().unwrap()));
        (v["status"] == "settled").then_some(v)
    });
    assert!(settled_first.is_some(), "the first intent settles too: {first} {second}");

    // The fuzz: every operation but the endless event stream, from the
    // document alone, with a fixed seed.
    let doc = format!("http://{addr}/openapi.json");
    stakebid_tests::schemathesis(
        &[
            &doc,
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
            "--exclude-path",
            "/v1/events",
            "--max-examples",
            "25",
            "--seed",
            "20261202",
        ],
        &dir,
        "",
    );
}
