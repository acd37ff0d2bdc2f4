//! The CI/CD component and the project's pipeline, validated against GitLab's CI schema and
//! checked for the behaviour the docs promise.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn yaml_documents(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_saphyr::from_multiple::<Value>(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// GitLab's CI schema, or `None` (with the reason printed) where ../shared is absent.
fn ci_schema() -> Option<jsonschema::Validator> {
    let path = root().join("../shared/contracts/ci.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("skipping schema validation: {} is absent", path.display());
        return None;
    };
    let schema: Value = serde_json::from_str(&text).unwrap();
    Some(jsonschema::validator_for(&schema).expect("ci.json compiles"))
}

fn errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator.iter_errors(instance).map(|e| format!("{e} at {}", e.instance_path)).collect()
}

/// The names in every `$[[ inputs.NAME ]]` of a text.
fn interpolated_inputs(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find("$[[") {
        let after = &rest[start + 3..];
        let Some(end) = after.find("]]") else { break };
        let inner = after[..end].trim();
        if let Some(name) = inner.strip_prefix("inputs.") {
            names.insert(name.trim().to_string());
        }
        rest = &after[end..];
    }
    names
}

#[test]
fn component_has_a_spec_header_and_a_job_document() {
    let path = root().join("templates/promolint.yml");
    let docs = yaml_documents(&path);
    assert_eq!(docs.len(), 2, "expected the spec header and the jobs, separated by ---");
    let inputs = docs[0]["spec"]["inputs"].as_object().expect("spec: inputs:");
    let declared: BTreeSet<String> = inputs.keys().cloned().collect();
    for name in ["stage", "rules_dir", "fail_on", "args", "image", "version", "git_depth"] {
        assert!(declared.contains(name), "input {name} missing from {declared:?}");
    }
    assert_eq!(inputs["fail_on"]["options"], serde_json::json!(["error", "warning", "never"]));

    // Every input is used, and nothing refers to an input that is not declared.
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(interpolated_inputs(&text), declared);

    let job = &docs[1]["promolint"];
    let script = job["script"].as_array().unwrap().iter().filter_map(Value::as_str).collect::<Vec<_>>().join("\n");
    for expected in [
        "promolint mr",
        "promolint check",
        "merge_request_event",
        "--output codequality=gl-code-quality-report.json",
        "--output junit=promolint-junit.xml",
        "cargo install --locked promolint",
        "--fail-on \"$PROMOLINT_FAIL_ON\"",
        "--rules \"$PROMOLINT_RULES_DIR\"",
    ] {
        assert!(script.contains(expected), "script lacks {expected:?}:\n{script}");
    }
    assert_eq!(job["artifacts"]["when"], "always");
    assert_eq!(job["artifacts"]["reports"]["codequality"], "gl-code-quality-report.json");
    assert_eq!(job["artifacts"]["reports"]["junit"], "promolint-junit.xml");
    assert_eq!(job["stage"], "$[[ inputs.stage ]]");
}

#[test]
fn component_validates_against_gitlab_ci_schema() {
    let Some(validator) = ci_schema() else { return };
    let docs = yaml_documents(&root().join("templates/promolint.yml"));
    for (i, doc) in docs.iter().enumerate() {
        let errs = errors(&validator, doc);
        assert!(errs.is_empty(), "document {i}: {errs:#?}");
    }
    // The schema does reject a broken job, so the checks above mean something.
    let mut broken = docs[1].clone();
    broken["promolint"]["artifacts"]["when"] = Value::from("sometimes");
    assert!(!errors(&validator, &broken).is_empty());
}

#[test]
fn project_pipeline_builds_tests_lints_and_runs_promolint() {
    let path = root().join(".gitlab-ci.yml");
    let docs = yaml_documents(&path);
    assert_eq!(docs.len(), 1);
    let ci = &docs[0];
    let script_of = |job: &str| {
        ci[job]["script"]
            .as_array()
            .unwrap_or_else(|| panic!("job {job} has no script"))
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(script_of("build").contains("cargo build"));
    assert!(script_of("test").contains("cargo test"));
    assert!(script_of("fmt").contains("cargo fmt"));
    assert!(script_of("clippy").contains("-D warnings"));

    // promolint runs through the component, on the binary the pipeline built.
    let include = ci["include"].as_array().unwrap();
    let local = include.iter().find(|i| i["local"] == "templates/promolint.yml").expect("includes the component");
    let component = yaml_documents(&root().join("templates/promolint.yml"));
    let declared = component[0]["spec"]["inputs"].as_object().unwrap();
    for name in local["inputs"].as_object().unwrap().keys() {
        assert!(declared.contains_key(name), "include passes undeclared input {name}");
    }
    assert_eq!(ci["promolint"]["needs"], serde_json::json!(["build"]));

    let Some(validator) = ci_schema() else { return };
    let errs = errors(&validator, ci);
    assert!(errs.is_empty(), "{errs:#?}");
}

#[test]
fn pre_commit_hook_definition() {
    let docs = yaml_documents(&root().join(".pre-commit-hooks.yaml"));
    let hooks = docs[0].as_array().expect("a list of hooks");
    let hook = hooks.iter().find(|h| h["id"] == "promolint").expect("hook id promolint");
    assert_eq!(hook["entry"], "promolint check");
    assert_eq!(hook["language"], "rust");
    assert_eq!(hook["types"], serde_json::json!(["markdown"]));
}

/// Runs the component's script lines in `sh` as a runner would (each line with `set -e`, the job's
/// variables in the environment), with a stand-in `promolint` that logs its arguments. Returns the
/// exit status, what the stand-in logged and the script's standard output.
#[cfg(unix)]
fn run_component_script(vars: &[(&str, &str)]) -> (bool, String, String) {
    run_component_script_with("", vars)
}

/// As [`run_component_script`], the stand-in ending with `tail` (e.g. `exit 1`).
#[cfg(unix)]
fn run_component_script_with(tail: &str, vars: &[(&str, &str)]) -> (bool, String, String) {
    use std::os::unix::fs::PermissionsExt;
    let docs = yaml_documents(&root().join("templates/promolint.yml"));
    let script: Vec<String> =
        docs[1]["promolint"]["script"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();

    let dir = tempfile::TempDir::new().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let log = dir.path().join("log");
    let fake = bin.join("promolint");
    std::fs::write(&fake, format!("#!/bin/sh\necho \"$*\" >> '{}'\n{tail}\n", log.display())).unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();

    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-e").arg("-c").arg(script.join("\n")).current_dir(dir.path());
    cmd.env_clear()
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env("CI_PROJECT_DIR", dir.path())
        .env("CARGO_INSTALL_ROOT", dir.path().join(".promolint-cache"))
        // The component's defaults, as GitLab interpolates them into the job's variables.
        .env("PROMOLINT_VERSION", "latest")
        .env("PROMOLINT_RULES_DIR", "")
        .env("PROMOLINT_FAIL_ON", "error")
        .env("PROMOLINT_ARGS", "");
    for (key, value) in vars {
        cmd.env(key, value);
    }
    let output = cmd.output().unwrap();
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    (output.status.success(), logged, String::from_utf8_lossy(&output.stdout).into_owned())
}

#[cfg(unix)]
#[test]
fn component_script_checks_on_branches_and_reviews_merge_requests() {
    let reports = "--output codequality=gl-code-quality-report.json --output junit=promolint-junit.xml";

    let (ok, logged, _) = run_component_script(&[("CI_PIPELINE_SOURCE", "push")]);
    assert!(ok);
    assert_eq!(logged, format!("check --fail-on error {reports}\n"));

    let (ok, logged, _) = run_component_script(&[
        ("CI_PIPELINE_SOURCE", "merge_request_event"),
        ("PROMOLINT_GITLAB_TOKEN", "glpat-test"),
        ("PROMOLINT_FAIL_ON", "warning"),
        ("PROMOLINT_RULES_DIR", "team rules"),
        ("PROMOLINT_ARGS", "--config ci.yml content"),
    ]);
    assert!(ok);
    assert_eq!(
        logged,
        format!("mr --fail-on warning {reports} --rules team rules --config ci.yml content\n"),
        "the rules directory is one argument and the extra arguments are split into words"
    );

    let (ok, logged, stdout) = run_component_script(&[("CI_PIPELINE_SOURCE", "merge_request_event")]);
    assert!(ok);
    assert_eq!(logged, format!("check --fail-on error {reports}\n"));
    assert!(stdout.contains("PROMOLINT_GITLAB_TOKEN is not set"), "{stdout}");
}

#[cfg(unix)]
#[test]
fn component_script_fails_with_promolint() {
    // The job's status must be promolint's, not swallowed by the script.
    let (ok, logged, _) = run_component_script_with("exit 1", &[("CI_PIPELINE_SOURCE", "push")]);
    assert!(!ok);
    assert!(logged.starts_with("check "), "{logged}");
}
