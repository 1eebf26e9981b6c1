//! `pattern`: a regex over the segment text, with exceptions (its spec compiled by
//! `engine/matchers/pattern.py`).
//!
//! `unless` regexes are tried on the sentence that holds the match (a mention such as
//! "the policy forbids asking you to click" is an exception, not a request);
//! `unless_before` on the text of that sentence before the match; `unless_message` on
//! the whole segment (one message: "…, if the CTO approves").

use serde_json::Value;

use super::{any_in, regex, regexes, sentence_bounds, Hit, Outcome};
use crate::pattern::{Pattern, TimedOut};

#[derive(Debug, Clone)]
pub struct PatternMatcher {
    regex: Pattern,
    unless: Vec<Pattern>,
    unless_before: Vec<Pattern>,
    unless_message: Vec<Pattern>,
}

impl PatternMatcher {
    pub fn compile(spec: &Value) -> Result<PatternMatcher, String> {
        let case_sensitive = spec.get("case_sensitive").and_then(Value::as_bool) == Some(true);
        Ok(PatternMatcher {
            regex: regex(spec, "regex", !case_sensitive)?.ok_or("pattern: 'regex' is required")?,
            unless: regexes(spec, "unless", true)?,
            unless_before: regexes(spec, "unless_before", true)?,
            unless_message: regexes(spec, "unless_message", true)?,
        })
    }

    /// Whether an `unless_message` judges the whole segment.
    pub fn judges_whole(&self) -> bool {
        !self.unless_message.is_empty()
    }

    /// The hits; a regex that runs past its limit ends them (those before stand).
    pub fn matches(&self, text: &str) -> Outcome {
        let mut hits = Vec::new();
        match self.find(text, &mut hits) {
            Ok(()) => Outcome::of(hits),
            Err(TimedOut) => Outcome::stopped(hits),
        }
    }

    fn find(&self, text: &str, hits: &mut Vec<Hit>) -> Result<(), TimedOut> {
        if any_in(&self.unless_message, text)? {
            return Ok(());
        }
        for m in self.regex.find_iter(text) {
            let (start, end) = m?;
            if !self.unless.is_empty() || !self.unless_before.is_empty() {
                let (s, e) = sentence_bounds(text, start, end);
                if any_in(&self.unless, &text[s..e])?
                    || any_in(&self.unless_before, &text[s..start])?
                {
                    continue;
                }
            }
            hits.push(Hit::new(start, end));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spans(spec: Value, text: &str) -> Vec<(usize, usize)> {
        let m = PatternMatcher::compile(&spec).unwrap();
        m.matches(text)
            .hits
            .iter()
            .map(|h| (h.start, h.end))
            .collect()
    }

    #[test]
    fn matches_case_insensitively_unless_told() {
        assert_eq!(spans(json!({"regex": "click"}), "Please CLICK"), [(7, 12)]);
        assert!(spans(json!({"regex": "click", "case_sensitive": true}), "CLICK").is_empty());
    }

    #[test]
    fn unless_is_tried_on_the_sentence_of_the_match() {
        let spec = json!({"regex": "click", "unless": "policy forbids"});
        let text = "The policy forbids asking you to click. Now click it.";
        assert_eq!(spans(spec, text), [(44, 49)]);
    }

    #[test]
    fn unless_before_sees_only_the_sentence_before_the_match() {
        let spec = json!({"regex": "deploy", "unless_before": "\\bnot\\b"});
        assert!(spans(spec.clone(), "Do not deploy now.").is_empty());
        assert_eq!(spans(spec, "Deploy it, not later."), [(0, 6)]);
    }

    #[test]
    fn unless_message_silences_the_whole_segment() {
        let spec = json!({"regex": "deploy", "unless_message": ["if the cto approves"]});
        assert!(spans(spec, "Deploy. Then deploy again, if the CTO approves.").is_empty());
    }
}
