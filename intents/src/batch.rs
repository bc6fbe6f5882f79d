//! Seeded batches of varied, realistic intents (risk-averse to yield-seeking)
//! for a market, signed by deterministic keys: for tests, benchmarks, demos
//! and `stakebid intents generate`.

use alloy::primitives::{keccak256, Address, B256, U256};
use alloy::signers::local::PrivateKeySigner;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

use crate::intent::{Domain, Intent, NATIVE_ETH};
use crate::market::Market;
use crate::signature::{sign, SignedIntent};
use crate::units::WAD;

/// A staker's risk profile: the intent fields it fills.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// Low loss, wide spread, half liquid within a week.
    Conservative,
    /// The middle.
    Balanced,
    /// Restaking yield, more tail loss accepted.
    YieldSeeking,
}

impl Profile {
    /// A new intent with this profile's risk fields and no exclusions.
    pub fn intent(
        self,
        owner: Address,
        asset: Address,
        amount: U256,
        nonce: U256,
        deadline: u64,
    ) -> Intent {
        let mut i = Intent {
            owner,
            asset,
            amount,
            minNetApyBps: 0,
            maxLossBps: 0,
            lossConfidenceBps: 0,
            maxOperatorBps: 0,
            maxServiceBps: 0,
            minLiquidBps: 0,
            liquidWithinDays: 0,
            maxFeeBps: 0,
            excludedOperators: vec![],
            nonce,
            deadline,
        };
        self.apply(&mut i);
        i
    }

    /// Fills the risk fields of `i` for this profile.
    pub fn apply(self, i: &mut Intent) {
        let (apy, loss, conf, op, svc, liq, days, fee) = match self {
            Profile::Conservative => (220, 150, 9500, 3000, 2500, 5000, 7, 10),
            Profile::Balanced => (260, 300, 9500, 5000, 4000, 2500, 7, 20),
            Profile::YieldSeeking => (300, 700, 9000, 7000, 6000, 1000, 14, 30),
        };
        i.minNetApyBps = apy;
        i.maxLossBps = loss;
        i.lossConfidenceBps = conf;
        i.maxOperatorBps = op;
        i.maxServiceBps = svc;
        i.minLiquidBps = liq;
        i.liquidWithinDays = days;
        i.maxFeeBps = fee;
    }
}

/// The deterministic key of staker `n` under `seed` (test and demo use only).
pub fn staker_key(seed: u64, n: u64) -> PrivateKeySigner {
    let h: B256 = keccak256(format!("stakebid-staker/{seed}/{n}"));
    PrivateKeySigner::from_bytes(&h)
        .expect("a keccak output is a valid key with overwhelming probability")
}

/// `count` signed intents for `market` under `domain`, deadlines `now + 1 day`.
pub fn generate(
    market: &Market,
    domain: &Domain,
    count: usize,
    seed: u64,
    now: u64,
) -> Vec<SignedIntent> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut r = |lo: u64, hi: u64| lo + rng.next_u64() % (hi - lo + 1);
    let tokens: Vec<Address> =
        market.accepted_inputs().into_iter().filter(|a| !a.is_zero()).collect();
    (0..count)
        .map(|n| {
            let key = staker_key(seed, n as u64 % 8);
            let profile =
                [Profile::Conservative, Profile::Balanced, Profile::YieldSeeking][r(0, 2) as usize];
            // Amounts from 0.5 to ~500 ETH, log-spread: most stakers are small.
            let amount = U256::from(
                (r(5, 50) as u128 * WAD / 10)
                    * 10u128.pow(r(0, 1) as u32)
                    * (1 + r(0, 9) as u128 / 9),
            );
            let asset = if r(0, 9) == 0 && !tokens.is_empty() {
                tokens[r(0, tokens.len() as u64 - 1) as usize]
            } else {
                NATIVE_ETH
            };
            let nonce = U256::from(seed) << 64 | U256::from(n);
            let mut i = profile.intent(key.address(), asset, amount, nonce, now + 86_400);
            // Jitter so no two intents are alike.
            i.minNetApyBps = i.minNetApyBps - 20 + r(0, 40) as u16;
            i.maxLossBps += r(0, 50) as u16;
            if r(0, 4) == 0 && !market.operators.is_empty() {
                let o = &market.operators[r(0, market.operators.len() as u64 - 1) as usize];
                i.excludedOperators.push(o.address);
            }
            let signature = sign(&i, domain, &key).as_bytes().to_vec().into();
            SignedIntent { intent: i, domain: *domain, signature, permit: None }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::{generate as market, GeneratorParams};
    use crate::validate::{validate, Policy};

    #[test]
    fn generated_intents_are_valid_signed_and_varied() {
        for m in [Market::snapshot(), market(&GeneratorParams::with_positions(500, 4))] {
            let domain = Domain { chain_id: 31337, settlement: Address::repeat_byte(1) };
            let mut policy = Policy::new(domain);
            policy.accepted_assets = Some(m.accepted_inputs());
            let now = 1_790_000_000;
            let batch = generate(&m, &domain, 200, 9, now);
            let mut apys = std::collections::BTreeSet::new();
            for s in &batch {
                validate(&s.intent, &s.domain, now, &policy).unwrap();
                let sig = crate::signature::parse_signature(&s.signature).unwrap();
                crate::signature::verify(&s.intent, &s.domain, &sig).unwrap();
                apys.insert(s.intent.minNetApyBps);
            }
            assert!(apys.len() > 30, "intents should differ");
            assert_eq!(generate(&m, &domain, 200, 9, now), batch);
        }
    }
}
