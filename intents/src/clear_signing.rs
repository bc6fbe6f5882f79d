//! ERC-7730 clear signing: the descriptor that lets a wallet (a Ledger, for
//! one) show an `Intent` or a `Cancellation` field by field — the amount
//! with its token's ticker and decimals, basis points as percentages, the
//! deadline as a date, excluded operators as addresses — instead of asking
//! its user to blind-sign a hash. The file (`data/eip712-stakebid.json`,
//! the `eip712-*.json` form the clear-signing registry takes) is bound to
//! the devnet's Settlement; the node serves it bound to its own chain and
//! Settlement (`GET /v1/eip712/descriptor`). Its schemas must be exactly the
//! typed data `Intent::typed_data` produces, and every field must have a
//! display entry or be listed as excluded: both are tested, and the
//! reference linter (`erc7730 lint`) must report nothing.

/// The descriptor as shipped (devnet deployment: chain 31337, the
/// Settlement at anvil's first CREATE address).
pub const DESCRIPTOR: &str = include_str!("../data/eip712-stakebid.json");

/// The typed-data fields a wallet is shown nothing of: the asset (shown
/// through the amount's token) and the nonce (a replay counter).
pub const NOT_DISPLAYED: [&str; 2] = ["asset", "nonce"];
