//! Globs, two kinds:
//!
//! - shell-style (`deploy*.sh`), as Python's `fnmatch.translate` reads them: `*` any
//!   text, `?` one character, `[...]` a class (`[!...]` negated); a `[` that is never
//!   closed is a literal. Programs and hosts are matched with these.
//! - gitignore-style path globs (`vitana_guard/pathglob.py`), for rules' `paths`:
//!   `**` crosses directories, `*` and `?` do not, a pattern with no `/` matches a name
//!   at any depth, a leading `/` anchors it to the root, and a pattern that matches a
//!   directory matches everything under it.

use regex::{Regex, RegexBuilder};

/// One anchored regex for a set of globs; `ignore_case` as the command matcher wants.
pub fn globs_regex<S: AsRef<str>>(globs: &[S], ignore_case: bool) -> Result<Regex, String> {
    let body: Vec<String> = globs.iter().map(|g| translate(g.as_ref())).collect();
    RegexBuilder::new(&format!(r"\A(?s:{})\z", body.join("|")))
        .case_insensitive(ignore_case)
        .build()
        .map_err(|e| format!("invalid glob: {e}"))
}

/// One glob as regex text (unanchored).
pub fn translate(glob: &str) -> String {
    let chars: Vec<char> = glob.chars().collect();
    let mut out = String::from("(?:");
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            '*' => {
                while i < chars.len() && chars[i] == '*' {
                    i += 1;
                }
                out.push_str(".*");
            }
            '?' => out.push('.'),
            '[' => {
                let mut j = i;
                if j < chars.len() && chars[j] == '!' {
                    j += 1;
                }
                if j < chars.len() && chars[j] == ']' {
                    j += 1;
                }
                while j < chars.len() && chars[j] != ']' {
                    j += 1;
                }
                if j >= chars.len() {
                    out.push_str(r"\[");
                    continue;
                }
                let stuff: Vec<char> = chars[i..j].to_vec();
                i = j + 1;
                out.push_str(&class(&stuff));
            }
            _ => out.push_str(&regex::escape(&c.to_string())),
        }
    }
    out.push(')');
    out
}

/// A bracket expression's inside as a regex class.
fn class(stuff: &[char]) -> String {
    if stuff.is_empty() {
        return r"[^\s\S]".into(); // `[]` matches nothing
    }
    if stuff == ['!'] {
        return ".".into();
    }
    let (negated, items) = match stuff.first() {
        Some('!') => (true, &stuff[1..]),
        _ => (false, stuff),
    };
    let mut out = String::from(if negated { "[^" } else { "[" });
    let mut k = 0;
    while k < items.len() {
        let c = items[k];
        if k + 2 < items.len() && items[k + 1] == '-' {
            let hi = items[k + 2];
            if c <= hi {
                out.push_str(&format!("{}-{}", esc(c), esc(hi)));
            }
            k += 3;
            continue;
        }
        out.push_str(&esc(c));
        k += 1;
    }
    if out.len() == 1 || out == "[^" {
        return if negated {
            ".".into()
        } else {
            r"[^\s\S]".into()
        };
    }
    out.push(']');
    out
}

fn esc(c: char) -> String {
    if c.is_ascii_alphanumeric() || !c.is_ascii() {
        c.to_string()
    } else {
        format!("\\{c}")
    }
}

/// One gitignore-like glob as regex text over a whole relative path (`glob_to_regex`).
pub fn path_glob_regex(pattern: &str) -> String {
    let p = crate::pyfmt::strip(pattern).replace('\\', "/");
    let anchored = p.starts_with('/');
    let mut p = if p.ends_with('/') {
        p.trim_matches('/').to_owned()
    } else {
        p.trim_start_matches('/').to_owned()
    };
    if !anchored && !p.contains('/') {
        p = format!("**/{p}");
    }
    let chars: Vec<char> = p.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let rest = &chars[i..];
        if rest.starts_with(&['*', '*', '/']) {
            out.push_str("(?:.*/)?");
            i += 3;
        } else if rest.starts_with(&['*', '*']) {
            out.push_str(".*");
            i += 2;
        } else if c == '*' {
            out.push_str("[^/]*");
            i += 1;
        } else if c == '?' {
            out.push_str("[^/]");
            i += 1;
        } else if c == '[' {
            // the class's `]` is looked for from the character after the first
            let close = (i + 2..chars.len()).find(|&j| chars[j] == ']');
            match close {
                None => {
                    out.push_str(r"\[");
                    i += 1;
                }
                Some(j) => {
                    let body: Vec<char> = chars[i + 1..j].to_vec();
                    out.push('[');
                    let mut items = body.as_slice();
                    if let Some(('!', tail)) = items.split_first() {
                        out.push('^');
                        items = tail;
                    }
                    for &b in items {
                        // literal in Python's class, an operator or nested class in the
                        // regex crate's
                        if matches!(b, '[' | '&' | '~' | '\\') {
                            out.push('\\');
                        }
                        out.push(b);
                    }
                    out.push(']');
                    i = j + 1;
                }
            }
        } else {
            out.push_str(&regex::escape(&c.to_string()));
            i += 1;
        }
    }
    out.push_str("(?:/.*)?");
    out
}

/// A rule's `paths`: which paths it reads (`scan.on_path`).
#[derive(Debug, Clone, Default)]
pub struct PathGlobs {
    /// Some when `include` is given: a path must match it (None inside: no glob of it
    /// is more than blanks, so nothing matches)
    include: Option<Option<Regex>>,
    exclude: Option<Regex>,
}

impl PathGlobs {
    pub fn new<S: AsRef<str>>(include: &[S], exclude: &[S]) -> Result<PathGlobs, String> {
        Ok(PathGlobs {
            include: if include.is_empty() {
                None
            } else {
                Some(path_globs(include)?)
            },
            exclude: path_globs(exclude)?,
        })
    }

    /// Whether every path is read (no `paths`).
    pub fn is_empty(&self) -> bool {
        self.include.is_none() && self.exclude.is_none()
    }

    pub fn takes(&self, path: &str) -> bool {
        let path = path.replace('\\', "/");
        let mut path = path.as_str();
        while let Some(rest) = path.strip_prefix("./") {
            path = rest;
        }
        if let Some(include) = &self.include {
            if !include.as_ref().is_some_and(|r| r.is_match(path)) {
                return false;
            }
        }
        !self.exclude.as_ref().is_some_and(|r| r.is_match(path))
    }
}

/// One regex that fully matches a path matched by any of `globs` (`compile_globs`).
fn path_globs<S: AsRef<str>>(globs: &[S]) -> Result<Option<Regex>, String> {
    let parts: Vec<String> = globs
        .iter()
        .map(AsRef::as_ref)
        .filter(|g| !crate::pyfmt::strip(g).is_empty())
        .map(path_glob_regex)
        .collect();
    if parts.is_empty() {
        return Ok(None);
    }
    RegexBuilder::new(&format!(r"(?s)\A(?:{})\z", parts.join("|")))
        .build()
        .map(Some)
        .map_err(|e| format!("invalid path glob: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_globs_as_fnmatch_does() {
        let r = globs_regex(&["deploy*.sh", "release-?.py"], true).unwrap();
        assert!(r.is_match("deploy-prod.sh"));
        assert!(r.is_match("DEPLOY.SH"));
        assert!(r.is_match("release-1.py"));
        assert!(!r.is_match("release-12.py"));
        assert!(!r.is_match("x-deploy.sh"));
        let r = globs_regex(&["run[0-9].sh", "[!a]b", "a[c"], false).unwrap();
        assert!(r.is_match("run7.sh"));
        assert!(!r.is_match("runx.sh"));
        assert!(r.is_match("xb"));
        assert!(!r.is_match("ab"));
        assert!(r.is_match("a[c"));
    }

    #[test]
    fn path_globs_read_as_gitignore_does() {
        let g = PathGlobs::new(
            &[
                "scripts/deploy/**",
                "*.md",
                "/top.sh",
                "docs/",
                "a/**/b",
                "[!x]y?.txt",
            ],
            &[],
        )
        .unwrap();
        for yes in [
            "scripts/deploy/a/b.sh",
            "./README.md",
            "x/y/z.md",
            "top.sh",
            "docs/a/b",
            "docs",
            "a/b",
            "a/x/y/b",
            "a/b/c",
            "ay1.txt",
            "d/zy2.txt",
        ] {
            assert!(g.takes(yes), "{yes}");
        }
        for no in [
            "scripts/deployx",
            "x/top.sh",
            "a/xb",
            "xy1.txt",
            "ay12.txt",
            "src/docs.txt",
        ] {
            assert!(!g.takes(no), "{no}");
        }
        assert!(PathGlobs::new::<&str>(&[], &[]).unwrap().is_empty());
        let ex = PathGlobs::new(&[], &[".github\\workflows/*.yml"]).unwrap();
        assert!(!ex.takes(".github/workflows/deploy.yml"));
        assert!(ex.takes(".github/workflows/sub/deploy.yml"));
        assert!(ex.takes("other.yml"));
        // an include of blanks only takes nothing
        assert!(!PathGlobs::new(&["  "], &[]).unwrap().takes("a"));
    }

    #[test]
    fn path_glob_classes_keep_pythons_literals() {
        assert_eq!(path_glob_regex("/a[&~]b"), r"a[\&\~]b(?:/.*)?");
        let g = PathGlobs::new(&["x[&]y", "[[]z"], &[]).unwrap();
        assert!(g.takes("x&y") && g.takes("[z") && !g.takes("xay"));
    }
}
