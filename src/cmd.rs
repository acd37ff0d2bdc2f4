//! What each subcommand does. Errors come back as miette reports; `main` maps them to exit 2.

use crate::changes::ChangeSet;
use crate::cli::{CheckArgs, ColorChoice, Command, FailOn, HookCommand, LintArgs, NewCommand, RulesArgs, RulesCommand};
use crate::config::Config;
use crate::diagnostic::Severity;
use crate::engine::{self, LintRequest};
use crate::outcome::LintOutcome;
use crate::report::{self, Format, RenderContext};
use crate::rules::RuleSet;
use miette::{IntoDiagnostic, Result, WrapErr, miette};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Exit status per SPEC §5.
pub const EXIT_OK: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

pub fn run(command: Command) -> Result<i32> {
    match command {
        Command::Check(args) => check(args),
        Command::Mr(args) => mr(args),
        Command::New(NewCommand::Promotion { target_role, current_role, candidate, manager, output, rules }) => {
            let (_, rules) = load_rules(&rules, &repo_root(None))?;
            let text =
                crate::checks::promotion::skeleton(&rules, &target_role, current_role.as_deref(), &candidate, &manager)
                    .map_err(|e| miette!(help = "see `promolint rules list` for the roles with a framework", "{e}"))?;
            match output {
                Some(path) => {
                    let mut file = std::fs::OpenOptions::new()
                        .write(true)
                        .create_new(true)
                        .open(&path)
                        .into_diagnostic()
                        .wrap_err_with(|| format!("cannot create {} (it must not exist yet)", path.display()))?;
                    file.write_all(text.as_bytes()).into_diagnostic()?;
                    eprintln!("wrote {}", path.display());
                }
                None => print!("{text}"),
            }
            Ok(EXIT_OK)
        }
        Command::Rules(RulesCommand::List { rules }) => {
            let (_, rules) = load_rules(&rules, &repo_root(None))?;
            print!("{}", crate::explain::list(&rules));
            Ok(EXIT_OK)
        }
        Command::Rules(RulesCommand::Show { id, rules }) => {
            let (_, rules) = load_rules(&rules, &repo_root(None))?;
            let text = crate::explain::show(&rules, &id).map_err(|e| miette!("{e}"))?;
            print!("{text}");
            Ok(EXIT_OK)
        }
        Command::Rules(RulesCommand::Check { dir }) => {
            let dir = dir.unwrap_or_else(|| PathBuf::from("rules"));
            let mut sources = crate::rules::builtin_sources();
            sources.extend(crate::rules::dir_sources(&dir)?);
            let set = RuleSet::compile(&sources)?;
            println!(
                "{}: {} rules, {} roles, {} values: valid",
                dir.display(),
                set.rules.len(),
                set.roles.len(),
                set.values.len()
            );
            Ok(EXIT_OK)
        }
        Command::Explain { rule_id, rules } => {
            let (_, rules) = load_rules(&rules, &repo_root(None))?;
            let text = crate::explain::explain(&rules, &rule_id).map_err(|e| miette!("{e}"))?;
            print!("{text}");
            Ok(EXIT_OK)
        }
        Command::Hook(HookCommand::Install { force, chain }) => {
            let root = crate::git::toplevel()
                .ok_or_else(|| miette!(help = "run it inside the repository to protect", "not in a git repository"))?;
            let path = crate::hook::install(&root, force, chain)?;
            eprintln!("installed {}: it runs `promolint check --changed` before every push", path.display());
            Ok(EXIT_OK)
        }
        Command::Completions { shell } => {
            let mut cmd = <crate::cli::Cli as clap::CommandFactory>::command();
            crate::completions::write_completions(shell, &mut cmd, &mut std::io::stdout());
            Ok(EXIT_OK)
        }
        Command::Man => {
            let cmd = <crate::cli::Cli as clap::CommandFactory>::command();
            crate::completions::write_man_page(&cmd, &mut std::io::stdout()).into_diagnostic()?;
            Ok(EXIT_OK)
        }
    }
}

fn mr(args: crate::cli::MrArgs) -> Result<i32> {
    use crate::gitlab::{self, HttpGitLab, MrOptions, MrOverrides, VerdictLabels};
    let root = repo_root(args.lint.root.as_deref());
    let (config, rules) = load_rules(&args.lint.rules, &root)?;
    let flags = MrOverrides {
        api_url: args.api_url.clone(),
        project: args.project.clone(),
        mr_iid: args.mr,
        project_dir: Some(root.clone()),
    };
    let env = |k: &str| std::env::var(k).ok();
    let mut opts = MrOptions::resolve(&env, &flags, args.dry_run)?;
    opts.verbose = args.verbose;
    opts.labels = VerdictLabels {
        passed: config.labels.passed.clone(),
        changes_requested: config.labels.changes_requested.clone(),
    };
    opts.fail_on = match args.lint.fail_on {
        crate::cli::FailOn::Error => Some(Severity::Error),
        crate::cli::FailOn::Warning => Some(Severity::Warning),
        crate::cli::FailOn::Never => None,
    };
    let client = HttpGitLab::from_options(&opts)?;
    let changes = gitlab::changed_files(&client, &opts)?;
    let change = gitlab::change_set(&client, &opts, &changes)?;
    let only: Vec<String> = changes.paths_to_lint().into_iter().map(String::from).collect();
    let req = LintRequest {
        root: root.clone(),
        paths: Vec::new(),
        only: Some(only),
        config: &config,
        rules: &rules,
        change: &change,
        shard: None,
    };
    let outcome = engine::run(&req)?;
    emit(&outcome, &args.lint, &rules)?;
    let codeowners = gitlab::read_codeowners(&root, config.codeowners.as_deref())
        .into_diagnostic()
        .wrap_err("cannot read CODEOWNERS")?;
    // Usernames the rules name for the changed documents (e.g. the manager's manager).
    let team = match &config.team_file {
        Some(path) => crate::team::Team::load(&root.join(path))?,
        None => crate::team::Team::default(),
    };
    let dri_from_rules = crate::team::dri_candidates(&outcome.coverage, &team);
    let report = gitlab::sync_review(
        &client,
        &opts,
        &changes,
        &outcome,
        codeowners.as_ref().map(|(_, text)| text.as_str()),
        dri_from_rules,
    )?;
    for line in report.lines(args.verbose) {
        eprintln!("{line}");
    }
    Ok(exit_code(&outcome, args.lint.fail_on))
}

fn check(args: CheckArgs) -> Result<i32> {
    let start = std::time::Instant::now();
    let root = repo_root(args.lint.root.as_deref());
    let config = Config::discover(&root, args.lint.rules.config.as_deref())?;
    let globs = engine::Globs::new(&config)?;
    // Compiling the rules and walking the tree do not depend on each other.
    let ((rules, loaded), (candidates, discovered)) = rayon::join(
        || (load_rule_set(&args.lint.rules, &root, &config), start.elapsed()),
        || {
            let walk = std::time::Instant::now();
            (engine::discover(&root, &args.paths, &globs), walk.elapsed())
        },
    );
    let (rules, candidates) = (rules?, candidates?);
    let mut change = ChangeSet { change_issue_text: args.change_issue.clone(), ..Default::default() };
    let mut only = None;
    if args.changed {
        let diff = crate::git::changed_since(&root, args.base.as_deref())?;
        only = Some(diff.changed.clone());
        change.renamed = diff.renamed;
        change.deleted = diff.deleted;
        change.old_contents = diff.old_contents;
    }
    let shard = match &args.shard {
        Some(s) => Some(s.parse::<crate::shard::Shard>()?),
        None => crate::shard::Shard::from_ci_env(|k| std::env::var(k).ok()).transpose()?,
    }
    .map(|s| (s.index, s.total));
    let req = LintRequest {
        root: root.clone(),
        paths: args.paths.clone(),
        only,
        config: &config,
        rules: &rules,
        change: &change,
        shard,
    };
    let outcome = engine::run_discovered(&req, candidates, discovered);
    let emitting = std::time::Instant::now();
    emit(&outcome, &args.lint, &rules)?;
    if args.timings {
        let mut laps = vec![("load configuration and rules", loaded)];
        laps.extend(outcome.timings.iter().copied());
        laps.push(("write reports", emitting.elapsed()));
        for (phase, took) in &laps {
            eprintln!("{:>8.1} ms  {phase}", took.as_secs_f64() * 1000.0);
        }
        eprintln!("{:>8.1} ms  in all ({} files)", start.elapsed().as_secs_f64() * 1000.0, outcome.files_checked);
        if outcome.links_spilled > 0 {
            eprintln!(
                "{:>8} KB  of links and heading ids waited in a temporary file",
                outcome.links_spilled.div_ceil(1024)
            );
        }
    }
    Ok(exit_code(&outcome, args.lint.fail_on))
}

/// Prints the chosen format and writes every `--output FORMAT=FILE`.
pub fn emit(outcome: &LintOutcome, lint: &LintArgs, rules: &RuleSet) -> Result<()> {
    let color = match lint.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => color_wanted(),
    };
    let rules_for = |path: &str| applicable_rules(rules, outcome, path);
    let descriptions: std::collections::BTreeMap<String, String> =
        rules.rules.iter().map(|r| (r.id.clone(), r.summary.clone())).collect();
    let fail_on = match lint.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Never => None,
    };
    let ctx = RenderContext { version: VERSION, color, rules_for: &rules_for, descriptions: &descriptions, fail_on };
    for spec in &lint.outputs {
        let (format, file) = spec.split_once('=').ok_or_else(|| {
            miette!(
                help = "write it as FORMAT=FILE, e.g. codequality=gl-code-quality-report.json",
                "invalid --output `{spec}`"
            )
        })?;
        if file.is_empty() {
            return Err(miette!("--output `{spec}` names no file"));
        }
        let format: Format = format.parse().map_err(|e: String| miette!("{e}"))?;
        let file_ctx = RenderContext { color: false, ..ctx };
        std::fs::File::create(file)
            .map(std::io::BufWriter::new)
            .and_then(|mut out| {
                report::write(format, outcome, &file_ctx, &mut out)?;
                out.flush()
            })
            .into_diagnostic()
            .wrap_err_with(|| format!("cannot write {file}"))?;
    }
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    // A closed pipe (`promolint check | head`) is not an error worth a trace.
    let _ = report::write(lint.format, outcome, &ctx, &mut stdout).and_then(|()| stdout.flush());
    Ok(())
}

/// Rule ids that ran on a file, for formats that list passing checks.
fn applicable_rules(rules: &RuleSet, outcome: &LintOutcome, path: &str) -> Vec<String> {
    use crate::rules::model::AppliesTo;
    let is_promotion = outcome.coverage.iter().any(|c| c.path == path)
        || outcome
            .findings
            .iter()
            .any(|f| *f.path == *path && rules.rule(&f.rule).is_some_and(|r| r.applies_to == AppliesTo::Promotion));
    rules
        .rules
        .iter()
        .filter(|r| r.enabled)
        .filter(|r| match r.applies_to {
            AppliesTo::All => true,
            AppliesTo::Promotion => is_promotion,
            AppliesTo::Handbook => !is_promotion,
        })
        .map(|r| r.id.clone())
        .collect()
}

pub fn exit_code(outcome: &LintOutcome, fail_on: FailOn) -> i32 {
    let threshold = match fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Never => return EXIT_OK,
    };
    if outcome.worst().is_some_and(|w| w >= threshold) { EXIT_FINDINGS } else { EXIT_OK }
}

fn color_wanted() -> bool {
    if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        return false;
    }
    if std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
        return true;
    }
    if std::env::var_os("CLICOLOR").is_some_and(|v| v == "0") {
        return false;
    }
    std::io::stdout().is_terminal()
}

/// The configuration and the rules: built-in, then the project's `rules/`, then the config's
/// directories, then `--rules`; then the config's severities.
pub fn load_rules(args: &RulesArgs, root: &Path) -> Result<(Config, RuleSet)> {
    let config = Config::discover(root, args.config.as_deref())?;
    let rules = load_rule_set(args, root, &config)?;
    Ok((config, rules))
}

/// The built-in rules, the project's `rules/`, the configured and the given rule directories,
/// with the configuration's overrides.
fn load_rule_set(args: &RulesArgs, root: &Path, config: &Config) -> Result<RuleSet> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    let project_rules = root.join("rules");
    if project_rules.is_dir() {
        dirs.push(project_rules);
    }
    dirs.extend(config.rules.iter().map(|d| root.join(d)));
    dirs.extend(args.rules.iter().cloned());
    let dir_refs: Vec<&Path> = dirs.iter().map(PathBuf::as_path).collect();
    let mut rules = RuleSet::load(&dir_refs)?;
    rules.apply_overrides(&config.severity).map_err(|e| miette!(help = "fix `severity:` in .promolint.yml", "{e}"))?;
    if let Some(max) = config.max_words {
        rules.promotion.max_words = Some(max);
    }
    Ok(rules)
}

/// CI_PROJECT_DIR, else the git top level, else the current directory.
pub fn repo_root(explicit: Option<&Path>) -> PathBuf {
    if let Some(p) = explicit {
        return p.to_path_buf();
    }
    if let Some(dir) = std::env::var_os("CI_PROJECT_DIR").filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        // A CI_PROJECT_DIR that is not there (a runner that set it for another layout) would lint
        // nothing and pass; fall back to where we are, which is where the job's checkout is.
        if dir.is_dir() {
            return dir;
        }
        eprintln!("warning: CI_PROJECT_DIR={} does not exist; using the current repository", dir.display());
    }
    crate::git::toplevel().unwrap_or_else(|| PathBuf::from("."))
}
