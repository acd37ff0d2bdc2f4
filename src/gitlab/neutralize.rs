//! Makes text taken from documents safe to echo in a GitLab note: it must not ping anyone, link or
//! act on issues, MRs, labels or milestones, run quick actions, inject HTML (including a forged
//! promolint marker comment), or break the Markdown table it sits in.

/// Zero-width joiner: invisible, and not a character GitLab's reference patterns accept after the
/// sigil, so `@\u{200D}all` renders as `@all` but pings nobody.
const ZWJ: char = '\u{200D}';

/// Neutralises `text` for use inside one line of a note (a list item or table cell): newlines
/// become spaces, and the result is cut to `max_chars` characters with an ellipsis.
pub fn inline(text: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if i >= max_chars {
            out.push('…');
            break;
        }
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // Markdown punctuation that could start a link, code span, emphasis or end a table
            // cell; escaped so the text shows as written.
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
        if is_reference_sigil(c) && chars.get(i + 1).is_some_and(|n| starts_reference(*n)) {
            out.push(ZWJ);
        }
    }
    out
}

/// Protects a whole note body: a line whose first non-blank character is `/` would be run as a
/// quick action, so its slash is written as an HTML entity (GitLab reads quick actions from the
/// raw text, and renders the entity as `/`).
pub fn guard_quick_actions(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    for (i, line) in body.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix('/') {
            out.push_str(&line[..line.len() - trimmed.len()]);
            out.push_str("&#47;");
            out.push_str(rest);
        } else {
            out.push_str(line);
        }
    }
    out
}

/// `@user`, `#issue`, `!mr`, `~label`, `%milestone`, `&epic`, `$snippet`, `*iteration`.
fn is_reference_sigil(c: char) -> bool {
    matches!(c, '@' | '#' | '!' | '~' | '%' | '&' | '$' | '*')
}

fn starts_reference(c: char) -> bool {
    // Usernames, labels and milestones start with a letter, digit or `_`; labels and
    // milestones with spaces are quoted.
    c.is_alphanumeric() || matches!(c, '_' | '"')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visible(s: &str) -> String {
        s.replace(ZWJ, "<ZWJ>")
    }

    #[test]
    fn references_cannot_ping_or_link() {
        let out = inline("@all @jdoe #12 !3 ~bug ~\"two words\" %v1 &4 $5 a@b.c", 200);
        assert_eq!(
            visible(&out),
            "@<ZWJ>all @<ZWJ>jdoe #<ZWJ>12 !<ZWJ>3 ~<ZWJ>bug ~<ZWJ>&quot;two words&quot; %<ZWJ>v1 \
             &amp;<ZWJ>4 $<ZWJ>5 a@<ZWJ>b.c"
        );
        // A lone sigil is left alone.
        assert_eq!(inline("50 % of it, 3 # items", 100), "50 % of it, 3 # items");
    }

    #[test]
    fn html_markdown_and_pipes_are_escaped() {
        assert_eq!(
            inline("<!-- promolint:fp=x --> | a_b [l](u) `c`", 100),
            "&lt;!-- promolint:fp=x --&gt; \\| a\\_b \\[l\\](u) \\`c\\`"
        );
        assert_eq!(inline("line1\n/close", 100), "line1 /close");
        assert_eq!(inline("abcdef", 3), "abc…");
    }

    #[test]
    fn quick_action_lines_are_defused() {
        assert_eq!(
            guard_quick_actions("ok\n/assign @x\n  /close\nnot /here"),
            "ok\n&#47;assign @x\n  &#47;close\nnot /here"
        );
    }
}
