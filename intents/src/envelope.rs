//! Signed bus messages. Every message the auctioneer or a solver sends —
//! over NATS, the in-process bus or the node's event stream — travels in an
//! [`Envelope`]: the subject, the JSON body as exact bytes, the sender's
//! address and its signature over the EIP-712 digest of
//! `BusMessage { subject, keccak256(body) }` under the deployment's domain
//! ([`bus_digest`]). Binding the subject stops a message signed for one
//! auction or kind being replayed as another; binding the domain stops a
//! sibling deployment's (same chain, same keys) being replayed here.
//! Receivers call [`Envelope::open`] with their own domain and who may send
//! it; the bus drops an envelope whose subject is not the one it arrived on.
//!
//! Commitments and reveals carry a second signature of their own, bound to
//! one round ([`RoundBinding`]): they travel over HTTP too, where no
//! envelope wraps them.
//!
//! Subjects: `stakebid.auctions.<id>.<kind>`, kinds in [`Kind`].

use alloy::primitives::{Address, Bytes, B256};
use alloy::signers::local::PrivateKeySigner;
use alloy::signers::SignerSync;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::IntentError;
use crate::intent::{Domain, Intent};
use crate::protocol::{bus_digest, commitment, salt, AuctionOpen, Award, Bid, RoundBinding};
use crate::signature::recover_bytes;

/// What a message is; the last token of its subject.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Auctioneer → all: a round opens ([`OpenMsg`]).
    Open,
    /// Auctioneer → all: the commit deadline passed, reveal now ([`PhaseMsg`]).
    Revealing,
    /// Solver → auctioneer: a sealed commitment ([`CommitMsg`]).
    Commitment,
    /// Solver → auctioneer: bid and salt ([`RevealMsg`]).
    Reveal,
    /// Auctioneer → all: one signed award ([`AwardMsg`]).
    Award,
    /// Auctioneer → all: the round is scored; outcome on the API ([`PhaseMsg`]).
    Closed,
}

impl Kind {
    /// All kinds.
    pub const ALL: [Kind; 6] =
        [Kind::Open, Kind::Revealing, Kind::Commitment, Kind::Reveal, Kind::Award, Kind::Closed];

    /// The subject token.
    pub fn token(self) -> &'static str {
        match self {
            Kind::Open => "open",
            Kind::Revealing => "revealing",
            Kind::Commitment => "commitment",
            Kind::Reveal => "reveal",
            Kind::Award => "award",
            Kind::Closed => "closed",
        }
    }

    /// Whether the auctioneer (not a solver) sends it.
    pub fn from_auctioneer(self) -> bool {
        !matches!(self, Kind::Commitment | Kind::Reveal)
    }
}

/// `stakebid.auctions.<auction>.<kind>`: an announcement's subject.
pub fn subject(auction: u64, kind: Kind) -> String {
    format!("stakebid.auctions.{auction}.{}", kind.token())
}

/// `stakebid.auctions.<auction>.<kind>.<solver>`: a solver's commitment or
/// reveal carries its sender in the subject (lowercase hex), so NATS can
/// give each solver permission to publish on its own subjects only.
pub fn solver_subject(auction: u64, kind: Kind, solver: Address) -> String {
    format!("stakebid.auctions.{auction}.{}.{}", kind.token(), solver_token(&solver))
}

fn solver_token(a: &Address) -> String {
    format!("{a:#x}")
}

/// Subscription pattern for one kind in every auction (and, for solver
/// messages, from every solver).
pub fn pattern(kind: Kind) -> String {
    if kind.from_auctioneer() {
        format!("stakebid.auctions.*.{}", kind.token())
    } else {
        format!("stakebid.auctions.*.{}.*", kind.token())
    }
}

/// Every announcement and nothing else: what a solver subscribes to (and
/// all its NATS credentials let it read — no other solver's bids).
pub const ANNOUNCEMENTS: &str = "stakebid.auctions.*.*";

/// Parses a subject into (auction, kind); a solver message's subject must
/// name its solver, an announcement's must not.
pub fn parse_subject(s: &str) -> Option<(u64, Kind)> {
    parse_full(s).map(|(id, k, _)| (id, k))
}

fn parse_full(s: &str) -> Option<(u64, Kind, Option<Address>)> {
    let mut t = s.split('.');
    if t.next()? != "stakebid" || t.next()? != "auctions" {
        return None;
    }
    let id = t.next()?.parse().ok()?;
    let tok = t.next()?;
    let kind = Kind::ALL.into_iter().find(|k| k.token() == tok)?;
    let solver = match t.next() {
        None if kind.from_auctioneer() => None,
        Some(a) if !kind.from_auctioneer() => {
            let addr: Address = a.parse().ok()?;
            // One spelling only (lowercase), so one subject per solver.
            if solver_token(&addr) != a {
                return None;
            }
            Some(addr)
        }
        _ => return None,
    };
    if t.next().is_some() {
        return None;
    }
    Some((id, kind, solver))
}

/// Why a message was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EnvelopeError {
    /// The signature does not recover to the named sender.
    #[error("the message's signature does not come from its named sender {0}")]
    BadSignature(Address),
    /// The sender is not allowed to send this message.
    #[error("{0} may not send this message")]
    UnexpectedSender(Address),
    /// The subject is not a stakebid subject.
    #[error("unknown subject {0:?}")]
    Subject(String),
    /// The body does not parse.
    #[error("the message body is malformed: {0}")]
    Malformed(String),
}

impl crate::Coded for EnvelopeError {
    fn code(&self) -> &str {
        match self {
            EnvelopeError::BadSignature(_) => "bus.bad_signature",
            EnvelopeError::UnexpectedSender(_) => "bus.unexpected_sender",
            EnvelopeError::Subject(_) => "bus.bad_subject",
            EnvelopeError::Malformed(_) => "bus.malformed",
        }
    }
}

/// A signed message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// Where it was published.
    pub subject: String,
    /// The JSON body, as signed.
    pub body: String,
    /// Who signed it (EIP-55).
    #[serde(with = "crate::encoding::checksummed")]
    pub sender: Address,
    /// r ‖ s ‖ v over [`Envelope::digest`].
    pub signature: Bytes,
}

impl Envelope {
    /// The digest a sender signs ([`bus_digest`]).
    pub fn digest(domain: &Domain, subject: &str, body: &str) -> B256 {
        bus_digest(domain, subject, body.as_bytes())
    }

    /// Signs `body` for `subject` in `domain`'s deployment.
    pub fn seal<T: Serialize>(
        domain: &Domain,
        subject: String,
        body: &T,
        key: &PrivateKeySigner,
    ) -> Envelope {
        let body = serde_json::to_string(body).expect("bus bodies serialize");
        let sig = key
            .sign_hash_sync(&Envelope::digest(domain, &subject, &body))
            .expect("signing a digest cannot fail");
        Envelope { subject, body, sender: key.address(), signature: sig.as_bytes().into() }
    }

    /// The (auction, kind) of its subject; a solver message's subject must
    /// name its sender.
    pub fn kind(&self) -> Result<(u64, Kind), EnvelopeError> {
        match parse_full(&self.subject) {
            Some((id, k, None)) => Ok((id, k)),
            Some((id, k, Some(s))) if s == self.sender => Ok((id, k)),
            _ => Err(EnvelopeError::Subject(self.subject.clone())),
        }
    }

    /// Checks the signature for `domain` (the receiver's own deployment)
    /// and that `allowed` accepts the sender, then parses the body.
    pub fn open<T: DeserializeOwned>(
        &self,
        domain: &Domain,
        allowed: impl Fn(&Address) -> bool,
    ) -> Result<T, EnvelopeError> {
        let digest = Envelope::digest(domain, &self.subject, &self.body);
        let who = recover_bytes(&digest, &self.signature)
            .map_err(|_| EnvelopeError::BadSignature(self.sender))?;
        if who != self.sender {
            return Err(EnvelopeError::BadSignature(self.sender));
        }
        if !allowed(&self.sender) {
            return Err(EnvelopeError::UnexpectedSender(self.sender));
        }
        serde_json::from_str(&self.body).map_err(|e| EnvelopeError::Malformed(e.to_string()))
    }
}

/// A round opens: the announcement, the intents (in `open.intentIds`
/// order) and where to fetch the market whose hash it names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenMsg {
    /// The round.
    pub open: AuctionOpen,
    /// The batch's intents; each hashes (EIP-712, `domain`) to its id.
    #[serde(with = "crate::encoding::intent_json::vec")]
    pub intents: Vec<Intent>,
    /// Chain and Settlement the intents are signed for.
    pub domain: Domain,
    /// `GET` it for the market JSON (`{ hash, market }`).
    pub market_url: String,
    /// The leader lease's epoch of the node that sent it (0 for a node on
    /// its own store). A solver ignores a message from an epoch older than
    /// one it has seen: a deposed leader's announcements are stale.
    #[serde(default)]
    pub epoch: u64,
}

impl OpenMsg {
    /// Whether every intent hashes to the id announced for it.
    pub fn intents_match(&self) -> bool {
        self.intents.len() == self.open.intentIds.len()
            && self
                .intents
                .iter()
                .zip(&self.open.intentIds)
                .all(|(i, id)| i.id(&self.domain).0 == *id)
    }
}

/// A phase change of one auction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhaseMsg {
    /// The auction.
    pub auction: u64,
    /// `AuctionOpen::hash` of the round it belongs to: a solver reveals only
    /// bids it sealed for that very round (ids repeat after a store reset).
    #[serde(default)]
    pub round: B256,
    /// The leader lease's epoch of the node that sent it (0 for a node on
    /// its own store). A solver ignores a message from an epoch older than
    /// one it has seen: a deposed leader's announcements are stale.
    #[serde(default)]
    pub epoch: u64,
}

/// A sealed commitment: only the hash, signed by the solver's key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitMsg {
    /// The auction.
    pub auction: u64,
    /// The registered solver.
    #[serde(with = "crate::encoding::checksummed")]
    pub solver: Address,
    /// keccak256(abi.encode(chainId, auctionId, solver, keccak256(abi.encode(bid)), salt)).
    pub commitment: B256,
    /// The solver's signature over [`RoundBinding::commit_digest`] (65 bytes).
    pub signature: Bytes,
}

impl CommitMsg {
    /// `key`'s sealed commitment to `bid` in the round `at` (salt from
    /// [`salt`]). Returns the message and the salt its reveal needs.
    pub fn seal(at: &RoundBinding, bid: &Bid, key: &PrivateKeySigner) -> (CommitMsg, B256) {
        let salt = salt(key, bid);
        let h = commitment(at.domain.chain_id, bid.auctionId, key.address(), bid.hash(), salt);
        let sig = key
            .sign_hash_sync(&at.commit_digest(key.address(), h))
            .expect("signing a digest cannot fail");
        let m = CommitMsg {
            auction: bid.auctionId,
            solver: key.address(),
            commitment: h,
            signature: sig.as_bytes().into(),
        };
        (m, salt)
    }

    /// Checks that `solver` signed `commitment` for the round `at` (65
    /// bytes, low-s). `at` is the receiver's: its domain and its round.
    pub fn verify(&self, at: &RoundBinding) -> Result<Verified<CommitMsg>, IntentError> {
        if self.auction != at.auction {
            return Err(IntentError::WrongSigner { signer: Address::ZERO, owner: self.solver });
        }
        let who = recover_bytes(&at.commit_digest(self.solver, self.commitment), &self.signature)?;
        if who != self.solver {
            return Err(IntentError::WrongSigner { signer: who, owner: self.solver });
        }
        Ok(Verified { msg: self.clone(), commitment: self.commitment })
    }
}

/// A commitment or reveal whose solver's signature has been checked: only
/// `verify` makes one, so whatever takes a `Verified` (the round) never
/// checks twice and can never be handed an unchecked message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified<T> {
    msg: T,
    commitment: B256,
}

impl<T> Verified<T> {
    /// The message.
    pub fn msg(&self) -> &T {
        &self.msg
    }

    /// The commitment it makes or opens.
    pub fn commitment(&self) -> B256 {
        self.commitment
    }
}

/// A reveal: the bid, the salt of its commitment, and the solver's
/// signature over [`RoundBinding::reveal_digest`] of that commitment — so
/// nobody but the bid's solver can send one, whatever path it takes (HTTP
/// or the bus), and only into the round it was made for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevealMsg {
    /// The bid.
    pub bid: Bid,
    /// The salt.
    pub salt: B256,
    /// `bid.solver`'s signature over [`RoundBinding::reveal_digest`] (65 bytes).
    pub signature: Bytes,
}

impl RevealMsg {
    /// `key` opens its commitment to `bid` with `salt` in the round `at`.
    pub fn seal(at: &RoundBinding, bid: Bid, salt: B256, key: &PrivateKeySigner) -> RevealMsg {
        let h = commitment(at.domain.chain_id, bid.auctionId, bid.solver, bid.hash(), salt);
        let sig = key
            .sign_hash_sync(&at.reveal_digest(bid.solver, h))
            .expect("signing a digest cannot fail");
        RevealMsg { bid, salt, signature: sig.as_bytes().into() }
    }

    /// The commitment this reveal opens.
    pub fn commitment(&self, chain_id: u64) -> B256 {
        commitment(chain_id, self.bid.auctionId, self.bid.solver, self.bid.hash(), self.salt)
    }

    /// Checks that `bid.solver` signed this reveal for the round `at`.
    pub fn verify(&self, at: &RoundBinding) -> Result<Verified<RevealMsg>, IntentError> {
        if self.bid.auctionId != at.auction {
            return Err(IntentError::WrongSigner { signer: Address::ZERO, owner: self.bid.solver });
        }
        let h = self.commitment(at.domain.chain_id);
        let who = recover_bytes(&at.reveal_digest(self.bid.solver, h), &self.signature)?;
        if who != self.bid.solver {
            return Err(IntentError::WrongSigner { signer: who, owner: self.bid.solver });
        }
        Ok(Verified { msg: self.clone(), commitment: h })
    }
}

/// One award, signed by the auctioneer (EIP-712, checked on-chain).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwardMsg {
    /// The award.
    pub award: Award,
    /// The auctioneer's signature over its EIP-712 digest.
    pub signature: Bytes,
    /// The leader lease's epoch of the node that sent it (0 for a node on
    /// its own store). A solver ignores a message from an epoch older than
    /// one it has seen: a deposed leader's announcements are stale.
    #[serde(default)]
    pub epoch: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Cancellation;
    use crate::Coded;
    use alloy::primitives::keccak256;

    fn key(b: u8) -> PrivateKeySigner {
        PrivateKeySigner::from_bytes(&B256::repeat_byte(b)).unwrap()
    }

    const D: Domain = Domain { chain_id: 31337, settlement: Address::repeat_byte(1) };
    /// A sibling deployment on the same chain.
    const SIBLING: Domain = Domain { chain_id: 31337, settlement: Address::repeat_byte(2) };

    fn open(auction: u64, commit_deadline: u64) -> AuctionOpen {
        AuctionOpen {
            version: 1,
            auctionId: auction,
            marketHash: B256::repeat_byte(4),
            generatorVersion: 1,
            seed: B256::ZERO,
            scenarioCount: 8,
            commitDeadline: commit_deadline,
            revealDeadline: commit_deadline + 2,
            intentIds: vec![],
        }
    }

    #[test]
    fn sealed_messages_open_only_for_their_sender_subject_and_deployment() {
        let k = key(3);
        let phase = PhaseMsg { auction: 7, round: B256::ZERO, epoch: 0 };
        let env = Envelope::seal(&D, subject(7, Kind::Revealing), &phase, &k);
        assert_eq!(env.kind().unwrap(), (7, Kind::Revealing));
        let m: PhaseMsg = env.open(&D, |a| *a == k.address()).unwrap();
        assert_eq!(m.auction, 7);
        assert_eq!(
            env.open::<PhaseMsg>(&D, |_| false).unwrap_err(),
            EnvelopeError::UnexpectedSender(k.address())
        );
        // A sibling deployment's receiver: refused.
        assert_eq!(
            env.open::<PhaseMsg>(&SIBLING, |_| true).unwrap_err().code(),
            "bus.bad_signature"
        );
        // Replayed under another subject, or with another body: refused.
        let mut moved = env.clone();
        moved.subject = subject(8, Kind::Revealing);
        assert_eq!(moved.open::<PhaseMsg>(&D, |_| true).unwrap_err().code(), "bus.bad_signature");
        let mut edited = env.clone();
        edited.body = r#"{"auction":8}"#.into();
        assert_eq!(edited.open::<PhaseMsg>(&D, |_| true).unwrap_err().code(), "bus.bad_signature");
        // Claiming another sender: refused.
        let mut claimed = env;
        claimed.sender = key(4).address();
        assert_eq!(claimed.open::<PhaseMsg>(&D, |_| true).unwrap_err().code(), "bus.bad_signature");
    }

    #[test]
    fn only_the_bids_solver_can_sign_its_reveal_or_commitment() {
        let k = key(5);
        let at = RoundBinding::of(D, &open(3, 100));
        let bid = Bid { auctionId: 3, solver: k.address(), plans: vec![] };
        let (c, salt) = CommitMsg::seal(&at, &bid, &k);
        c.verify(&at).unwrap();
        let r = RevealMsg::seal(&at, bid.clone(), salt, &k);
        assert_eq!(r.verify(&at).unwrap().commitment(), c.commitment);
        // Another key, or the commitment's own signature reused as the
        // reveal's (and back): refused.
        let forged = RevealMsg::seal(&at, bid.clone(), salt, &key(6));
        assert_eq!(forged.verify(&at).unwrap_err().code(), "intent.wrong_signer");
        let reused = RevealMsg { signature: c.signature.clone(), ..r.clone() };
        assert!(reused.verify(&at).is_err());
        let back = CommitMsg { signature: r.signature.clone(), ..c.clone() };
        assert!(back.verify(&at).is_err());
        let unsigned = RevealMsg { signature: Bytes::new(), ..r.clone() };
        assert_eq!(unsigned.verify(&at).unwrap_err().code(), "intent.bad_signature");
        let mut other = c.clone();
        other.solver = key(6).address();
        assert!(other.verify(&at).is_err());
        // Claimed for another auction id than the round's: refused.
        let mut moved = c;
        moved.auction = 4;
        assert!(moved.verify(&at).is_err());
    }

    /// The attack of issue 28: any signature the solver ever made over any
    /// 32-byte digest, posted as its commitment. None of them recovers to
    /// the solver under the round's binding.
    #[test]
    fn a_solvers_signature_for_any_other_purpose_is_no_commitment_or_reveal() {
        let k = key(5);
        let round = open(3, 100);
        let at = RoundBinding::of(D, &round);
        let bid = Bid { auctionId: 3, solver: k.address(), plans: vec![] };
        // Stand-in for the signing hash of its bond() transaction: an
        // arbitrary digest it signed, posted with that digest as the commitment.
        let tx_hash = keccak256(b"bond() transaction signing hash");
        let tx_sig = k.sign_hash_sync(&tx_hash).unwrap();
        let posted = CommitMsg {
            auction: 3,
            solver: k.address(),
            commitment: tx_hash,
            signature: tx_sig.as_bytes().into(),
        };
        assert_eq!(posted.verify(&at).unwrap_err().code(), "intent.wrong_signer");
        // Its cancellation-style EIP-712 signature under the same domain.
        let c = Cancellation { intentId: tx_hash };
        let sig = c.sign(&D, &k);
        let posted =
            CommitMsg { signature: sig.as_bytes().into(), commitment: c.digest(&D), ..posted };
        assert!(posted.verify(&at).is_err());
        // A genuine commitment of the same auction id in an earlier round
        // (a store reset: same id, other deadlines), or a sibling deployment's.
        let earlier = RoundBinding::of(D, &open(3, 40));
        let (old, salt) = CommitMsg::seal(&earlier, &bid, &k);
        assert!(old.verify(&at).is_err());
        assert!(RevealMsg::seal(&earlier, bid.clone(), salt, &k).verify(&at).is_err());
        let sibling = RoundBinding::of(SIBLING, &round);
        let (theirs, salt) = CommitMsg::seal(&sibling, &bid, &k);
        assert!(theirs.verify(&at).is_err());
        assert!(RevealMsg::seal(&sibling, bid.clone(), salt, &k).verify(&at).is_err());
        // A bus envelope's signature over the same digest: different purpose.
        let env = Envelope::seal(&D, subject(3, Kind::Commitment), &old, &k);
        let posted = CommitMsg { signature: env.signature, ..old };
        assert!(posted.verify(&at).is_err());
    }

    #[test]
    fn subjects_round_trip_and_foreign_ones_are_refused() {
        let solver = key(5).address();
        for k in Kind::ALL {
            let s =
                if k.from_auctioneer() { subject(42, k) } else { solver_subject(42, k, solver) };
            assert_eq!(parse_subject(&s), Some((42, k)), "{s}");
        }
        let checksummed = format!("stakebid.auctions.1.reveal.{solver}");
        for bad in [
            "stakebid.auctions.x.open",
            "other.auctions.1.open",
            "stakebid.auctions.1.open.x",
            "stakebid.auctions.1.commitment",
            "stakebid.auctions.1.commitment.0x12",
            checksummed.as_str(),
        ] {
            assert_eq!(parse_subject(bad), None, "{bad}");
        }
        // A solver message on another solver's subject: refused.
        let c = CommitMsg { auction: 1, solver, commitment: B256::ZERO, signature: Bytes::new() };
        let other = key(6);
        let env = Envelope::seal(&D, solver_subject(1, Kind::Commitment, solver), &c, &other);
        assert_eq!(env.kind().unwrap_err().code(), "bus.bad_subject");
        let own = Envelope::seal(&D, solver_subject(1, Kind::Commitment, solver), &c, &key(5));
        assert_eq!(own.kind().unwrap(), (1, Kind::Commitment));
    }
}
