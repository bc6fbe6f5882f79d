//! The `stakebid` command: every user-facing entry point of the marketplace.

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // A stable code and a sentence on stdout for scripts, the sentence on stderr for people.
            println!("{}", serde_json::json!({ "code": e.code, "message": e.message }));
            eprintln!("error[{}]: {}", e.code, e.message);
            ExitCode::from(e.exit)
        }
    }
}
