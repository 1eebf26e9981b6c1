"""Tests of vitana_guard.normalize.http: requests from curl/wget/httpie/xh and .http blocks."""
from __future__ import annotations

import copy
import json
import pickle
import re
import shlex
import sys

import pytest

from vitana_guard.model import Command, Word
from vitana_guard.normalize.http import (
    MAX_DEPTH,
    UNKNOWN,
    parse_json_lenient,
    request_from_command,
    requests_from_http_block,
)

GW = "https://gateway-q74ibpv6ia-uc.a.run.app"


# --------------------------------------------------------------------------- helpers


def _raw_words(text: str) -> list[tuple[str, int, int]]:
    """Split shell text at unquoted blanks, keeping each word's raw text and span."""
    words: list[tuple[str, int, int]] = []
    i, n = 0, len(text)
    while i < n:
        if text[i] in " \t\n":
            i += 1
            continue
        start = i
        quote_char = ""
        while i < n:
            c = text[i]
            if quote_char:
                if c == "\\" and quote_char == '"':
                    i += 1
                elif c == quote_char:
                    quote_char = ""
            elif c in "'\"":
                quote_char = c
            elif c == "\\":
                i += 1
            elif c in " \t\n":
                break
            i += 1
        words.append((text[start:i], start, i))
    return words


def _nonliteral(raw: str) -> bool:
    # '$' outside single quotes, or a <PLACEHOLDER> word
    outside = re.sub(r"'[^']*'", "", raw)
    return "$" in outside or re.fullmatch(r"<[^<>]+>", raw) is not None


def cmd(text: str, offset: int = 0) -> Command:
    """A Command as normalize/shell.py would give it (good enough for these tests)."""
    argv = []
    for raw, s, e in _raw_words(text):
        value = None if _nonliteral(raw) else shlex.split(raw)[0] if raw not in ("''", '""') else ""
        argv.append(Word(raw, value, s + offset, e + offset))
    return Command(tuple(argv), offset, offset + len(text))


def req(text: str):
    return request_from_command(cmd(text))


def header(r, name):
    for k, v in reversed(r.headers):
        if k.lower() == name.lower():
            return v
    return None


# --------------------------------------------------------------------------- the helper itself


def test_cmd_helper():
    c = cmd("""curl -H 'A: b' "$X/y" -d "{\\"a\\": 1}" """)
    assert [w.value for w in c.argv] == ["curl", "-H", "A: b", None, "-d", '{"a": 1}']
    assert c.argv[3].raw == '"$X/y"'


# --------------------------------------------------------------------------- canonical gateway calls (curl)


CREATE_PR = (
    f"curl -s {GW}/api/v1/github/create-pr -H 'Content-Type: application/json' "
    """-d '{"vtid":"VTID-0518","base":"main","head":"feature/x","title":"T","body":"B"}'"""
)
SAFE_MERGE = (
    f"curl -X POST {GW}/api/v1/github/safe-merge -H 'Content-Type: application/json' "
    """-d '{"vtid":"VTID-0518","repo":"exafyltd/vitana-platform","pr_number":12,"require_checks":true}'"""
)
DEPLOY = (
    f"curl -sX POST '{GW}/api/v1/deploy/service' -H 'Content-Type: application/json' "
    """--data '{"vtid":"VTID-0518","service":"gateway","environment":"dev"}'"""
)


def test_create_pr_inferred_post():
    r = req(CREATE_PR)
    assert r.method == "POST" and not r.method_explicit
    assert r.url == f"{GW}/api/v1/github/create-pr"
    assert header(r, "content-type") == "application/json"
    assert r.json == {"vtid": "VTID-0518", "base": "main", "head": "feature/x", "title": "T", "body": "B"}
    assert r.body_error is None
    assert (r.start, r.end) == (0, len(CREATE_PR))


def test_safe_merge_explicit_post():
    r = req(SAFE_MERGE)
    assert r.method == "POST" and r.method_explicit
    assert r.url.endswith("/api/v1/github/safe-merge")
    assert r.json["pr_number"] == 12 and r.json["require_checks"] is True


def test_deploy_combined_short_flags():
    r = req(DEPLOY)
    assert r.method == "POST" and r.method_explicit
    assert r.url == f"{GW}/api/v1/deploy/service"
    assert r.json == {"vtid": "VTID-0518", "service": "gateway", "environment": "dev"}


def test_health_get():
    r = req("curl -s 'https://host/api/v1/cicd/health'")
    assert r.method == "GET" and not r.method_explicit
    assert r.url == "https://host/api/v1/cicd/health"
    assert r.body is None and r.json is None and r.body_error is None


def test_health_post_explicit():
    r = req("curl -s -X POST https://host/api/v1/cicd/health")
    assert r.method == "POST" and r.method_explicit
    assert r.body is None and r.json is None


def test_offsets_follow_the_command():
    text = "cd x && curl -s https://h/api"
    c = cmd(text[8:], offset=8)
    r = request_from_command(c)
    assert (r.start, r.end) == (8, len(text))


# --------------------------------------------------------------------------- curl flag forms


@pytest.mark.parametrize(
    "flags",
    ["-X POST", "-XPOST", "--request POST", "--request=POST", "-sX POST", "-sSfLX POST", "-X post"],
)
def test_curl_method_forms(flags):
    r = req(f"curl {flags} https://h/x")
    assert r.method == "POST" and r.method_explicit
    assert r.url == "https://h/x"


def test_curl_explicit_method_beats_inference():
    r = req("curl -X PUT -d a=b https://h/x")
    assert r.method == "PUT" and r.method_explicit


@pytest.mark.parametrize(
    "opt", ["-d", "--data", "--data-raw", "--data-binary", "--data-ascii", "--json", "-sd"]
)
def test_curl_data_options_infer_post(opt):
    r = req(f"curl {opt} '{{\"a\": 1}}' https://h/x")
    assert r.method == "POST" and not r.method_explicit
    assert r.body == '{"a": 1}'
    assert r.json == {"a": 1}


def test_curl_data_attached_short():
    r = req("""curl -d'{"a":1}' https://h/x""")
    assert r.json == {"a": 1}


def test_curl_form_infers_post_no_json():
    r = req("curl -F file=@x.png -F name=a https://h/upload")
    assert r.method == "POST" and not r.method_explicit
    assert r.json is None and r.body_error is None


def test_curl_get_flag_moves_data_to_query():
    r = req("curl -G -d q=1 -d r=2 https://h/search")
    assert r.method == "GET" and not r.method_explicit
    assert r.url == "https://h/search?q=1&r=2"
    assert r.body is None


def test_curl_head():
    assert req("curl -I https://h/").method == "HEAD"
    assert req("curl --head https://h/").method == "HEAD"


def test_curl_upload_file_is_put_unknown_body():
    r = req("curl -T payload.json https://h/x")
    assert r.method == "PUT" and r.json is UNKNOWN


def test_curl_json_option_sets_headers():
    r = req("""curl --json '{"a":1}' https://h/x""")
    assert r.method == "POST" and not r.method_explicit
    assert r.json == {"a": 1}
    assert header(r, "Content-Type") == "application/json"
    assert header(r, "Accept") == "application/json"


def test_curl_json_option_keeps_explicit_content_type():
    r = req("""curl --json '{"a":1}' -H 'Content-Type: application/vnd.api+json' https://h/x""")
    assert [v for k, v in r.headers if k.lower() == "content-type"] == ["application/vnd.api+json"]


def test_curl_multiple_data_joined():
    r = req("curl -d a=1 -d b=2 https://h/form")
    assert r.body == "a=1&b=2"
    assert r.json is None and r.body_error is None


def test_curl_data_urlencode():
    r = req("curl --data-urlencode 'q=a b&c' https://h/x")
    assert r.body == "q=a%20b%26c"
    assert r.json is None


@pytest.mark.parametrize(
    "data", ["-d @payload.json", "--data-binary @-", "--json @body.json", "--data @./p.json"]
)
def test_curl_body_from_file_is_unknown(data):
    r = req(f"curl -X POST -H 'Content-Type: application/json' {data} https://h/x")
    assert r.body is None
    assert r.json is UNKNOWN
    assert r.body_error is None


def test_curl_data_raw_at_is_literal():
    r = req("curl --data-raw @handle https://h/x")
    assert r.body == "@handle" and r.json is None


@pytest.mark.parametrize(
    "h", ["-H 'X-A: 1'", "--header 'X-A: 1'", "--header='X-A: 1'", "-H'X-A: 1'", "-H 'X-A:1'"]
)
def test_curl_header_forms(h):
    r = req(f"curl {h} https://h/x")
    assert r.headers == (("X-A", "1"),)


def test_curl_header_with_variable_keeps_text():
    r = req("""curl -H "Authorization: Bearer $TOKEN" https://h/x""")
    assert r.headers == (("Authorization", "Bearer $TOKEN"),)


def test_curl_non_json_body_with_json_content_type_is_an_error():
    r = req("curl -H 'Content-Type: application/json' -d 'vtid=1&x=2' https://h/x")
    assert r.json is None
    assert r.body_error.startswith("line 1 column 1: expected a value")


def test_curl_broken_json_body_is_an_error():
    r = req("""curl -H 'Content-Type: application/json' -d '{"a": 1,, }' https://h/x""")
    assert r.json is None
    assert "line 1 column 9" in r.body_error


def test_curl_url_with_variable_kept_as_written():
    r = req("""curl -X POST "$GATEWAY/api/v1/github/create-pr" -d '{"vtid":"X"}'""")
    assert r.url == "$GATEWAY/api/v1/github/create-pr"
    r = req("curl -X POST ${GATEWAY}/api/v1/cicd/health")
    assert r.url == "${GATEWAY}/api/v1/cicd/health"
    r = req("curl <GATEWAY_URL>/api/v1/cicd/health")
    assert r.url == "<GATEWAY_URL>/api/v1/cicd/health"


def test_curl_url_without_scheme_kept():
    r = req("curl -s localhost:8080/api/v1/cicd/health")
    assert r.url == "localhost:8080/api/v1/cicd/health"


def test_curl_url_option_and_double_dash():
    assert req("curl --url https://h/a -s").url == "https://h/a"
    assert req("curl -s -- https://h/b").url == "https://h/b"


def test_curl_options_with_arguments_are_not_urls():
    r = req("curl -o out.json -w '%{http_code}' -u me:pw -A agent -m 10 https://h/x")
    assert r.url == "https://h/x"


def test_curl_body_with_shell_variables():
    text = """curl -X POST "$GW/api/v1/github/safe-merge" -H "Content-Type: application/json" """ + (
        """-d "{\\"vtid\\": \\"$VTID\\", \\"pr_number\\": $PR, \\"require_checks\\": true}" """
    )
    r = req(text)
    assert r.json == {"vtid": UNKNOWN, "pr_number": UNKNOWN, "require_checks": True}
    assert r.body_error is None


def test_curl_body_with_shell_concatenation():
    text = """curl -d '{"vtid": "'"$VTID"'", "n": 1}' https://h/x"""
    r = req(text)
    assert r.json == {"vtid": UNKNOWN, "n": 1}


def test_curl_body_wholly_a_variable_is_unknown():
    r = req('curl -X POST -d "$PAYLOAD" https://h/x')
    assert r.json is UNKNOWN and r.body_error is None


def test_curl_body_from_heredoc_substitution():
    text = """curl -X POST https://h/x -H 'Content-Type: application/json' -d "$(cat <<'EOF'
{"vtid": "VTID-1", "pr_number": <N>}
EOF
)\""""
    r = req(text)
    assert r.json == {"vtid": "VTID-1", "pr_number": UNKNOWN}


@pytest.mark.parametrize("prog", ["curl.exe", "CURL.EXE", "/usr/bin/curl", r"C:\Windows\System32\curl.exe"])
def test_curl_program_spellings(prog):
    c = cmd("curl -s https://h/x")
    argv = (Word(prog, prog, 0, 4),) + c.argv[1:]
    r = request_from_command(Command(argv, c.start, c.end))
    assert r is not None and r.url == "https://h/x"


def test_curl_without_url_is_none():
    assert req("curl --version") is None
    assert req("curl -X POST -H 'A: b'") is None


# --------------------------------------------------------------------------- wget


def test_wget_post_data():
    r = req(
        f"""wget -qO- --header='Content-Type: application/json' """
        f"""--post-data='{{"vtid":"V","service":"gateway","environment":"dev"}}' {GW}/api/v1/deploy/service"""
    )
    assert r.method == "POST" and not r.method_explicit
    assert r.url == f"{GW}/api/v1/deploy/service"
    assert r.json == {"vtid": "V", "service": "gateway", "environment": "dev"}
    assert r.headers == (("Content-Type", "application/json"),)


def test_wget_forms():
    r = req("wget -q -O - https://h/health")
    assert r.method == "GET" and not r.method_explicit and r.url == "https://h/health"
    r = req("""wget --method=PUT --body-data '{"a":1}' https://h/x""")
    assert r.method == "PUT" and r.method_explicit and r.json == {"a": 1}
    r = req("wget --post-file=body.json https://h/x")
    assert r.method == "POST" and r.json is UNKNOWN and r.body is None
    r = req("wget -nv --header 'X-A: 1' https://h/x")
    assert r.url == "https://h/x" and r.headers == (("X-A", "1"),)
    r = req("wget --post-data 'a=1&b=2' https://h/x")
    assert r.body == "a=1&b=2" and r.json is None and r.body_error is None


def test_wget_without_url_is_none():
    assert req("wget --version") is None


# --------------------------------------------------------------------------- httpie / xh


def test_httpie_explicit_post_items():
    r = req(f"http POST {GW}/api/v1/github/safe-merge vtid=AUTO pr_number:=12 require_checks:=true")
    assert r.method == "POST" and r.method_explicit
    assert r.url == f"{GW}/api/v1/github/safe-merge"
    assert r.json == {"vtid": "AUTO", "pr_number": 12, "require_checks": True}
    assert json.loads(r.body) == r.json


def test_httpie_inferred_methods():
    r = req("http https://h/x a=b")
    assert r.method == "POST" and not r.method_explicit and r.json == {"a": "b"}
    r = req("http https://h/api/v1/cicd/health")
    assert r.method == "GET" and not r.method_explicit and r.body is None
    r = req("http https://h/x q==1 X-Trace:abc")
    assert r.method == "GET" and r.headers == (("X-Trace", "abc"),) and r.json is None


def test_httpie_headers_query_and_escapes():
    r = req(r"http post https://h/x Authorization:'Bearer t' q==1 'a\=b=c' n:=null")
    assert r.method == "POST" and r.method_explicit
    assert r.headers == (("Authorization", "Bearer t"),)
    assert r.json == {"a=b": "c", "n": None}


def test_httpie_form():
    r = req("http -f POST https://h/x a=1 b=two")
    assert r.method == "POST"
    assert r.body == "a=1&b=two" and r.json is None and r.body_error is None


def test_httpie_placeholders_and_files():
    r = req("http POST https://h/x vtid=$VTID pr_number:=<PR_NUMBER> data:=@d.json text=@t.txt")
    assert r.json == {"vtid": UNKNOWN, "pr_number": UNKNOWN, "data": UNKNOWN, "text": UNKNOWN}


def test_httpie_bad_raw_json_item():
    r = req("http POST https://h/x 'n:={bad'")
    assert r.json is None and r.body_error and "n:=" in r.body_error


def test_httpie_nested_keys():
    r = req("http POST https://h/x 'a[b]=1' 'a[c][]:=2' 'a[c][]:=3'")
    assert r.json == {"a": {"b": "1", "c": [2, 3]}}


def test_httpie_raw_body():
    r = req("""http POST https://h/x --raw '{"a": 1}'""")
    assert r.json == {"a": 1}


@pytest.mark.parametrize("prog", ["http", "https", "xh", "xhs"])
def test_httpie_family(prog):
    r = req(f"{prog} -v --timeout 5 PUT h.example/x a:=1")
    assert r.method == "PUT" and r.url == "h.example/x" and r.json == {"a": 1}


def test_httpie_localhost_shorthand():
    r = req("xh :3000/api/v1/cicd/health")
    assert r.method == "GET" and r.url == ":3000/api/v1/cicd/health"


def test_httpie_without_url_is_none():
    assert req("http --version") is None


# --------------------------------------------------------------------------- not HTTP


@pytest.mark.parametrize(
    "text",
    [
        "git push origin main",
        "echo curl https://h/x",
        "gh pr create --title x",
        "ls -la",
        "python -m http.server",
        "httpx https://h/x",
    ],
)
def test_non_http_commands(text):
    assert req(text) is None


def test_empty_and_nonliteral_program():
    assert request_from_command(Command((), 0, 0)) is None
    assert request_from_command(Command((Word("$CURL", None, 0, 5), Word("https://h", "https://h", 6, 15)), 0, 15)) is None


# --------------------------------------------------------------------------- .http blocks

SAFE_MERGE_BLOCK = """POST https://gateway-q74ibpv6ia-uc.a.run.app/api/v1/github/safe-merge
Content-Type: application/json

{
  "vtid": "AUTO",
  "repo": "exafyltd/vitana-platform",
  "pr_number": <PR_NUMBER_FROM_STEP_2>,
  "require_checks": true
}
"""


def test_http_block_with_placeholder_body():
    [r] = requests_from_http_block(SAFE_MERGE_BLOCK)
    assert r.method == "POST" and r.method_explicit
    assert r.url == "https://gateway-q74ibpv6ia-uc.a.run.app/api/v1/github/safe-merge"
    assert r.headers == (("Content-Type", "application/json"),)
    assert isinstance(r.json, dict)
    assert r.json["pr_number"] is UNKNOWN
    assert r.json["require_checks"] is True
    assert r.json["vtid"] == "AUTO" and r.json["repo"] == "exafyltd/vitana-platform"
    assert r.body_error is None
    assert r.start == 0 and SAFE_MERGE_BLOCK[r.end - 1] == "}" and r.end == len(SAFE_MERGE_BLOCK.rstrip())
    assert r.body.startswith("{") and r.body.endswith("}")


def test_http_block_two_requests_separator():
    text = """POST {{gateway}}/api/v1/github/create-pr HTTP/1.1
Content-Type: application/json

{"vtid": "VTID-1", "base": "main", "head": "<feature-branch-name>", "title": "t", "body": "b"}

###
GET {{gateway}}/api/v1/cicd/health
"""
    r1, r2 = requests_from_http_block(text)
    assert (r1.method, r1.url) == ("POST", "{{gateway}}/api/v1/github/create-pr")
    assert r1.json["head"] is UNKNOWN and r1.json["vtid"] == "VTID-1"
    assert (r2.method, r2.url) == ("GET", "{{gateway}}/api/v1/cicd/health")
    assert r2.body is None and r2.json is None
    assert text[r1.start : r1.end].startswith("POST") and text[r1.start : r1.end].endswith('"b"}')
    assert text[r2.start : r2.end] == "GET {{gateway}}/api/v1/cicd/health"


def test_http_block_two_requests_blank_line():
    text = """POST https://h/api/v1/deploy/service
Content-Type: application/json

{"vtid": "V", "service": "gateway", "environment": "dev"}

GET https://h/api/v1/cicd/health
"""
    r1, r2 = requests_from_http_block(text)
    assert r1.json == {"vtid": "V", "service": "gateway", "environment": "dev"}
    assert r2.method == "GET" and r2.start == text.index("GET")


def test_http_block_bare_url_and_comments():
    text = """# check health
https://h/api/v1/cicd/health

### next
// create
post https://h/x
Accept: application/json
"""
    r1, r2 = requests_from_http_block(text)
    assert (r1.method, r1.method_explicit, r1.url) == ("GET", False, "https://h/api/v1/cicd/health")
    assert (r2.method, r2.method_explicit) == ("POST", True)
    assert r2.headers == (("Accept", "application/json"),) and r2.body is None


def test_http_block_body_without_blank_line_and_broken_json():
    text = """POST https://h/x
Content-Type: application/json
{"a": 1
 "b": 2}
"""
    [r] = requests_from_http_block(text)
    assert r.json is None
    assert "line 2 column 2" in r.body_error


def test_http_block_form_body_and_file_body():
    text = """POST https://h/form
Content-Type: application/x-www-form-urlencoded

a=1&b=2
###
POST https://h/file
Content-Type: application/json

< ./body.json
"""
    r1, r2 = requests_from_http_block(text)
    assert r1.body == "a=1&b=2" and r1.json is None and r1.body_error is None
    assert r2.body is None and r2.json is UNKNOWN


def test_http_block_url_continuation():
    text = "GET https://h/search\n    ?q=1\n    &r=2\n"
    [r] = requests_from_http_block(text)
    assert r.url == "https://h/search?q=1&r=2"


def test_http_block_empty_and_prose():
    assert requests_from_http_block("") == []
    assert requests_from_http_block("just some words here\n") == []


# --------------------------------------------------------------------------- parse_json_lenient


def test_json_standard():
    assert parse_json_lenient('{"a": [1, 2.5, "x", null, false]}') == ({"a": [1, 2.5, "x", None, False]}, None)
    assert parse_json_lenient("  42 ") == (42, None)


@pytest.mark.parametrize(
    "text",
    [
        "<PR_NUMBER_FROM_STEP_2>",
        "<NUMBER>",
        "<pr number from step 2>",
        "{{var}}",
        "{{ pr_number }}",
        "${VAR}",
        "$VAR",
        "$(gh pr view --json number -q .number)",
        "...",
        '"<feature-branch-name>"',
        '"${BRANCH}"',
        '"{{head}}"',
        '"..."',
    ],
)
def test_json_placeholders_as_values(text):
    assert parse_json_lenient(f'{{"k": {text}, "z": 1}}') == ({"k": UNKNOWN, "z": 1}, None)
    assert parse_json_lenient(f"[{text}]") == ([UNKNOWN], None)


def test_json_partial_placeholder_string_stays_a_string():
    assert parse_json_lenient('{"title": "VTID-<n>: fix"}') == ({"title": "VTID-<n>: fix"}, None)


def test_json_placeholder_keys_stay_strings():
    assert parse_json_lenient('{"<key>": 1}') == ({"<key>": 1}, None)


def test_json_trailing_commas_and_comments():
    text = """{
  // the task id
  "vtid": "V", /* inline */
  "list": [1, 2,],
}"""
    assert parse_json_lenient(text) == ({"vtid": "V", "list": [1, 2]}, None)


def test_json_elided_members():
    assert parse_json_lenient('{"vtid": "V", ...}') == ({"vtid": "V"}, None)
    assert parse_json_lenient("{ ... }") == ({}, None)
    assert parse_json_lenient('{"a": 1, ..., "b": 2}') == ({"a": 1, "b": 2}, None)


def test_json_does_not_touch_strings_that_contain_comment_markers():
    assert parse_json_lenient('{"url": "https://h//x", "n": 1,}') == ({"url": "https://h//x", "n": 1}, None)


@pytest.mark.parametrize(
    "text, where, what",
    [
        ('{\n  "a": 1,\n  "b": 2\n  "c": 3\n}', "line 4 column 3", "expected ',' or '}'"),
        ('[1, 2\n 3]', "line 2 column 2", "expected ',' or ']'"),
        ('{"a" 1}', "line 1 column 6", "expected ':'"),
        ("{'a': 1}", "line 1 column 2", "double quotes"),
        ('{"a": tru}', "line 1 column 7", "expected a value"),
        ('{"a": "x', "line 1 column 7", "unterminated string"),
        ('{"a": 1', "line 1 column 8", "end of the body"),
        ('{"a": 1} x', "line 1 column 10", "after the JSON value"),
        ("", "line 1 column 1", "empty body"),
        ("   \n ", "line 2 column 2", "empty body"),
    ],
)
def test_json_errors_say_what_and_where(text, where, what):
    value, error = parse_json_lenient(text)
    assert value is None
    assert error.startswith(where + ":"), error
    assert what in error


def test_json_deep_nesting_is_an_error_not_a_recursion_error():
    for opener, closer in (("[", "]"), ('{"a":', "}")):
        text = opener * 10_000 + "1" + closer * 10_000
        value, error = parse_json_lenient(text)
        assert value is None and "nesting deeper than" in error


def test_json_deep_nesting_with_raised_recursion_limit():
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(50_000)
    try:
        value, error = parse_json_lenient("[" * 20_000 + "]" * 20_000)
    finally:
        sys.setrecursionlimit(old)
    assert value is None and "nesting" in error


def test_json_nesting_at_the_limit_is_fine():
    text = "[" * MAX_DEPTH + "<X>" + "]" * MAX_DEPTH
    value, error = parse_json_lenient(text)
    assert error is None
    for _ in range(MAX_DEPTH - 1):
        value = value[0]
    assert value == [UNKNOWN]


def test_json_big_body():
    item = {"vtid": "VTID-1", "repo": "a/b", "n": [1, 2, 3, {"x": "y"}], "s": "hello world" * 3}
    big = json.dumps([item] * 200_000)
    assert len(big) > 20_000_000
    value, error = parse_json_lenient(big)
    assert error is None and len(value) == 200_000
    value, error = parse_json_lenient(big[:-1] + ", <MORE>]")
    assert error is None and value[-1] is UNKNOWN and len(value) == 200_001
    value, error = parse_json_lenient(big[:-1] + ",,]")
    assert value is None and error.startswith("line 1 column ")


def test_json_huge_number():
    value, error = parse_json_lenient("[" + "9" * 10_000 + ", <X>]")
    assert value is None and "number" in error


def test_json_non_text():
    assert parse_json_lenient(None)[1] is not None  # type: ignore[arg-type]


# --------------------------------------------------------------------------- UNKNOWN


def test_unknown_singleton():
    assert repr(UNKNOWN) == "UNKNOWN"
    assert copy.copy(UNKNOWN) is UNKNOWN and copy.deepcopy({"a": UNKNOWN})["a"] is UNKNOWN
    assert pickle.loads(pickle.dumps(UNKNOWN)) is UNKNOWN
    assert type(UNKNOWN)() is UNKNOWN


# --------------------------------------------------------------------------- fixed in the Rust port


@pytest.mark.parametrize("text, where", [("[", "line 1 column 2"), ('{"vtid": ', "line 1 column 10"), ("[1, [", "line 1 column 6")])
def test_json_body_ending_where_a_value_is_expected(text, where):
    # the Python parser read the end as an opening bracket and said "nesting deeper than 500"
    assert parse_json_lenient(text) == (None, f"{where}: expected a value, found the end of the body")


def test_httpie_odd_indices_do_not_crash_or_fill_memory():
    r = req(f"http POST {GW}/api/x 'a[²]=1' 'b[99999999999]=2' 'c[1]=3'")
    assert r.json == {"a": {"²": "1"}, "b": ["2"], "c": [None, "3"]}
