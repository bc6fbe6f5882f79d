//! The guarantee commitment's Merkle tree (`stakebid_intents::merkle`)
//! against OpenZeppelin's own (`@openzeppelin/merkle-tree`, npm, installed
//! by the test command into `tests/js`): the same root and the same proof
//! for every leaf, for every tree size up to 50 (an award's batch).

use alloy::primitives::{keccak256, B256};
use stakebid_intents::merkle;
use std::path::PathBuf;
use std::process::Command;

fn js_dir() -> PathBuf {
    let here =
        std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into());
    PathBuf::from(here).join("../tests/js")
}

#[test]
fn the_tree_is_openzeppelins_root_and_proofs_alike() {
    let dir = js_dir();
    assert!(
        dir.join("node_modules/@openzeppelin/merkle-tree").exists(),
        "@openzeppelin/merkle-tree is not installed: run the README's test command"
    );
    for n in [1usize, 2, 3, 5, 8, 13, 50] {
        let leaves: Vec<B256> = (0..n).map(|i| keccak256(format!("leaf {i} of {n}"))).collect();
        let file = std::env::temp_dir().join(format!("stakebid-merkle-{n}.json"));
        std::fs::write(&file, serde_json::to_string(&leaves).unwrap()).unwrap();
        let out = Command::new("node")
            .arg(dir.join("merkle-check.mjs"))
            .arg(&file)
            .output()
            .expect("node runs");
        let _ = std::fs::remove_file(&file);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        #[derive(serde::Deserialize)]
        struct Oz {
            root: B256,
            proofs: Vec<Vec<B256>>,
        }
        let oz: Oz = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(merkle::root(&leaves), Some(oz.root), "root of {n}");
        for (i, p) in oz.proofs.iter().enumerate() {
            assert_eq!(merkle::proof(&leaves, i).as_ref(), Some(p), "proof {i} of {n}");
        }
    }
}
