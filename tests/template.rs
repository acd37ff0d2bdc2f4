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
