use clap::Parser;
use promolint::cli::Cli;
use promolint::cmd;

fn main() {
    let cli = Cli::parse();
    let code = match cmd::run(cli.command) {
        Ok(code) => code,
        Err(report) => {
            eprintln!("{report:?}");
            cmd::EXIT_ERROR
        }
    };
    std::process::exit(code);
}
