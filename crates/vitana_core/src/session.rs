//! A transcript session's state while its document is scanned: the gateway steps the
//! agent took (judged by sequence rules when the document ends), what the tools
//! printed (evidence for context rules), and whether a human approved a fallback.

use std::collections::HashMap;
use std::sync::Arc;

use crate::findings::Suppression;
use crate::matchers::context::Evidence;
use crate::matchers::sequence::{SequenceMatcher, Verdict, Watch};
use crate::model::{Request, Segment};

/// One gateway call of the standard flow (create-pr, safe-merge, deploy, verify).
#[derive(Debug, Clone)]
pub struct Step {
    pub name: String,
    /// the segment the call was made in (its number in the document), whole: a
    /// sequence finding at the document's end points into it
    pub segment: usize,
    pub seg: Arc<Segment>,
    /// the segment's path and first line (a cap notice points there)
    pub path: String,
    pub line: u64,
    /// the request's byte span in that text
    pub start: usize,
    pub end: usize,
    /// the call itself (the live guard records it)
    pub request: Request,
}

#[derive(Debug, Clone, Default)]
pub struct Session {
    /// the steps held, in order: all of them, or (when the scan streams) those a sequence
    /// rule may still report
    pub steps: Vec<Step>,
    /// each held step's number among all the session's steps
    pub held: Vec<usize>,
    /// the name of every step of the session, held or not
    pub names: Vec<Arc<str>>,
    /// per sequence entry: what its matcher knows of the steps so far (streaming only)
    pub watches: Vec<Watch>,
    /// per held step: the sequence entries it waits on (`Verdict::Pending`), and whether
    /// one reports it already (streaming only)
    pub waits: Vec<(Vec<usize>, bool)>,
    /// per context entry (its index among the pack's context entries)
    pub evidence: HashMap<usize, Evidence>,
    /// a human approved a fallback: VG1xx findings from then on are suppressed, with
    /// the approving message as justification
    pub approval: Option<Suppression>,
}

impl Session {
    /// Adds a step named `name` (one of few names, shared). Streaming (`matchers` given:
    /// the sequence entries' matchers, in order), the step is held only while one of them
    /// may report it, and a held step that a later one answers is let go: a session's
    /// memory is its step names, not its steps' segments.
    pub fn push_step(&mut self, name: Arc<str>, step: Step, matchers: Option<&[&SequenceMatcher]>) {
        let number = self.names.len();
        self.names.push(Arc::clone(&name));
        let Some(matchers) = matchers else {
            self.steps.push(step);
            self.held.push(number);
            return;
        };
        if self.watches.len() != matchers.len() {
            self.watches = vec![Watch::default(); matchers.len()];
        }
        // the steps this one answers
        let mut k = 0;
        while k < self.steps.len() {
            let (pending, flagged) = &mut self.waits[k];
            pending.retain(|&m| !matchers[m].answers(&name));
            if pending.is_empty() && !*flagged {
                self.steps.remove(k);
                self.held.remove(k);
                self.waits.remove(k);
            } else {
                k += 1;
            }
        }
        if self.steps.is_empty() && self.steps.capacity() > 0 {
            // a finished session keeps no room for steps it let go
            self.steps = Vec::new();
            self.held = Vec::new();
            self.waits = Vec::new();
        }
        let (mut pending, mut flagged) = (Vec::new(), false);
        for (m, matcher) in matchers.iter().enumerate() {
            match matcher.observe(&mut self.watches[m], &name) {
                Verdict::Flagged => flagged = true,
                Verdict::Pending => pending.push(m),
                Verdict::Clear => {}
            }
        }
        if flagged || !pending.is_empty() {
            self.steps.push(step);
            self.held.push(number);
            self.waits.push((pending, flagged));
        }
    }

    /// The held step of number `number`.
    pub fn step(&self, number: usize) -> Option<&Step> {
        self.held
            .binary_search(&number)
            .ok()
            .map(|i| &self.steps[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn step(name: &str) -> Step {
        Step {
            name: name.into(),
            segment: 0,
            seg: Arc::new(Segment {
                text: String::new(),
                channel: crate::model::Channel::Request,
                origin: crate::model::Origin::default(),
                line: 1,
                column: 1,
                indent: 0,
                flat: false,
            }),
            path: "t.jsonl".into(),
            line: 1,
            start: 0,
            end: 0,
            request: Request::bare("POST".into(), String::new()),
        }
    }

    #[test]
    fn a_streaming_session_holds_only_the_steps_still_to_judge() {
        let merge_first = SequenceMatcher::compile(
            &json!({"step": "deploy", "after": "create-pr", "requires_before": "safe-merge"}),
        )
        .unwrap();
        let verified =
            SequenceMatcher::compile(&json!({"step": "deploy", "requires_after": ["verify"]}))
                .unwrap();
        let matchers = [&merge_first, &verified];
        let (mut streamed, mut whole) = (Session::default(), Session::default());
        let flow = ["create-pr", "safe-merge", "deploy", "verify"];
        // a thousand good flows, then a deploy with no merge and one never verified
        let names = flow.iter().cycle().take(4000).chain(&[
            "create-pr",
            "deploy",
            "verify",
            "safe-merge",
            "deploy",
        ]);
        for name in names {
            let n: Arc<str> = Arc::from(*name);
            streamed.push_step(Arc::clone(&n), step(name), Some(&matchers));
            whole.push_step(n, step(name), None);
        }
        assert_eq!(whole.steps.len(), 4005);
        assert_eq!(streamed.names.len(), 4005);
        // held: the deploy without a merge (reported) and the last, still unverified
        assert_eq!(streamed.held, [4001, 4004]);
        // a session whose steps are all judged holds none, nor room for them
        let mut done = Session::default();
        for name in ["create-pr", "safe-merge", "deploy", "verify"] {
            done.push_step(Arc::from(name), step(name), Some(&matchers));
        }
        assert_eq!(done.steps.capacity(), 0);
        for m in matchers {
            let names: Vec<&str> = streamed.names.iter().map(|n| &**n).collect();
            for i in m.judge(&names) {
                assert!(streamed.step(i).is_some());
                assert_eq!(streamed.step(i).unwrap().name, whole.step(i).unwrap().name);
            }
        }
    }
}
