//! Nobody acts in another's name: during live rounds on a NATS node, an
//! attacker sends forged commitments and reveals over HTTP and over the
//! bus — unsigned, signed by the wrong key, replays of honest solvers'
//! genuine signed messages, late ones, ones naming random addresses, and
//! the victim's genuine signatures made for other purposes (its bus
//! envelopes, its commitments of earlier rounds) posted as commitments and
//! reveals in its name. The
//! honest solvers' bonds, penalties and public records stay untouched, the
//! registry holds only the registered solvers, and the rounds complete.

use alloy::primitives::{Address, Bytes, B256};
use alloy::signers::local::PrivateKeySigner;
use alloy::signers::SignerSync;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use stakebid_intents::envelope::{subject, CommitMsg, Envelope, Kind, OpenMsg, RevealMsg};
use stakebid_intents::protocol::{Bid, RoundBinding};
use stakebid_intents::Domain;
use stakebid_sdk::Bus;
use stakebid_tests::{get, http, intent_bodies, solver_key, unix_now, wait_for};

use crate::{nats_node, solver_process};

fn random_key(n: u64) -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&alloy::primitives::keccak256(n.to_be_bytes())).unwrap()
}

/// Every kind of forgery against auction `id`, naming `victim`; returns how many were sent.
fn forge(
    addr: &str,
    at: &RoundBinding,
    victim: Address,
    attacker: &PrivateKeySigner,
    n: u64,
) -> Vec<(String, Vec<u8>)> {
    let id = at.auction;
    let stranger = random_key(1_000 + n);
    let salt = B256::from(alloy::primitives::U256::from(n));
    let bid = Bid { auctionId: id, solver: victim, plans: vec![] };
    let unsigned = RevealMsg { bid: bid.clone(), salt, signature: Bytes::new() };
    let wrong_key = {
        let mut r =
            RevealMsg::seal(at, Bid { solver: attacker.address(), ..bid.clone() }, salt, attacker);
        r.bid.solver = victim;
        r
    };
    let strangers_own =
        RevealMsg::seal(at, Bid { solver: stranger.address(), ..bid.clone() }, salt, &stranger);
    let h = alloy::primitives::keccak256(salt);
    let garbage_commit = CommitMsg {
        auction: id,
        solver: victim,
        commitment: h,
        signature: Bytes::from(vec![7u8; 65]),
    };
    let wrong_commit = CommitMsg {
        auction: id,
        solver: victim,
        commitment: h,
        signature: attacker.sign_hash_sync(&h).unwrap().as_bytes().into(),
    };
    let (strangers_commit, _) =
        CommitMsg::seal(at, &Bid { solver: stranger.address(), ..bid }, &stranger);
    let mut sent = vec![];
    for r in [&unsigned, &wrong_key, &strangers_own] {
        sent.push((format!("/v1/auctions/{id}/reveals"), serde_json::to_vec(r).unwrap()));
    }
    for c in [&garbage_commit, &wrong_commit, &strangers_commit] {
        sent.push((format!("/v1/auctions/{id}/commitments"), serde_json::to_vec(c).unwrap()));
    }
    for (path, body) in &sent {
        let _ = stakebid_tests::http_raw(addr, "POST", path, body);
    }
    sent
}

#[test]
fn forged_and_replayed_solver_messages_change_nothing_on_http_or_nats() {
    let (dir, _nats, url, node) = nats_node("forged", 2);
    let base = format!("http://{}", node.addr);
    let domain: Domain = node.domain();
    let honest = [solver_key(0), solver_key(1)];
    // One honest solver on NATS, one over HTTP.
    let solvers = [
        solver_process(&dir, 0, "optimal", &base, Some(&url), false),
        solver_process(&dir, 1, "greedy", &base, None, false),
    ];
    let before = get(&node.addr, "/v1/solvers");

    // The attacker listens to the bus and replays every genuine solver
    // message it sees, on the bus and over HTTP, and forges its own.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let bus = rt.block_on(Bus::nats(&url)).unwrap();
    let mut rx = rt.block_on(bus.subscribe("stakebid.>")).unwrap();
    let opened: Arc<Mutex<Vec<RoundBinding>>> = Arc::default();
    // The victims' genuine signatures seen on the bus, for other purposes:
    // (signer, the digest it signed, the signature).
    let seen_sigs: Arc<Mutex<Vec<(Address, B256, Bytes)>>> = Arc::default();
    let replays = Arc::new(AtomicUsize::new(0));
    let forged = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let attacker = random_key(7);
    {
        let (bus, opened, replays, addr, attacker, seen_sigs) = (
            bus.clone(),
            opened.clone(),
            replays.clone(),
            node.addr.clone(),
            attacker.clone(),
            seen_sigs.clone(),
        );
        rt.spawn(async move {
            // Each genuine message is replayed a fixed number of times; the
            // replays themselves (identical envelopes) are not replayed again.
            let mut seen = std::collections::HashSet::new();
            let honest = [solver_key(0).address(), solver_key(1).address()];
            while let Some(env) = rx.recv().await {
                let Ok((id, kind)) = env.kind() else { continue };
                let genuine =
                    honest.contains(&env.sender) && env.open::<Value>(&domain, |_| true).is_ok();
                if genuine {
                    let digest = Envelope::digest(&domain, &env.subject, &env.body);
                    seen_sigs.lock().unwrap().push((env.sender, digest, env.signature.clone()));
                    if kind == Kind::Commitment {
                        let c: CommitMsg = env.open(&domain, |_| true).unwrap();
                        seen_sigs.lock().unwrap().push((c.solver, c.commitment, c.signature));
                    }
                }
                match kind {
                    Kind::Open => {
                        if let Ok(m) = env.open::<OpenMsg>(&domain, |_| true) {
                            opened.lock().unwrap().push(RoundBinding::of(domain, &m.open));
                        }
                    }
                    Kind::Commitment | Kind::Reveal
                        if genuine && seen.insert((env.subject.clone(), env.body.clone())) =>
                    {
                        // Replayed as is (twice), then after the reveal deadline.
                        for _ in 0..2 {
                            let _ = bus.publish(&env).await;
                        }
                        let path = if kind == Kind::Reveal { "reveals" } else { "commitments" };
                        let (addr, body, env2, bus2) =
                            (addr.clone(), env.body.clone(), env.clone(), bus.clone());
                        let replays = replays.clone();
                        tokio::spawn(async move {
                            let p = format!("/v1/auctions/{id}/{path}");
                            let _ = tokio::task::spawn_blocking({
                                let (addr, p, body) = (addr.clone(), p.clone(), body.clone());
                                move || stakebid_tests::http_raw(&addr, "POST", &p, body.as_bytes())
                            })
                            .await;
                            tokio::time::sleep(Duration::from_secs(3)).await;
                            let _ = bus2.publish(&env2).await;
                            let _ = tokio::task::spawn_blocking(move || {
                                stakebid_tests::http_raw(&addr, "POST", &p, body.as_bytes())
                            })
                            .await;
                            replays.fetch_add(1, Ordering::Relaxed);
                        });
                        // Re-signed by the attacker under the same subject (a sender that is not the solver).
                        let msg: Value = serde_json::from_str(&env.body).unwrap();
                        let _ = bus
                            .publish(&Envelope::seal(&domain, env.subject.clone(), &msg, &attacker))
                            .await;
                        // The solver's envelope with the body edited: its signature no longer matches.
                        let mut edited = env.clone();
                        edited.body = edited.body.replace("\"salt\":\"0x", "\"salt\":\"0x1");
                        let _ = bus.publish(&edited).await;
                    }
                    _ => {}
                }
            }
        });
    }
    // Forgeries over HTTP and signed-by-stranger envelopes on the bus, for every round, both phases.
    let forger = {
        let (addr, opened, forged, stop, attacker, bus, handle, seen_sigs) = (
            node.addr.clone(),
            opened.clone(),
            forged.clone(),
            stop.clone(),
            attacker.clone(),
            bus.clone(),
            rt.handle().clone(),
            seen_sigs.clone(),
        );
        let victims: Vec<Address> = honest.iter().map(|k| k.address()).collect();
        std::thread::spawn(move || {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let rounds: Vec<RoundBinding> = opened.lock().unwrap().clone();
                for at in rounds.iter().rev().take(2) {
                    let id = &at.auction;
                    // Issue 28's attack: any signature the victim made for
                    // another purpose (a bus envelope, an earlier round's
                    // commitment) posted as its commitment and its reveal here.
                    let sigs: Vec<(Address, B256, Bytes)> = seen_sigs.lock().unwrap().clone();
                    for (who, digest, sig) in sigs.iter().rev().take(6) {
                        let c = CommitMsg {
                            auction: *id,
                            solver: *who,
                            commitment: *digest,
                            signature: sig.clone(),
                        };
                        let r = RevealMsg {
                            bid: Bid { auctionId: *id, solver: *who, plans: vec![] },
                            salt: *digest,
                            signature: sig.clone(),
                        };
                        for (path, body) in [
                            ("commitments", serde_json::to_vec(&c).unwrap()),
                            ("reveals", serde_json::to_vec(&r).unwrap()),
                        ] {
                            let p = format!("/v1/auctions/{id}/{path}");
                            let _ = stakebid_tests::http_raw(&addr, "POST", &p, &body);
                            forged.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    for v in &victims {
                        n += 1;
                        let sent = forge(&addr, at, *v, &attacker, n);
                        forged.fetch_add(sent.len(), Ordering::Relaxed);
                        // The same forgeries on the bus, each sealed by a fresh stranger.
                        let stranger = random_key(5_000 + n);
                        for (path, body) in sent {
                            let kind = if path.ends_with("reveals") {
                                Kind::Reveal
                            } else {
                                Kind::Commitment
                            };
                            let v: Value = serde_json::from_slice(&body).unwrap();
                            let env = Envelope::seal(&domain, subject(*id, kind), &v, &stranger);
                            let _ = handle.block_on(bus.publish(&env));
                        }
                    }
                }
                std::thread::sleep(Duration::from_millis(300));
            }
        })
    };

    // Three waves of intents: rounds must keep completing under attack.
    let mut ids = vec![];
    for wave in 0..3u64 {
        for (b, id) in intent_bodies(&node.domain(), 4, 40 + wave, unix_now()) {
            let (s, v) = http(&node.addr, "POST", "/v1/intents", &b).unwrap();
            assert_eq!(s, 201, "{v}");
            ids.push(id);
        }
        std::thread::sleep(Duration::from_secs(4));
    }
    let awarded = wait_for(Duration::from_secs(90), || {
        ids.iter()
            .all(|id| get(&node.addr, &format!("/v1/intents/{id}"))["status"] == "awarded")
            .then_some(())
    });
    stop.store(true, Ordering::Relaxed);
    forger.join().unwrap();
    std::thread::sleep(Duration::from_secs(4)); // late replays land after their rounds
    assert!(awarded.is_some(), "rounds did not complete under attack:\n{}", node.proc.log());
    assert!(
        forged.load(Ordering::Relaxed) >= 60,
        "forgeries sent: {}",
        forged.load(Ordering::Relaxed)
    );
    assert!(
        replays.load(Ordering::Relaxed) >= 4,
        "replays sent: {}",
        replays.load(Ordering::Relaxed)
    );

    // The registry: exactly the registered solvers, bonds and records unchanged.
    let after = get(&node.addr, "/v1/solvers");
    let listed: BTreeSet<String> = after["solvers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["solver"].as_str().unwrap().to_lowercase())
        .collect();
    let want: BTreeSet<String> =
        honest.iter().map(|k| k.address().to_string().to_lowercase()).collect();
    assert_eq!(listed, want, "only registered solvers are listed");
    assert_eq!(after, before, "an honest solver's bond or record changed");
    for s in after["solvers"].as_array().unwrap() {
        assert_eq!(s["penalties"], json!([]), "{s}");
        assert_eq!(s["eligible"], true, "{s}");
    }
    // Every closed round's public record holds no fault and only honest bids.
    let list = get(&node.addr, "/v1/auctions?limit=200");
    let mut closed = 0;
    for a in list["auctions"].as_array().unwrap() {
        let o = get(&node.addr, &format!("/v1/auctions/{}", a["id"]))["outcome"].clone();
        if o.is_null() {
            continue;
        }
        closed += 1;
        assert_eq!(o["faults"], json!([]), "auction {}: {o}", a["id"]);
        for b in o["bids"].as_array().unwrap() {
            assert!(want.contains(&b["solver"].as_str().unwrap().to_lowercase()), "{b}");
        }
    }
    assert!(closed >= 2, "{closed} rounds closed");
    // Both honest solvers took part and won something.
    assert!(solvers.iter().all(|s| s.log().contains("revealed")), "{}", solvers[1].log());
}
