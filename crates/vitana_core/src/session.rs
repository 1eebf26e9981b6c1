//! A transcript session's state while its document is scanned: the gateway steps the
//! agent took (judged by sequence rules when the document ends), what the tools
//! printed (evidence for context rules), and whether a human approved a fallback.

use std::collections::HashMap;
use std::sync::Arc;

use crate::findings::Suppression;
use crate::matchers::context::Evidence;
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
    pub steps: Vec<Step>,
    /// per context entry (its index among the pack's context entries)
    pub evidence: HashMap<usize, Evidence>,
    /// a human approved a fallback: VG1xx findings from then on are suppressed, with
    /// the approving message as justification
    pub approval: Option<Suppression>,
}
