//! Solver names: what a solver calls itself in the explorer and the API,
//! signed by the solver (EIP-712 `SolverName` under the deployment's
//! domain, so the signature is good for nothing else) with a nonce, a
//! later registration replacing an earlier one.
//!
//! A name is normalised (NFKC, trimmed, lower case) and must then be 3 to
//! 32 of `a-z`, `0-9` and inner single hyphens, so what a person reads is
//! what was signed. Two names clash when they are equal, or when they look
//! alike: the same UTS #39 skeleton once case and hyphens are ignored
//! (`s0lver-optimal`, `so1ver-optimal` and `solver-optirnal` all look like
//! `solver-optimal`). The node keeps the registrations; this module only
//! decides.

use alloy::primitives::{Address, Bytes, B256};
use alloy::signers::local::PrivateKeySigner;
use alloy::signers::SignerSync;
use alloy::sol_types::SolStruct;
use unicode_normalization::UnicodeNormalization;
use unicode_security::confusable_detection::skeleton;

use crate::protocol::SolverName;
use crate::Domain;

/// Shortest name.
pub const MIN_LEN: usize = 3;
/// Longest name.
pub const MAX_LEN: usize = 32;

/// Why a registration is refused; each has a stable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// Not a name by the rules above.
    #[error("{0}")]
    Invalid(String),
    /// The signature does not recover to the solver named.
    #[error("the registration is not signed by {solver}: {why}")]
    BadSignature {
        /// Who it names.
        solver: Address,
        /// What the signature recovers to, or why it does not.
        why: String,
    },
    /// The same or a later nonce is already recorded.
    #[error("a registration with nonce {have} is recorded for this solver; sign one with a larger nonce")]
    StaleNonce {
        /// The nonce recorded.
        have: u64,
    },
    /// Another solver has this name.
    #[error("the name {name} belongs to solver {owner}")]
    Taken {
        /// The name.
        name: String,
        /// Whose it is.
        owner: Address,
    },
    /// It looks like another solver's name.
    #[error("the name {name} looks like {theirs}, solver {owner}'s name; pick one that reads differently")]
    LookAlike {
        /// The name asked for.
        name: String,
        /// The name it looks like.
        theirs: String,
        /// Whose that is.
        owner: Address,
    },
}

impl crate::Coded for NameError {
    fn code(&self) -> &str {
        match self {
            NameError::Invalid(_) => "name.invalid",
            NameError::BadSignature { .. } => "name.bad_signature",
            NameError::StaleNonce { .. } => "name.stale_nonce",
            NameError::Taken { .. } => "name.taken",
            NameError::LookAlike { .. } => "name.look_alike",
        }
    }
}

/// The name as it is shown and signed: NFKC, trimmed, lower case, and
/// within the rules, or why not.
pub fn normalise(raw: &str) -> Result<String, NameError> {
    let n: String = raw.nfkc().collect::<String>().trim().to_lowercase();
    let len = n.chars().count();
    let invalid = |why: &str| Err(NameError::Invalid(format!("the name {raw:?} {why}")));
    if !(MIN_LEN..=MAX_LEN).contains(&len) {
        return invalid(&format!("has {len} characters; a name has {MIN_LEN} to {MAX_LEN}"));
    }
    if let Some(c) =
        n.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return invalid(&format!("contains {c:?}; a name uses a-z, 0-9 and hyphens"));
    }
    if n.starts_with('-') || n.ends_with('-') || n.contains("--") {
        return invalid("has a hyphen at an end or two in a row; hyphens go between words");
    }
    Ok(n)
}

/// What a name looks like: its skeleton (UTS #39) with case and hyphens
/// folded away, so names that read alike compare equal.
pub fn look(name: &str) -> String {
    // Skeletons map to prototypes of either case ("0" → "O", "l" stays
    // "l"), so fold case on both sides of the mapping.
    let once: String = skeleton(&name.to_lowercase()).collect();
    let twice: String = skeleton(&once.to_lowercase()).collect();
    twice.to_lowercase().replace('-', "")
}

/// Whether `solver` may take `name` (normalised) given every other name
/// in use, as (owner, name): equal to another's is taken, alike is refused.
pub fn check_free<'a>(
    solver: Address,
    name: &str,
    others: impl IntoIterator<Item = (Address, &'a str)>,
) -> Result<(), NameError> {
    let mine = look(name);
    for (owner, theirs) in others {
        if owner == solver {
            continue;
        }
        if theirs == name {
            return Err(NameError::Taken { name: name.into(), owner });
        }
        if look(theirs) == mine {
            return Err(NameError::LookAlike { name: name.into(), theirs: theirs.into(), owner });
        }
    }
    Ok(())
}

impl SolverName {
    /// The EIP-712 digest under the deployment's domain.
    pub fn digest(&self, domain: &Domain) -> B256 {
        self.eip712_signing_hash(&domain.eip712())
    }

    /// Signs as the solver.
    pub fn sign(&self, domain: &Domain, key: &PrivateKeySigner) -> Bytes {
        let sig = key.sign_hash_sync(&self.digest(domain)).expect("signing a digest cannot fail");
        Bytes::from(sig.as_bytes().to_vec())
    }

    /// The registration signed by `solver` itself (and well-formed: the
    /// name already normalised), or why not.
    pub fn verify(&self, domain: &Domain, sig: &[u8]) -> Result<(), NameError> {
        let n = normalise(&self.name)?;
        if n != self.name {
            return Err(NameError::Invalid(format!(
                "the name {:?} is not in its normal form; sign {n:?}",
                self.name
            )));
        }
        let who = crate::signature::recover_bytes(&self.digest(domain), sig)
            .map_err(|e| NameError::BadSignature { solver: self.solver, why: e.to_string() })?;
        if who != self.solver {
            return Err(NameError::BadSignature {
                solver: self.solver,
                why: format!("it recovers to {who}"),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_normalised_and_held_to_the_rules() {
        assert_eq!(normalise("  Engine-5 ").unwrap(), "engine-5");
        // Fullwidth letters are the same name after NFKC.
        assert_eq!(normalise("ｅｎｇｉｎｅ").unwrap(), "engine");
        for bad in
            ["ab", "a b c", "-lead", "trail-", "two--hyphens", "solvér", "раураl", &"x".repeat(33)]
        {
            let e = normalise(bad).unwrap_err();
            assert!(matches!(e, NameError::Invalid(_)), "{bad}: {e}");
        }
    }

    #[test]
    fn look_alikes_are_refused_and_different_names_are_not() {
        let optimal = Address::repeat_byte(1);
        let others = [(optimal, "solver-optimal")];
        let me = Address::repeat_byte(2);
        for alike in [
            "s0lver-optimal",
            "so1ver-optimal",
            "solver-optirnal",
            "solveroptimal",
            "solver-0ptimal",
        ] {
            let e = check_free(me, alike, others).unwrap_err();
            assert!(matches!(e, NameError::LookAlike { .. }), "{alike}: {e}");
        }
        assert!(matches!(
            check_free(me, "solver-optimal", others),
            Err(NameError::Taken { owner, .. }) if owner == optimal
        ));
        // Its own name is no clash; a different one is free.
        assert!(check_free(optimal, "solver-optimal", others).is_ok());
        assert!(check_free(me, "solver-greedy", others).is_ok());
    }

    #[test]
    fn only_the_solver_named_can_sign_its_name() {
        let d = Domain { chain_id: 31337, settlement: Address::repeat_byte(1) };
        let k = PrivateKeySigner::from_bytes(&B256::repeat_byte(7)).unwrap();
        let m = SolverName { solver: k.address(), name: "engine-5".into(), nonce: 1 };
        m.verify(&d, &m.sign(&d, &k)).unwrap();
        let other = PrivateKeySigner::from_bytes(&B256::repeat_byte(8)).unwrap();
        assert!(matches!(m.verify(&d, &m.sign(&d, &other)), Err(NameError::BadSignature { .. })));
        // A signature over another name, nonce or domain is no good here.
        let sig = m.sign(&d, &k);
        let renamed = SolverName { name: "engine-6".into(), ..m.clone() };
        assert!(renamed.verify(&d, &sig).is_err());
        let later = SolverName { nonce: 2, ..m.clone() };
        assert!(later.verify(&d, &sig).is_err());
        let elsewhere = Domain { chain_id: d.chain_id + 1, ..d };
        assert!(m.verify(&elsewhere, &sig).is_err());
        // Not in normal form: refused before any signature is checked.
        let upper = SolverName { name: "Engine-5".into(), ..m };
        assert!(matches!(upper.verify(&d, &sig), Err(NameError::Invalid(_))));
    }
}
