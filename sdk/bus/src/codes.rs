//! The node's stable error codes as a client matches them: [`ApiCode`] is
//! `stakebid_intents::codes::ApiCode`, built from the one list of codes
//! (`ErrorCode`, which `docs/errors.md` and the TypeScript union are
//! generated from). Unknown codes are kept as `Other`, so a newer node
//! never breaks an older client.

pub use stakebid_intents::codes::{ApiCode, ErrorCode};
