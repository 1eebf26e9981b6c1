//! `context`: a statement judged against what the session's tools printed before it
//! (`matchers/context.py`). Fires on `regex` when an earlier tool output of the session
//! matched `after_output` and none matched `unless_output`. Outside a session there is
//! no evidence, so it never fires.

use regex::{Regex, RegexBuilder};
use serde_json::Value;

use super::{any_in, regex, regexes, sentence_bounds, Hit};
use crate::pattern::Pattern;

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

    /// Records what a tool's output shows.
    pub fn observe(&self, output: &str, evidence: &mut Evidence) {
        if evidence.failure.is_none() {
            if let Some(m) = self.after_output.find(output) {
                evidence.failure = Some(output[m].to_owned());
            }
        }
        if self
            .unless_output
            .as_ref()
            .is_some_and(|u| u.is_match(output))
        {
            evidence.success = true;
        }
    }

    pub fn matches(&self, text: &str, evidence: &Evidence) -> Vec<Hit> {
        let failure = match (&evidence.failure, evidence.success) {
            (Some(f), false) => f,
            _ => return Vec::new(),
        };
        let mut hits = Vec::new();
        for m in self.regex.find_iter(text) {
            let (s, e) = sentence_bounds(text, m.start, m.end);
            if any_in(&self.unless, &text[s..e]) {
                continue;
            }
            if !self.unless_clause.is_empty() {
                let from = self.clause_start(text, s, m.end);
                let to = self.clause_end(text, m.end, e);
                if from <= to && any_in(&self.unless_clause, &text[from..to]) {
                    continue;
                }
            }
            let mut hit = Hit::new(m.start, m.end);
            hit.variables.push(("evidence", failure.clone()));
            hits.push(hit);
        }
        hits
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
        assert!(m.matches("The gateway is down.", &ev).is_empty());
        m.observe("error 403 forbidden", &mut ev);
        let hits = m.matches("The gateway is down.", &ev);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].variables, [("evidence", "403".to_string())]);
        m.observe("HTTP/1.1 200 OK", &mut ev);
        assert!(m.matches("The gateway is down.", &ev).is_empty());
    }

    #[test]
    fn a_claim_negated_in_its_clause_is_no_claim() {
        let m = matcher();
        let mut ev = Evidence::default();
        m.observe("403", &mut ev);
        assert!(m
            .matches(
                "It answered 403, which does not mean the gateway is down.",
                &ev
            )
            .is_empty());
        assert_eq!(
            m.matches("It does not mean much, the gateway is down.", &ev)
                .len(),
            1
        );
    }
}
