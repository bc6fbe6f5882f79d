//! The node's stable error codes a staker or wallet meets, as a typed enum
//! (`docs/errors.md` is the list). Unknown codes are kept as `Other`, so a
//! newer node never breaks an older client.

use std::fmt;

macro_rules! codes {
    ($($variant:ident => $code:literal,)*) => {
        /// A stable error code from the node.
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ApiCode {
            $(
                #[doc = concat!("`", $code, "`")]
                $variant,
            )*
            /// A code this client does not know (kept verbatim).
            Other(String),
        }

        impl ApiCode {
            /// Parses a code string.
            pub fn parse(code: &str) -> ApiCode {
                match code {
                    $($code => ApiCode::$variant,)*
                    other => ApiCode::Other(other.to_string()),
                }
            }

            /// The code string.
            pub fn as_str(&self) -> &str {
                match self {
                    $(ApiCode::$variant => $code,)*
                    ApiCode::Other(s) => s,
                }
            }
        }
    };
}

codes! {
    IntentMalformed => "intent.malformed",
    IntentUndeclaredField => "intent.undeclared_field",
    IntentWrongDomain => "intent.wrong_domain",
    IntentWrongChain => "intent.wrong_chain",
    IntentWrongContract => "intent.wrong_contract",
    IntentOwnerZero => "intent.owner_zero",
    IntentAmountZero => "intent.amount_zero",
    IntentAmountTooSmall => "intent.amount_too_small",
    IntentAmountTooLarge => "intent.amount_too_large",
    IntentBpsOutOfRange => "intent.bps_out_of_range",
    IntentConfidenceTooLow => "intent.confidence_too_low",
    IntentDeadlinePassed => "intent.deadline_passed",
    IntentDeadlineTooFar => "intent.deadline_too_far",
    IntentTooManyExclusions => "intent.too_many_exclusions",
    IntentDuplicateExclusion => "intent.duplicate_exclusion",
    IntentUnsupportedAsset => "intent.unsupported_asset",
    IntentBadSignature => "intent.bad_signature",
    IntentHighSSignature => "intent.high_s_signature",
    IntentWrongSigner => "intent.wrong_signer",
    IntentReplayed => "intent.replayed",
    IntentNonceReused => "intent.nonce_reused",
    IntentUnknown => "intent.unknown",
    IntentNotCancellable => "intent.not_cancellable",
    IntentNotPending => "intent.not_pending",
    IntentIllegalTransition => "intent.illegal_transition",
    RequestMalformedJson => "request.malformed_json",
    RequestMissingField => "request.missing_field",
    RequestInvalidBody => "request.invalid_body",
    RequestTooLarge => "request.too_large",
    RequestBadId => "request.bad_id",
    RequestNoRoute => "request.no_route",
    QuoteInfeasible => "quote.infeasible",
    QuoteUnavailable => "quote.unavailable",
    QuoteFailed => "quote.failed",
    AuctionUnknown => "auction.unknown",
    AuctionNotOpen => "auction.not_open",
    AuctionNotRunning => "auction.not_running",
    AuctionIllegalTransition => "auction.illegal_transition",
    StoreFailed => "store.failed",
    StoreCorrupt => "store.corrupt",
}

impl fmt::Display for ApiCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_and_the_list_matches_the_documented_codes() {
        let doc = include_str!("../../../docs/errors.md");
        for code in ["intent.replayed", "request.too_large", "quote.infeasible", "auction.not_open"]
        {
            assert!(doc.contains(code));
            let c = ApiCode::parse(code);
            assert!(!matches!(c, ApiCode::Other(_)), "{code}");
            assert_eq!(c.as_str(), code);
        }
        assert_eq!(
            ApiCode::parse("intent.something_new"),
            ApiCode::Other("intent.something_new".into())
        );
        // Every known variant is a documented code.
        for v in [ApiCode::IntentNonceReused, ApiCode::StoreCorrupt, ApiCode::RequestBadId] {
            assert!(doc.contains(&format!("`{}`", v.as_str())), "{v} is not in docs/errors.md");
        }
    }
}
