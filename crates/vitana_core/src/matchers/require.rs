//! `require`: a document must contain the regex (a PR body must name a VTID);
//! reports its first line when it does not (its spec compiled by
//! `engine/matchers/require.py`).

use serde_json::Value;

use super::{regex, Hit, Outcome};
use crate::pattern::Pattern;

#[derive(Debug, Clone)]
pub struct RequireMatcher {
    regex: Pattern,
}

impl RequireMatcher {
    pub fn compile(spec: &Value) -> Result<RequireMatcher, String> {
        Ok(RequireMatcher {
            regex: regex(spec, "regex", false)?.ok_or("require: 'regex' is required")?,
        })
    }

    pub fn matches(&self, text: &str) -> Outcome {
        match self.regex.is_match(text) {
            Ok(true) => return Outcome::default(),
            Ok(false) => {}
            Err(_) => return Outcome::stopped(Vec::new()),
        }
        let end = match text.find('\n') {
            Some(n) if n > 0 => n,
            _ => text.len(),
        };
        Outcome::of(vec![Hit::new(0, end)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reports_the_first_line_when_absent() {
        let m = RequireMatcher::compile(&json!({"regex": "VTID-\\d{4}"})).unwrap();
        assert!(m.matches("Fix\nfor VTID-0518").hits.is_empty());
        assert_eq!(m.matches("Fix it\nbody").hits, [Hit::new(0, 6)]);
        assert_eq!(m.matches("\nbody").hits, [Hit::new(0, 5)]);
    }
}
