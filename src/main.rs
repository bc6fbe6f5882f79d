//! The `stakebid` command: every user-facing entry point of the marketplace.

mod cli;

/// mimalloc instead of glibc's malloc: the node's store lanes decode
/// records that tokio's workers free, a cross-thread free glibc serves
/// under an arena lock (docs/benchmarks.md).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // `stakebid … | head` closes stdout early; Rust's print macros then
    // panic. A closed pipe is the reader's choice, not an error: exit quietly.
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if msg.contains("failed printing to stdout") && msg.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
    let args = cli::Cli::parse();
    args.init_logs();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // The sentence on stderr for people; the code and sentence as
            // JSON on stdout for scripts, only when stdout is not the
            // person's terminal (so a person reads the error once).
            if !std::io::IsTerminal::is_terminal(&std::io::stdout()) {
                let body =
                    stakebid_wire::ErrorBody { code: e.code.clone(), message: e.message.clone() };
                println!("{}", serde_json::to_string(&body).unwrap_or_default());
            }
            eprintln!("error[{}]: {}", e.code, e.message);
            ExitCode::from(e.exit)
        }
    }
}
