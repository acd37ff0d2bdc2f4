//! The terminal format: each finding rendered by miette with the offending text underlined and a
//! help line, then a one-line summary. Colours only when asked (a TTY without NO_COLOR).

use super::RenderContext;
use crate::diagnostic::{Finding, Severity};
use crate::outcome::{LintOutcome, SourceFile};
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, NamedSource, SourceCode, SourceSpan,
    SpanContents,
};
use std::fmt;
use std::sync::Arc;

pub fn render(outcome: &LintOutcome, ctx: &RenderContext<'_>) -> String {
    let theme = if ctx.color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100).with_links(false);
    let mut out = String::new();
    // Findings are sorted by path: each file's text is read once, and only one is held at a time.
    let mut current: Option<(&str, Option<Arc<SourceFile>>)> = None;
    for finding in &outcome.findings {
        if current.as_ref().is_none_or(|(path, _)| *path != &*finding.path) {
            // A file that could not be linted (binary, huge, not UTF-8) is not read again.
            let readable = finding.rule != crate::engine::UNREADABLE;
            current = Some((&finding.path, readable.then(|| source_of(outcome, &finding.path)).flatten()));
        }
        let source = current.as_ref().and_then(|(_, s)| s.clone()).filter(|s| fits(s, finding));
        let diag = FindingDiagnostic { finding, source: source.map(|s| NamedSource::new(&finding.path, Shared(s))) };
        if handler.render_report(&mut out, &diag).is_err() {
            let pos = outcome.position(finding);
            out.push_str(&format!(
                "{}:{}:{}: {}[{}] {}\n",
                finding.path, pos.line, pos.column, finding.severity, finding.rule, finding.message
            ));
        }
    }
    out.push_str(&summary_line(outcome));
    out.push('\n');
    out
}

/// The text of a file with findings: kept by the run, or read again from the run's root.
fn source_of(outcome: &LintOutcome, path: &str) -> Option<Arc<SourceFile>> {
    use std::io::Read;
    if let Some(kept) = outcome.sources.get(path) {
        return Some(Arc::clone(kept));
    }
    let file = std::fs::File::open(outcome.root.as_ref()?.join(path)).ok()?;
    // It was linted, so it was small enough then; one that has grown past this is not quoted.
    let mut bytes = Vec::new();
    file.take(MAX_QUOTED_BYTES + 1).read_to_end(&mut bytes).ok()?;
    if bytes.len() as u64 > MAX_QUOTED_BYTES {
        return None;
    }
    Some(Arc::new(SourceFile::new(String::from_utf8(bytes).ok()?)))
}

/// Largest file the terminal report reads again to quote from.
const MAX_QUOTED_BYTES: u64 = 64 << 20;

/// Whether a finding's span lies in the text (a file edited since the run is quoted only where it
/// still fits; otherwise the finding is shown without a snippet).
fn fits(source: &SourceFile, finding: &Finding) -> bool {
    let (start, end) = (finding.span.start, finding.span.end);
    start <= end && source.text.is_char_boundary(start) && source.text.is_char_boundary(end)
}

/// "2 errors, 1 warning in 3 files checked".
pub fn summary_line(outcome: &LintOutcome) -> String {
    let plural = |n: usize, word: &str| if n == 1 { format!("{n} {word}") } else { format!("{n} {word}s") };
    let errors = outcome.count(Severity::Error);
    let warnings = outcome.count(Severity::Warning);
    let infos = outcome.count(Severity::Info);
    let mut parts = vec![plural(errors, "error"), plural(warnings, "warning")];
    if infos > 0 {
        parts.push(plural(infos, "info"));
    }
    format!("{} in {} checked", parts.join(", "), plural(outcome.files_checked, "file"))
}

struct FindingDiagnostic<'a> {
    finding: &'a Finding,
    source: Option<NamedSource<Shared>>,
}

impl fmt::Debug for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FindingDiagnostic").field("finding", self.finding).finish()
    }
}

impl fmt::Display for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.source.is_none() {
            write!(f, "{}: {}", self.finding.path, self.finding.message)
        } else {
            f.write_str(&self.finding.message)
        }
    }
}

impl std::error::Error for FindingDiagnostic<'_> {}

impl Diagnostic for FindingDiagnostic<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.finding.rule))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.finding.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.source.as_ref()?;
        let span = &self.finding.span;
        let label = self.finding.competency.clone();
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            label,
            SourceSpan::new(span.start.into(), span.end.saturating_sub(span.start)),
        ))))
    }
}

/// A file's text shared with the outcome instead of copied per finding.
struct Shared(Arc<SourceFile>);

impl SourceCode for Shared {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        self.0.text.read_span(span, context_lines_before, context_lines_after)
    }
}
