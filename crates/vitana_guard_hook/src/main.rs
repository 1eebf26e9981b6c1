//! `vitana-guard-hook`: the live guard as one native process per agent tool call.
//!
//! `vitana-guard-hook AGENT [--post] [--deadline S] [--fail-open] [--audit-log FILE]
//! [--python PY] [--package DIR]`, the call's JSON on stdin, the verdict in the agent's
//! contract on stdout/stderr and in the exit code. No interpreter starts on a call whose
//! compiled pack is cached; when it is not (first call, edited rules or config), `PY -I -m
//! vitana_guard.hooks compile-pack` writes it. Everything that decides lives in
//! `vitana_core::guard`; this file does the I/O.
//!
//! Fail closed: bad input, an unreadable or uncompilable pack, a deadline passed, a panic:
//! each denies with its reason (exit 2), unless `--fail-open` / `VITANA_GUARD_FAIL_OPEN=1`.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Map, Value};
use vitana_core::guard::cache::{self, GuardPack, KeyInputs};
use vitana_core::guard::call::{self, BadInput, Call, Item};
use vitana_core::guard::verdict::{self, Answer, Decision, Engine, Verdict};
use vitana_core::guard::{discovery, ondisk, state, tamper, GuardPaths};

const AGENTS: [&str; 3] = ["claude", "gemini", "codex"];
const USAGE: &str = "usage: vitana-guard-hook {claude|gemini|codex} [--post] [--deadline S] \
                     [--fail-open] [--audit-log FILE] [--python PY] [--package DIR]";

#[derive(Debug, Default, Clone)]
struct Options {
    agent: Option<String>,
    fail_open: bool,
    audit_log: Option<String>,
    post: bool,
    deadline: Option<f64>,
    python: Option<String>,
    package: Option<String>,
}

fn options(argv: &[String], fail_open_env: bool) -> Options {
    let bad = Options {
        fail_open: fail_open_env,
        ..Options::default()
    };
    let mut o = bad.clone();
    let mut i = 0;
    while i < argv.len() {
        let a = argv[i].as_str();
        let (name, inline) = match a.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_owned())),
            _ => (a, None),
        };
        let takes_value = matches!(
            name,
            "--audit-log" | "--deadline" | "--python" | "--package"
        );
        let value = if takes_value {
            match inline {
                Some(v) => Some(v),
                None if i + 1 < argv.len() => {
                    i += 1;
                    Some(argv[i].clone())
                }
                None => return bad,
            }
        } else if inline.is_some() {
            return bad;
        } else {
            None
        };
        match (name, value) {
            ("--fail-open", None) => o.fail_open = true,
            ("--post", None) => o.post = true,
            ("--audit-log", Some(v)) => o.audit_log = Some(v),
            ("--python", Some(v)) => o.python = Some(v),
            ("--package", Some(v)) => o.package = Some(v),
            ("--deadline", Some(v)) => match v.trim().parse::<f64>() {
                Ok(d) if d > 0.0 && d.is_finite() => o.deadline = Some(d),
                _ => return bad,
            },
            (agent, None) if AGENTS.contains(&agent) && o.agent.is_none() => {
                o.agent = Some(agent.to_owned())
            }
            _ => return bad,
        }
        i += 1;
    }
    o
}

/// Why a call could not be checked: said as it is (`Plain`) or as an internal error.
enum Failure {
    Plain(String),
    Internal(String),
}

impl Failure {
    fn text(&self) -> String {
        match self {
            Failure::Plain(t) => t.clone(),
            Failure::Internal(t) => format!("internal error: {t}"),
        }
    }
}

impl From<BadInput> for Failure {
    fn from(e: BadInput) -> Failure {
        Failure::Plain(e.0)
    }
}

/// The one answer of this process: whoever writes first (the work or the deadline's
/// watchdog) answers, the other finds it taken.
#[derive(Clone)]
struct Reply(Arc<Mutex<bool>>);

impl Reply {
    fn send(&self, answer: &Answer) -> Option<i32> {
        let mut done = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if *done {
            return None;
        }
        *done = true;
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(answer.stdout.as_bytes());
        let _ = out.flush();
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(answer.stderr.as_bytes());
        let _ = err.flush();
        Some(answer.code)
    }
}

struct Ctx {
    o: Options,
    agent: String,
    package: PathBuf,
    exe_dir: Option<PathBuf>,
    build_id: String,
}

fn main() {
    let argv: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.into_string().unwrap_or_else(|_| "\u{fffd}".into()))
        .collect();
    let fail_open_env = matches!(
        std::env::var("VITANA_GUARD_FAIL_OPEN").as_deref(),
        Ok("1" | "true" | "yes")
    );
    let o = options(&argv, fail_open_env);
    let reply = Reply(Arc::new(Mutex::new(false)));
    let Some(agent) = o.agent.clone() else {
        let mut answer = verdict::respond(
            "claude",
            &Verdict::deny(format!("vitana-guard hook misconfigured: {USAGE}"), &[]),
        );
        answer.stderr = format!("{USAGE}\n{}", answer.stderr);
        std::process::exit(reply.send(&answer).unwrap_or(2));
    };
    std::panic::set_hook(Box::new(|_| {})); // a panic is answered below, as a deny
    let exe = std::env::current_exe().ok();
    let exe_dir = exe.as_deref().and_then(Path::parent).map(Path::to_path_buf);
    let package = o
        .package
        .as_deref()
        .map(PathBuf::from)
        .or_else(|| {
            exe_dir
                .as_deref()
                .and_then(Path::parent)
                .map(Path::to_path_buf)
        })
        .unwrap_or_default();
    let ctx = Ctx {
        build_id: build_id(exe.as_deref()),
        o,
        agent,
        package,
        exe_dir,
    };
    if ctx.o.post {
        let code = std::panic::catch_unwind(|| post(&ctx)).unwrap_or(0);
        std::process::exit(code);
    }
    if let Some(deadline) = ctx.o.deadline {
        let (reply, o, agent) = (reply.clone(), ctx.o.clone(), ctx.agent.clone());
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs_f64(deadline));
            let what = Failure::Plain(format!("the check did not finish within {deadline}s"));
            let answer = failure_answer(&o, &agent, None, &what);
            if let Some(code) = reply.send(&answer) {
                std::process::exit(code);
            }
        });
    }
    let outcome = std::panic::catch_unwind(|| pre(&ctx));
    let answer = match outcome {
        Ok(answer) => answer,
        Err(panic) => {
            let text = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".into());
            failure_answer(
                &ctx.o,
                &ctx.agent,
                None,
                &Failure::Internal(format!("panic: {text}")),
            )
        }
    };
    match reply.send(&answer) {
        Some(code) => std::process::exit(code),
        None => loop {
            // the deadline answered first and is exiting
            std::thread::sleep(Duration::from_secs(1));
        },
    }
}

/// The executable's own identity in the cache key: its size and mtime.
fn build_id(exe: Option<&Path>) -> String {
    use std::os::unix::fs::MetadataExt;
    exe.and_then(|p| std::fs::metadata(p).ok())
        .map(|m| format!("{}:{}:{}", m.size(), m.mtime(), m.mtime_nsec()))
        .unwrap_or_default()
}

fn fallback_id() -> String {
    format!("hook-{}", state::random_hex(8))
}

fn read_stdin() -> Result<String, Failure> {
    let mut raw = Vec::new();
    std::io::stdin()
        .read_to_end(&mut raw)
        .map_err(|e| Failure::Internal(format!("cannot read stdin: {e}")))?;
    String::from_utf8(raw).map_err(|e| Failure::Plain(format!("stdin is not UTF-8 text: {e}")))
}

fn pre(ctx: &Ctx) -> Answer {
    let mut call: Option<Call> = None;
    let result = decide(ctx, &mut call);
    match result {
        Ok(v) => {
            audit(ctx, call.as_ref(), &v, None);
            verdict::respond(&ctx.agent, &v)
        }
        Err(f) => failure_answer(&ctx.o, &ctx.agent, call.as_ref(), &f),
    }
}

fn failure_answer(o: &Options, agent: &str, call: Option<&Call>, f: &Failure) -> Answer {
    let what = f.text();
    let ctx_audit = |v: &Verdict, err: &mut String| {
        if let Err(e) = write_audit(o, agent, call, v, Some(&what)) {
            err.push_str(&format!("vitana-guard: cannot write audit log: {e}\n"));
        }
    };
    if o.fail_open {
        let mut err =
            format!("vitana-guard: hook error ({what}); --fail-open: allowing the call\n");
        let v = Verdict {
            decision: Decision::Allow,
            reason: what.clone(),
            rules: Vec::new(),
        };
        ctx_audit(&v, &mut err);
        return Answer {
            stdout: String::new(),
            stderr: err,
            code: 0,
        };
    }
    let v = verdict::failed(&what);
    let mut audit_err = String::new();
    ctx_audit(&v, &mut audit_err);
    let mut answer = verdict::respond(agent, &v);
    answer.stderr = audit_err + &answer.stderr;
    answer
}

fn audit(ctx: &Ctx, call: Option<&Call>, v: &Verdict, error: Option<&str>) {
    if let Err(e) = write_audit(&ctx.o, &ctx.agent, call, v, error) {
        let _ = writeln!(
            std::io::stderr(),
            "vitana-guard: cannot write audit log: {e}"
        );
    }
}

fn write_audit(
    o: &Options,
    agent: &str,
    call: Option<&Call>,
    v: &Verdict,
    error: Option<&str>,
) -> Result<(), String> {
    let opt = |s: Option<&String>| s.map_or(Value::Null, |s| Value::String(s.clone()));
    let mut r = Map::new();
    r.insert("agent".into(), Value::String(agent.to_owned()));
    r.insert("session".into(), opt(call.map(|c| &c.session)));
    r.insert("tool".into(), opt(call.map(|c| &c.tool)));
    r.insert("tool_use_id".into(), opt(call.map(|c| &c.record_id)));
    r.insert(
        "rules".into(),
        Value::Array(v.rules.iter().cloned().map(Value::String).collect()),
    );
    r.insert("decision".into(), Value::String(v.decision.as_str().into()));
    r.insert(
        "fingerprint".into(),
        call.map_or(Value::Null, |c| {
            Value::String(state::fingerprint(c.items.iter().map(|i| i.text.as_str())))
        }),
    );
    if let Some(e) = error {
        r.insert("error".into(), Value::String(e.to_owned()));
    }
    state::audit(
        r,
        o.audit_log.as_deref().map(Path::new),
        &state::state_home(),
    )
}

fn is_dir(path: &str) -> bool {
    !path.contains('\0') && std::fs::metadata(path).is_ok_and(|m| m.is_dir())
}

fn decide(ctx: &Ctx, slot: &mut Option<Call>) -> Result<Verdict, Failure> {
    let raw = read_stdin()?;
    let call = call::parse_call(&ctx.agent, &raw, &fallback_id())?;
    *slot = Some(call);
    let call = slot.as_mut().expect("just set");
    if let Some(cwd) = &call.cwd {
        if !is_dir(cwd) {
            return Err(Failure::Plain(format!(
                "the call's cwd '{cwd}' does not exist (deleted?); its config cannot be read"
            )));
        }
    }
    let mut code_dirs = vec![ctx.package.to_string_lossy().into_owned()];
    if let Some(d) = &ctx.exe_dir {
        code_dirs.push(d.to_string_lossy().into_owned());
    }
    let paths = GuardPaths::from_env(code_dirs);
    let cwd = call.cwd.clone();
    let mut tampering = tamper::judge(
        &call.tool,
        &call.tool_input,
        cwd.as_deref(),
        call.shell_text.as_deref(),
        &paths,
    );
    if tampering.is_none() {
        if let Some(shell) = call.shell_text.clone() {
            // what the command runs from disk (Makefile, package.json, scripts) is judged too
            let found = ondisk::scripts(&shell, cwd.as_deref()).map_err(|e| {
                Failure::Plain(format!(
                    "cannot check what this command runs from disk: {e}"
                ))
            })?;
            for (_, script) in &found {
                if !script.trim().is_empty() {
                    call.items.push(Item::command(script.clone()));
                }
            }
            for (_, script) in &found {
                if tampering.is_none() {
                    tampering = tamper::judge_shell(script, cwd.as_deref(), &paths);
                }
            }
        }
    }
    if let Some(t) = tampering {
        return Ok(Verdict::deny(t.reason(), &["tamper"]));
    }
    if call.items.is_empty() {
        return Ok(Verdict::allow());
    }
    if let Some(text) = verdict::depth_limit(&call.items) {
        return Err(Failure::Plain(text));
    }
    let pack = load_pack(ctx, cwd.as_deref())?;
    if verdict::prefilter_clean(&pack.prefilter, &call.items) {
        return Ok(Verdict::allow());
    }
    let engine =
        Engine::new(pack).map_err(|e| Failure::Internal(format!("the compiled pack: {e}")))?;
    let past = if verdict::gated(&engine, &call.items) {
        state::load_steps(&state::session_file(&state::state_home(), &call.session))
    } else {
        Vec::new()
    };
    Ok(verdict::evaluate(call, &engine, &past))
}

/// The compiled pack for the config that applies at `cwd`: from the cache, or compiled
/// by the Python side and then read back (verified like any entry).
fn load_pack(ctx: &Ctx, cwd: Option<&str>) -> Result<GuardPack, Failure> {
    let home = state::home();
    let config = cwd
        .filter(|c| !c.is_empty())
        .and_then(|c| discovery::discover(Path::new(c), &home));
    let inputs = KeyInputs {
        build_id: ctx.build_id.clone(),
        package: ctx.package.clone(),
    };
    let key = cache::key(&inputs, config.as_deref()).map_err(Failure::Internal)?;
    if let Some(pack) = cache::load(&key) {
        return Ok(pack);
    }
    compile(ctx, &key, config.as_deref())?;
    cache::load(&key).ok_or_else(|| {
        Failure::Plain(format!(
            "the compiled rule pack {} could not be read back (the cache directory {} must be \
             private to this user, and this executable must be the installed package's: \
             `vitana-guard hook install` rewrites it)",
            cache::entry_path(&key).display(),
            state::cache_home().display()
        ))
    })
}

/// `python -c` program that compiles the pack: `sys.argv[1]` is the directory holding
/// the package (`python -m vitana_guard.hooks compile-pack` with that import path).
const COMPILE: &str = "import sys\n\
p = sys.argv.pop(1)\n\
i = next((i for i, d in enumerate(sys.path) if d.endswith(('site-packages', 'dist-packages'))), len(sys.path))\n\
sys.path.insert(i, p)\n\
from vitana_guard.hooks import compile\n\
sys.exit(compile.main(sys.argv[1:]))\n";

fn compile(ctx: &Ctx, key: &str, config: Option<&Path>) -> Result<(), Failure> {
    let Some(python) = ctx.o.python.as_deref() else {
        return Err(Failure::Plain(
            "the rule pack is not compiled and the hook has no --python to compile it with \
             (reinstall the hook: vitana-guard hook install)"
                .into(),
        ));
    };
    // -I: nothing from the cwd or PYTHON* variables; a package in the user site needs
    // that site (-E -P keep the rest of the isolation)
    let flags: &[&str] = if ctx.package.to_string_lossy().contains("/.local/lib/python") {
        &["-E", "-P"]
    } else {
        &["-I"]
    };
    // the package the hook was pointed at is the one imported (a managed install's
    // root-owned copy), placed before the site directories but after the standard library
    let parent = ctx.package.parent().unwrap_or(Path::new("/"));
    let mut cmd = Command::new(python);
    cmd.args(flags)
        .arg("-c")
        .arg(COMPILE)
        .arg(parent)
        .args(["--key", key])
        .current_dir("/")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(c) = config {
        cmd.arg("--config").arg(c);
    }
    let out = cmd.output().map_err(|e| {
        Failure::Plain(format!("cannot run {python} to compile the rule pack: {e}"))
    })?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
        let tail = tail[tail.len().saturating_sub(3)..].join(" | ");
        return Err(Failure::Plain(format!(
            "compiling the rule pack failed ({}): {}",
            out.status,
            if tail.is_empty() { "no message" } else { &tail }
        )));
    }
    Ok(())
}

/// Post-tool hook: record the gateway steps the call took, when it reached the
/// canonical gateway and succeeded. Never blocks (the call has run); a failure only
/// means the step is not recorded, so a later step that needs it is denied.
fn post(ctx: &Ctx) -> i32 {
    if let Err(e) = record(ctx) {
        let _ = writeln!(
            std::io::stderr(),
            "vitana-guard: post-tool hook could not record this call's result: {}",
            e.text()
        );
    }
    0
}

fn record(ctx: &Ctx) -> Result<(), Failure> {
    let raw = read_stdin()?;
    let call = call::parse_call(&ctx.agent, &raw, &fallback_id())?;
    let result = ["tool_response", "tool_result", "tool_output", "response"]
        .iter()
        .find_map(|k| call.data.get(*k));
    if call.items.is_empty() || !verdict::succeeded(result) {
        return Ok(());
    }
    let pack = load_pack(ctx, call.cwd.as_deref())?;
    let engine =
        Engine::new(pack).map_err(|e| Failure::Internal(format!("the compiled pack: {e}")))?;
    let env = |k: &str| std::env::var(k).ok();
    let steps = verdict::record_steps(&call, &engine, &env);
    state::append_steps(
        &state::session_file(&state::state_home(), &call.session),
        steps,
    )
    .map_err(Failure::Internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn options_as_the_python_hook_reads_them() {
        let o = options(
            &args("gemini --deadline 20 --python /p/py --package=/pkg"),
            false,
        );
        assert_eq!(o.agent.as_deref(), Some("gemini"));
        assert_eq!(o.deadline, Some(20.0));
        assert_eq!(o.python.as_deref(), Some("/p/py"));
        assert_eq!(o.package.as_deref(), Some("/pkg"));
        assert!(options(&args("claude --deadline 0"), false).agent.is_none());
        assert!(options(&args("claude --deadline x"), false).agent.is_none());
        assert!(options(&args("claude claude"), false).agent.is_none());
        assert!(options(&args("claude --bogus"), false).agent.is_none());
        assert!(options(&args("claude --audit-log"), false).agent.is_none());
        assert!(options(&args("nobody"), true).fail_open);
        let o = options(&args("codex --post --fail-open --audit-log=/a"), false);
        assert!(o.post && o.fail_open && o.audit_log.as_deref() == Some("/a"));
    }
}
