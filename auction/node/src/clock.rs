//! The node's clock: unix seconds, injected wherever a deadline or a
//! lifecycle date is read, so tests and embedders can set the time.

/// A clock in unix seconds.
pub type Clock = std::sync::Arc<dyn Fn() -> u64 + Send + Sync>;

/// The wall clock in unix seconds.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
