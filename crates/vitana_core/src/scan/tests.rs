use super::*;
use crate::model::{Origin, Status};
use crate::pack::Pack;

pub(super) fn compiled() -> Arc<Compiled> {
    let json = r#"{"format": 3,
      "params": {"approval_pattern": "(?i)\\bCTO\\b[^\\n]{0,50}?\\bapprov\\w*", "approval_negation": "(?i)\\bnot approv",
                 "approval_covers": ["VG1"], "control_plane_prefixes": ["/api/v1/"],
                 "endpoints": {"deploy": {"method": "POST", "path": "/api/v1/deploy"}},
                 "gateway_url": "https://gw.example.run.app"},
      "rules": [
        {"id": "VG101", "severity": "error", "channels": ["command"], "keywords": ["gcloud"],
         "include": [], "exclude": [], "enabled": true, "chosen": true, "slug": "direct-deploy",
         "policy": "§1", "message": "`{{ matched }}` runs {{ program }}; call {{ gateway_url }}"},
        {"id": "VG301", "severity": "warning", "channels": ["prose"], "keywords": ["click"],
         "include": [], "exclude": ["*.md"], "enabled": true, "chosen": true},
        {"id": "VG401", "severity": "warning", "channels": ["meta"], "keywords": [],
         "include": [], "exclude": [], "enabled": true, "chosen": true},
        {"id": "VG601", "severity": "error", "channels": ["request"], "keywords": [],
         "include": [], "exclude": [], "enabled": true, "chosen": true,
         "message": "{{ step }} before {{ missing }}"},
        {"id": "VG202", "severity": "error", "channels": ["command"], "keywords": ["acme"],
         "include": [], "exclude": [], "enabled": true, "chosen": true, "message": "repo"},
        {"id": "VG401", "severity": "error", "channels": ["request"], "keywords": ["/api/v1/"],
         "include": ["ops/**"], "exclude": [], "enabled": true, "chosen": true,
         "message": "service {{ value }} is {{ problem }}"}],
      "entries": [
        {"rule": 0, "kind": "command", "spec": {"program": "gcloud", "words": ["run", "deploy"]},
         "channels": ["command"], "actors": null, "kinds": null, "not_kinds": [], "calls_only": false},
        {"rule": 1, "kind": "pattern", "spec": {"regex": "please click"},
         "channels": ["prose"], "actors": null, "kinds": null, "not_kinds": [], "calls_only": false},
        {"rule": 2, "kind": "require", "spec": {"regex": "VTID-\\d+"},
         "channels": ["meta"], "actors": null, "kinds": null, "not_kinds": [], "calls_only": false},
        {"rule": 3, "kind": "sequence", "spec": {"step": "deploy", "requires_before": "safe-merge"},
         "channels": ["request"], "actors": null, "kinds": null, "not_kinds": [], "calls_only": false},
        {"rule": 4, "kind": "pattern", "spec": {"regex": "(?<![\\w.-])acme/legacy(?![\\w-])"},
         "channels": ["command"], "actors": null, "kinds": null, "not_kinds": [], "calls_only": false},
        {"rule": 5, "kind": "payload", "spec": {"endpoint": "deploy", "field": "service", "not_in": ["gateway"]},
         "channels": ["request"], "actors": null, "kinds": null, "not_kinds": [], "calls_only": false}]}"#;
    Arc::new(Compiled::new(Pack::from_json(json).unwrap()).unwrap())
}

fn seg(text: &str, channel: Channel, path: &str) -> Segment {
    Segment {
        text: text.into(),
        channel,
        origin: Origin {
            path: path.into(),
            kind: "shell".into(),
            ..Origin::default()
        },
        line: 1,
        column: 1,
        indent: 0,
        flat: false,
    }
}

fn scan(s: &mut DocumentScanner, segments: &[Segment]) -> (Vec<Finding>, Vec<ScanNotice>) {
    let mut notices = Vec::new();
    for seg in segments {
        notices.extend(s.scan_segment(seg).notices);
    }
    let (found, more) = s.finish();
    notices.extend(more);
    (found, notices)
}

fn ids(found: &[Finding]) -> Vec<&str> {
    found.iter().map(|f| f.rule_id.as_str()).collect()
}

#[test]
fn commands_are_gated_on_what_they_run() {
    let mut s = DocumentScanner::new(compiled(), None);
    let (found, _) = scan(
        &mut s,
        &[
            seg(
                "echo hi\ng''cloud run deploy api\n",
                Channel::Command,
                "x.sh",
            ),
            seg("gcloud run list", Channel::Command, "y.sh"),
        ],
    );
    assert_eq!(ids(&found), ["VG101"]);
    let f = &found[0];
    assert_eq!(
        (f.path.as_str(), f.line, f.column, f.end_line, f.end_column),
        ("x.sh", 2, 1, 2, 24)
    );
    assert_eq!(f.snippet, "g''cloud run deploy api");
    assert_eq!(
        f.message,
        "`g''cloud run deploy api` runs gcloud; call https://gw.example.run.app"
    );
    assert_eq!(
        (f.slug.as_str(), f.policy.as_str(), f.severity.as_str()),
        ("direct-deploy", "§1", "error")
    );
    assert_eq!(
        f.fingerprint,
        findings::fingerprint("VG101", "x.sh", "g''cloud run deploy api")
    );
}

#[test]
fn paths_choose_rules_and_require_fires_on_absence() {
    let mut s = DocumentScanner::new(compiled(), None);
    let (found, _) = scan(
        &mut s,
        &[
            seg("So please click it", Channel::Prose, "a.txt"),
            seg("So please click it", Channel::Prose, "docs/a.md"),
            seg("feature/no-id", Channel::Meta, "pr"),
            seg("feature/VTID-0518", Channel::Meta, "pr2"),
        ],
    );
    let got: Vec<_> = found
        .iter()
        .map(|f| (f.rule_id.as_str(), f.path.as_str()))
        .collect();
    assert_eq!(got, [("VG301", "a.txt"), ("VG401", "pr")]);
}

#[test]
fn look_around_payload_and_path_globs_run_in_the_core() {
    let mut s = DocumentScanner::new(compiled(), None);
    let call = "git clone acme/legacy x; git clone my-acme/legacy\n\
                curl -X POST https://gw.example.run.app/api/v1/deploy -d '{\"service\": \"nope\"}'\n";
    let (found, notices) = scan(
        &mut s,
        &[
            seg(call, Channel::Command, "ops/a.sh"),
            seg(call, Channel::Command, "b.sh"),
        ],
    );
    assert!(notices.is_empty());
    let got: Vec<_> = found
        .iter()
        .map(|f| (f.rule_id.as_str(), f.path.as_str(), f.line))
        .collect();
    // VG401 reads ops/ only (paths.include)
    assert_eq!(
        got,
        [
            ("VG202", "b.sh", 1),
            ("VG202", "ops/a.sh", 1),
            ("VG401", "ops/a.sh", 2)
        ]
    );
    let vg401 = &found[2];
    assert_eq!(vg401.message, "service nope is 'nope' is not allowed");
    assert_eq!(vg401.snippet, "nope"); // the field's value, where it is written
}

#[test]
fn findings_past_the_cap_become_one_notice() {
    let mut s = DocumentScanner::new(compiled(), None);
    let text = "please click\n".repeat(MAX_FINDINGS_PER_RULE + 5);
    let r = s.scan_segment(&seg(&text, Channel::Prose, "a.txt"));
    assert_eq!(r.found, MAX_FINDINGS_PER_RULE);
    assert_eq!(r.notices.len(), 1);
    assert!(r.notices[0].message.starts_with("VG301: more than 1000"));
    assert_eq!(s.finish().0.len(), MAX_FINDINGS_PER_RULE);
}

#[test]
fn a_humans_approval_covers_later_findings_of_its_session() {
    let mut s = DocumentScanner::new(compiled(), None);
    let mut user = seg("The CTO approved the fallback.", Channel::User, "t.jsonl");
    user.origin.session = Some("s1".into());
    user.origin.actor = Some(Actor::Human);
    let r = s.scan_segment(&user);
    assert_eq!(r.approval, Some(4));
    let mut call = seg("gcloud run deploy api", Channel::Command, "t.jsonl");
    call.origin.session = Some("s1".into());
    call.origin.actor = Some(Actor::Agent);
    call.origin.status = Some(Status::Executed);
    call.line = 2;
    s.scan_segment(&call);
    let mut denied = user.clone();
    denied.origin.session = Some("s2".into());
    denied.text = "The CTO has not approved it.".into();
    assert_eq!(s.scan_segment(&denied).approval, None);
    let (found, _) = s.finish();
    let why = found[0].suppression.as_ref().unwrap();
    assert_eq!(
        (why.kind, why.justification.as_str()),
        (
            "external",
            "fallback approved by the human at t.jsonl:1: \"The CTO approved the fallback.\""
        )
    );
    assert_eq!(
        found[0].properties,
        [
            ("actor", "agent".to_string()),
            ("status", "executed".into())
        ]
    );
}

#[test]
fn inline_directives_suppress_unless_told_not_to() {
    let text =
        "gcloud run deploy api # vitana-guard: ignore[VG1] staging\necho\ngcloud run deploy b\n";
    for (no_ignore, suppressed) in [(false, 1), (true, 0)] {
        let mut s = DocumentScanner::new(compiled(), None).no_ignore(no_ignore);
        let (found, _) = scan(&mut s, &[seg(text, Channel::Command, "x.sh")]);
        assert_eq!(found.len(), 2);
        let n = found.iter().filter(|f| f.suppression.is_some()).count();
        assert_eq!(n, suppressed, "no_ignore {no_ignore}");
    }
}

#[test]
fn a_sessions_steps_are_judged_when_the_document_ends() {
    let mut s = DocumentScanner::new(compiled(), None);
    let text = "echo go\ncurl -X POST https://gw.example.run.app/api/v1/deploy -d '{}'\n";
    let mut call = seg(text, Channel::Command, "t.jsonl");
    call.origin.session = Some("s1".into());
    call.origin.actor = Some(Actor::Agent);
    call.origin.status = Some(Status::Executed);
    let r = s.scan_segment(&call);
    assert!(r.step && r.found == 0);
    assert_eq!(s.steps("s1").len(), 1);
    assert_eq!(s.steps("s1")[0].name, "deploy");
    // a refused call is no step
    let mut denied = call.clone();
    denied.origin.session = Some("s2".into());
    denied.origin.status = Some(Status::Denied);
    assert!(!s.scan_segment(&denied).step);
    let (found, _) = s.finish();
    assert_eq!(ids(&found), ["VG601"]);
    assert_eq!((found[0].line, found[0].column), (2, 1));
    assert!(found[0].snippet.starts_with("curl -X POST"));
    assert_eq!(found[0].message, "deploy before safe-merge");
}

#[test]
fn a_streaming_scan_reports_the_steps_a_holding_one_does() {
    let text = "curl -X POST https://gw.example.run.app/api/v1/deploy -d '{}'\n";
    let mut segments = Vec::new();
    for i in 0..50 {
        let mut call = seg(text, Channel::Command, "t.jsonl");
        call.origin.session = Some(format!("s{}", i % 3));
        call.origin.actor = Some(Actor::Agent);
        call.origin.status = Some(Status::Executed);
        call.line = i + 1;
        segments.push(call);
    }
    let mut holding = DocumentScanner::new(compiled(), None);
    let mut streaming = DocumentScanner::new(compiled(), None);
    streaming.stream_steps(true);
    for s in &segments {
        holding.scan_segment(s);
        streaming.scan_segment(s);
    }
    let (a, b) = (holding.finish().0, streaming.finish().0);
    assert_eq!(a.len(), 50);
    assert_eq!(a, b);
}

/// A prose pattern that spans lines (with an `unless` on its sentence) and a `require`.
fn prose_pack(require: bool) -> Arc<Compiled> {
    let require_rule = if require {
        r#",{"id": "VG301", "severity": "error", "channels": ["prose"], "keywords": [],
            "include": [], "exclude": [], "enabled": true, "chosen": true}"#
    } else {
        ""
    };
    let require_entry = if require {
        r#",{"rule": 1, "kind": "require", "spec": {"regex": "VTID-\\d+"},
            "channels": ["prose"], "actors": null, "kinds": null, "not_kinds": [], "calls_only": false}"#
    } else {
        ""
    };
    let json = format!(
        r#"{{"format": 3, "params": {{"approval_pattern": "x^", "approval_negation": "x^"}},
          "rules": [{{"id": "VG501", "severity": "error", "channels": ["prose"], "keywords": ["click"],
            "include": [], "exclude": [], "enabled": true, "chosen": true}}{require_rule}],
          "entries": [{{"rule": 0, "kind": "pattern",
            "spec": {{"regex": "please\\s+click[\\s\\S]{{0,40}}?workflow", "unless": ["never"]}},
            "channels": ["prose"], "actors": null, "kinds": null, "not_kinds": [], "calls_only": false}}{require_entry}]}}"#
    );
    Arc::new(Compiled::new(Pack::from_json(&json).unwrap()).unwrap())
}

/// A long text document: filler paragraphs, with `lines` (1-based line -> text) put in.
fn long_doc(lines: &[(usize, &str)]) -> String {
    let mut out: Vec<String> = (1..=3000)
        .map(|n| {
            if n % 7 == 0 {
                String::new()
            } else {
                format!("filler line {n} of the notes")
            }
        })
        .collect();
    for &(n, t) in lines {
        out[n - 1] = t.to_owned();
    }
    out.join("\n") + "\n"
}

fn prose(text: &str) -> Segment {
    let mut s = seg(text, Channel::Prose, "notes.txt");
    s.origin.kind = "text".into();
    s
}

/// (rule, line, end line, column, snippet, fingerprint) of the findings touching `focus`.
fn touching(found: &[Finding], focus: &[u64]) -> Vec<(String, u64, u64, u64, String, String)> {
    found
        .iter()
        .filter(|f| {
            focus
                .iter()
                .any(|&l| f.line <= l && l <= f.end_line.max(f.line))
        })
        .map(|f| {
            (
                f.rule_id.clone(),
                f.line,
                f.end_line,
                f.column,
                f.snippet.clone(),
                f.fingerprint.clone(),
            )
        })
        .collect()
}

#[test]
fn a_focused_scan_matches_windows_around_the_focus_lines_only() {
    let text = long_doc(&[(1500, "please click Run workflow")]);
    let mut whole = DocumentScanner::new(prose_pack(false), None);
    let (all, _) = scan(&mut whole, &[prose(&text)]);
    let mut focused = DocumentScanner::new(prose_pack(false), Some(vec![1500]));
    let (found, _) = scan(&mut focused, &[prose(&text)]);
    assert_eq!(touching(&found, &[1500]), touching(&all, &[1500]));
    assert_eq!(touching(&found, &[1500]).len(), 1);
    assert_eq!(whole.matched_bytes(), text.len());
    // the margin and the paragraphs around it, not the 90 KB document
    assert!(
        focused.matched_bytes() < 8 * 1024,
        "{}",
        focused.matched_bytes()
    );
}

#[test]
fn a_focused_scan_finds_a_match_that_starts_lines_above_the_focus_line() {
    // the match starts on line 1498 and ends on the focus line 1500
    let text = long_doc(&[
        (1498, "you should please"),
        (1499, "click"),
        (1500, "Run workflow now"),
    ]);
    let mut whole = DocumentScanner::new(prose_pack(false), None);
    let (all, _) = scan(&mut whole, &[prose(&text)]);
    let mut focused = DocumentScanner::new(prose_pack(false), Some(vec![1500]));
    let (found, _) = scan(&mut focused, &[prose(&text)]);
    let got = touching(&found, &[1500]);
    assert_eq!(got, touching(&all, &[1500]));
    assert_eq!((got[0].1, got[0].2), (1498, 1500));
}

#[test]
fn a_focused_scan_sees_the_sentence_an_unless_judges() {
    // "never" opens the sentence three lines above the focus line: no finding
    let text = long_doc(&[
        (1496, "You must never"),
        (1497, "ask anyone to"),
        (1498, "please"),
        (1499, "click"),
        (1500, "Run workflow."),
    ]);
    let mut focused = DocumentScanner::new(prose_pack(false), Some(vec![1500]));
    let (found, _) = scan(&mut focused, &[prose(&text)]);
    assert!(touching(&found, &[1500]).is_empty());
}

#[test]
fn a_focused_scan_judges_a_require_on_the_whole_segment() {
    // the VTID sits far above the focus line: the document is not missing it
    let text = long_doc(&[
        (3, "Tracked as VTID-0518"),
        (1500, "please click Run workflow"),
    ]);
    let mut focused = DocumentScanner::new(prose_pack(true), Some(vec![1500]));
    let (found, _) = scan(&mut focused, &[prose(&text)]);
    assert_eq!(ids(&found), ["VG501"]);
    assert_eq!(focused.matched_bytes(), text.len());
}

#[test]
fn focus_windows_cover_every_focus_line_and_merge() {
    let text = long_doc(&[]);
    let lines = [10, 11, 2000, 2003, 2040];
    let spans = window_spans(text.as_bytes(), &lines.map(|l| l - 1));
    let line_of = |at: usize| text[..at].matches('\n').count();
    for l in lines {
        assert!(
            spans
                .iter()
                .any(|&(_, a, b)| line_of(a) < l && l <= line_of(b)),
            "line {l}: {spans:?}"
        );
    }
    assert_eq!(spans.len(), 2, "{spans:?}"); // those 40 lines apart meet
    for &(first, a, _) in &spans {
        assert_eq!(line_of(a), first);
        // a paragraph's first line (or the text's)
        assert!(a == 0 || text[..a].ends_with("\n\n"));
    }
}
