"""The agent-independent core of the hooks: a cached rule pack, a keyword prefilter
that answers clean calls without importing the engine, the evaluation of one pending
tool call (replaying the session's earlier gateway steps first), and the recording of
the steps a call took, from its result (post-tool hook).

Cache: `$XDG_CACHE_HOME/vitana-guard/pack-<key>.pickle` (+ `.prefilter.json`), both
sealed (`vitana_guard.sealed`: the key and an HMAC are verified before reading). The key
is a sha256 over the bytes of every rule file of the shipped pack, the project config
file found from the call's `cwd` (path and bytes) and the installation's code
(`client.installation_id`: interpreter, package path, every source file's size and
mtime; the id the fork server is addressed by); extra rule directories named by the config are verified
by content on every load. Editing a rule therefore changes the key.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from vitana_guard.hooks import client, state

CACHE_VERSION = "1"
CONFIG_NAMES = (".vitana-guard.yaml", ".vitana-guard.yml")


@dataclass
class Item:
    """One piece of a pending call to evaluate."""

    channel: str  # "command" | "request" | "file"
    text: str
    path: str | None = None  # file written (channel "file")
    # for a file an edit produces: the 1-based lines the edit wrote (None: the whole file)
    lines: frozenset[int] | None = None


@dataclass
class Call:
    agent: str
    session: str
    record_id: str
    tool: str
    items: list[Item]
    cwd: str | None = None
    tool_input: dict = field(default_factory=dict)
    shell_text: str | None = None  # the command of a shell tool (MCP tools with a `command` included)


@dataclass
class Verdict:
    decision: str  # "deny" | "warn" | "allow"
    reason: str = ""
    rules: list[str] = field(default_factory=list)
    fast: bool = False


# -- cache key -------------------------------------------------------------------------


def _rules_dir() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("vitana_guard.rules")
    if spec is not None and spec.submodule_search_locations:
        return Path(list(spec.submodule_search_locations)[0])
    return Path(__file__).resolve().parents[2] / "rules"


def discover_config(cwd: str | None) -> Path | None:
    """Same search as `config.discover` (`discovery`, no YAML import)."""
    if not cwd:
        return None
    from vitana_guard import discovery

    return discovery.discover(cwd)


def cache_key(config: Path | None) -> str:
    h = hashlib.sha256(f"{CACHE_VERSION}\0{sys.version}\0".encode())
    for path in _files(str(_rules_dir()), ".yaml"):
        with open(path, "rb") as f:
            h.update(os.path.basename(path).encode() + b"\0" + f.read() + b"\0")
    if config is not None:
        h.update(str(config).encode() + b"\0" + config.read_bytes() + b"\0")
    h.update(client.installation_id().encode())  # the code the pickle was made with
    return h.hexdigest()[:40]


def _files(directory: str, suffix: str) -> list[str]:
    with os.scandir(directory) as it:
        return sorted(e.path for e in it if e.name.endswith(suffix) and e.is_file())


# -- prefilter (no engine import) ------------------------------------------------------


def prefilter_clean(key: str, items: list[Item]) -> bool:
    """True when no rule could match any item: none of the pack's keywords occurs.

    Mirrors the scanner's own keyword prefilter; a missing prefilter file (first run)
    or a pack with an ungated entry says "not known clean"."""
    from vitana_guard import sealed

    raw = sealed.read(state.cache_home() / f"pack-{key}.prefilter.json", key)
    if raw is None:  # missing, or not verified: an edited keyword list must not wave calls through
        return False
    try:
        data = json.loads(raw)
    except ValueError:
        return False
    if not isinstance(data, dict):
        return False
    if data.get("always") or not isinstance(data.get("keywords"), list):
        return False
    from vitana_guard._core import KeywordSet

    # what a command runs, not only how it is spelled: `g''cloud`, `G=gc; ${G}loud` (the
    # core reads the text as bash does, see KeywordSet.present_shell)
    finder = KeywordSet([str(k) for k in data["keywords"]])
    for item in items:
        if finder.present_shell(item.text)[0]:
            return False
        if item.path and finder.present(item.path):
            return False
    return True


def _prefilter(pack, compiled) -> dict:
    """Keywords of every selected rule; `always` when some entry that could apply to a
    hook's segments bypasses the keyword check."""
    from urllib.parse import urlsplit

    keywords: set[str] = set()
    always = False
    entries = [
        (r, e)
        for group in (*compiled.text.values(), compiled.command, compiled.request, compiled.context, compiled.sequence)
        for r, e in group
    ]
    for rule, entry in entries:
        if not rule.keywords:
            always = True
        keywords.update(rule.keywords)
        if type(entry.matcher).__name__ == "RequireMatcher":
            # ungated by keywords: only safe when it is bound to kinds a hook never emits
            if entry.kinds is None or entry.kinds & {"claude", "gemini", "codex", "shell", "markdown", "text",
                                                      "makefile", "dockerfile", "workflow", "package-json",
                                                      "config", "http"}:
                always = True
    # flow steps: control-plane paths and feature checks on the gateway host
    keywords.update(str(p).lower() for p in pack.params.get("control_plane_prefixes", ()))
    host = urlsplit(str(pack.params.get("gateway_url", ""))).hostname
    if host:
        keywords.add(host.lower())
    return {"keywords": sorted(k for k in keywords if k), "always": always}


# -- the engine ------------------------------------------------------------------------


@dataclass
class Engine:
    pack: object
    compiled: object


# key -> (extra rule files with their digests, engine): a fork server's children inherit it
_in_memory: dict[str, tuple[list[tuple[str, str | None]], Engine]] = {}


def load_engine(cwd: str | None, key: str | None = None) -> tuple[Engine, str]:
    config = discover_config(cwd)
    key = key or cache_key(config)
    extra, engine = _in_memory.get(key, ([], None))
    if engine is not None and all(_digest(Path(p)) == d for p, d in extra):
        return engine, key
    extra, engine = _load_or_build(config, key)
    _in_memory[key] = (extra, engine)
    return engine, key


def _load_or_build(config: Path | None, key: str) -> tuple[list, Engine]:
    import pickle

    from vitana_guard import sealed

    cdir = state.cache_home()
    pickled = cdir / f"pack-{key}.pickle"
    payload = sealed.read(pickled, key)  # source hash and HMAC verified before unpickling
    if payload is not None:
        try:
            extra, pack, compiled = pickle.loads(payload)
            if all(_digest(Path(p)) == d for p, d in extra):
                return extra, Engine(pack, compiled)
        except Exception:  # an entry of an older code version is rebuilt, never trusted
            pass
    engine, extra = _build(config)
    # a cache that cannot be written (read-only, not private) only costs time
    sealed.write(pickled, key, pickle.dumps((extra, engine.pack, engine.compiled), protocol=pickle.HIGHEST_PROTOCOL))
    sealed.write(cdir / f"pack-{key}.prefilter.json", key,
                 json.dumps(_prefilter(engine.pack, engine.compiled)).encode())
    return extra, engine


def _digest(p: Path) -> str | None:
    try:
        return hashlib.sha256(p.read_bytes()).hexdigest()
    except OSError:
        return None


def _build(config: Path | None) -> tuple[Engine, list[tuple[str, str]]]:
    from vitana_guard import config as configmod
    from vitana_guard.engine.rules import load_pack
    from vitana_guard.engine.scan import Selection, compile_pack

    cfg = configmod.load(config)
    pack = load_pack(cfg.rules_dirs, cfg.parameters, parameters_source=cfg.path or "config")
    compiled = compile_pack(pack, Selection(cfg.select, cfg.ignore))
    extra = []
    for d in cfg.rules_dirs:
        for p in sorted(Path(d).glob("*.y*ml")):
            extra.append((str(p), _digest(p)))
    return Engine(pack, compiled), extra


def fast_verdict(call: Call) -> tuple[Verdict | None, str]:
    """A verdict without the engine when the prefilter proves the call clean."""
    key = cache_key(discover_config(call.cwd))
    if prefilter_clean(key, call.items):
        return Verdict("allow", fast=True), key
    return None, key


# VG602 (deploy never verified) needs what comes after the call: a hook cannot judge it.
NOT_JUDGED_LIVE = frozenset({"VG602"})


def evaluate(call: Call, key: str | None = None) -> Verdict:
    engine, _ = load_engine(call.cwd, key)
    from vitana_guard.engine.scan import DocumentScanner
    from vitana_guard.model import Actor, Channel, Origin, Segment, Severity, Status

    pack = engine.pack
    _check_depth(call)
    scanner = DocumentScanner(pack, engine.compiled, no_ignore=True)
    sid = call.session

    def agent_origin(path: str, record_id: str, tool: str | None) -> Origin:
        return Origin(path=path, kind=call.agent, record_id=record_id, session=sid, actor=Actor.AGENT,
                      status=Status.EXECUTED, tool=tool)

    gated = any(k in item.text for item in call.items if item.channel != "file"
                for k in pack.params.get("control_plane_prefixes", ()))
    # steps recorded from results by the post-tool hook (record_result): only calls that
    # reached the canonical gateway and succeeded
    past = state.load_steps(sid) if gated else []
    for i, step in enumerate(past):
        channel = Channel.REQUEST if step.get("channel") == "request" else Channel.COMMAND
        rid = f"replay-{i}"
        scanner.feed([Segment(step["text"], channel, agent_origin(f"<hook:{rid}>", rid, step.get("tool")))])

    rid = call.record_id
    file_findings: list = []
    file_notices: list = []
    for item in call.items:
        if item.channel == "file":
            # the file as the call leaves it, judged as `scan` would; for an edit, only what
            # lands on the lines it wrote (the rest of the file was there before)
            from dataclasses import replace

            from vitana_guard.sources import classify

            own = DocumentScanner(pack, engine.compiled, no_ignore=True, focus=item.lines)
            for seg in classify.segments(item.path or "<written>", item.text):
                own.feed([replace(seg, origin=replace(seg.origin, record_id=rid, session=sid, tool=call.tool))])
            found, notes = own.finish()
            file_findings += [f for f in found if item.lines is None or f.line in item.lines]
            file_notices += notes
            # a program the tool writes runs the command strings it hands to os.system,
            # subprocess, child_process and the like: judged as the commands they are
            for script in _code_commands(item.path, item.text, item.lines):
                scanner.feed([Segment(script, Channel.COMMAND, agent_origin("<hook>", rid, call.tool))])
            continue
        channel = Channel.REQUEST if item.channel == "request" else Channel.COMMAND
        scanner.feed([Segment(item.text, channel, agent_origin("<hook>", rid, call.tool))])
    findings, notices = scanner.finish()
    findings, notices = findings + file_findings, notices + file_notices
    failed = [n for n in notices if n.level == "error"]
    if failed:
        # a rule that could not be applied (a regex timeout, unreadable input) is no pass
        return Verdict("deny", "vitana-guard could not check this call completely and fails closed: "
                       + "; ".join(n.message for n in failed[:3]), ["incomplete"])
    mine = [f for f in findings if f.record_id == rid and not f.suppressed and f.rule_id not in NOT_JUDGED_LIVE]
    errors = [f for f in mine if f.severity is Severity.ERROR]
    shown = errors or mine
    if not shown:
        return Verdict("allow")
    return Verdict("deny" if errors else "warn", _reason(pack, shown, bool(errors)), sorted({f.rule_id for f in mine}))


# source files whose command strings are read: the interpreters the shell reader knows
_CODE_LANGUAGES = {".py": "python", ".pyw": "python", ".js": "node", ".mjs": "node", ".cjs": "node",
                   ".ts": "node", ".mts": "node", ".cts": "node", ".pl": "perl", ".pm": "perl", ".rb": "ruby"}


def _code_commands(path: str | None, text: str, lines: frozenset[int] | None) -> list[str]:
    """The command strings a written program runs (on the lines an edit wrote)."""
    from vitana_guard._core import shell_code_commands

    language = _CODE_LANGUAGES.get(os.path.splitext(path or "")[1].lower())
    if language is None:
        return []
    out = []
    for script, start, _end in shell_code_commands(language, text) or ():
        if lines is None or start is None or text.count("\n", 0, start) + 1 in lines:
            out.append(script)
    return out


def _check_depth(call: Call) -> None:
    """Text nested deeper than the shell reader follows is opaque to it: deny rather
    than judge what it could see. The count of nesting openers bounds the depth."""
    from vitana_guard.normalize.shell import MAX_DEPTH

    for item in call.items:
        if item.channel != "command":
            continue
        text = item.text
        openers = text.count("$(") + text.count("`") // 2 + text.count("<(") + text.count("eval") \
            + text.count("-c")
        if openers >= MAX_DEPTH:
            raise DepthLimit(f"the command nests {openers} substitutions, evals or nested shells; "
                             f"the guard reads {MAX_DEPTH} levels")


class DepthLimit(Exception):
    pass


# -- results (post-tool hook) ---------------------------------------------------------

_FAILURE_MARKERS = ("curl: (", "could not resolve host", "connection refused", "failed to connect",
                    "operation timed out", "connection timed out", "ssl certificate problem")


def succeeded(result) -> bool:
    """Whether a tool result shows the call ran and the server answered with success.
    Unknown (no result, empty output) is not success: a step is recorded on evidence."""
    import re

    if result is None:
        return False
    texts: list[str] = []
    if isinstance(result, dict):
        if result.get("is_error") or result.get("isError") or result.get("interrupted") or result.get("error"):
            return False
        for k in ("exit_code", "exitCode", "returncode", "code"):
            if isinstance(result.get(k), int) and result[k] != 0:
                return False
        for k in ("stdout", "output", "llmContent", "returnDisplay", "content", "result", "stderr"):
            v = result.get(k)
            if isinstance(v, str):
                texts.append(v)
            elif isinstance(v, list):
                texts += [json.dumps(x) if not isinstance(x, str) else x for x in v]
    elif isinstance(result, str):
        texts.append(result)
    else:
        return False
    text = "\n".join(texts)
    lowered = text.lower()
    if not text.strip() or any(m in lowered for m in _FAILURE_MARKERS):
        return False
    m = re.search(r"exit code:?\s*(-?\d+)", lowered)
    if m and m.group(1) != "0":
        return False
    status = re.findall(r"\bhttp/[\d.]+\s+(\d{3})", lowered)
    if status and not status[-1].startswith("2"):
        return False
    if re.search(r'"(?:ok|success)"\s*:\s*false|"error"\s*:\s*(?!null)', lowered):
        return False
    return bool(status) or "{" in text  # an HTTP 2xx status line, or a JSON answer with no error


def record_result(call: Call, result) -> list[dict]:
    """Record the gateway steps of a call that ran, when it succeeded and each step's
    request went to the canonical gateway (scheme and host, no userinfo). Returns them."""
    if not succeeded(result):
        return []
    engine, _ = load_engine(call.cwd)
    from urllib.parse import urlsplit

    from vitana_guard.engine.scan import DocumentScanner
    from vitana_guard.model import Actor, Channel, Origin, Segment, Status

    pack = engine.pack
    canonical = urlsplit(str(pack.params.get("gateway_url", "")))
    scanner = DocumentScanner(pack, engine.compiled, no_ignore=True)
    rid = call.record_id
    for item in call.items:
        if item.channel == "file":
            continue
        channel = Channel.REQUEST if item.channel == "request" else Channel.COMMAND
        origin = Origin(path="<hook>", kind=call.agent, record_id=rid, session=call.session, actor=Actor.AGENT,
                        status=Status.EXECUTED, tool=call.tool)
        scanner.feed([Segment(item.text, channel, origin)])
    stored = []
    for name, request in scanner.steps(call.session):
        if not _reaches(request.url, canonical):
            continue
        text = f"{request.method} {request.url}"
        text += "".join(f"\n{k}: {v}" for k, v in request.headers)
        if request.body:
            text += "\n\n" + request.body
        stored.append({"names": [name], "channel": "request", "text": text, "tool": call.tool})
    scanner.finish()
    if stored:
        state.append_steps(call.session, stored)
    return stored


def _reaches(url: str, canonical) -> bool:
    import re
    from urllib.parse import urlsplit

    m = re.match(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", url)
    if m and os.environ.get(m.group(1)):
        url = os.environ[m.group(1)] + url[m.end():]  # the agent's environment, which its shell inherits
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    return (parts.scheme == canonical.scheme and parts.hostname == canonical.hostname and parts.username is None
            and parts.password is None and port in (None, 443 if parts.scheme == "https" else 80))


def _reason(pack, findings, blocking: bool) -> str:
    head = ("vitana-guard blocked this call (policy VTID-0518):" if blocking
            else "vitana-guard warning (policy VTID-0518), the call is allowed:")
    lines = [head]
    seen = set()
    gateway = str(pack.params.get("gateway_url", ""))
    for f in findings:
        if (f.rule_id, f.message) in seen:
            continue
        seen.add((f.rule_id, f.message))
        rule = pack.get(f.rule_id)
        instead = ""
        if rule is not None:
            instead = " ".join(str(rule.description.get("instead", "")).split()).replace("{GATEWAY_URL}", gateway)
        message = f.message.rstrip()
        line = f"- {f.rule_id} {f.slug} [{f.severity.value}]: {message}"
        if instead:
            line += ("" if message.endswith((".", "!", "?")) else ".") + f" Instead: {instead}"
        lines.append(line)
    return "\n".join(lines)
