use super::*;
use crate::model::{Channel, Origin};
use serde_json::json;

fn rule(message: &str) -> Rule {
    Rule {
        id: "VG101".into(),
        slug: "deploy".into(),
        severity: "error".into(),
        policy: "§1".into(),
        message: message.into(),
        instead: String::new(),
        channels: vec![Channel::Command],
        keywords: Vec::new(),
        include: Vec::new(),
        exclude: Vec::new(),
        enabled: true,
        chosen: true,
    }
}

fn seg(text: &str) -> Segment {
    Segment {
        text: text.into(),
        channel: Channel::Command,
        origin: Origin {
            path: "ops/x.sh".into(),
            kind: "shell".into(),
            record_id: Some("toolu_1".into()),
            actor: Some(Actor::Agent),
            status: Some(Status::Executed),
            tool: Some("Bash".into()),
            ..Origin::default()
        },
        line: 3,
        column: 5,
        indent: 2,
        flat: false,
    }
}

fn render(template: &str, vars: &[(&'static str, Value)]) -> String {
    let params = json!({"gateway_url": "https://gw.run.app", "allowed_services": ["a", "b"],
                        "flag": true, "none": null, "table": {"k": [1, 2.5, "x"]}});
    Messages::new(&[rule(template)], &params).render(0, vars, "the match")
}

#[test]
fn messages_render_as_jinja2_with_pythons_str() {
    assert_eq!(render("plain", &[]), "plain");
    assert_eq!(
        render("`{{ matched }}` via {{ gateway_url }}", &[]),
        "`the match` via https://gw.run.app"
    );
    assert_eq!(render("{{ allowed_services | join(', ') }}", &[]), "a, b");
    assert_eq!(render("{{ allowed_services }}", &[]), "['a', 'b']");
    assert_eq!(
        render("{{ flag }} {{ none }} {{ table }}", &[]),
        "True None {'k': [1, 2.5, 'x']}"
    );
    assert_eq!(render("[{{ missing }}]", &[]), "[]");
    // a hit's variable wins over a parameter; `matched` over both
    let vars = [("gateway_url", json!("mine")), ("matched", json!("no"))];
    assert_eq!(
        render("{{ gateway_url }} {{ matched }}", &vars),
        "mine the match"
    );
    // `or` reads Python's truth
    assert_eq!(
        render(
            "{{ focus or value or matched }}",
            &[("focus", json!("")), ("value", json!(false))]
        ),
        "the match"
    );
    assert_eq!(
        render(
            "{{ focus or value }}",
            &[("focus", json!("")), ("value", json!(0.0))]
        ),
        "0.0"
    );
    assert_eq!(
        render("{{ value }}", &[("value", crate::model::unknown_value())]),
        "UNKNOWN"
    );
    // a template that does not render is shown as written
    assert_eq!(render("{{ nope.attr }}", &[]), "{{ nope.attr }}");
    assert_eq!(render("{{ unclosed", &[]), "{{ unclosed");
    assert_eq!(
        render("{{ gateway_url | host }} {{ 'a.b' | re }}", &[]),
        "gw.run.app a\\.b"
    );
}

#[test]
fn positions_count_code_points_from_the_segment_start() {
    let s = seg("é x\n  ab\ncd");
    assert_eq!(position(&s, 0), (3, 5));
    assert_eq!(position(&s, 3), (3, 7)); // after "é " (é is two bytes)
    assert_eq!(
        position(&s, s.text.find('b').unwrap()),
        (4, 3 + 2 + 1 - 1 + 1)
    );
    let mut flat = seg("a\nb");
    flat.flat = true;
    assert_eq!(position(&flat, 2), (3, 5));
    assert_eq!(source_line("a\nxyz\nb", 3), "xyz");
    assert_eq!(source_line(&("q\n".to_owned() + &"z".repeat(1001)), 5), "");
}

#[test]
fn a_finding_has_its_snippet_message_fingerprint_and_properties() {
    let s = seg("echo hi\ngcloud run deploy \\\n  api --region x\n");
    let start = s.text.find("gcloud").unwrap();
    let end = s.text.len() - 1;
    let m = Messages::new(&[rule("`{{ matched }}` deploys")], &json!({}));
    let f = finding_of(
        &rule("x"),
        0,
        &m,
        &s,
        HitIn {
            start,
            end,
            variables: &[],
        },
        None,
    );
    // the second line is indented by the segment's indent (2)
    assert_eq!((f.line, f.column, f.end_line, f.end_column), (4, 3, 5, 19));
    assert_eq!(f.message, "`gcloud run deploy api --region x` deploys");
    assert_eq!(f.snippet, "gcloud run deploy \\\n  api --region x");
    assert_eq!(f.source_line, "gcloud run deploy \\");
    // sha256("VG101\0ops/x.sh\0gcloud run deploy \\ api --region x")[:20], as Python makes it
    assert_eq!(
        f.fingerprint,
        fingerprint(
            "VG101",
            "ops/x.sh",
            "gcloud  run deploy \\\n api --region x"
        )
    );
    // the value Python's `scan.fingerprint("VG101", "a.sh", "x")` gives
    assert_eq!(fingerprint("VG101", "a.sh", "x"), "b5356f191ef37832ff10");
    assert_eq!(
        f.properties,
        [
            ("actor", "agent".to_string()),
            ("status", "executed".into()),
            ("tool", "Bash".into())
        ]
    );
    assert_eq!(f.record_id.as_deref(), Some("toolu_1"));
}

#[test]
fn a_request_field_is_pointed_at_where_it_is_written() {
    let s = seg("curl -d '{\"head\": \"main\", \"x\": 1}' https://gw/api");
    let vars = [("field", json!("head")), ("value", json!("main"))];
    let m = Messages::new(&[rule("x")], &json!({}));
    let f = finding_of(
        &rule("x"),
        0,
        &m,
        &s,
        HitIn {
            start: 0,
            end: s.text.len(),
            variables: &vars,
        },
        None,
    );
    assert_eq!(f.snippet, "main");
    assert_eq!(f.fingerprint, fingerprint("VG101", "ops/x.sh", &s.text));
}

#[test]
fn directives_suppress_on_their_line_and_the_next() {
    let mut d = Directives::default();
    d.collect(&seg(
        "x # vitana-guard: ignore[VG1, VG2] staging only -->\ny\nz # vitana-guard: ignore",
    ));
    let s = seg("a\nb\nc\nd\ne");
    let m = Messages::new(&[rule("x")], &json!({}));
    let at = |line: usize| {
        let start = s
            .text
            .char_indices()
            .filter(|&(_, c)| c == '\n')
            .nth(line)
            .map_or(0, |(i, _)| i + 1);
        finding_of(
            &rule("x"),
            0,
            &m,
            &s,
            HitIn {
                start,
                end: start + 1,
                variables: &[],
            },
            None,
        )
    };
    let found = vec![at(2), at(0), at(1), at(3), at(0)];
    let settled = settle(found.clone(), &d, false);
    // sorted, the duplicate dropped
    assert_eq!(
        settled.iter().map(|f| f.line).collect::<Vec<_>>(),
        [4, 5, 6, 7]
    );
    // directives on lines 3 and 5: each covers its line and the next
    let why: Vec<_> = settled
        .iter()
        .map(|f| f.suppression.as_ref().map(|s| s.justification.as_str()))
        .collect();
    assert_eq!(
        why,
        [
            Some("staging only"),
            Some("no reason given"),
            Some("no reason given"),
            None
        ]
    );
    assert!(settle(found, &d, true)
        .iter()
        .all(|f| f.suppression.is_none()));
}

#[test]
fn an_approval_quotes_the_human() {
    let mut s = seg("  the CTO\n approved   it ");
    s.origin.record_id = None;
    let a = approval_of(&s, 4);
    assert_eq!(a.kind, "external");
    assert_eq!(
        a.justification,
        "fallback approved by the human at ops/x.sh:3: \"the CTO approved it\""
    );
}
