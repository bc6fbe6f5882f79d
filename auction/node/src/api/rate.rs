//! Per-sender rate limits on the API (GCRA, from `governor`).
//!
//! ```text
//! request ──POST?──▶ per peer address (before any signature is checked)
//!    │                  over ──▶ 429 `rate.limited`
//!    ▼
//! handler verifies the signature ──▶ per signer (intents, cancellations)
//!                                       over ──▶ 429 `rate.limited`
//! ```
//!
//! Keys are what the sender cannot choose: the address a connection comes
//! from, and after a signature check the address that signed, never the
//! sender a message claims (so nobody can spend a victim's allowance and
//! get its messages refused). A reveal that opens a live commitment is
//! never limited: refusing it would cost its solver a penalty; it is the
//! only message whose worth is checked before its sender.

use std::net::IpAddr;
use std::num::NonZeroU32;

use alloy::primitives::Address;
use axum::http::StatusCode;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::ApiError;

/// The address a connection comes from (set by the server loop).
#[derive(Clone, Copy, Debug)]
pub struct Peer(pub IpAddr);

/// Requests per second allowed (0: no limit); a burst of ten seconds' worth.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rates {
    /// Writes (POST) per second from one peer address.
    pub per_ip: u32,
    /// Signed writes per second from one signer.
    pub per_signer: u32,
}

impl Default for Rates {
    fn default() -> Self {
        Rates { per_ip: 200, per_signer: 5 }
    }
}

/// Past this many tracked keys, keys idle long enough to be full again are forgotten.
const MAX_KEYS: usize = 100_000;

/// The limiters.
pub struct RateLimits {
    rates: Rates,
    ip: Option<DefaultKeyedRateLimiter<IpAddr>>,
    signer: Option<DefaultKeyedRateLimiter<Address>>,
}

fn quota(per_second: u32) -> Option<Quota> {
    let rate = NonZeroU32::new(per_second)?;
    let burst = NonZeroU32::new(per_second.saturating_mul(10)).unwrap_or(rate);
    Some(Quota::per_second(rate).allow_burst(burst))
}

impl RateLimits {
    /// Limiters for `rates`.
    pub fn new(rates: Rates) -> RateLimits {
        RateLimits {
            rates,
            ip: quota(rates.per_ip).map(RateLimiter::keyed),
            signer: quota(rates.per_signer).map(RateLimiter::keyed),
        }
    }

    /// No limits (benchmarks that measure the server itself).
    pub fn off() -> RateLimits {
        RateLimits::new(Rates { per_ip: 0, per_signer: 0 })
    }

    /// One write from `peer`.
    pub fn check_peer(&self, peer: IpAddr) -> Result<(), ApiError> {
        check(&self.ip, &peer, || {
            format!(
                "too many requests from {peer}: at most {} writes a second (bursts of ten seconds' worth); retry in a moment",
                self.rates.per_ip
            )
        })
    }

    /// One signed write from `signer` (after its signature was checked).
    pub fn check_signer(&self, signer: Address) -> Result<(), ApiError> {
        check(&self.signer, &signer, || {
            format!(
                "too many signed requests from {signer}: at most {} a second (bursts of ten seconds' worth); retry in a moment",
                self.rates.per_signer
            )
        })
    }
}

fn check<K: std::hash::Hash + Eq + Clone>(
    l: &Option<DefaultKeyedRateLimiter<K>>,
    key: &K,
    say: impl FnOnce() -> String,
) -> Result<(), ApiError> {
    let Some(l) = l else { return Ok(()) };
    if l.len() > MAX_KEYS {
        l.retain_recent();
    }
    l.check_key(key)
        .map_err(|_| ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate.limited", say()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signer_past_its_burst_is_refused_and_another_is_not() {
        let l = RateLimits::new(Rates { per_ip: 0, per_signer: 1 });
        let (a, b) = (Address::repeat_byte(1), Address::repeat_byte(2));
        for _ in 0..10 {
            l.check_signer(a).unwrap();
        }
        let e = l.check_signer(a).unwrap_err();
        assert_eq!(e.code, "rate.limited");
        assert_eq!(e.status, StatusCode::TOO_MANY_REQUESTS);
        l.check_signer(b).unwrap();
        // Off means off.
        let off = RateLimits::off();
        for _ in 0..1000 {
            off.check_signer(a).unwrap();
            off.check_peer(IpAddr::from([127, 0, 0, 1])).unwrap();
        }
    }
}
