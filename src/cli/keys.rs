//! Where the node's keys come from, and the one rule about them: a key
//! anyone can look up (the devnet auctioneer key, anvil's default
//! accounts) is for a devnet chain only. On any other chain id the node
//! refuses to start with one, naming the flag, file option and environment
//! variable that give it a real key. Keys come from a file or the
//! environment, so they need not sit in a shell history or `ps` output.

use alloy::primitives::Address;
use alloy::signers::local::PrivateKeySigner;
use std::path::Path;

use super::CliError;

/// anvil's first well-known development key (never use it with real funds).
pub(crate) const DEV_KEY: &str =
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

/// The auctioneer's key on the local devnet (a constant: dev only).
pub(crate) const DEV_AUCTIONEER_KEY: &str =
    "0xa0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0";

/// The executor's key on the local devnet (a constant: dev only). Its own
/// key: the Settlement refuses an executor that is also its admin or
/// auctioneer.
pub(crate) const DEV_EXECUTOR_KEY: &str =
    "0xe0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0";

/// Parses a hex private key (surrounding whitespace, as in a key file, is ignored).
pub(crate) fn parse_key(key: &str) -> Result<PrivateKeySigner, CliError> {
    key.trim()
        .parse::<PrivateKeySigner>()
        .map_err(|e| CliError::new("cli.bad_key", format!("the private key is not valid: {e}")))
}

/// Chain ids that are local devnets (anvil, hardhat / ganache).
pub(crate) const DEVNET_CHAIN_IDS: [u64; 2] = [31337, 1337];

/// The addresses of anvil's ten default accounts (its default mnemonic).
const ANVIL: [&str; 10] = [
    "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
    "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
    "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
    "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
    "0x976EA74026E726554dB657fA54763abd0C3a0aa9",
    "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955",
    "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f",
    "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720",
];

/// Whether `a` belongs to a key published with the tooling: anvil's
/// defaults or stakebid's devnet auctioneer.
fn published(a: &Address) -> bool {
    let dev = [DEV_AUCTIONEER_KEY, DEV_EXECUTOR_KEY];
    dev.iter().any(|k| parse_key(k).is_ok_and(|k| k.address() == *a))
        || (0..16u8).any(|n| dev_solver_key(n).address() == *a)
        || ANVIL.iter().any(|p| stakebid_intents::address::parse(p).ok().as_ref() == Some(a))
}

/// The node's own solvers (`--demo-solvers`, `--run-solvers`) sign with
/// published keys: on a chain that is not a devnet anyone could bid as
/// them or drain what the executor funds them with, so the node refuses.
pub(crate) fn refuse_dev_solvers(chain_id: u64, wanted: bool) -> Result<(), CliError> {
    if wanted && !DEVNET_CHAIN_IDS.contains(&chain_id) {
        return Err(CliError::new(
            "node.dev_key_refused",
            format!(
                "--demo-solvers / --run-solvers bid with published development keys and chain \
                 {chain_id} is not a devnet ({DEVNET_CHAIN_IDS:?}): anyone could bid as them or \
                 drain their funding; run `stakebid solver run` with your own key instead"
            ),
        ));
    }
    Ok(())
}

/// One key the node needs: its role and the three ways to give it.
pub(crate) struct Role {
    /// What it does, for messages ("auctioneer", "executor").
    pub(crate) name: &'static str,
    /// The command-line flag taking the key itself.
    pub(crate) flag: &'static str,
    /// The command-line flag taking a file that holds the key.
    pub(crate) file_flag: &'static str,
    /// The environment variable taking the key.
    pub(crate) env: &'static str,
    /// The devnet default.
    pub(crate) dev: &'static str,
}

/// The auctioneer: signs announcements and awards.
pub(crate) const AUCTIONEER: Role = Role {
    name: "auctioneer",
    flag: "--auctioneer-key",
    file_flag: "auctioneer-key-file",
    env: "STAKEBID_AUCTIONEER_KEY",
    dev: DEV_AUCTIONEER_KEY,
};

/// The executor: sends `settle` and pays its gas.
pub(crate) const EXECUTOR: Role = Role {
    name: "executor",
    flag: "--executor-key",
    file_flag: "executor-key-file",
    env: "STAKEBID_EXECUTOR_KEY",
    dev: DEV_EXECUTOR_KEY,
};

/// Resolves `role`'s key from the flag or environment (`value`, clap merges
/// both) or a file, falling back to the devnet default on a devnet chain
/// only; refuses a published key on any other chain.
pub(crate) fn resolve(
    role: &Role,
    value: Option<&str>,
    file: Option<&Path>,
    chain_id: u64,
) -> Result<PrivateKeySigner, CliError> {
    let devnet = DEVNET_CHAIN_IDS.contains(&chain_id);
    let how = format!(
        "set {} (or --{} FILE, or {}) to a key of your own",
        role.env, role.file_flag, role.flag
    );
    let key = match (value, file) {
        (Some(_), Some(_)) => {
            return Err(CliError::new(
                "node.key_twice",
                format!(
                    "the {} key is given twice: use {} or --{}, not both",
                    role.name, role.flag, role.file_flag
                ),
            ))
        }
        (Some(v), None) => parse_key(v)?,
        (None, Some(p)) => {
            let text = std::fs::read_to_string(p).map_err(|e| {
                CliError::new(
                    "node.key_file",
                    format!("cannot read the {} key from {}: {e}", role.name, p.display()),
                )
            })?;
            parse_key(&text)?
        }
        (None, None) if devnet => parse_key(role.dev)?,
        (None, None) => {
            return Err(CliError::new(
                "node.key_missing",
                format!(
                    "chain {chain_id} is not a devnet and no {} key was given: {how}",
                    role.name
                ),
            ))
        }
    };
    if !devnet && published(&key.address()) {
        return Err(CliError::new(
            "node.dev_key_refused",
            format!(
                "the {} key {} is a published development key and chain {chain_id} is not a devnet \
                 ({DEVNET_CHAIN_IDS:?}): anyone could sign as it; {how}",
                role.name,
                key.address()
            ),
        ));
    }
    Ok(key)
}

/// The n-th dev solver key (constant, dev only): 0x1010…, 0x1111…, 0x1212…
pub(crate) fn dev_solver_key(n: u8) -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&alloy::primitives::B256::repeat_byte(0x10 + n))
        .expect("a constant valid key")
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROLE: Role = AUCTIONEER;

    #[test]
    fn the_published_list_is_well_formed_and_holds_the_dev_keys() {
        for p in ANVIL {
            stakebid_intents::address::parse(p).expect("a checksummed address");
        }
        assert!(published(&parse_key(DEV_KEY).unwrap().address()));
        assert!(published(&parse_key(DEV_AUCTIONEER_KEY).unwrap().address()));
    }

    #[test]
    fn dev_keys_only_on_a_devnet() {
        assert!(resolve(&ROLE, None, None, 31337).is_ok());
        assert_eq!(resolve(&ROLE, None, None, 1).unwrap_err().code, "node.key_missing");
        let e = resolve(&ROLE, Some(DEV_KEY), None, 1).unwrap_err();
        assert_eq!(e.code, "node.dev_key_refused");
        assert!(e.message.contains("STAKEBID_AUCTIONEER_KEY"), "{}", e.message);
        let own = format!("0x{}", "42".repeat(32));
        assert!(resolve(&ROLE, Some(&own), None, 1).is_ok());
        let dir = std::env::temp_dir().join(format!("stakebid-key-{}", std::process::id()));
        std::fs::write(&dir, format!("{own}\n")).unwrap();
        let k = resolve(&ROLE, None, Some(&dir), 1).unwrap();
        assert_eq!(k.address(), parse_key(&own).unwrap().address());
        std::fs::remove_file(&dir).unwrap();
    }
}
