//! `sonar`: thin on purpose. Parse the command line, start logging, run, and turn an error
//! into one sentence on stderr with exit code 1 (clap exits 2 for bad usage itself).

use std::process::ExitCode;

use clap::Parser;
use sonar_custody::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    sonar_custody::logging::init();
    match sonar_custody::commands::run(cli) {
        Ok(code) => ExitCode::from(code),
        // A reader that stops early (`sonar list | head`) is not a failure.
        Err(err)
            if err.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(err) => {
            tracing::warn!("command failed");
            // An error can carry text from outside (a bundle's key id, a typed custody number,
            // a file's contents): on one line, with nothing a terminal would act on.
            eprintln!(
                "sonar: {}",
                sonar_custody::domain::text::printable_line(&first_sentence(&err))
            );
            ExitCode::from(1)
        }
    }
}

/// The error and its causes joined into one line (anyhow's chain, without a backtrace).
fn first_sentence(err: &anyhow::Error) -> String {
    let mut text = err.to_string();
    for cause in err.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}
