//! `sequence`: the order of a session's gateway steps (its spec compiled by
//! `engine/matchers/sequence.py`).
//!
//! `requires_before`: `step` is reported when no `requires_before` step came before it
//! (since the last `after` step, when `after` is given; a session without an `after`
//! step is not judged). `requires_after`: `step` is reported when none of these follows.

use serde_json::Value;

use crate::pack::strings;

/// What `observe` knows of one session's steps so far.
#[derive(Debug, Clone, Copy, Default)]
pub struct Watch {
    /// an `after` step came
    seen_after: bool,
    /// a `requires_before` step came since the last `after` step (or the start)
    before_since: bool,
}

/// A step's fate by one matcher, when it comes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// reported
    Flagged,
    /// reported unless a `requires_after` step follows (see `answers`)
    Pending,
    /// never reported
    Clear,
}

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

    /// The verdict on a session's next step named `name`, the steps before it summed up
    /// in `watch` (updated): `judge`'s answer for that step, as far as it is known when
    /// the step comes. A long transcript keeps only the steps that may still be reported.
    pub fn observe(&self, watch: &mut Watch, name: &str) -> Verdict {
        if self.after.as_deref() == Some(name) {
            watch.seen_after = true;
            watch.before_since = false;
        }
        let mut verdict = Verdict::Clear;
        if name == self.step {
            verdict = match &self.requires_before {
                Some(_) if self.after.is_some() && !watch.seen_after => Verdict::Clear,
                Some(_) if !watch.before_since => Verdict::Flagged,
                _ if !self.requires_after.is_empty() => Verdict::Pending,
                _ => Verdict::Clear,
            };
        }
        if self.requires_before.as_deref() == Some(name) {
            watch.before_since = true;
        }
        verdict
    }

    /// Whether a step named `name` answers a `Pending` step before it.
    pub fn answers(&self, name: &str) -> bool {
        self.requires_after.iter().any(|r| r == name)
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
                    // `after` may name the step itself: then the window is empty
                    (Some(_), Some(a)) => &steps[(a + 1).min(i)..i],
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

    /// `observe` and `answers`, step by step, report the steps `judge` reports.
    fn streamed(m: &SequenceMatcher, steps: &[&str]) -> Vec<usize> {
        let mut watch = Watch::default();
        let mut out = Vec::new();
        let mut pending: Vec<usize> = Vec::new();
        for (i, name) in steps.iter().enumerate() {
            pending.retain(|_| !m.answers(name));
            match m.observe(&mut watch, name) {
                Verdict::Flagged => out.push(i),
                Verdict::Pending => pending.push(i),
                Verdict::Clear => {}
            }
        }
        out.extend(pending);
        out.sort_unstable();
        out
    }

    #[test]
    fn judged_step_by_step_as_at_the_end() {
        let specs = [
            json!({"step": "deploy", "after": "create-pr", "requires_before": "safe-merge"}),
            json!({"step": "deploy", "requires_before": "safe-merge"}),
            json!({"step": "deploy", "requires_after": ["verify", "x"]}),
            json!({"step": "deploy", "requires_before": "safe-merge", "requires_after": ["verify"]}),
            json!({"step": "deploy", "after": "deploy", "requires_before": "verify"}),
        ];
        let names = ["create-pr", "safe-merge", "deploy", "verify", "x"];
        for spec in &specs {
            let m = SequenceMatcher::compile(spec).unwrap();
            // every sequence of up to 6 steps over the names
            for len in 0..=6u32 {
                for code in 0..names.len().pow(len) {
                    let (mut c, mut steps) = (code, Vec::new());
                    for _ in 0..len {
                        steps.push(names[c % names.len()]);
                        c /= names.len();
                    }
                    assert_eq!(streamed(&m, &steps), m.judge(&steps), "{spec} {steps:?}");
                }
            }
        }
    }
}
