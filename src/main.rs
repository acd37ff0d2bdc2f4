use clap::Parser;
use promolint::cli::Cli;
use promolint::cmd;

// Parsing thousands of pages allocates and frees millions of small AST nodes and strings from two
// threads; mimalloc does that markedly faster than the system allocator (bench/handbook.sh).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
