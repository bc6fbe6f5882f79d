//! The shipped snapshot and market validation.

use stakebid_intents::market::{MarketError, SNAPSHOT_JSON};
use stakebid_intents::units::Wad;
use stakebid_intents::Coded;
use stakebid_intents::Market;

fn assert_sourced(
    entity: &str,
    sources: &std::collections::BTreeMap<String, String>,
    fields: &[&str],
) {
    for f in fields {
        let s = sources.get(*f).unwrap_or_else(|| panic!("{entity}: figure `{f}` has no source"));
        assert!(
            s.starts_with("public: ") || s.starts_with("modelled: "),
            "{entity}.{f}: a source says whether it is public or modelled: {s}"
        );
    }
}

#[test]
fn the_snapshot_loads_validates_and_every_figure_is_sourced() {
    let m = Market::from_json(SNAPSHOT_JSON).unwrap();
    assert_eq!(m.as_of, "2025-06-03");
    for a in &m.assets {
        assert_sourced(
            &a.id,
            &a.sources,
            &[
                "apr",
                "protocol_fee",
                "deposit_fee",
                "exchange_rate",
                "exit_days",
                "deposit_cap",
                "max_depeg",
                "depeg_probability",
            ],
        );
    }
    for o in &m.operators {
        assert_sourced(
            &o.id,
            &o.sources,
            &[
                "address",
                "commission",
                "delegated",
                "capacity",
                "allocations",
                "fault_probability",
                "slashing_events",
                "allocation_delay_days",
            ],
        );
    }
    for s in &m.services {
        assert_sourced(
            &s.id,
            &s.sources,
            &[
                "reward_rate",
                "loss_given_slash",
                "stake_cap",
                "profit_from_corruption",
                "attack_threshold",
                "fault_probability",
            ],
        );
    }
    assert_sourced("market", &m.sources, &["withdrawal_delay_days", "gas"]);
    // The cited public figures are the ones in the data.
    let steth = m.asset("stETH").unwrap();
    assert_eq!(steth.apr, Wad::from_bps(282));
    assert_eq!(steth.protocol_fee.0, 1000);
    assert_eq!(m.asset("rETH").unwrap().deposit_fee.0, 5);
    assert_eq!(m.restaking.withdrawal_delay_days, 14);
    let names: Vec<&str> = m.stress.iter().map(|s| s.name.as_str()).collect();
    assert!(names.iter().any(|n| n.contains("stETH") && n.contains("2022")));
    assert!(names.iter().any(|n| n.contains("ezETH") && n.contains("2024")));
    assert!(names.iter().any(|n| n.contains("Launchnodes") && n.contains("2023")));
    for s in &m.stress {
        assert!(s.source.starts_with("public: "), "{}", s.name);
    }
    assert_eq!(m.stress[0].asset_losses["stETH"], Wad::from_bps(650));
}

#[test]
fn the_hash_covers_figures_but_not_wording() {
    let m = Market::snapshot();
    let mut reworded = m.clone();
    reworded.assets[1].sources.insert("apr".into(), "public: reworded".into());
    assert_eq!(m.hash(), reworded.hash());
    let mut changed = m.clone();
    changed.assets[1].apr.0 += 1;
    assert_ne!(m.hash(), changed.hash());
}

fn mutated(f: impl Fn(&mut serde_json::Value)) -> Result<Market, MarketError> {
    let mut v: serde_json::Value = serde_json::from_str(SNAPSHOT_JSON).unwrap();
    f(&mut v);
    Market::from_json(&v.to_string())
}

#[test]
fn every_market_error_code_is_triggered_by_its_input() {
    type Mutation = Box<dyn Fn(&mut serde_json::Value)>;
    let cases: Vec<(&str, Mutation)> = vec![
        ("market.malformed", Box::new(|v| v["assets"] = 3.into())),
        ("market.duplicate_id", Box::new(|v| v["assets"][2]["id"] = "stETH".into())),
        (
            "market.duplicate_id",
            Box::new(|v| {
                let a = v["operators"][0]["address"].clone();
                v["operators"][1]["address"] = a;
            }),
        ),
        ("market.unknown_reference", Box::new(|v| v["positions"][7]["operator"] = "nobody".into())),
        (
            "market.unknown_reference",
            Box::new(|v| v["operators"][0]["allocations"][0]["service"] = "ghost".into()),
        ),
        (
            "market.out_of_range",
            Box::new(|v| {
                v["operators"][0]["allocations"][0]["magnitude"] = "900000000000000000".into()
            }),
        ),
        ("market.out_of_range", Box::new(|v| v["assets"][1]["apr"] = "600000000000000000".into())),
        ("market.out_of_range", Box::new(|v| v["services"][0]["attack_threshold"] = 0.into())),
        (
            "market.not_restakeable",
            Box::new(|v| {
                v["positions"][7]["asset"] = "ezETH".into();
            }),
        ),
        ("market.empty", Box::new(|v| v["positions"] = serde_json::json!([]))),
    ];
    for (code, f) in cases {
        let e = mutated(f).unwrap_err();
        assert_eq!(e.code(), code, "{e}");
    }
}

#[test]
fn tokens_out_applies_the_deposit_fee_and_the_rate_only_when_minting() {
    use alloy::primitives::{Address, U256};
    let m = Market::snapshot();
    let ix = stakebid_intents::market::Index::new(&m);
    let reth = m.assets.iter().find(|a| a.id == "rETH").unwrap();
    let p = ix.position_ids["rETH"];
    let one = U256::from(10u128.pow(18));
    // ETH minted into rETH: 1 ETH less the deposit fee, at the exchange rate.
    let fee = one * U256::from(reth.deposit_fee.0) / U256::from(10_000u64);
    let want = (one - fee) * one / U256::from(reth.exchange_rate.0);
    assert_eq!(ix.tokens_out(&m, p, Address::ZERO, one), Some(want));
    assert!(want < one, "rETH is worth more than 1 ETH");
    // rETH paid in stays rETH; an asset the position does not take is refused.
    assert_eq!(ix.tokens_out(&m, p, reth.token, one), Some(one));
    let steth = m.assets.iter().find(|a| a.id == "stETH").unwrap().token;
    assert_eq!(ix.tokens_out(&m, p, steth, one), None);
}
