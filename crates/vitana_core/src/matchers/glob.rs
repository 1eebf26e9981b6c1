//! Shell-style globs (`deploy*.sh`) as Python's `fnmatch.translate` reads them: `*` any
//! text, `?` one character, `[...]` a class (`[!...]` negated); a `[` that is never
//! closed is a literal.

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
}
