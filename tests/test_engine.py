"""The engine: matcher kinds on small units, and what the scanner does around them
(suppressions, per-path ignores, approvals, dedupe, parameters).

The matchers are the core's (`vitana_guard._core.EntryMatcher`: one entry's spec,
compiled and run by the core on one unit, as the scanner runs it)."""
from __future__ import annotations

import json

import pytest

from conftest import dedent, jsonl, write
from vitana_guard import _core
from vitana_guard.engine.rules import load_pack
from vitana_guard.engine.scan import Selection, scan_segments
from vitana_guard.errors import UsageError
from vitana_guard.model import Suppression
from vitana_guard.normalize import http, shell
from vitana_guard.pipeline import ScanOptions, apply_path_ignores, scan_file
from vitana_guard.sources import classify
from vitana_guard.sources.files import FileEntry

CANONICAL = "https://gateway-q74ibpv6ia-uc.a.run.app"
OTHER = "https://gateway-7bq3mm2ncd-uc.a.run.app"


@pytest.fixture(scope="module")
def pack():
    return load_pack()


@pytest.fixture(scope="module")
def params(pack):
    return pack.params


def findings_in(pack, path: str, text: str, *, select=(), no_ignore=False):
    """Findings of a file's text, classified as the scanner would (no I/O)."""
    found, notices = scan_segments(
        pack, classify.segments(path, text), selection=Selection(tuple(select)), no_ignore=no_ignore
    )
    assert not [n for n in notices if n.level == "error"], notices
    return found


def active(found):
    return [(f.rule_id, f.line) for f in found if f.suppression is None]


def scan_path(pack, tmp_path, rel: str, text: str, **options):
    path = write(tmp_path / rel, text)
    entry = FileEntry(str(path), rel, path.stat().st_size)
    found, notices, _ = scan_file(pack, ScanOptions(**options), entry)
    return found, notices


def core_matcher(kind: str, spec, params) -> _core.EntryMatcher:
    """A matcher of `kind` as the core compiles it from a rendered spec (engine/packdata.py
    hands the scanner the same JSON)."""
    return _core.EntryMatcher(kind, json.dumps(spec, default=str), json.dumps(params, default=str))


# -- command matcher -----------------------------------------------------------------


def commands(text: str):
    return shell.parse(text)


@pytest.fixture(scope="module")
def run_deploy(params):
    spec = {"program": "gcloud", "words": ["run", "deploy"], "optional_words": ["alpha", "beta"]}
    return core_matcher("command", spec, params)


def matches(matcher, text: str) -> bool:
    """Whether the matcher fires on a command of the shell text."""
    return bool(matcher.hits(text))


@pytest.mark.parametrize(
    "text",
    [
        "gcloud run deploy gateway",
        "gcloud --project vitana-dev run --region us-central1 deploy gateway",
        "gcloud --verbosity=debug run deploy x",
        "gcloud --quiet run deploy x",
        "gcloud beta run deploy gateway",
        "gcloud alpha run deploy gateway",
        "/usr/lib/google-cloud-sdk/bin/gcloud run deploy gateway",
        "gcloud run deploy <SERVICE>",  # the subcommand is literal; the operand may be anything
    ],
)
def test_command_matches_words_with_flags_and_optional_words_between(run_deploy, text):
    assert matches(run_deploy, text)


@pytest.mark.parametrize(
    "text",
    [
        "gcloud run deploy --help",
        "gcloud run deploy gateway --help",
        "gcloud run services deploy x",  # a non-optional word in between
        "gcloud run gamma deploy x",
        "gcloud deploy run x",  # order matters
        "echo gcloud run deploy",
        "gcloud run",
    ],
)
def test_command_does_not_match(run_deploy, text):
    assert not matches(run_deploy, text)


@pytest.mark.parametrize(
    "text",
    [
        "gcloud $SUBCOMMAND deploy gateway",
        "gcloud <SUBCOMMAND> deploy gateway",
        "gcloud run $(echo deploy) gateway",
        "$GCLOUD run deploy gateway",
        "<CLI> run deploy gateway",
    ],
)
def test_placeholders_never_satisfy_a_literal(run_deploy, text):
    assert not matches(run_deploy, text)


def test_command_hit_spans_the_whole_simple_command(run_deploy):
    text = "npm ci && sudo -E gcloud run deploy gw --quiet; echo done"
    hits = [(start, end) for start, end, _ in run_deploy.hits(text)]
    assert len(hits) == 1
    start, end = hits[0]
    assert text[start:end].startswith("sudo -E gcloud run deploy gw")
    assert "echo" not in text[start:end]


def test_command_launcher_and_program_glob(params):
    spec = {"program_glob": ["deploy.sh", "*-deploy.sh"], "launchers": ["bash", "sh"]}
    m = core_matcher("command", spec, params)
    assert matches(m, "./scripts/gw-deploy.sh now")
    assert matches(m, "bash -x deploy.sh")
    assert not matches(m, "cat deploy.sh")
    assert not matches(m, "bash lint.sh")
    assert not matches(m, "./deploy.sh --help")


def test_command_arg_condition(params):
    spec = {"program": "git", "words": ["push"], "arg": {"from": 1, "regex": "^(?:main|master)$"}}
    m = core_matcher("command", spec, params)
    assert matches(m, "git push origin main")
    assert matches(m, "git push -f origin master")
    assert not matches(m, "git push origin feature")
    assert not matches(m, "git push origin $BRANCH")


# -- url matcher ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def gateway_urls(params):
    return core_matcher("url", {"host_contains": ["gateway"], "allow": params["gateway_url"]}, params)


def url_hits(matcher, text):
    return [variables["url"] for _, _, variables in matcher.hits(text)]


@pytest.mark.parametrize(
    "text",
    [
        f"{CANONICAL}/api/v1/cicd/health",
        f"curl -s '{CANONICAL}/api/v1/deploy/service'",
        "HTTPS://GATEWAY-Q74IBPV6IA-UC.A.RUN.APP/api/v1/cicd/health",
        "gateway-q74ibpv6ia-uc.a.run.app/api/v1/cicd/health",  # bare canonical host
        "https://oasis-operator-q74ibpv6ia-uc.a.run.app/health",  # not a gateway
    ],
)
def test_url_canonical_and_non_gateway_allowed(gateway_urls, text):
    assert url_hits(gateway_urls, text) == []


@pytest.mark.parametrize(
    "text, url",
    [
        ("http://gateway-q74ibpv6ia-uc.a.run.app/api/v1/cicd/health", "http://gateway-q74ibpv6ia-uc.a.run.app/api/v1/cicd/health"),
        (f"see {OTHER}/api/v1/cicd/health.", f"{OTHER}/api/v1/cicd/health"),
        ("curl vitana-dev-gateway-9.a.run.app/x", "vitana-dev-gateway-9.a.run.app/x"),
        ("wss://gateway-7bq3mm2ncd-uc.a.run.app/ws", "wss://gateway-7bq3mm2ncd-uc.a.run.app/ws"),
    ],
)
def test_url_non_canonical_and_plain_http_flagged(gateway_urls, text, url):
    assert url_hits(gateway_urls, text) == [url]


@pytest.mark.parametrize(
    "text",
    [
        "https://gateway-<ID>.a.run.app/api/v1/deploy/service",
        "{GATEWAY_URL}/api/v1/github/create-pr",
        "$GATEWAY_URL/api/v1/cicd/health",
        "https://${GATEWAY_HOST}/api/v1/cicd/health",
        "https://gateway-{{ revision }}.a.run.app/api",
    ],
)
def test_url_placeholders_are_unknown(gateway_urls, text):
    assert url_hits(gateway_urls, text) == []


@pytest.mark.parametrize(
    "text, url",
    [
        ("curl http://[gateway-7bq3mm2ncd-uc.a.run.app/x", "http://[gateway-7bq3mm2ncd-uc.a.run.app/x"),
        ("see https://u:p@[gateway.corp.io]:99999999/", "https://u:p@[gateway.corp.io"),  # URLs end at "]"
    ],
)
def test_url_that_urllib_rejects_is_judged_not_a_crash(gateway_urls, text, url):
    """urlsplit raises on a stray `[`: the scan of a file holding one used to end in a traceback."""
    assert url_hits(gateway_urls, text) == [url]


@pytest.fixture(scope="module")
def vg201_urls(pack):
    """VG201's own url matchers (by host; the control plane on any host), rendered with
    the policy parameters; a URL is reported once."""

    class Both:
        entries = [core_matcher(e.kind, e.spec, pack.params) for e in pack.get("VG201").entries if e.unit == "text"]

        def hits(self, text):
            seen = {}
            for m in self.entries:
                for hit in m.hits(text):
                    seen.setdefault(hit[:2], hit)
            return list(seen.values())

    return Both()


@pytest.mark.parametrize(
    "text",
    [
        "fetch('https://gateway.example/health')",  # RFC 2606/6761 reserved names
        "http://gateway.test:8080/status",
        "https://gateway.invalid/x",
        "http://gateway.localhost/x",
        "https://gateway.example.com/v1",
        "https://api-gateway.example.org/",
        "https://gateway.../api/...",  # elided placeholders
        "curl https://gateway.../api/v1/cicd/health",
        "https://<GATEWAY_URL>/api/v1/cicd/health",
        "https://gateway-<ID>.a.run.app/api/v1/deploy/service",  # the canonical host can fill it in
        "https://gateway-{hash}-uc.a.run.app/",
        "gateway-*.run.app",
        "https://gateway-xxx.a.run.app/api",
        "https://gateway-{{ revision }}.a.run.app/api",
        "https://${GATEWAY_HOST}/api/v1/github/create-pr",
    ],
)
def test_vg201_reserved_hosts_and_open_placeholders_are_not_findings(vg201_urls, text):
    assert url_hits(vg201_urls, text) == []


@pytest.mark.parametrize(
    "text, url",
    [
        # the fixed text of the placeholder already rules the canonical host out
        ("see https://vitana-gateway-<hash>-uc.a.run.app/x", "https://vitana-gateway-<hash>-uc.a.run.app/x"),
        ("url: gateway-{hash}.us-central1.run.app", "gateway-{hash}.us-central1.run.app"),
        ("GW=https://vitana-dev-gateway-*.run.app", "https://vitana-dev-gateway-*.run.app"),
        ("https://vitana-gateway.../api", "https://vitana-gateway.../api"),
        # a URL right after shell's `:-`
        ('GW="${GW:-https://gw-gateway.corp.io}"', "https://gw-gateway.corp.io"),
        ('GW="${GW:=https://gateway.corp.io/api}"', "https://gateway.corp.io/api"),
        ("H=${H:-gateway-4242.europe-west1.run.app}", "gateway-4242.europe-west1.run.app"),
        # a host without a scheme in code
        ("const c = { url: 'gateway-4242.us-east4.run.app' };", "gateway-4242.us-east4.run.app"),
        # a real non-canonical host stays one
        ("https://gateway.corp.io/health", "https://gateway.corp.io/health"),
        ("<code>gateway-4242.us-east4.run.app</code>", "gateway-4242.us-east4.run.app"),
        # a URL in a regex literal is read whole, not cut at the first `\.`
        ('origins = [r"https://preview-gateway\\.corp\\.io"]', "https://preview-gateway\\.corp\\.io"),
    ],
)
def test_vg201_closed_placeholders_shell_defaults_and_real_hosts_are_findings(vg201_urls, text, url):
    assert url_hits(vg201_urls, text) == [url]


@pytest.mark.parametrize(
    "text, url",
    [
        ("curl -X POST https://ops.corp.io/api/v1/deploy/service", "https://ops.corp.io/api/v1/deploy/service"),
        ("http://127.0.0.1:9/api/v1/github/safe-merge", "http://127.0.0.1:9/api/v1/github/safe-merge"),
        ("http://localhost:9/api/v1/github/safe-merge", "http://localhost:9/api/v1/github/safe-merge"),
        ("https://api.example.com/api/v1/github/create-pr", "https://api.example.com/api/v1/github/create-pr"),
        ("http://localhost:${PORT}/api/v1/github/create-pr", "http://localhost:${PORT}/api/v1/github/create-pr"),
    ],
)
def test_vg201_control_plane_path_on_any_other_host(vg201_urls, text, url):
    """Issue 13: the control plane is reached on the canonical host only, whatever
    another host is named (reserved names included)."""
    assert url_hits(vg201_urls, text) == [url]


@pytest.mark.parametrize(
    "text",
    [
        f"{CANONICAL}/api/v1/deploy/service",
        "$GATEWAY_URL/api/v1/deploy/service",
        "https://<gateway>/api/v1/github/safe-merge",
        "http://localhost:8080/health",
        "<code>gateway-*.run.app</code>",  # markup is not a placeholder
        r'allowed = re.compile(r"https://gateway-q74ibpv6ia-uc\.a\.run\.app")',  # the canonical host, escaped
        "https://ci:token@gateway-q74ibpv6ia-uc.a.run.app/api/v1/cicd/health",  # credentials for the canonical host
    ],
)
def test_vg201_control_plane_on_canonical_or_unknown_host_is_not_a_finding(vg201_urls, text):
    assert url_hits(vg201_urls, text) == []


def test_vg201_control_plane_in_code_is_judged_by_its_host(pack):
    """The gateway's own source calling itself on localhost names no other gateway; the
    same call run by a shell does reach another host."""
    code = "const r = await fetch(`http://localhost:${port}/api/v1/github/create-pr`, opts);\n"
    assert [f.rule_id for f in findings_in(pack, "src/self.ts", code, select=["VG201"])] == []
    script = "curl -X POST http://localhost:9/api/v1/github/safe-merge -d @merge.json || true\n"
    assert [f.rule_id for f in findings_in(pack, "merge.sh", script, select=["VG201"])] == ["VG201"]


@pytest.mark.parametrize(
    "text",
    [
        f"curl https://gateway-q74ibpv6ia-uc.a.run.app@collector.invalid/api/v1/cicd/health",
        "curl https://gateway-q74ibpv6ia-uc.a.run.app:x@evil.example/",
        "https://gateway@files.corp.io/",
    ],
)
def test_vg201_userinfo_is_judged_by_the_real_host(vg201_urls, text):
    hits = vg201_urls.hits(text)
    assert len(hits) == 1 and hits[0][2]["host"] in ("collector.invalid", "evil.example", "files.corp.io")


def test_feature_check_of_a_malformed_url_is_no_step(params):
    assert not _core.gateway_is_feature_check("GET", "http://[gateway/api/x", params["gateway_url"])
    assert _core.gateway_is_feature_check("GET", params["gateway_url"] + "/api/v1/items", params["gateway_url"])


# -- payload matcher -----------------------------------------------------------------


def request_of(text: str):
    reqs = [r for c in commands(text) if (r := http.request_from_command(c))]
    assert len(reqs) == 1, reqs
    return reqs[0]


def deploy_call(body: str | None) -> str:
    data = f" -H 'Content-Type: application/json' -d '{body}'" if body is not None else ""
    return f"curl -s -X POST {CANONICAL}/api/v1/deploy/service{data}"


@pytest.fixture(scope="module")
def service_check(params):
    spec = {"endpoint": "deploy", "field": "service", "not_in": params["allowed_services"]}
    return core_matcher("payload", spec, params)


@pytest.fixture(scope="module")
def environment_check(params):
    spec = {"endpoint": "deploy", "field": "environment", "missing": True, "not_in": ["dev"]}
    return core_matcher("payload", spec, params)


@pytest.fixture(scope="module")
def contract(params):
    return core_matcher("payload", {"endpoint": "any", "contract": True}, params)


def payload_hits(matcher, text: str) -> list[dict]:
    """The variables of the matcher's hits on the one request the shell text makes."""
    request_of(text)
    return [variables for _, _, variables in matcher.hits(text)]


def fires(matcher, text: str) -> bool:
    return bool(payload_hits(matcher, text))


def test_payload_field_checks(service_check, environment_check):
    assert fires(service_check, deploy_call('{"vtid": "AUTO", "service": "frontend", "environment": "dev"}'))
    assert not fires(service_check, deploy_call('{"vtid": "AUTO", "service": "oasis-operator", "environment": "dev"}'))
    assert fires(environment_check, deploy_call('{"vtid": "AUTO", "service": "gateway", "environment": "prod"}'))
    assert fires(environment_check, deploy_call('{"vtid": "AUTO", "service": "gateway"}'))


@pytest.mark.parametrize(
    "body",
    [
        '{"vtid": "AUTO", "service": "<SERVICE>", "environment": "<ENV>"}',
        '{"vtid": "AUTO", "service": "$SERVICE", "environment": "${ENV}"}',
        '{"vtid": "AUTO", "service": "{{service}}", "environment": "{{ env }}"}',
        '{"vtid": "AUTO", "service": <SERVICE>, "environment": <ENV>}',  # bare placeholders: still JSON
    ],
)
def test_payload_unknown_values_never_fire(service_check, environment_check, contract, body):
    text = deploy_call(body)
    assert not fires(service_check, text)
    assert not fires(environment_check, text)
    assert not fires(contract, text)


@pytest.mark.parametrize(
    "text",
    [
        f"curl -s -X POST {CANONICAL}/api/v1/deploy/service -d @payload.json",
        f"curl -s -X POST {CANONICAL}/api/v1/deploy/service -d \"$BODY\"",
        f"curl -s -X POST {CANONICAL}/api/v1/deploy/service --data-binary @-",
    ],
)
def test_payload_body_from_elsewhere_is_unknown(service_check, environment_check, contract, text):
    assert not fires(service_check, text)
    assert not fires(environment_check, text)
    assert not fires(contract, text)


def test_payload_no_body_reads_as_empty_object(service_check, environment_check, contract):
    text = deploy_call(None)
    request = request_of(text)
    assert request.body is None
    # {} has no service (not_in alone does not fire on a missing field) and no environment
    assert not fires(service_check, text)
    hits = payload_hits(environment_check, text)
    assert [h["problem"] for h in hits] == ["missing"]
    problems = [h["problems"] for h in payload_hits(contract, text)]
    assert problems == ["missing required field 'service'"]


def test_payload_contract_problems(contract):
    hits = payload_hits(contract, f"curl -s -X POST {CANONICAL}/api/v1/cicd/health")
    assert "health takes GET, not POST" in hits[0]["problems"]
    hits = payload_hits(contract, f"curl -s {CANONICAL}/api/v1/github/merge-now")
    assert "unknown control-plane endpoint /api/v1/github/merge-now" in hits[0]["problems"]
    hits = payload_hits(contract, deploy_call("{vtid: AUTO, service: gateway}"))
    assert "body is not JSON" in hits[0]["problems"]
    safe_merge = (
        f"curl -s -X POST {CANONICAL}/api/v1/github/safe-merge "
        """-d '{"vtid": "AUTO", "repo": "exafyltd/vitana-platform", "pr_number": "12", "require_checks": true}'"""
    )
    hits = payload_hits(contract, safe_merge)
    assert hits[0]["problems"] == "'pr_number' must be integer, got str"


def test_payload_other_api(params):
    m = core_matcher(
        "payload", {"method": "POST", "url_regex": r"api\.github\.com/repos/[^/\s]+/[^/\s]+/pulls/?(?:\?|$)"}, params
    )
    assert fires(m, "curl -X POST https://api.github.com/repos/o/r/pulls -d '{}'")
    assert not fires(m, "curl -s https://api.github.com/repos/o/r/pulls")


# -- sequence matcher ----------------------------------------------------------------


@pytest.fixture(scope="module")
def merge_needs_pr():
    return core_matcher("sequence", {"step": "safe-merge", "requires_before": "create-pr"}, {})


@pytest.fixture(scope="module")
def deploy_needs_merge():
    return core_matcher("sequence", {"step": "deploy", "after": "create-pr", "requires_before": "safe-merge"}, {})


@pytest.fixture(scope="module")
def deploy_needs_verify():
    return core_matcher("sequence", {"step": "deploy", "requires_after": ["verify"]}, {})


@pytest.mark.parametrize(
    "steps, flagged",
    [
        (["create-pr", "safe-merge", "deploy", "verify"], []),
        (["safe-merge"], [0]),
        (["safe-merge", "create-pr", "safe-merge"], [0]),
        (["verify", "safe-merge"], [1]),
        ([], []),
    ],
)
def test_sequence_requires_before(merge_needs_pr, steps, flagged):
    assert merge_needs_pr.judge(steps) == flagged


@pytest.mark.parametrize(
    "steps, flagged",
    [
        (["create-pr", "safe-merge", "deploy"], []),
        (["create-pr", "deploy"], [1]),
        (["deploy"], []),  # deploy-only session: work merged elsewhere
        (["deploy", "create-pr"], []),
        # a second PR resets the window: its deploy needs its own safe-merge
        (["create-pr", "safe-merge", "create-pr", "deploy"], [3]),
        (["create-pr", "safe-merge", "deploy", "create-pr", "safe-merge", "deploy"], []),
    ],
)
def test_sequence_requires_before_since_after(deploy_needs_merge, steps, flagged):
    assert deploy_needs_merge.judge(steps) == flagged


@pytest.mark.parametrize(
    "steps, flagged",
    [
        (["deploy", "verify"], []),
        (["deploy"], [0]),
        (["verify", "deploy"], [1]),
        (["deploy", "deploy", "verify"], []),
        (["deploy", "verify", "deploy"], [2]),
    ],
)
def test_sequence_requires_after(deploy_needs_verify, steps, flagged):
    assert deploy_needs_verify.judge(steps) == flagged


# -- context matcher -----------------------------------------------------------------


@pytest.fixture
def vg502(pack):
    """VG502's context matcher: `hits(text, outputs)` judges a statement made after the
    session's tools printed `outputs`."""
    entry = pack.get("VG502").entries[0]
    return core_matcher(entry.kind, entry.spec, pack.params)


CLAIM = "The CI/CD endpoints aren't deployed, so I can't create the PR."


def test_context_needs_failure_evidence(vg502):
    assert vg502.hits(CLAIM) == []
    hits = vg502.hits(CLAIM, ["curl: (7) Failed to connect to gateway-q74ibpv6ia-uc.a.run.app port 443"])
    assert len(hits) == 1 and hits[0][2]["evidence"] == "curl: (7)"


@pytest.mark.parametrize("output", ["HTTP/2 403 Forbidden", "curl: (28) Operation timed out", "curl: (6) Could not resolve host: x"])
def test_context_failure_kinds(vg502, output):
    assert vg502.hits("The gateway is not live.", [output])


@pytest.mark.parametrize(
    "text, flagged",
    [
        ("The gateway answered 403 in this container, which doesn't mean it is down.", False),
        ("A 403 from the gateway here does not mean the endpoints are not deployed.", False),
        ("The gateway timed out from the sandbox, so I can't conclude the endpoints are not deployed.", False),
        ("The gateway is down, which does not mean we should stop.", True),  # the claim's own clause
        ("The gateway is down, but the PR is ready.", True),
    ],
)
def test_context_negation_and_concession_per_clause(vg502, text, flagged):
    assert bool(vg502.hits(text, ["HTTP/2 403 Forbidden"])) is flagged


def test_context_success_clears_the_claim(vg502):
    assert vg502.hits(CLAIM, ["curl: (7) Failed to connect", '{"ok": true, "status": "ok"}']) == []


def test_context_hedged_claim_is_not_a_claim(vg502):
    assert vg502.hits("The endpoint might not be deployed in this region.", ["HTTP/2 403 Forbidden"]) == []


# -- VG502 through a session ---------------------------------------------------------


def claude_tool_call(session, n, command):
    return {
        "type": "assistant",
        "sessionId": session,
        "uuid": f"u{n}",
        "message": {"id": f"m{n}", "role": "assistant", "content": [
            {"type": "tool_use", "id": f"toolu_{n}", "name": "Bash", "input": {"command": command}}]},
    }


def claude_tool_result(session, n, output, is_error=False):
    return {
        "type": "user",
        "sessionId": session,
        "uuid": f"r{n}",
        "message": {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": f"toolu_{n}", "content": output, "is_error": is_error}]},
    }


def claude_text(session, n, text):
    return {
        "type": "assistant",
        "sessionId": session,
        "uuid": f"t{n}",
        "message": {"id": f"m{n}", "role": "assistant", "content": [{"type": "text", "text": text}]},
    }


def claude_human(session, n, text):
    return {"type": "user", "sessionId": session, "uuid": f"h{n}", "message": {"role": "user", "content": text}}


def test_vg502_only_after_failure_evidence(pack, tmp_path):
    records = [
        claude_text("s", 1, CLAIM),  # before any evidence: not reported
        claude_tool_call("s", 2, f"curl -sf {CANONICAL}/api/v1/cicd/health"),
        claude_tool_result("s", 2, "curl: (7) Failed to connect to gateway-q74ibpv6ia-uc.a.run.app port 443"),
        claude_text("s", 3, CLAIM),
    ]
    found, _ = scan_path(pack, tmp_path, "session.jsonl", jsonl(records), select=("VG502",))
    assert active(found) == [("VG502", 4)]


def test_vg502_not_after_success(pack, tmp_path):
    records = [
        claude_tool_call("s", 1, f"curl -sf {CANONICAL}/api/v1/cicd/health"),
        claude_tool_result("s", 1, "curl: (28) Operation timed out after 30001 milliseconds"),
        claude_tool_call("s", 2, f"curl -s {CANONICAL}/api/v1/cicd/health"),
        claude_tool_result("s", 2, '{"ok": true, "status": "ok"}'),
        claude_text("s", 3, CLAIM),
    ]
    found, _ = scan_path(pack, tmp_path, "session.jsonl", jsonl(records), select=("VG502",))
    assert active(found) == []


def test_vg502_evidence_is_per_session(pack, tmp_path):
    records = [
        claude_tool_call("a", 1, f"curl -sf {CANONICAL}/api/v1/cicd/health"),
        claude_tool_result("a", 1, "HTTP/2 403 Forbidden"),
        claude_text("b", 2, CLAIM),
    ]
    found, _ = scan_path(pack, tmp_path, "session.jsonl", jsonl(records), select=("VG502",))
    assert active(found) == []


def test_vg502_never_in_a_file(pack):
    text = "curl: (7) Failed to connect\n\nThe CI/CD endpoints aren't deployed.\n"
    assert findings_in(pack, "notes.txt", text) == []


# -- inline suppression ------------------------------------------------------------------


SUPPRESSED_SCRIPT = dedent(
    """
    #!/bin/bash
    gcloud run deploy gateway --source .  # vitana-guard: ignore[VG101] INC-42 hotfix, approved by CTO
    # vitana-guard: ignore[VG101] rollback drill, see runbook
    gcloud run deploy oasis-operator --source .
    # vitana-guard: ignore[VG102] wrong rule
    gcloud run deploy oasis-projector --source .
    docker push gcr.io/x/gw:1  # vitana-guard: ignore[VG101,VG103] two ids
    """
)


def test_inline_suppression_on_the_line_and_above(pack):
    found = findings_in(pack, "ops.sh", SUPPRESSED_SCRIPT)
    by_line = {f.line: f for f in found}
    assert sorted(by_line) == [2, 4, 6, 7]
    assert by_line[2].suppression == Suppression("inSource", "INC-42 hotfix, approved by CTO")
    assert by_line[4].suppression == Suppression("inSource", "rollback drill, see runbook")
    assert by_line[6].suppression is None  # the directive names another rule
    assert by_line[7].rule_id == "VG103" and by_line[7].suppression == Suppression("inSource", "two ids")


def test_no_ignore_makes_suppressed_findings_active(pack):
    found = findings_in(pack, "ops.sh", SUPPRESSED_SCRIPT, no_ignore=True)
    assert [f.suppression for f in found] == [None] * 4


def test_bare_directive_covers_every_rule(pack):
    text = "gcloud run deploy gateway  # vitana-guard: ignore\n"
    (f,) = findings_in(pack, "ops.sh", text)
    assert f.suppression == Suppression("inSource", "no reason given")


def test_directive_in_markdown_html_comment(pack):
    text = dedent(
        """
        # Runbook

        <!-- vitana-guard: ignore[VG101] historical record of the 2025 outage -->
        ```bash
        gcloud run deploy gateway --source .
        ```
        """
    )
    (f,) = findings_in(pack, "docs/outage.md", text)
    assert f.line == 5
    # only the directive's own line and the line below are covered
    assert f.suppression is None
    text = text.replace("<!-- vitana-guard: ignore[VG101] historical record of the 2025 outage -->\n```bash\n", "```bash\n# vitana-guard: ignore[VG101] historical record -->\n")
    (f,) = findings_in(pack, "docs/outage.md", text)
    assert f.suppression == Suppression("inSource", "historical record")


# -- per-path ignores ----------------------------------------------------------------


def test_per_path_ignores_mark_findings_suppressed(pack):
    found = findings_in(pack, "scripts/legacy/ops.sh", "gcloud run deploy gw\ndocker push gw\n")
    found += findings_in(pack, "scripts/ops.sh", "gcloud run deploy gw\n")
    out = apply_path_ignores(found, {"scripts/legacy/**": ("VG101",)})
    states = {(f.path, f.rule_id): f.suppression for f in out}
    assert states[("scripts/legacy/ops.sh", "VG101")] == Suppression("external", "per-path-ignores: scripts/legacy/**")
    assert states[("scripts/legacy/ops.sh", "VG103")] is None
    assert states[("scripts/ops.sh", "VG101")] is None
    # a prefix covers a family
    out = apply_path_ignores(found, {"scripts/legacy/*.sh": ("VG1",)})
    assert all(f.suppression is not None for f in out if f.path.startswith("scripts/legacy/"))


# -- approval in a transcript ----------------------------------------------------------


def test_human_cto_approval_suppresses_vg1_with_the_approving_line(pack, tmp_path):
    approval = "I'm the CTO. Approved: the gateway is down, use ./deploy.sh for oasis-projector as a one-off fallback."
    records = [
        claude_human("s", 1, approval),
        claude_tool_call("s", 2, "./deploy.sh oasis-projector"),
        claude_tool_result("s", 2, "Deploying... done"),
    ]
    found, _ = scan_path(pack, tmp_path, "approval.jsonl", jsonl(records))
    (f,) = [f for f in found if f.rule_id == "VG102"]
    assert f.line == 2 and f.record_id == "toolu_2"
    assert f.suppression is not None and f.suppression.kind == "external"
    assert "approval.jsonl:1" in f.suppression.justification
    assert approval in f.suppression.justification
    assert active(found) == []


@pytest.mark.parametrize(
    "said",
    [
        "The CTO has not approved any fallback; wait for the gateway.",
        "The CTO never authorized deploy.sh.",
        "No CTO approval yet, keep trying the gateway.",
        "the CTO denied approval for gcloud",
    ],
)
def test_negated_approval_leaves_finding_active(pack, tmp_path, said):
    records = [
        claude_human("s", 1, said),
        claude_tool_call("s", 2, "./deploy.sh oasis-projector"),
    ]
    found, _ = scan_path(pack, tmp_path, "s.jsonl", jsonl(records))
    assert active(found) == [("VG102", 2)]


def test_approval_must_come_before_and_from_the_human(pack, tmp_path):
    records = [
        claude_tool_call("s", 1, "./deploy.sh oasis-projector"),
        claude_human("s", 2, "CTO here: approved, go ahead with deploy.sh."),
        claude_text("s", 3, "The CTO approved the fallback."),  # the agent cannot approve
        claude_tool_call("s", 4, "gcloud run deploy gateway --source ."),
    ]
    found, _ = scan_path(pack, tmp_path, "s.jsonl", jsonl(records))
    states = {f.rule_id: f.suppression for f in found if f.rule_id.startswith("VG1")}
    assert states["VG102"] is None  # before the approval
    assert states["VG101"] is not None and "s.jsonl:2" in states["VG101"].justification

    records = [
        claude_text("s", 1, "The CTO approved the fallback."),
        claude_tool_call("s", 2, "./deploy.sh oasis-projector"),
    ]
    found, _ = scan_path(pack, tmp_path, "agent-only.jsonl", jsonl(records))
    assert [f.suppression for f in found if f.rule_id == "VG102"] == [None]


def test_approval_covers_only_vg1(pack, tmp_path):
    records = [
        claude_human("s", 1, "CTO approval granted for the fallback."),
        claude_tool_call("s", 2, f"curl -s {OTHER}/api/v1/cicd/health && gcloud run deploy gw"),
    ]
    found, _ = scan_path(pack, tmp_path, "s.jsonl", jsonl(records))
    states = {f.rule_id: f.suppression for f in found}
    assert states["VG101"] is not None
    assert states["VG201"] is None


# -- dedupe --------------------------------------------------------------------------


def test_url_in_a_shell_comment_is_reported_once(pack):
    text = f"#!/bin/sh\n# old: curl {OTHER}/api/v1/cicd/health\n"
    found = findings_in(pack, "ops.sh", text)
    assert [(f.rule_id, f.line, f.column) for f in found] == [("VG201", 2, 13)]


def test_one_command_one_finding_per_rule(pack):
    # two VG103 entries (docker build --push, docker buildx build --push) could both see it
    found = findings_in(pack, "ops.sh", "docker buildx build --push -t gw .\n")
    assert [(f.rule_id, f.line) for f in found] == [("VG103", 1)]


def test_same_violation_in_two_places_is_two_findings(pack):
    found = findings_in(pack, "ops.sh", "gcloud run deploy a\ngcloud run deploy a\n")
    assert [(f.rule_id, f.line) for f in found] == [("VG101", 1), ("VG101", 2)]
    assert found[0].fingerprint == found[1].fingerprint  # content fingerprint: survives line shifts


# -- parameters ----------------------------------------------------------------------


def test_parameters_override_the_canonical_gateway():
    new = "https://gateway-other.example.run.app"
    pack = load_pack(parameters={"gateway_url": new})
    text = f"curl -s {CANONICAL}/api/v1/cicd/health\ncurl -s {new}/api/v1/cicd/health\n"
    found = findings_in(pack, "check.sh", text, select=("VG2",))
    assert [(f.rule_id, f.line) for f in found] == [("VG201", 1)]
    assert new in found[0].message
    # the rendered message and the flow steps follow the parameter too
    found = findings_in(pack, "ops.sh", "gcloud run deploy gw\n")
    assert f"POST {new}/api/v1/deploy/service" in found[0].message


def test_parameters_override_lists():
    pack = load_pack(parameters={"allowed_services": ["gateway", "frontend"]})
    body = '{"vtid": "AUTO", "service": "frontend", "environment": "dev"}'
    assert findings_in(pack, "ops.sh", deploy_call(body) + "\n", select=("VG401",)) == []
    body = body.replace("frontend", "oasis-operator")
    assert [f.rule_id for f in findings_in(pack, "ops.sh", deploy_call(body) + "\n", select=("VG401",))] == ["VG401"]


def test_unknown_parameter_is_an_error():
    with pytest.raises(UsageError) as e:
        load_pack(parameters={"gateway": "https://x"}, parameters_source=".vitana-guard.yaml")
    assert "unknown parameter 'gateway'" in str(e.value)
    assert str(e.value).startswith(".vitana-guard.yaml: ")


# -- selection -----------------------------------------------------------------------


def test_selection(pack):
    rules = {r.id: r for r in pack.rules}
    assert Selection().chooses(rules["VG101"]) and not Selection().chooses(rules["VG303"])
    assert Selection(("VG303",)).chooses(rules["VG303"])
    assert not Selection(("VG3",)).chooses(rules["VG303"])  # a prefix does not enable an off rule
    assert not Selection(ignore=("VG1",)).chooses(rules["VG104"])
    assert not Selection(("VG1",), ("VG101",)).chooses(rules["VG101"])


# -- findings carry what reports need ------------------------------------------------


def test_finding_fields(pack):
    (f,) = findings_in(pack, "scripts/ops.sh", "set -e\n  gcloud run deploy gw --quiet\n")
    assert (f.rule_id, f.slug, str(f.severity), f.policy) == ("VG101", "direct-cloud-run-deploy", "error", "§2, §4.1")
    assert (f.line, f.column, f.end_line, f.end_column) == (2, 3, 2, 31)
    assert f.snippet == "gcloud run deploy gw --quiet"
    assert f.source_line == "  gcloud run deploy gw --quiet"
    assert len(f.fingerprint) == 20
    assert "`gcloud run deploy gw --quiet`" in f.message


@pytest.mark.parametrize("path", ["src/routes/ops.ts", "lib/panel.js", "tools/mirror.py", "web/app.js.backup"])
def test_vg501_does_not_judge_source_code(pack, path):
    """Issue 14: a doc comment or a product's error message is no agent asking a human."""
    text = "// Click merge to finish, then trigger the deploy workflow manually from the Actions tab.\n"
    assert [f.rule_id for f in findings_in(pack, path, text, select=["VG501"])] == []


@pytest.mark.parametrize("path", ["docs/runbook.md", "notes.txt"])
def test_vg501_still_judges_prose_documents(pack, path):
    text = "Click merge to finish, then trigger the deploy workflow manually from the Actions tab.\n"
    assert [f.rule_id for f in findings_in(pack, path, text, select=["VG501"])] == ["VG501", "VG501"]


def test_the_core_runs_every_entry(pack):
    """No entry is left to Python: the look-around regexes (VG202's repository names),
    the payload matchers and the rules' path globs run in the core (from the scan's
    parity test, deleted with the Python engine once parity held)."""
    from vitana_guard import _core
    from vitana_guard.engine.scan import scan_segments
    from vitana_guard.sources import classify

    assert not hasattr(_core.Scanner, "external_entries")
    text = ("git clone https://github.com/exafyltd/vitana-backend.git\n"
            "curl -X POST https://gateway-q74ibpv6ia-uc.a.run.app/api/v1/deploy/service"
            " -d '{\"service\": \"nope\", \"environment\": \"prod\", \"vtid\": \"\"}'\n")
    findings, _ = scan_segments(pack, classify.segments("ops/run.sh", text))
    # VG202: a look-around regex; VG401/VG402: payload field checks; VG302: a payload
    # field check without a VTID
    assert {f.rule_id for f in findings} == {"VG202", "VG302", "VG401", "VG402"}
    assert any("'prod'" in f.message for f in findings)  # a payload problem text
