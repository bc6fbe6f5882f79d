//! `SolverRegistry` on a real anvil (npm `@foundry-rs/anvil`, started on
//! 127.0.0.1 by alloy's node bindings and stopped when the test ends), and
//! the committed artifacts against a fresh `solc` compile.

use alloy::network::EthereumWallet;
use alloy::node_bindings::Anvil;
use alloy::primitives::{address, utils::parse_ether, Address, B256, U256};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::signers::local::PrivateKeySigner;
use stakebid_settlement::Confirm;

use stakebid_settlement::registry::{Offence, OnChainRegistry, SolverRegistry};
use stakebid_tests::anvil_path;

/// The Settlement the registries here name (an address with no code in
/// these unit tests; the guarantee tests run the real one).
const SETTLEMENT: Address = Address::repeat_byte(0x5e);
const TREASURY: Address = address!("000000000000000000000000000000000000dEaD");
const DAY: u64 = 86_400;

fn eth(s: &str) -> U256 {
    parse_ether(s).unwrap()
}

/// A fresh anvil (npm `@foundry-rs/anvil`, 127.0.0.1, stopped on drop) and
/// its funded keys, each test's own.
struct Chain(alloy::node_bindings::AnvilInstance);

impl Chain {
    fn start() -> Chain {
        Chain(
            Anvil::at(anvil_path()).try_spawn().expect("anvil starts (tests/setup.sh installs it)"),
        )
    }

    fn url(&self) -> alloy::transports::http::reqwest::Url {
        self.0.endpoint_url()
    }

    /// Anvil's `i`th funded key.
    fn key(&self, i: usize) -> PrivateKeySigner {
        PrivateKeySigner::from_bytes(&B256::from_slice(&self.0.keys()[i].to_bytes())).unwrap()
    }

    /// A provider signing as `k` (each its own nonce cache: one per key).
    fn as_(&self, k: &PrivateKeySigner) -> DynProvider {
        ProviderBuilder::new()
            .wallet(EthereumWallet::from(k.clone()))
            .connect_http(self.url())
            .erased()
    }
}

#[tokio::test]
async fn bonds_slashing_and_delayed_withdrawals_follow_the_rules() {
    let chain = Chain::start();
    let key = |i: usize| chain.key(i);
    let (auctioneer, solver, stranger) = (key(0), key(1), key(2));
    let as_ = |k: &PrivateKeySigner| chain.as_(k);
    let reg = OnChainRegistry::deploy(
        as_(&auctioneer),
        auctioneer.address(),
        TREASURY,
        eth("1"),
        DAY,
        SETTLEMENT,
    )
    .await
    .unwrap();
    let addr = *reg.contract.address();
    let mine = SolverRegistry::new(addr, as_(&solver));
    let theirs = SolverRegistry::new(addr, as_(&stranger));

    // Bond 1.5 ETH: eligible at a 1 ETH minimum.
    mine.bond().value(eth("1.5")).send().await.unwrap().watch().await.unwrap();
    assert_eq!(reg.bond_of(solver.address()).await.unwrap(), eth("1.5"));
    assert!(reg.eligible(solver.address()).await.unwrap());

    // Reverts are checked with eth_call (a reverting send would still take a
    // nonce from alloy's cached nonce filler and leave a gap).
    // Only the auctioneer slashes; the evidence is on the log; the treasury gets the ETH.
    let err = theirs.slash(solver.address(), 7, 1, B256::ZERO).call().await.unwrap_err();
    assert!(err.as_decoded_error::<SolverRegistry::NotAuctioneer>().is_some(), "{err}");
    let evidence = B256::repeat_byte(0xe1);
    let tx = reg.slash(solver.address(), 7, Offence::Unrevealed, evidence).await.unwrap().unwrap();
    let receipt = as_(&auctioneer).get_transaction_receipt(tx).await.unwrap().unwrap();
    let ev = receipt
        .inner
        .logs()
        .iter()
        .find_map(|l| l.log_decode::<SolverRegistry::Slashed>().ok())
        .unwrap();
    // The amount is the registry's schedule (0.1 ETH for an unrevealed commitment).
    assert_eq!(
        (ev.inner.solver, ev.inner.amount, ev.inner.evidence, ev.inner.offence),
        (solver.address(), eth("0.1"), evidence, 1)
    );
    assert_eq!(reg.bond_of(solver.address()).await.unwrap(), eth("1.4"));
    assert_eq!(as_(&auctioneer).get_balance(TREASURY).await.unwrap(), eth("0.1"));
    // Once per (auction, solver, offence): a resend takes nothing more.
    assert_eq!(reg.slash(solver.address(), 7, Offence::Unrevealed, evidence).await.unwrap(), None);
    assert_eq!(reg.bond_of(solver.address()).await.unwrap(), eth("1.4"));
    let raw = SolverRegistry::new(addr, as_(&auctioneer));
    let err = raw.slash(solver.address(), 7, 1, evidence).call().await.unwrap_err();
    assert!(err.as_decoded_error::<SolverRegistry::AlreadySlashed>().is_some(), "{err}");
    // Another unopened commitment of the same round is another charge.
    assert!(raw.slash(solver.address(), 7, 1, B256::repeat_byte(0x77)).call().await.is_ok());
    // An offence the schedule does not charge is refused, not slashed by 0.
    let err = raw.slash(solver.address(), 7, 2, evidence).call().await.unwrap_err();
    assert!(err.as_decoded_error::<SolverRegistry::NotAnOffence>().is_some(), "{err}");

    // One schedule: the deployed registry charges exactly what the node's
    // registry records, offence by offence (an offence never sent to the
    // chain must cost nothing there either).
    for o in Offence::ALL {
        let on_chain = match o.chain_code() {
            Some(code) => reg.contract.penaltyOf(code).call().await.unwrap(),
            None => U256::ZERO,
        };
        assert_eq!(on_chain, U256::from(o.penalty().0), "{} is charged differently", o.name());
    }

    // Queuing a withdrawal counts against eligibility at once.
    mine.queueWithdrawal(eth("0.5")).send().await.unwrap().watch().await.unwrap();
    assert!(
        !reg.eligible(solver.address()).await.unwrap(),
        "0.9 ETH left unqueued is under the minimum"
    );
    // Not before the delay.
    let err = mine.withdraw().call().await.unwrap_err();
    assert!(err.as_decoded_error::<SolverRegistry::TooEarly>().is_some(), "{err}");
    // A penalty still reaches the queued part meanwhile.
    for auction in 8..13 {
        reg.slash(solver.address(), auction, Offence::InvalidPlan, evidence).await.unwrap();
    }
    assert_eq!(reg.bond_of(solver.address()).await.unwrap(), eth("0.15"));
    // After the delay only what is left leaves, to the solver.
    let p = as_(&solver);
    p.raw_request::<_, serde_json::Value>("evm_increaseTime".into(), (DAY + 1,)).await.unwrap();
    p.raw_request::<_, serde_json::Value>("evm_mine".into(), ()).await.unwrap();
    let before = p.get_balance(solver.address()).await.unwrap();
    let r = mine.withdraw().confirm().await.unwrap();
    let gas = U256::from(r.gas_used) * U256::from(r.effective_gas_price);
    assert_eq!(p.get_balance(solver.address()).await.unwrap() + gas - before, eth("0.15"));
    assert_eq!(reg.bond_of(solver.address()).await.unwrap(), U256::ZERO);
    let err = mine.withdraw().call().await.unwrap_err();
    assert!(err.as_decoded_error::<SolverRegistry::NothingToWithdraw>().is_some(), "{err}");
    // Nobody can withdraw someone else's bond: the stranger has none.
    let err = theirs.queueWithdrawal(eth("0.1")).call().await.unwrap_err();
    assert!(err.as_decoded_error::<SolverRegistry::InsufficientBond>().is_some(), "{err}");
}

/// The auctioneer key is rotated through the timelock (twice the
/// withdrawal delay): only the deployer proposes, nobody can make it take
/// office early, the old key stops slashing and the new one slashes; a
/// proposal can be cancelled.
#[tokio::test]
async fn the_auctioneer_is_rotated_only_through_the_timelock() {
    let chain = Chain::start();
    let key = |i: usize| chain.key(i);
    let (admin, old, new, solver) = (key(0), key(3), key(4), key(1));
    let as_ = |k: &PrivateKeySigner| chain.as_(k);
    let reg =
        OnChainRegistry::deploy(as_(&admin), old.address(), TREASURY, eth("1"), DAY, SETTLEMENT)
            .await
            .unwrap();
    let addr = *reg.contract.address();
    assert_eq!(reg.contract.rotationDelay().call().await.unwrap(), 2 * DAY);
    SolverRegistry::new(addr, as_(&solver)).bond().value(eth("2")).confirm().await.unwrap();
    let by = |k: &PrivateKeySigner| SolverRegistry::new(addr, as_(k));

    // Only the admin proposes.
    let e = by(&old).proposeAuctioneer(new.address()).call().await.unwrap_err();
    assert!(e.as_decoded_error::<SolverRegistry::NotAdmin>().is_some(), "{e}");
    // A proposal can be cancelled, then made again.
    by(&admin).proposeAuctioneer(key(5).address()).confirm().await.unwrap();
    by(&admin).cancelRotation().confirm().await.unwrap();
    let e = by(&solver).acceptAuctioneer().call().await.unwrap_err();
    assert!(e.as_decoded_error::<SolverRegistry::NoRotation>().is_some(), "{e}");
    by(&admin).proposeAuctioneer(new.address()).confirm().await.unwrap();
    // Not before the timelock, whoever asks.
    let e = by(&solver).acceptAuctioneer().call().await.unwrap_err();
    assert!(e.as_decoded_error::<SolverRegistry::RotationNotReady>().is_some(), "{e}");
    // Meanwhile the old key still slashes.
    by(&old).slash(solver.address(), 1, 1, B256::repeat_byte(1)).confirm().await.unwrap();
    let p = as_(&admin);
    let _: serde_json::Value =
        p.raw_request("evm_increaseTime".into(), (2 * DAY + 1,)).await.unwrap();
    let _: serde_json::Value = p.raw_request("evm_mine".into(), ()).await.unwrap();
    by(&solver).acceptAuctioneer().confirm().await.unwrap();
    assert_eq!(reg.contract.auctioneer().call().await.unwrap(), new.address());
    let e = by(&old).slash(solver.address(), 2, 1, B256::repeat_byte(2)).call().await.unwrap_err();
    assert!(e.as_decoded_error::<SolverRegistry::NotAuctioneer>().is_some(), "{e}");
    by(&new).slash(solver.address(), 2, 1, B256::repeat_byte(2)).confirm().await.unwrap();
    assert_eq!(reg.bond_of(solver.address()).await.unwrap(), eth("1.8"));
}

/// Collateral reserved for an award: it leaves the free bond (eligibility,
/// withdrawals and penalties cannot touch it), only the award's owners can
/// be paid from it and only before its date, and it returns to the free
/// bond after. Each assertion here fails if the registry let that part of
/// the bond be queued, slashed or paid elsewhere.
#[tokio::test]
async fn collateral_reserved_for_an_award_is_the_stakers_until_released() {
    let chain = Chain::start();
    let key = |i: usize| chain.key(i);
    let (auctioneer, solver, staker, thief, settlement) = (key(0), key(1), key(2), key(4), key(5));
    let as_ = |k: &PrivateKeySigner| chain.as_(k);
    let reg = OnChainRegistry::deploy(
        as_(&auctioneer),
        auctioneer.address(),
        TREASURY,
        eth("1"),
        DAY,
        settlement.address(),
    )
    .await
    .unwrap();
    let addr = *reg.contract.address();
    let by = |k: &PrivateKeySigner| SolverRegistry::new(addr, as_(k));
    by(&solver).bond().value(eth("2")).confirm().await.unwrap();

    let award = B256::repeat_byte(0xa1);
    let now = as_(&solver)
        .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
        .await
        .unwrap()
        .unwrap()
        .header
        .timestamp;
    let until = now + 7 * DAY;
    // Only the Settlement reserves — not the auctioneer, not a stranger —
    // and never more than the free bond.
    for k in [&thief, &auctioneer] {
        let e = by(k).reserve(solver.address(), award, eth("1"), until).call().await;
        assert!(e.unwrap_err().as_decoded_error::<SolverRegistry::NotSettlement>().is_some());
    }
    let s = by(&settlement);
    let e = s.reserve(solver.address(), award, eth("2.1"), until).call().await;
    assert!(e.unwrap_err().as_decoded_error::<SolverRegistry::InsufficientBond>().is_some());
    s.reserve(solver.address(), award, eth("1.2"), until).confirm().await.unwrap();
    let e = s.reserve(solver.address(), award, eth("0.1"), until).call().await;
    assert!(e.unwrap_err().as_decoded_error::<SolverRegistry::AlreadyReserved>().is_some());

    // 0.8 ETH free: not eligible at a 1 ETH minimum, and the node sees the same.
    assert_eq!(reg.eligible_bond(solver.address()).await.unwrap(), eth("0.8"));
    assert!(!reg.eligible(solver.address()).await.unwrap());
    // The solver cannot queue the reserved part out.
    let e = by(&solver).queueWithdrawal(eth("0.9")).call().await.unwrap_err();
    assert!(e.as_decoded_error::<SolverRegistry::InsufficientBond>().is_some(), "{e}");
    by(&solver).queueWithdrawal(eth("0.8")).confirm().await.unwrap();
    // Penalties take only the free part: four 0.25 ETH charges take 0.8.
    for a in 1..5u64 {
        reg.slash(solver.address(), a, Offence::InvalidPlan, B256::repeat_byte(a as u8))
            .await
            .unwrap();
    }
    assert_eq!(reg.bond_of(solver.address()).await.unwrap(), eth("1.2"));
    assert_eq!(as_(&solver).get_balance(TREASURY).await.unwrap(), eth("0.8"));

    // Only the Settlement pays from it (into its own escrow, for the
    // owner), never more than is held; what it releases goes back free.
    let e = by(&auctioneer).payClaim(award, thief.address(), eth("1"), U256::ZERO).call().await;
    assert!(e.unwrap_err().as_decoded_error::<SolverRegistry::NotSettlement>().is_some());
    let e = s.payClaim(award, staker.address(), eth("1"), eth("0.3")).call().await;
    assert!(e.unwrap_err().as_decoded_error::<SolverRegistry::ReservationShort>().is_some());
    let before = as_(&solver).get_balance(settlement.address()).await.unwrap();
    let r = s.payClaim(award, staker.address(), eth("0.3"), eth("0.2")).confirm().await.unwrap();
    let gas = U256::from(r.gas_used) * U256::from(r.effective_gas_price);
    let after = as_(&solver).get_balance(settlement.address()).await.unwrap();
    assert_eq!(after + gas - before, eth("0.3"), "the payment went to the Settlement's escrow");
    assert_eq!(reg.bond_of(solver.address()).await.unwrap(), eth("0.9"));
    assert_eq!(reg.contract.reservations(award).call().await.unwrap().amount, eth("0.7"));
    assert_eq!(reg.eligible_bond(solver.address()).await.unwrap(), eth("0.2"));

    // Nobody — not the auctioneer — releases before the date.
    for k in [&thief, &auctioneer] {
        let e = by(k).release(award).call().await.unwrap_err();
        assert!(e.as_decoded_error::<SolverRegistry::NotYetReleasable>().is_some(), "{e}");
    }
    let p = as_(&solver);
    let _: serde_json::Value =
        p.raw_request("evm_increaseTime".into(), (7 * DAY + 1,)).await.unwrap();
    let _: serde_json::Value = p.raw_request("evm_mine".into(), ()).await.unwrap();
    // After the date anyone releases it.
    by(&thief).release(award).confirm().await.unwrap();
    assert_eq!(reg.eligible_bond(solver.address()).await.unwrap(), eth("0.9"));
    by(&solver).queueWithdrawal(eth("0.9")).confirm().await.unwrap();
}

/// A bond moves from a previous registry to a new one in two steps across
/// the previous registry's withdrawal delay, and arrives whole.
#[tokio::test]
async fn a_bond_migrates_from_a_previous_registry() {
    use stakebid_settlement::registry::{migrate_bond, Migration};
    let chain = Chain::start();
    let url = chain.url();
    let key = |i: usize| chain.key(i);
    let (auctioneer, solver) = (key(0), key(1));
    let as_ = |k: &PrivateKeySigner| chain.as_(k);
    let ap = as_(&auctioneer);
    let deploy = || {
        OnChainRegistry::deploy(
            ap.clone(),
            auctioneer.address(),
            TREASURY,
            eth("1"),
            DAY,
            SETTLEMENT,
        )
    };
    let (old, new) = (deploy().await.unwrap(), deploy().await.unwrap());
    let (from, to) = (*old.contract.address(), *new.contract.address());
    SolverRegistry::new(from, as_(&solver)).bond().value(eth("1.5")).confirm().await.unwrap();

    let step = migrate_bond(&url, from, to, &solver).await.unwrap();
    assert!(matches!(step, Migration::Queued { amount, .. } if amount == eth("1.5")), "{step:?}");
    assert!(!old.eligible(solver.address()).await.unwrap(), "queued out of the old registry");
    let step = migrate_bond(&url, from, to, &solver).await.unwrap();
    assert!(matches!(step, Migration::Waiting { .. }), "{step:?}");
    // Still slashable on the old registry while it waits.
    old.slash(solver.address(), 1, Offence::Unrevealed, B256::repeat_byte(9)).await.unwrap();
    let p = as_(&solver);
    let _: serde_json::Value = p.raw_request("evm_increaseTime".into(), (DAY + 1,)).await.unwrap();
    let _: serde_json::Value = p.raw_request("evm_mine".into(), ()).await.unwrap();
    let step = migrate_bond(&url, from, to, &solver).await.unwrap();
    assert_eq!(step, Migration::Moved { amount: eth("1.4") });
    assert_eq!(old.bond_of(solver.address()).await.unwrap(), U256::ZERO);
    assert_eq!(new.bond_of(solver.address()).await.unwrap(), eth("1.4"));
    assert!(new.eligible(solver.address()).await.unwrap());
    assert_eq!(migrate_bond(&url, from, to, &solver).await.unwrap(), Migration::Nothing);
}

fn json_names(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    names
}

#[test]
fn committed_artifacts_match_a_fresh_solc_compile() {
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::env::temp_dir().join(format!("stakebid-artifacts-{}", std::process::id()));
    // compile.sh installs its own solc (settlement/package.json): it needs
    // nothing from the test tree.
    let st = std::process::Command::new("bash")
        .arg(here.join("compile.sh"))
        .arg(&out)
        .status()
        .expect("bash runs");
    assert!(st.success(), "settlement/compile.sh failed");
    for set in ["artifacts", "artifacts-mocks"] {
        let names = json_names(&out.join(set));
        assert_eq!(
            names,
            json_names(&here.join(set)),
            "{set}: a contract was added or removed without recompiling"
        );
        for n in names {
            let fresh = std::fs::read_to_string(out.join(set).join(&n)).unwrap();
            let kept = std::fs::read_to_string(here.join(set).join(&n)).unwrap();
            assert!(fresh == kept, "{set}/{n} is stale: run settlement/compile.sh and commit");
        }
    }
    let _ = std::fs::remove_dir_all(&out);
}

/// What a deployment runs: the production artifact set is exactly these
/// contracts, with no protocol stand-in or test double among them.
#[test]
fn the_production_artifacts_hold_no_mock_or_stand_in() {
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    assert_eq!(
        json_names(&here.join("artifacts")),
        [
            "EigenLayerAdapter.json",
            "LidoAdapter.json",
            "PositionHolder.json",
            "RocketPoolAdapter.json",
            "Settlement.json",
            "SolverRegistry.json",
        ]
    );
    for n in json_names(&here.join("artifacts-mocks")) {
        assert!(!here.join("artifacts").join(&n).exists(), "{n} is in both sets");
    }
}
