//! Solver names over the HTTP API: only the solver named can sign its
//! name, only for a solver the node knows; a larger nonce replaces an
//! earlier name and an old registration cannot come back; a name that is
//! another solver's, or reads like it, is refused; names survive a
//! reopened store and show in `GET /v1/solvers`.

use alloy::primitives::{Address, B256};
use alloy::signers::local::PrivateKeySigner;
use serde_json::{json, Value};
use stakebid_auction::domain::registry::Registry;
use stakebid_intents::protocol::SolverName;
use stakebid_intents::Wei;
use stakebid_node::port::prelude::*;
use stakebid_node::port::NodeState;
use stakebid_tests::test_domain as domain;

use crate::api::{app, call};

fn key(n: u8) -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&B256::repeat_byte(0x40 + n)).unwrap()
}

/// A registration of `name` for `solver`, signed by `signer`.
fn body(solver: Address, name: &str, nonce: u64, signer: &PrivateKeySigner) -> Vec<u8> {
    let m = SolverName { solver, name: name.into(), nonce };
    let sig = m.sign(&domain(), signer);
    json!({ "solver": solver.to_checksum(None), "name": name, "nonce": nonce, "signature": sig })
        .to_string()
        .into_bytes()
}

fn name_of(v: &Value, who: Address) -> Option<String> {
    v["solvers"].as_array()?.iter().find(|s| s["solver"] == who.to_checksum(None))?["name"]
        .as_str()
        .map(str::to_string)
}

#[tokio::test]
async fn solvers_name_themselves_with_signed_registrations_and_cannot_pose_as_another() {
    let dir = stakebid_tests::scratch("it-names");
    let (a, b, stranger) = (key(1), key(2), key(3));
    let post = |app: axum::Router, b: Vec<u8>| async move {
        call(&app, "POST", "/v1/solvers/names", Some(b)).await
    };
    {
        let (app, store) = app(&dir);
        // Not a solver of this node: nothing to name.
        let (st, v) = post(app.clone(), body(a.address(), "engine-a", 1, &a)).await;
        assert_eq!((st.as_u16(), v["code"].as_str()), (404, Some("name.unknown_solver")), "{v}");
        let mut reg = Registry::new();
        for k in [&a, &b] {
            reg.bond(k.address(), Wei(2 * 10u128.pow(18)));
        }
        store.save_node_state(&NodeState { registry: Some(reg), ..Default::default() }).unwrap();

        let (st, v) = post(app.clone(), body(a.address(), "engine-a", 1, &a)).await;
        assert_eq!(st.as_u16(), 201, "{v}");
        assert_eq!(v["name"], "engine-a");
        // The same registration again changes nothing.
        let (st, _) = post(app.clone(), body(a.address(), "engine-a", 1, &a)).await;
        assert_eq!(st.as_u16(), 200);
        let (_, solvers) = call(&app, "GET", "/v1/solvers", None).await;
        assert_eq!(name_of(&solvers, a.address()).as_deref(), Some("engine-a"), "{solvers}");

        let refusals = [
            // Signed by someone else for b: b's name cannot be set by them.
            (body(b.address(), "engine-b", 1, &stranger), 422, "name.bad_signature"),
            // The nonce a already used, for another name.
            (body(a.address(), "engine-z", 1, &a), 409, "name.stale_nonce"),
            // a's name, and names that read like it.
            (body(b.address(), "engine-a", 1, &b), 409, "name.taken"),
            (body(b.address(), "engime-4", 1, &b), 201, ""),
            (body(b.address(), "engine-a-", 2, &b), 400, "name.invalid"),
            (body(b.address(), "Engine-B", 2, &b), 400, "name.invalid"),
            (body(b.address(), "engineа", 2, &b), 400, "name.invalid"),
        ];
        for (req, status, code) in refusals {
            let (st, v) = post(app.clone(), req).await;
            assert_eq!(st.as_u16(), status, "{v}");
            if !code.is_empty() {
                assert_eq!(v["code"], code, "{v}");
            }
        }
        // b is now engime-4; a cannot become a look-alike of it.
        for alike in ["engime4", "engirne-4"] {
            let (st, v) = post(app.clone(), body(a.address(), alike, 2, &a)).await;
            assert_eq!((st.as_u16(), v["code"].as_str()), (409, Some("name.look_alike")), "{v}");
        }
        // A larger nonce replaces a's name, and frees the old one.
        let (st, v) = post(app.clone(), body(a.address(), "engine-x", 3, &a)).await;
        assert_eq!(st.as_u16(), 201, "{v}");
        let (st, v) = post(app.clone(), body(b.address(), "engine-a", 4, &b)).await;
        assert_eq!(st.as_u16(), 201, "{v}");
        // The replaced registration cannot come back (its nonce is spent).
        let (st, v) = post(app.clone(), body(a.address(), "engine-a", 1, &a)).await;
        assert_eq!(st.as_u16(), 409, "{v}");
        // Garbage is refused with a code, and stores nothing.
        let (st, v) = post(app.clone(), b"{\"solver\":1}".to_vec()).await;
        assert_eq!((st.as_u16(), v["code"].as_str()), (400, Some("request.invalid_body")), "{v}");
    }
    // A reopened store still has the names (once the old one's threads let go).
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        if stakebid_node::store::Store::open(&dir).is_ok() {
            break;
        }
    }
    let (app, _store) = app(&dir);
    let (_, solvers) = call(&app, "GET", "/v1/solvers", None).await;
    assert_eq!(name_of(&solvers, a.address()).as_deref(), Some("engine-x"), "{solvers}");
    assert_eq!(name_of(&solvers, b.address()).as_deref(), Some("engine-a"), "{solvers}");
}
