//! A production build carries no EigenLayer bytecode (BUSL-1.1): the
//! binary built without its `devnet` feature has none of the crates that
//! ship it in its dependency tree. Checked by crate name with `cargo tree`
//! (licence fields are not reliable: `eigen-utils` declares only a licence
//! file); the default build is checked too, so the check can fail.

use std::process::Command;

const BUSL_CRATES: &[&str] =
    &["eigen-utils", "eigensdk", "eigenlayer-contract-deployer", "stakebid-devnet"];

fn tree(features: &[&str]) -> Vec<String> {
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.toml");
    let mut args = vec![
        "tree",
        "--manifest-path",
        manifest,
        "--offline",
        "-p",
        "stakebid",
        "-e",
        "normal,build",
        "--prefix",
        "none",
        "--format",
        "{p}",
    ];
    args.extend_from_slice(features);
    let out = Command::new(env!("CARGO")).args(&args).output().expect("cargo runs");
    assert!(out.status.success(), "cargo tree failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

fn busl(names: &[String]) -> Vec<String> {
    let mut v: Vec<String> = names
        .iter()
        .filter(|n| {
            BUSL_CRATES.iter().any(|b| n == b || (*b == "eigensdk" && n.starts_with("eigensdk")))
        })
        .cloned()
        .collect();
    v.sort();
    v.dedup();
    v
}

#[test]
fn a_production_build_has_no_eigenlayer_bytecode_and_the_devnet_build_has_it() {
    let production = tree(&["--no-default-features", "--features", "cbc"]);
    assert!(production.iter().any(|n| n == "stakebid-node"), "the tree was read");
    assert_eq!(busl(&production), Vec::<String>::new(), "a production build must not carry these");
    let devnet = tree(&[]);
    let found = busl(&devnet);
    assert!(found.contains(&"eigenlayer-contract-deployer".to_string()), "{found:?}");
    assert!(found.contains(&"stakebid-devnet".to_string()), "{found:?}");
}
