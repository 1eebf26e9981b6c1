//! `context`: a statement judged against what the session's tools printed before it
//! (its spec compiled by `engine/matchers/context.py`). Fires on `regex` when an earlier tool output of the session
//! matched `after_output` and none matched `unless_output`. Outside a session there is
//! no evidence, so it never fires.

use regex::{Regex, RegexBuilder};
use serde_json::Value;

use super::{any_in, regex, regexes, sentence_bounds, Hit, Outcome};
use crate::pattern::{Pattern, TimedOut};

/// What a session's tool output has shown so far, for one context matcher.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Evidence {
    /// the first failing output's matched text
    pub failure: Option<String>,
    pub success: bool,
}

#[derive(Debug, Clone)]
pub struct ContextMatcher {
    regex: Pattern,
    after_output: Pattern,
    unless_output: Option<Pattern>,
    unless: Vec<Pattern>,
    /// tried on the clause that holds the claim (the end of the match)
    unless_clause: Vec<Pattern>,
    clause_break: Regex,
}

impl ContextMatcher {
    pub fn compile(spec: &Value) -> Result<ContextMatcher, String> {
        Ok(ContextMatcher {
            regex: regex(spec, "regex", true)?.ok_or("context: 'regex' is required")?,
            after_output: regex(spec, "after_output", true)?
                .ok_or("context: 'after_output' is required")?,
            unless_output: regex(spec, "unless_output", true)?,
            unless: regexes(spec, "unless", true)?,
            unless_clause: regexes(spec, "unless_clause", true)?,
            // what separates the clauses of a sentence: punctuation, and the words that
            // open a subordinate or coordinate clause
            clause_break: RegexBuilder::new(
                r"[,;:()\x{2014}]|\s-\s|\b(?:which|but|though|although|whereas|while|yet)\b",
            )
            .case_insensitive(true)
            .build()
            .map_err(|e| e.to_string())?,
        })
    }

    /// Records what a tool's output shows (Err: a regex ran past its limit).
    pub fn observe(&self, output: &str, evidence: &mut Evidence) -> Result<(), TimedOut> {
        if evidence.failure.is_none() {
            if let Some((s, e)) = self.after_output.find(output)? {
                evidence.failure = Some(output[s..e].to_owned());
            }
        }
        if let Some(u) = &self.unless_output {
            if u.is_match(output)? {
                evidence.success = true;
            }
        }
        Ok(())
    }

    pub fn matches(&self, text: &str, evidence: &Evidence) -> Outcome {
        let mut hits = Vec::new();
        match self.find(text, evidence, &mut hits) {
            Ok(()) => Outcome::of(hits),
            Err(TimedOut) => Outcome::stopped(hits),
        }
    }

    fn find(&self, text: &str, evidence: &Evidence, hits: &mut Vec<Hit>) -> Result<(), TimedOut> {
        let failure = match (&evidence.failure, evidence.success) {
            (Some(f), false) => f,
            _ => return Ok(()),
        };
        for m in self.regex.find_iter(text) {
            let (start, end) = m?;
            let (s, e) = sentence_bounds(text, start, end);
            if any_in(&self.unless, &text[s..e])? {
                continue;
            }
            if !self.unless_clause.is_empty() {
                let from = self.clause_start(text, s, end);
                let to = self.clause_end(text, end, e);
                if from <= to && any_in(&self.unless_clause, &text[from..to])? {
                    continue;
                }
            }
            let mut hit = Hit::new(start, end);
            hit.variables
                .push(("evidence", Value::from(failure.as_str())));
            hits.push(hit);
        }
        Ok(())
    }

    /// Where the clause holding the character before `at` begins (within its sentence).
    fn clause_start(&self, text: &str, sentence_start: usize, at: usize) -> usize {
        let mut start = sentence_start;
        // the search sees `text[..at]` only, as `finditer(text, s, at)` does
        let window = &text[..at];
        let mut pos = sentence_start;
        while let Some(m) = self.clause_break.find_at(window, pos) {
            if m.end() < at {
                start = m.start();
            }
            pos = m.end().max(pos + 1);
            if pos > window.len() {
                break;
            }
        }
        start
    }

    fn clause_end(&self, text: &str, at: usize, sentence_end: usize) -> usize {
        self.clause_break
            .find_at(&text[..sentence_end], at)
            .map_or(sentence_end, |m| m.start())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn matcher() -> ContextMatcher {
        ContextMatcher::compile(&json!({
            "regex": "gateway is down", "after_output": "\\b403\\b",
            "unless_output": "HTTP/1.1 200", "unless_clause": "does not mean"}))
        .unwrap()
    }

    #[test]
    fn fires_only_after_a_failing_output() {
        let m = matcher();
        let mut ev = Evidence::default();
        assert!(m.matches("The gateway is down.", &ev).hits.is_empty());
        m.observe("error 403 forbidden", &mut ev).unwrap();
        let hits = m.matches("The gateway is down.", &ev).hits;
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].variables, [("evidence", json!("403"))]);
        m.observe("HTTP/1.1 200 OK", &mut ev).unwrap();
        assert!(m.matches("The gateway is down.", &ev).hits.is_empty());
    }

    #[test]
    fn a_claim_negated_in_its_clause_is_no_claim() {
        let m = matcher();
        let mut ev = Evidence::default();
        m.observe("403", &mut ev).unwrap();
        assert!(m
            .matches(
                "It answered 403, which does not mean the gateway is down.",
                &ev
            )
            .hits
            .is_empty());
        assert_eq!(
            m.matches("It does not mean much, the gateway is down.", &ev)
                .hits
                .len(),
            1
        );
    }
}
