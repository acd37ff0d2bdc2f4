//! The access token, kept out of every printed form.

use std::fmt;

/// A secret string whose `Debug` and `Display` print `***`, so that no `{:?}` of an options struct,
/// error or log line can leak it. The only way to read it is [`Secret::expose`], which the HTTP
/// client calls when it sets the request header.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Replaces every occurrence of the secret in `text` with `***`: a last line of defence for
    /// messages that come from libraries (a server may echo a header back in an error body).
    pub fn redact(&self, text: &str) -> String {
        // Very short values would redact ordinary words; real tokens are long.
        if self.0.len() < 6 {
            return text.to_string();
        }
        text.replace(&self.0, "***")
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_printed() {
        let s = Secret::new("glpat-abcdef123456");
        assert_eq!(format!("{s:?}"), "***");
        assert_eq!(format!("{s}"), "***");
        assert_eq!(s.expose(), "glpat-abcdef123456");
        assert_eq!(s.redact("got glpat-abcdef123456 back"), "got *** back");
    }
}
