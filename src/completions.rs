//! Shell completions and the man page, generated from the clap definition so they never drift
//! from the real flags. Both take the `clap::Command` as an argument; the CLI passes
//! `Cli::command()`.

use clap::Command;
use clap_complete::Shell;
use std::io::{self, Write};

/// Writes the completion script for `shell` to `out`, for the binary named `cmd.get_name()`.
pub fn write_completions(shell: Shell, cmd: &mut Command, out: &mut dyn Write) {
    let name = cmd.get_name().to_string();
    clap_complete::generate(shell, cmd, name, out);
}

/// Writes the roff man page for `cmd` (section 1) to `out`.
pub fn write_man_page(cmd: &Command, out: &mut dyn Write) -> io::Result<()> {
    clap_mangen::Man::new(cmd.clone()).render(out)
}

/// Where each shell looks for a user's completion file, relative to the home directory, as the
/// README tells users to install them.
pub fn user_completion_path(shell: Shell, bin: &str) -> Option<String> {
    match shell {
        Shell::Bash => Some(format!(".local/share/bash-completion/completions/{bin}")),
        Shell::Zsh => Some(format!(".zfunc/_{bin}")),
        Shell::Fish => Some(format!(".config/fish/completions/{bin}.fish")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{Arg, ArgAction};

    fn demo() -> Command {
        Command::new("promolint").about("lints promotion documents").subcommand(
            Command::new("check")
                .about("lint files")
                .arg(Arg::new("changed").long("changed").action(ArgAction::SetTrue))
                .arg(Arg::new("shard").long("shard").value_name("I/N")),
        )
    }

    #[test]
    fn completions_name_the_subcommands_and_flags() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let mut out = Vec::new();
            write_completions(shell, &mut demo(), &mut out);
            let text = String::from_utf8(out).unwrap();
            assert!(text.contains("check"), "{shell}: {text}");
            assert!(text.contains("changed"), "{shell}: {text}");
            assert!(text.contains("shard"), "{shell}: {text}");
        }
    }

    #[test]
    fn man_page_is_roff_with_the_flags() {
        let mut out = Vec::new();
        write_man_page(&demo(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with(".ie"), "{text}");
        assert!(text.contains(".TH promolint 1"), "{text}");
        assert!(text.contains("check"), "{text}");
    }
}
