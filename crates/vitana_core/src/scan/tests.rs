use super::*;
use crate::model::{Origin, Status};
use crate::pack::Pack;

fn compiled() -> Arc<Compiled> {
    let json = r#"{"format": 2,
      "params": {"approval_pattern": "(?i)\\bCTO\\b[^\\n]{0,50}?\\bapprov\\w*", "approval_negation": "(?i)\\bnot approv",
                 "approval_covers": ["VG1"], "control_plane_prefixes": ["/api/v1/"],
                 "endpoints": {"deploy": {"method": "POST", "path": "/api/v1/deploy"}},
                 "gateway_url": "https://gw.example.run.app"},
      "rules": [
        {"id": "VG101", "severity": "error", "channels": ["command"], "keywords": ["gcloud"],
         "include": [], "exclude": [], "enabled": true, "chosen": true},
        {"id": "VG301", "severity": "warning", "channels": ["prose"], "keywords": ["click"],
         "include": [], "exclude": ["*.md"], "enabled": true, "chosen": true},
        {"id": "VG401", "severity": "warning", "channels": ["meta"], "keywords": [],
         "include": [], "exclude": [], "enabled": true, "chosen": true},
        {"id": "VG601", "severity": "error", "channels": ["request"], "keywords": [],
         "include": [], "exclude": [], "enabled": true, "chosen": true}],
      "entries": [
        {"rule": 0, "kind": "command", "spec": {"program": "gcloud", "words": ["run", "deploy"]},
         "channels": ["command"], "actors": null, "kinds": null, "not_kinds": [], "calls_only": false},
        {"rule": 1, "kind": "pattern", "spec": {"regex": "please click"},
         "channels": ["prose"], "actors": null, "kinds": null, "not_kinds": [], "calls_only": false},
        {"rule": 2, "kind": "require", "spec": {"regex": "VTID-\\d+"},
         "channels": ["meta"], "actors": null, "kinds": null, "not_kinds": [], "calls_only": false},
        {"rule": 3, "kind": "sequence", "spec": {"step": "deploy", "requires_before": "safe-merge"},
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

#[test]
fn commands_are_gated_on_what_they_run() {
    let c = compiled();
    let mut s = DocumentScanner::new(c.clone(), None);
    let r = s.scan_segment(&seg(
        "echo hi\ng''cloud run deploy api\n",
        Channel::Command,
        "x.sh",
    ));
    assert_eq!(r.found.len(), 1);
    assert_eq!((r.found[0].start, r.found[0].end), (8, 31));
    assert_eq!(
        r.found[0].variables[0],
        ("program", serde_json::json!("gcloud"))
    );
    let r = s.scan_segment(&seg("gcloud run list", Channel::Command, "x.sh"));
    assert!(r.found.is_empty());
}

#[test]
fn paths_choose_rules_and_require_fires_on_absence() {
    let c = compiled();
    let mut s = DocumentScanner::new(c.clone(), None);
    assert_eq!(
        s.scan_segment(&seg("So please click it", Channel::Prose, "a.txt"))
            .found
            .len(),
        1
    );
    assert!(s
        .scan_segment(&seg("So please click it", Channel::Prose, "a.md"))
        .found
        .is_empty());
    let r = s.scan_segment(&seg("feature/no-id", Channel::Meta, "pr"));
    assert_eq!(r.found.len(), 1);
    assert!(s
        .scan_segment(&seg("feature/VTID-0518", Channel::Meta, "pr"))
        .found
        .is_empty());
}

#[test]
fn findings_past_the_cap_become_one_notice() {
    let c = compiled();
    let mut s = DocumentScanner::new(c.clone(), None);
    let text = "please click\n".repeat(MAX_FINDINGS_PER_RULE + 5);
    let r = s.scan_segment(&seg(&text, Channel::Prose, "a.txt"));
    assert_eq!(r.found.len(), MAX_FINDINGS_PER_RULE);
    assert_eq!(r.notices.len(), 1);
    assert!(r.notices[0].message.starts_with("VG301: more than 1000"));
}

#[test]
fn a_humans_approval_covers_later_findings_of_its_session() {
    let c = compiled();
    let mut s = DocumentScanner::new(c.clone(), None);
    let mut user = seg("The CTO approved the fallback.", Channel::User, "t.jsonl");
    user.origin.session = Some("s1".into());
    user.origin.actor = Some(Actor::Human);
    let r = s.scan_segment(&user);
    assert_eq!(r.approval, Some(4));
    let mut call = seg("gcloud run deploy api", Channel::Command, "t.jsonl");
    call.origin.session = Some("s1".into());
    call.origin.actor = Some(Actor::Agent);
    call.origin.status = Some(Status::Executed);
    let r = s.scan_segment(&call);
    assert!(r.found[0].approved);
    let mut denied = user.clone();
    denied.origin.session = Some("s2".into());
    denied.text = "The CTO has not approved it.".into();
    assert_eq!(s.scan_segment(&denied).approval, None);
}

#[test]
fn a_sessions_steps_are_judged_when_the_document_ends() {
    let c = compiled();
    let mut s = DocumentScanner::new(c.clone(), None);
    let text = "echo go\ncurl -X POST https://gw.example.run.app/api/v1/deploy -d '{}'\n";
    let mut call = seg(text, Channel::Command, "t.jsonl");
    call.origin.session = Some("s1".into());
    call.origin.actor = Some(Actor::Agent);
    call.origin.status = Some(Status::Executed);
    let r = s.scan_segment(&call);
    assert!(r.step && r.found.is_empty());
    assert_eq!(s.steps("s1").len(), 1);
    assert_eq!(s.steps("s1")[0].name, "deploy");
    // a refused call is no step
    let mut denied = call.clone();
    denied.origin.session = Some("s2".into());
    denied.origin.status = Some(Status::Denied);
    assert!(!s.scan_segment(&denied).step);
    let (found, _) = s.finish();
    assert_eq!(found.len(), 1);
    let (f, text_of_step) = &found[0];
    assert_eq!((f.rule, f.segment), (3, 0));
    assert_eq!(&text_of_step[f.start..f.start + 4], "curl");
    assert!(f
        .variables
        .contains(&("missing", serde_json::json!("safe-merge"))));
}
