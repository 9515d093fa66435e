//! Slugs: `[a-z0-9-]`, unique, derived from the name when not given.

use std::fmt;

pub const SLUG_MAX_CHARS: usize = 100;

/// A checked slug: only built through [`Slug::parse`] or [`Slug::derive`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Slug(String);

impl Slug {
    /// Checks a client-given slug: 1–100 of `[a-z0-9-]`.
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        if text.is_empty() {
            return Err("must not be empty");
        }
        if text.len() > SLUG_MAX_CHARS {
            return Err("must be at most 100 characters");
        }
        if !text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err("may contain only a-z, 0-9 and '-'");
        }
        Ok(Self(text.to_owned()))
    }

    /// Derives a slug from a name: ASCII letters and digits kept (lower-cased), every other
    /// run of characters becomes one `-`, no `-` at either end. Leaves room for a `-N` suffix.
    pub fn derive(name: &str) -> Self {
        let mut slug = String::with_capacity(name.len());
        for c in name.chars() {
            if c.is_ascii_alphanumeric() {
                slug.push(c.to_ascii_lowercase());
            } else if !slug.is_empty() && !slug.ends_with('-') {
                slug.push('-');
            }
        }
        slug.truncate(SLUG_MAX_CHARS - 12);
        let trimmed = slug.trim_end_matches('-');
        if trimmed.is_empty() {
            Self("organization".to_owned())
        } else {
            Self(trimmed.to_owned())
        }
    }

    /// The `n`th candidate after this one is taken: `acme-2`, `acme-3`, ….
    pub fn with_suffix(&self, n: u32) -> Self {
        Self(format!("{}-{n}", self.0))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_from_names() {
        assert_eq!(Slug::derive("Acme, Inc.").as_str(), "acme-inc");
        assert_eq!(
            Slug::derive("  --Hello   World--  ").as_str(),
            "hello-world"
        );
        assert_eq!(Slug::derive("Café Noir").as_str(), "caf-noir");
        assert_eq!(Slug::derive("日本").as_str(), "organization");
        assert!(Slug::derive(&"a".repeat(300)).as_str().len() <= SLUG_MAX_CHARS - 12);
    }

    #[test]
    fn parses_only_the_slug_alphabet() {
        assert!(Slug::parse("acme-2").is_ok());
        assert!(Slug::parse("").is_err());
        assert!(Slug::parse("Acme").is_err());
        assert!(Slug::parse("a b").is_err());
        assert!(Slug::parse(&"a".repeat(101)).is_err());
    }
}
