//! The engine API, checked from three sides: the shipped OpenAPI document
//! is what the Rust wire types generate; a real round's request and the
//! Python reference engine's answer validate against it (jsonschema); the
//! Python engine's plans pass the auctioneer's evaluator, and its LP optimum
//! is cross-checked against the Rust `optimal` strategy on the same round
//! (a second solver, a second LP backend). schemathesis fuzzes the engine's
//! endpoints from the document without a server error.

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use stakebid_intents::market::Index;
use stakebid_intents::{Context, Domain, IntentId, Market, Scenarios};
use stakebid_solver::engine::{check, request};
use stakebid_wire::engine::{EngineApi, SolveResponse};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn engine_python() -> String {
    let venv = std::env::var("STAKEBID_ENGINE_VENV").unwrap_or_else(|_| {
        format!("{}/.cache/stakebid-engine", std::env::var("HOME").unwrap_or_default())
    });
    format!("{venv}/bin/python")
}

/// `docs/engine-openapi.json` is generated from `stakebid_wire::engine`
/// (`STAKEBID_BLESS=1` rewrites it).
#[test]
fn the_engine_api_document_is_generated_from_the_wire_types() {
    let path = root().join("docs/engine-openapi.json");
    let doc = EngineApi::json();
    if std::env::var_os("STAKEBID_BLESS").is_some() {
        std::fs::write(&path, &doc).unwrap();
    }
    let kept = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        kept == doc,
        "docs/engine-openapi.json differs from the wire types: run STAKEBID_BLESS=1"
    );
    let v: Value = serde_json::from_str(&doc).unwrap();
    assert!(v["paths"]["/solve"]["post"].is_object() && v["paths"]["/notify"]["post"].is_object());
}

/// A validator for component `name` of the engine API document.
fn validator(name: &str) -> jsonschema::Validator {
    let doc: Value = serde_json::from_str(&EngineApi::json()).unwrap();
    let schema = serde_json::json!({
        "$ref": format!("#/components/schemas/{name}"),
        "components": doc["components"],
    });
    jsonschema::validator_for(&schema).expect("a valid schema")
}

fn assert_valid(name: &str, v: &Value) {
    let errors: Vec<String> =
        validator(name).iter_errors(v).map(|e| format!("{e} at {}", e.instance_path)).collect();
    assert!(errors.is_empty(), "{name} does not match the document: {errors:?}");
}

/// A real round on the snapshot market: 12 intents, 200 scenarios.
fn round() -> (Market, Scenarios, Vec<(IntentId, stakebid_intents::Intent)>) {
    let m = Market::snapshot();
    let domain = Domain { chain_id: 31337, settlement: alloy::primitives::Address::repeat_byte(7) };
    let sc = Scenarios::generate(&m, &Index::new(&m), alloy::primitives::B256::repeat_byte(3), 200);
    let batch = stakebid_intents::batch::generate(&m, &domain, 12, 31, 1_800_000_000)
        .into_iter()
        .map(|s| (s.intent.id(&domain), s.intent))
        .collect();
    (m, sc, batch)
}

#[test]
fn the_python_engine_answers_a_real_round_within_the_document_and_near_the_rust_optimum() {
    let (m, sc, batch) = round();
    let planned = stakebid_solver::usable(&m);
    let ctx = Context::new(&planned, &sc);
    let req = request(&ctx, &batch, 9, m.hash(), 0, 5_000);
    let req_json = serde_json::to_value(&req).unwrap();
    assert_valid("SolveRequest", &req_json);
    // Encodings as everywhere: wei as decimal strings, EIP-55 addresses.
    let i0 = &req_json["intents"][0]["intent"];
    assert!(i0["amount"].as_str().unwrap().bytes().all(|b| b.is_ascii_digit()), "{i0}");
    let owner = i0["owner"].as_str().unwrap();
    assert_eq!(owner, owner.parse::<alloy::primitives::Address>().unwrap().to_string());

    // The reference engine, as its package is installed, on that request.
    let dir = stakebid_tests::scratch("cli-engine-round");
    let file = dir.join("request.json");
    std::fs::write(&file, serde_json::to_vec(&req_json).unwrap()).unwrap();
    let script = "import json,sys\nfrom stakebid_engine import lp, models\n\
        req = models.parse_request(json.load(open(sys.argv[1])))\n\
        print(json.dumps(lp.solve(req, 5, 4.0).to_json()))";
    let out = Command::new(engine_python())
        .args(["-c", script, &file.display().to_string()])
        .current_dir(&dir)
        .output()
        .expect("the engine's virtualenv (tests/setup.sh installs it)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_valid("SolveResponse", &answer);
    let answer: SolveResponse = serde_json::from_value(answer).unwrap();

    // Every plan passes the evaluator: nothing dropped.
    let (bids, dropped) = check(&ctx, &batch, answer);
    assert!(dropped.is_empty(), "{dropped:?}");
    let planned_ids: Vec<IntentId> = bids.iter().flatten().map(|p| p.intent).collect();
    assert!(
        planned_ids.len() >= batch.len() / 2,
        "it serves most of the batch: {}",
        planned_ids.len()
    );
    let score = |plans: &[stakebid_intents::Plan]| -> i128 {
        plans
            .iter()
            .map(|p| {
                let (id, i) = batch.iter().find(|(id, _)| *id == p.intent).unwrap();
                stakebid_intents::evaluate(&ctx, i, *id, p).unwrap().score
            })
            .sum()
    };
    let py: Vec<_> = bids.into_iter().flatten().collect();
    let py_score = score(&py);
    // The same round through Rust's strategies, at the same fee.
    let rust = |name: &str| {
        let s = stakebid_solver::by_name(name, 5).unwrap();
        let plans: Vec<_> = stakebid_solver::pack::plan_bids(&*s, &ctx, &batch, None)
            .into_iter()
            .flatten()
            .collect();
        score(&plans)
    };
    let (optimal, greedy) = (rust("optimal"), rust("greedy"));
    assert!(py_score > greedy, "python {py_score} vs greedy {greedy}");
    // Two LPs of the same model (HiGHS in Python, CBC in Rust, each with its
    // own integer repair): within 1 % of each other.
    let diff = (py_score - optimal).abs() as f64 / optimal.abs().max(1) as f64;
    assert!(diff < 0.01, "python {py_score} vs optimal {optimal}: {:.3} %", diff * 100.0);
}

/// The Python models mirror the document: every dataclass named like a
/// component has exactly its properties.
#[test]
fn the_python_models_have_the_documents_fields() {
    let dir = stakebid_tests::scratch("cli-engine-models");
    let doc = dir.join("engine-openapi.json");
    std::fs::write(&doc, EngineApi::json()).unwrap();
    let script = r#"
import dataclasses, json, sys
from stakebid_engine import models
doc = json.load(open(sys.argv[1]))["components"]["schemas"]
checked = 0
for name, cls in vars(models).items():
    # (A composed schema — Notice, tagged by `kind` — has no flat properties.)
    if not dataclasses.is_dataclass(cls) or "properties" not in doc.get(name, {}):
        continue
    mine = sorted(f.name for f in dataclasses.fields(cls))
    theirs = sorted(doc[name].get("properties", {}))
    if mine != theirs:
        sys.exit(f"{name}: python {mine} vs document {theirs}")
    checked += 1
print(checked)
"#;
    let out = Command::new(engine_python())
        .args(["-c", script, &doc.display().to_string()])
        .current_dir(&dir)
        .output()
        .expect("the engine's virtualenv (tests/setup.sh installs it)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let checked: usize = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    assert!(checked >= 15, "only {checked} models checked");
}

/// schemathesis fuzzes the reference engine's `/solve` and `/notify` from
/// the document: malformed rounds get a 400 with a sentence, never a 500.
#[test]
fn schemathesis_finds_no_server_error_in_the_reference_engine() {
    let dir = stakebid_tests::scratch("cli-engine-fuzz");
    let doc = dir.join("engine-openapi.json");
    std::fs::write(&doc, EngineApi::json()).unwrap();
    let engine = stakebid_tests::Proc::start_in(
        "engine",
        &engine_python(),
        &["-m", "stakebid_engine", "--port", "0"].map(String::from),
        &dir,
        &dir,
    );
    let url = stakebid_tests::wait_for(std::time::Duration::from_secs(20), || {
        let log = engine.log();
        let at = log.find("listening on ")?;
        Some(log[at + 13..].lines().next()?.trim().to_string())
    })
    .unwrap_or_else(|| panic!("the engine did not start: {}", engine.log()));
    let doc = doc.display().to_string();
    stakebid_tests::schemathesis(
        &[
            &doc,
            "--url",
            &url,
            "--checks",
            "not_a_server_error",
            "--max-examples",
            "40",
            "--seed",
            "20261207",
        ],
        &dir,
        &engine.log(),
    );
}

/// One encoding, really everywhere (issue 31): what `intents generate`,
/// `solve` and `evaluate` print, and the engine API's request, write
/// decimal strings and EIP-55 addresses — no 0x-hex amount, no lowercase
/// address, no number past 2^53.
#[test]
fn every_cli_output_and_the_engine_request_write_one_encoding() {
    let bin = env!("CARGO_BIN_EXE_stakebid");
    let dir = stakebid_tests::scratch("cli-one-encoding");
    let run = |args: &[&str]| -> Value {
        let out = Command::new(bin).args(args).output().expect("stakebid runs");
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}"))
    };
    let intents =
        run(&["intents", "generate", "--count", "4", "--seed", "9", "--now", "1800000000"]);
    let file = dir.join("intents.json");
    std::fs::write(&file, serde_json::to_vec(&intents).unwrap()).unwrap();
    let f = file.display().to_string();
    let solved = run(&["solve", "--strategy", "greedy", "--intents", &f]);
    let plans = dir.join("plans.json");
    std::fs::write(&plans, serde_json::to_vec(&solved).unwrap()).unwrap();
    let evaluated = run(&["evaluate", "--intents", &f, "--plan", &plans.display().to_string()]);
    let (m, sc, batch) = round();
    let planned = stakebid_solver::usable(&m);
    let req =
        serde_json::to_value(request(&Context::new(&planned, &sc), &batch, 1, m.hash(), 0, 1))
            .unwrap();
    for (what, v) in [
        ("intents generate", &intents),
        ("solve", &solved),
        ("evaluate", &evaluated),
        ("engine request", &req),
    ] {
        let breaks = stakebid_tests::encoding_breaks(v);
        assert!(breaks.is_empty(), "{what}: {breaks:?}");
    }
    // The walker is not vacuous: the sol struct's own serde (0x-hex
    // amounts, lowercase addresses) breaks it.
    let old = serde_json::to_value(&batch[0].1).unwrap();
    assert!(!stakebid_tests::encoding_breaks(&old).is_empty(), "{old}");
    // And files in that older form still read.
    let legacy: Vec<Value> = intents
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let signed: stakebid_intents::SignedIntent = serde_json::from_value(s.clone()).unwrap();
            let mut s = s.clone();
            s["intent"] = serde_json::to_value(&signed.intent).unwrap();
            s
        })
        .collect();
    std::fs::write(&file, serde_json::to_vec(&legacy).unwrap()).unwrap();
    assert_eq!(run(&["solve", "--strategy", "greedy", "--intents", &f])["plans"], solved["plans"]);
}
