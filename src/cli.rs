//! Command-line definitions (clap). Behaviour lives in `cmd.rs`.

use crate::report::Format;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "promolint",
    version,
    about = "Lint promotion documents and handbook pages, and review GitLab merge requests that change them"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint files or directories (default: the configured globs from the repository root).
    Check(CheckArgs),
    /// CI mode: review the current merge request and post the review on it.
    Mr(MrArgs),
    /// Write a new document from the rules.
    #[command(subcommand)]
    New(NewCommand),
    /// List, show or validate rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Explain what a rule checks, why, with examples and how to fix it.
    Explain {
        rule_id: String,
        #[command(flatten)]
        rules: RulesArgs,
    },
    /// Manage the git pre-push hook.
    #[command(subcommand)]
    Hook(HookCommand),
    /// Print shell completions.
    Completions { shell: clap_complete::Shell },
    /// Print the man page (roff).
    Man,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Never,
}

#[derive(Debug, Args, Clone, Default)]
pub struct RulesArgs {
    /// Extra rules directory (after the built-in rules and the project's `rules/`).
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// Configuration file (default: .promolint.yml at the repository root).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args, Clone)]
pub struct LintArgs {
    /// Output format on standard output.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Also write FORMAT to FILE (repeatable), e.g. `--output codequality=gl-code-quality-report.json`.
    #[arg(long = "output", value_name = "FORMAT=FILE")]
    pub outputs: Vec<String>,
    /// Exit 1 when a finding at or above this severity exists.
    #[arg(long, value_enum, default_value = "error")]
    pub fail_on: FailOn,
    #[command(flatten)]
    pub rules: RulesArgs,
    /// Repository root (default: CI_PROJECT_DIR, else the git top level, else the current directory).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Colour: auto (a terminal without NO_COLOR), always or never.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or directories to lint.
    pub paths: Vec<PathBuf>,
    /// Only files changed since the merge-base with `--base`.
    #[arg(long)]
    pub changed: bool,
    /// Base for `--changed` (default: origin's default branch).
    #[arg(long, value_name = "REF", requires = "changed")]
    pub base: Option<String>,
    /// A change-management issue for moved protected pages (what the MR description gives in CI).
    #[arg(long, value_name = "URL")]
    pub change_issue: Option<String>,
    /// Lint only shard I of N (default from CI_NODE_INDEX/CI_NODE_TOTAL).
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Print how long each phase of the run took, on standard error.
    #[arg(long)]
    pub timings: bool,
    #[command(flatten)]
    pub lint: LintArgs,
}

#[derive(Debug, Args)]
pub struct MrArgs {
    /// Print every API write that would be made, and make none.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the number of API calls.
    #[arg(long, short)]
    pub verbose: bool,
    /// GitLab API URL (default: CI_API_V4_URL).
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
    /// Project id or path (default: CI_PROJECT_ID).
    #[arg(long)]
    pub project: Option<String>,
    /// Merge request IID (default: CI_MERGE_REQUEST_IID).
    #[arg(long)]
    pub mr: Option<u64>,
    #[command(flatten)]
    pub lint: LintArgs,
}

#[derive(Debug, Subcommand)]
pub enum NewCommand {
    /// A promotion document skeleton for a target role.
    Promotion {
        #[arg(long, value_name = "ROLE")]
        target_role: String,
        #[arg(long, value_name = "ROLE")]
        current_role: Option<String>,
        /// GitLab username of the candidate.
        #[arg(long, default_value = "candidate-username")]
        candidate: String,
        /// GitLab username of the manager.
        #[arg(long, default_value = "manager-username")]
        manager: String,
        /// Write here instead of standard output (refuses to overwrite).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        #[command(flatten)]
        rules: RulesArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Every rule with its severity and where it comes from.
    List {
        #[command(flatten)]
        rules: RulesArgs,
    },
    /// One rule in full.
    Show {
        id: String,
        #[command(flatten)]
        rules: RulesArgs,
    },
    /// Validate a rules directory without linting.
    Check { dir: Option<PathBuf> },
}

#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// Install a pre-push hook that runs `promolint check --changed`.
    Install {
        /// Replace an existing hook.
        #[arg(long)]
        force: bool,
        /// Keep an existing hook and run it first.
        #[arg(long)]
        chain: bool,
    },
}
