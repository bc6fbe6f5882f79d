//! The Lido stand-in against the ABI Lido publishes: every stETH and
//! withdrawal-queue function the adapters, the market reader and the SDKs
//! call on Lido must exist in the published ABI (`@lido-sdk/contracts`,
//! pinned in `tests/js/package.json`) with the same name, inputs and
//! outputs as the stand-in serves it. Rocket Pool publishes no ABI package
//! on a registry: its stand-in stays checked against
//! `docs/protocol-views.md`'s sources.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// `name(input types)` → output types, for each function of an ABI.
fn functions(abi: &Value) -> BTreeMap<String, Vec<String>> {
    let types = |v: &Value| -> Vec<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .map(|p| {
                let t = p["type"].as_str().unwrap_or_default().to_string();
                // A tuple is its components' types.
                match t.strip_prefix("tuple") {
                    Some(rest) => {
                        let inner: Vec<String> = p["components"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .map(|c| c["type"].as_str().unwrap_or_default().to_string())
                            .collect();
                        format!("({}){rest}", inner.join(","))
                    }
                    None => t,
                }
            })
            .collect()
    };
    abi.as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["type"] == "function")
        .map(|f| {
            let sig = format!("{}({})", f["name"].as_str().unwrap(), types(&f["inputs"]).join(","));
            (sig, types(&f["outputs"]))
        })
        .collect()
}

#[test]
fn the_lido_stand_in_matches_lidos_published_abi_for_every_call_we_make() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let js = root.join("tests/js");
    assert!(
        js.join("node_modules/@lido-sdk/contracts").exists(),
        "@lido-sdk/contracts is not installed: run the README's test command (it runs npm ci in tests/js)"
    );
    let out = Command::new("node").arg(js.join("published-abi.mjs")).output().expect("node runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let published: Value = serde_json::from_slice(&out.stdout).unwrap();
    let steth = functions(&published["stETH"]);
    // The queue is an ERC-721 (its approve/transferFrom are not stETH's):
    // only the queue's own calls are looked up there.
    let queue = functions(&published["withdrawalQueue"]);
    let art: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("settlement/artifacts-mocks/MockLido.json")).unwrap(),
    )
    .unwrap();
    let stand_in = functions(&art["abi"]);
    // What stakebid calls on Lido: the adapter (Common.sol's ILido), the
    // market reader (stakebid_chain::protocols::ILidoViews), the permit
    // path (node, SDKs) and the SDKs' token reads and approvals.
    let called = [
        "submit(address)",
        "transferShares(address,uint256)",
        "getPooledEthByShares(uint256)",
        "getSharesByPooledEth(uint256)",
        "requestWithdrawals(uint256[],address)",
        "claimWithdrawal(uint256)",
        "getCurrentStakeLimit()",
        "isStakingPaused()",
        "getTotalPooledEther()",
        "permit(address,address,uint256,uint256,uint8,bytes32,bytes32)",
        "nonces(address)",
        "DOMAIN_SEPARATOR()",
        "eip712Domain()",
        "balanceOf(address)",
        "allowance(address,address)",
        "approve(address,uint256)",
        "transfer(address,uint256)",
        "transferFrom(address,address,uint256)",
    ];
    let mut wrong = vec![];
    for sig in called {
        let ours = stand_in.get(sig);
        let on_queue =
            sig.starts_with("requestWithdrawals(") || sig.starts_with("claimWithdrawal(");
        let theirs = if on_queue { queue.get(sig) } else { steth.get(sig) };
        match (ours, theirs) {
            (Some(o), Some(t)) if o == t => {}
            (o, t) => wrong.push(format!("{sig}: stand-in {o:?}, published {t:?}")),
        }
    }
    assert!(
        wrong.is_empty(),
        "{} differ from Lido's published ABI:\n{}",
        published["package"],
        wrong.join("\n")
    );
}
