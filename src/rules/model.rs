//! The serde model of a rules file, as written in YAML. Every struct denies unknown fields so a
//! typo is an error, and `compile` in `mod.rs` turns the merged files into a [`super::RuleSet`].
//!
//! A rules file may hold any of the top-level keys; files are merged in order (built-in first,
//! then the project's `rules/`, then `--rules DIR`), a later entry with the same id or name
//! replacing the earlier one.

use crate::diagnostic::Severity;
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::BTreeMap;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesFile {
    /// Rule definitions: which check kind runs under which id and severity.
    #[serde(default)]
    pub rules: Vec<RuleDef>,
    /// Career frameworks, one per role.
    #[serde(default)]
    pub roles: Vec<RoleDef>,
    /// The values every promotion document must give evidence for (CREDIT).
    #[serde(default)]
    pub values: Vec<ValueDef>,
    /// What a promotion document must contain.
    #[serde(default)]
    pub promotion: Option<PromotionDef>,
    /// The career graph and the interim-period table.
    #[serde(default)]
    pub career: Option<CareerDef>,
    /// Handbook page rules: front matter keys and protection markers.
    #[serde(default)]
    pub handbook: Option<HandbookDef>,
    /// Who is asked to review (DRI selection).
    #[serde(default)]
    pub dri: Option<DriDef>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDef {
    pub id: Spanned<String>,
    /// The check kind that implements this rule (see `checks::REGISTRY`). Several rules may use
    /// one kind with different options.
    pub check: Spanned<String>,
    pub severity: Severity,
    /// `promotion`, `handbook` or `all`.
    #[serde(default = "default_applies_to")]
    pub applies_to: AppliesTo,
    /// One line: what is flagged.
    pub summary: String,
    /// Documentation for `explain`.
    #[serde(default)]
    pub why: String,
    #[serde(default)]
    pub bad: Option<String>,
    #[serde(default)]
    pub good: Option<String>,
    #[serde(default)]
    pub fix: Option<String>,
    /// Where the rule comes from (a handbook page).
    #[serde(default)]
    pub source: Option<String>,
    /// Check-specific options; each check kind validates its own.
    #[serde(default)]
    pub options: BTreeMap<String, serde_json::Value>,
}

fn default_applies_to() -> AppliesTo {
    AppliesTo::All
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AppliesTo {
    Promotion,
    Handbook,
    All,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleDef {
    /// The role's title as written in `target_role:`, e.g. `Staff Support Engineer`.
    pub name: Spanned<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// `individual-contributor` or `manager`.
    pub kind: RoleKind,
    /// The career track, e.g. `support`.
    #[serde(default)]
    pub track: Option<String>,
    pub source: String,
    /// Evidence items each competency needs unless the competency says otherwise.
    #[serde(default)]
    pub min_evidence: Option<usize>,
    /// Who reviews a promotion into this role (see `dri.strategies`).
    #[serde(default)]
    pub dri: Option<String>,
    /// A role without competencies is known to the career graph but has no framework here.
    #[serde(default)]
    pub competencies: Vec<CompetencyDef>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RoleKind {
    IndividualContributor,
    Manager,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompetencyDef {
    pub name: String,
    /// `Leadership` or `Technical`: the `###` group heading it sits under.
    pub group: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// In our own words: what evidence for it shows.
    pub description: String,
    pub source: String,
    #[serde(default)]
    pub min_evidence: Option<usize>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueDef {
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub description: String,
    pub source: String,
    #[serde(default)]
    pub min_evidence: Option<usize>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PromotionDef {
    /// Required (and known optional) sections, in document order.
    #[serde(default)]
    pub sections: Vec<SectionDef>,
    /// The parts every business result must name, e.g. `Impact`.
    #[serde(default)]
    pub business_result_parts: Vec<String>,
    #[serde(default)]
    pub max_business_results: Option<usize>,
    #[serde(default)]
    pub min_business_results: Option<usize>,
    /// Sentences in the summary, inclusive.
    #[serde(default)]
    pub summary_sentences: Option<[usize; 2]>,
    /// Prose words in the whole document.
    #[serde(default)]
    pub max_words: Option<usize>,
    /// Words an evidence item needs besides its links.
    #[serde(default)]
    pub min_evidence_words: Option<usize>,
    /// Default evidence items per competency.
    #[serde(default)]
    pub min_evidence: Option<usize>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionDef {
    /// A stable id that checks refer to: `summary`, `business-results`, `competencies`,
    /// `values`, `justification`, `interim`.
    pub id: String,
    pub name: String,
    pub level: u8,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// `true`: always required; `false`: optional; `interim`: required when the career table says so.
    #[serde(default = "default_required")]
    pub required: Required,
    /// Guidance for writers; the skeleton puts it in as a placeholder.
    #[serde(default)]
    pub guidance: Option<String>,
}

fn default_required() -> Required {
    Required::Always
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Required {
    Always,
    Optional,
    /// Required only where the interim table requires an interim period.
    WhenInterim,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CareerDef {
    #[serde(default)]
    pub source: Option<String>,
    /// Allowed steps `from → to`.
    #[serde(default)]
    pub steps: Vec<StepDef>,
    /// Steps that need an interim period.
    #[serde(default)]
    pub interim: Vec<InterimDef>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepDef {
    pub from: String,
    pub to: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InterimDef {
    pub from: String,
    pub to: String,
    /// `always`, or `without-management-experience` (front matter `prior_management: true`
    /// waives it).
    pub when: InterimWhen,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InterimWhen {
    Always,
    WithoutManagementExperience,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandbookDef {
    /// Front matter keys pages use; a key close to one of these is "did you mean".
    #[serde(default)]
    pub known_keys: Vec<String>,
    /// Keys every page must have.
    #[serde(default)]
    pub required_keys: Vec<String>,
    /// Hosts whose `/handbook/…` URLs should be written relative.
    #[serde(default)]
    pub handbook_hosts: Vec<String>,
    /// Regexes over the description (or any front matter text) that mark a page as protected.
    #[serde(default)]
    pub protected_patterns: Vec<String>,
    /// Front matter booleans that mark a page as protected, e.g. `controlled_document`.
    #[serde(default)]
    pub protected_keys: Vec<String>,
    /// Regexes of link targets never reported (generated pages).
    #[serde(default)]
    pub exclude_links: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DriDef {
    /// Named strategies that roles refer to, e.g. `managers-manager`.
    #[serde(default)]
    pub strategies: BTreeMap<String, DriStrategy>,
    /// CODEOWNERS sections to draw candidates from for handbook changes, in order of preference
    /// (empty: every section that matches).
    #[serde(default)]
    pub codeowners_sections: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DriStrategy {
    pub description: String,
    /// Front matter fields whose usernames are candidates, in order (e.g. `manager_manager`).
    #[serde(default)]
    pub front_matter: Vec<String>,
    /// Fixed usernames (a people-business-partner rota, say).
    #[serde(default)]
    pub users: Vec<String>,
    /// Also draw from CODEOWNERS of the changed paths.
    #[serde(default)]
    pub codeowners: bool,
    /// A front matter field naming a person whose manager, per the configured team file
    /// (`team_file:` in .promolint.yml), is a candidate: `manager` gives the manager's manager.
    #[serde(default)]
    pub team_manager_of: Option<String>,
}
