//! Strict address text: EIP-55. An all-lowercase (or all-uppercase)
//! address carries no checksum and is taken as written; a mixed-case one
//! claims a checksum and must match it, so a mistyped character is caught
//! instead of sending funds or an intent to the wrong account.

use alloy::primitives::Address;
use serde_json::Value;

/// Why an address was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// Mixed case that is not the EIP-55 checksum.
    #[error("{0} is written in mixed case but its EIP-55 checksum is wrong (a mistyped character?); write it all-lowercase or with the right checksum")]
    BadChecksum(String),
    /// Not a 0x-prefixed 40-hex-digit address.
    #[error("{0:?} is not an address (0x and 40 hex digits)")]
    Malformed(String),
}

impl crate::Coded for AddressError {
    fn code(&self) -> &str {
        match self {
            Self::BadChecksum(_) => "address.bad_checksum",
            Self::Malformed(_) => "address.malformed",
        }
    }
}

/// Whether `s` has the shape of an address: 0x and 40 hex digits.
fn looks_like_address(s: &str) -> bool {
    s.len() == 42
        && (s.starts_with("0x") || s.starts_with("0X"))
        && s[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// Parses an address, refusing a mixed-case one with a wrong checksum.
pub fn parse(s: &str) -> Result<Address, AddressError> {
    if !looks_like_address(s) {
        return Err(AddressError::Malformed(s.chars().take(64).collect()));
    }
    let hex = &s[2..];
    let uniform = !hex.bytes().any(|b| b.is_ascii_uppercase())
        || !hex.bytes().any(|b| b.is_ascii_lowercase());
    if uniform {
        return hex.parse::<Address>().map_err(|_| AddressError::Malformed(s.into()));
    }
    Address::parse_checksummed(s, None).map_err(|_| AddressError::BadChecksum(s.into()))
}

/// Checks every address-shaped string anywhere in a JSON document (object
/// keys included). Bodies are checked once at the edge, before serde turns
/// them into types (alloy's `Address` deserializer ignores the case).
pub fn check_json(v: &Value) -> Result<(), AddressError> {
    match v {
        Value::String(s) if looks_like_address(s) => parse(s).map(|_| ()),
        Value::Array(a) => a.iter().try_for_each(check_json),
        Value::Object(o) => o.iter().try_for_each(|(k, v)| {
            if looks_like_address(k) {
                parse(k)?;
            }
            check_json(v)
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Coded;
    use serde_json::json;

    // From EIP-55's own test vectors.
    const GOOD: &str = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";

    #[test]
    fn checksums_lowercase_and_uppercase_are_taken_a_wrong_checksum_is_not() {
        let a = parse(GOOD).unwrap();
        assert_eq!(parse(&GOOD.to_lowercase()).unwrap(), a);
        assert_eq!(parse(&format!("0x{}", GOOD[2..].to_uppercase())).unwrap(), a);
        let wrong = GOOD.replace("aAe", "AaE");
        assert_eq!(parse(&wrong).unwrap_err().code(), "address.bad_checksum");
        assert_eq!(parse("0x12").unwrap_err().code(), "address.malformed");
    }

    #[test]
    fn every_address_in_a_document_is_checked() {
        let wrong = GOOD.replace("aAe", "AaE");
        assert!(check_json(&json!({ "a": [GOOD, { "b": GOOD.to_lowercase() }] })).is_ok());
        let deep = json!({ "typed_data": { "message": { "excludedOperators": [GOOD, wrong] } } });
        assert_eq!(check_json(&deep).unwrap_err(), AddressError::BadChecksum(wrong.clone()));
        // A 32-byte hash or a signature is not address-shaped and passes untouched.
        assert!(check_json(&json!({ "h": format!("0x{}", "aB".repeat(32)) })).is_ok());
    }
}
