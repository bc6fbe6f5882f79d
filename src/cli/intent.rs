//! `stakebid intent …`: example, sign, verify.

use alloy::primitives::{Address, Bytes, U256};
use clap::{Args, Subcommand};
use std::path::PathBuf;

use super::keys::{parse_key, DEV_KEY};
use super::{parse_eth, parse_json, print_json, read, CliError};
use stakebid_intents::batch::Profile;
use stakebid_intents::{accept, signature, Domain, Intent, Policy, NATIVE_ETH};

/// The devnet Settlement address (`Domain::DEV`).
pub(crate) const DEV_SETTLEMENT: Address = Domain::DEV.settlement;
/// anvil's chain id (`Domain::DEV`).
pub(crate) const DEV_CHAIN_ID: u64 = Domain::DEV.chain_id;

#[derive(Subcommand, Debug)]
pub(crate) enum IntentCmd {
    /// Print an example intent as the typed-data JSON `eth_signTypedData_v4` takes.
    Example(ExampleArgs),
    /// Sign typed-data JSON with a local key; prints the 65-byte signature.
    Sign {
        /// The typed-data JSON file (`-` for stdin).
        #[arg(long)]
        typed_data: PathBuf,
        /// Hex private key (default: anvil's first development key).
        #[arg(long, default_value = DEV_KEY)]
        key: String,
    },
    /// Verify a signed intent: exits 0 and prints signer and intent id when valid.
    Verify(VerifyArgs),
    /// A new intent from a risk profile, as typed data for an external wallet to sign.
    New {
        #[command(flatten)]
        conn: super::staker::Conn,
        #[command(flatten)]
        what: super::staker::NewArgs,
    },
    /// What the node's reference strategy would do with an intent (no signature needed).
    Quote {
        #[command(flatten)]
        conn: super::staker::Conn,
        #[command(flatten)]
        what: super::staker::NewArgs,
    },
    /// Fund (escrow ETH or approve a token), sign with --key (or attach a
    /// wallet's --signature for --typed-data), and submit; --wait follows it to settlement.
    Submit {
        #[command(flatten)]
        conn: super::staker::Conn,
        #[command(flatten)]
        what: super::staker::NewArgs,
        /// Typed data a wallet signed (with --signature).
        #[arg(long, requires = "signature")]
        typed_data: Option<PathBuf>,
        /// The wallet's 65-byte signature over --typed-data.
        #[arg(long)]
        signature: Option<String>,
        /// Wait until it settles, expires or is cancelled.
        #[arg(long)]
        wait: bool,
    },
    /// An intent's status and history.
    Status {
        #[command(flatten)]
        conn: super::staker::Conn,
        /// The intent id.
        #[arg(long)]
        id: String,
        /// Wait until it is final.
        #[arg(long)]
        wait: bool,
    },
    /// Cancel a pending intent (signed by its owner's --key); --on-chain also invalidates its nonce.
    Cancel {
        #[command(flatten)]
        conn: super::staker::Conn,
        /// The intent id.
        #[arg(long)]
        id: String,
        /// Also invalidate the nonce in the Settlement contract.
        #[arg(long)]
        on_chain: bool,
    },
}

#[derive(Args, Debug)]
pub(crate) struct ExampleArgs {
    /// Chain id of the domain.
    #[arg(long, default_value_t = DEV_CHAIN_ID)]
    chain_id: u64,
    /// Settlement contract (EIP-712 verifyingContract).
    #[arg(long, default_value_t = DEV_SETTLEMENT)]
    settlement: Address,
    /// Owner (default: the address of anvil's first development key).
    #[arg(long)]
    owner: Option<Address>,
    /// Amount in ether (decimal).
    #[arg(long, default_value = "10")]
    amount_eth: String,
    /// Seconds from now to the deadline.
    #[arg(long, default_value_t = 3600)]
    deadline_in: u64,
}

#[derive(Args, Debug)]
pub(crate) struct VerifyArgs {
    /// The typed-data JSON file (`-` for stdin).
    #[arg(long)]
    typed_data: PathBuf,
    /// 0x-prefixed 65-byte signature (r ‖ s ‖ v).
    #[arg(long)]
    signature: String,
    /// Chain the marketplace runs on.
    #[arg(long, default_value_t = DEV_CHAIN_ID)]
    chain_id: u64,
    /// The marketplace's Settlement contract.
    #[arg(long, default_value_t = DEV_SETTLEMENT)]
    settlement: Address,
    /// Unix time to validate the deadline against (default: now).
    #[arg(long)]
    now: Option<u64>,
}

pub(crate) use stakebid_node::clock::unix_now as now;

pub(crate) fn run(cmd: IntentCmd) -> Result<(), CliError> {
    match cmd {
        IntentCmd::Example(a) => {
            let owner = match a.owner {
                Some(o) => o,
                None => parse_key(DEV_KEY)?.address(),
            };
            let intent = Profile::Balanced.intent(
                owner,
                NATIVE_ETH,
                parse_eth(&a.amount_eth)?,
                U256::from(now()) << 8,
                now() + a.deadline_in,
            );
            let domain = Domain { chain_id: a.chain_id, settlement: a.settlement };
            print_json(&intent.typed_data(&domain));
            Ok(())
        }
        IntentCmd::Sign { typed_data, key } => {
            let v: serde_json::Value = parse_json(&read(&typed_data)?, "the typed data")?;
            let (intent, domain) = Intent::from_typed_data(&v)?;
            let sig = signature::sign(&intent, &domain, &parse_key(&key)?);
            println!("{}", Bytes::from(sig.as_bytes()));
            Ok(())
        }
        IntentCmd::New { conn, what } => super::staker::new(conn, what),
        IntentCmd::Quote { conn, what } => super::staker::quote(conn, what),
        IntentCmd::Submit { conn, what, typed_data, signature, wait } => {
            super::staker::submit(conn, what, typed_data, signature, wait)
        }
        IntentCmd::Status { conn, id, wait } => super::staker::status(conn, id, wait),
        IntentCmd::Cancel { conn, id, on_chain } => super::staker::cancel(conn, id, on_chain),
        IntentCmd::Verify(a) => {
            let v: serde_json::Value = parse_json(&read(&a.typed_data)?, "the typed data")?;
            let raw: Bytes = a.signature.trim().parse().map_err(|_| {
                stakebid_intents::IntentError::BadSignature("it is not 0x-prefixed hex".into())
            })?;
            let policy = Policy::new(Domain { chain_id: a.chain_id, settlement: a.settlement });
            let (signed, id) = accept(&v, &raw, a.now.unwrap_or_else(now), &policy)?;
            print_json(&Verified { intent_id: id, signer: signed.intent.owner, valid: true });
            Ok(())
        }
    }
}

/// `stakebid intent verify`'s answer.
#[derive(serde::Serialize)]
struct Verified {
    intent_id: stakebid_intents::IntentId,
    #[serde(with = "stakebid_intents::encoding::checksummed")]
    signer: alloy::primitives::Address,
    valid: bool,
}
