//! `sequence`: the order of a session's gateway steps (`matchers/sequence.py`).
//!
//! `requires_before`: `step` is reported when no `requires_before` step came before it
//! (since the last `after` step, when `after` is given; a session without an `after`
//! step is not judged). `requires_after`: `step` is reported when none of these follows.

use serde_json::Value;

use crate::pack::strings;

#[derive(Debug, Clone)]
pub struct SequenceMatcher {
    pub step: String,
    pub after: Option<String>,
    pub requires_before: Option<String>,
    pub requires_after: Vec<String>,
}

impl SequenceMatcher {
    pub fn compile(spec: &Value) -> Result<SequenceMatcher, String> {
        let text = |key: &str| spec.get(key).and_then(Value::as_str).map(str::to_owned);
        Ok(SequenceMatcher {
            step: text("step").ok_or("sequence: 'step' is required")?,
            after: text("after"),
            requires_before: text("requires_before"),
            requires_after: strings(spec, "requires_after")?,
        })
    }

    /// What the finding's `missing` variable says.
    pub fn missing(&self) -> String {
        self.requires_before
            .clone()
            .unwrap_or_else(|| self.requires_after.join(" or "))
    }

    /// Indexes of the steps that break the order.
    pub fn judge<S: AsRef<str>>(&self, steps: &[S]) -> Vec<usize> {
        let mut flagged = Vec::new();
        let mut last_after: Option<usize> = None;
        for (i, name) in steps.iter().enumerate() {
            let name = name.as_ref();
            if self.after.as_deref() == Some(name) {
                last_after = Some(i);
            }
            if name != self.step {
                continue;
            }
            if let Some(before) = &self.requires_before {
                let window = match (&self.after, last_after) {
                    (Some(_), None) => continue,
                    (Some(_), Some(a)) => &steps[a + 1..i],
                    (None, _) => &steps[..i],
                };
                if !window.iter().any(|s| s.as_ref() == before) {
                    flagged.push(i);
                    continue;
                }
            }
            if !self.requires_after.is_empty()
                && !steps[i + 1..]
                    .iter()
                    .any(|s| self.requires_after.iter().any(|r| r == s.as_ref()))
            {
                flagged.push(i);
            }
        }
        flagged
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn deploy_needs_a_merge_since_the_last_pr() {
        let m = SequenceMatcher::compile(
            &json!({"step": "deploy", "after": "create-pr", "requires_before": "safe-merge"}),
        )
        .unwrap();
        assert_eq!(m.judge(&["deploy"]), Vec::<usize>::new());
        assert_eq!(m.judge(&["create-pr", "deploy"]), [1]);
        assert!(m.judge(&["create-pr", "safe-merge", "deploy"]).is_empty());
        assert_eq!(
            m.judge(&["create-pr", "safe-merge", "create-pr", "deploy"]),
            [3]
        );
        assert_eq!(m.missing(), "safe-merge");
    }

    #[test]
    fn a_step_must_be_followed_by_one_of() {
        let m =
            SequenceMatcher::compile(&json!({"step": "deploy", "requires_after": ["verify", "x"]}))
                .unwrap();
        assert_eq!(
            m.judge(&["deploy", "deploy", "verify"]),
            Vec::<usize>::new()
        );
        assert_eq!(m.judge(&["deploy", "verify", "deploy"]), [2]);
        assert_eq!(m.missing(), "verify or x");
    }
}
