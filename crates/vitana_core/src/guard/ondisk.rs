//! What a command runs from disk (port of the deleted `hooks/ondisk.py`): `make TARGET`,
//! `npm|yarn|pnpm run X`, `bash FILE`, `sh FILE`, `./FILE`, `source FILE`. The guard
//! reads the Makefile, package.json or script from the call's cwd (and where the `cd`s
//! before the command lead) and judges what it runs, as more command text of the same
//! call.
//!
//! Bounded: files up to [`MAX_BYTES`], [`MAX_DEPTH`] levels (a script that runs a script
//! that runs make ...), [`MAX_SCRIPTS`] in all. Fail closed: a file that exists but
//! cannot be read or parsed, or a bound that is reached, is an error (the hook denies
//! with the reason); a file that does not exist runs nothing (the command will fail).

use std::collections::{HashMap, HashSet, VecDeque};
use std::io::Read;

use serde_json::Value;

use super::tamper::{with_cwds, word_value};
use super::{expanduser, home_of, join, normpath, py_split, py_strip, strerror};
use crate::normalize::shell;
use crate::segment::py_space;

pub const MAX_BYTES: u64 = 1 << 20;
pub const MAX_DEPTH: usize = 4;
pub const MAX_SCRIPTS: usize = 32;
/// make targets followed through their prerequisites
const MAX_MAKE_DEPTH: usize = 16;

const SHELLS: [&str; 5] = ["bash", "sh", "zsh", "dash", "ksh"];
const NPM_SHORT: [&str; 6] = ["start", "test", "stop", "restart", "t", "tst"];
const YARN_BUILTIN: [&str; 28] = [
    "add",
    "install",
    "remove",
    "upgrade",
    "init",
    "info",
    "list",
    "why",
    "config",
    "cache",
    "global",
    "link",
    "unlink",
    "login",
    "logout",
    "publish",
    "pack",
    "version",
    "workspace",
    "workspaces",
    "dlx",
    "exec",
    "node",
    "set",
    "plugin",
    "up",
    "dedupe",
    "npm",
];

/// (what, script text, the directory it runs in)
type Found = (String, String, String);

/// (what, script text) for everything `text` runs from disk, nested ones included; an
/// error (the reason to deny) when a file cannot be read or parsed or a bound is reached.
pub fn scripts(text: &str, cwd: Option<&str>) -> Result<Vec<(String, String)>, String> {
    let Some(cwd) = cwd.filter(|c| !c.is_empty()) else {
        return Ok(Vec::new());
    };
    let home = home_of(
        std::env::var_os("HOME")
            .map(|h| h.to_string_lossy().into_owned())
            .as_deref(),
    );
    let mut out: Vec<(String, String)> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut todo: VecDeque<(String, String, usize)> = VecDeque::new();
    todo.push_back((text.to_string(), cwd.to_string(), 0));
    while let Some((current, at, depth)) = todo.pop_front() {
        for (what, script, next) in direct(&current, &at, &home)? {
            let key = format!("{what}\0{script}");
            if !seen.insert(key) {
                continue;
            }
            if depth + 1 > MAX_DEPTH || out.len() >= MAX_SCRIPTS {
                return Err(format!(
                    "{what} runs more than the guard follows ({MAX_DEPTH} levels, {MAX_SCRIPTS} scripts)"
                ));
            }
            out.push((what, script.clone()));
            todo.push_back((script, next, depth + 1));
        }
    }
    Ok(out)
}

/// The text of `path`; None when it does not exist, is not a regular file or is a
/// binary; an error when it exists but cannot be read in full.
fn read(path: &str) -> Result<Option<String>, String> {
    let cannot = |e: &std::io::Error| format!("cannot read {path}: {}", strerror(e));
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(cannot(&e)),
    };
    if !meta.is_file() {
        return Ok(None);
    }
    let larger = || format!("{path} is larger than the guard reads ({MAX_BYTES} bytes)");
    if meta.len() > MAX_BYTES {
        return Err(larger());
    }
    let mut data = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_BYTES + 1).read_to_end(&mut data))
        .map_err(|e| cannot(&e))?;
    if data.len() as u64 > MAX_BYTES {
        return Err(larger()); // it grew since it was measured
    }
    if data.contains(&0) {
        return Ok(None); // a binary: opaque, like any program
    }
    Ok(Some(String::from_utf8_lossy(&data).into_owned()))
}

fn direct(text: &str, cwd: &str, home: &str) -> Result<Vec<Found>, String> {
    let bytes = text.as_bytes();
    let values: Vec<Vec<Option<String>>> = shell::parse_bytes(bytes, shell::Options::default())
        .iter()
        .map(|c| c.argv.iter().map(|w| word_value(w, bytes)).collect())
        .collect();
    let mut out = Vec::new();
    for (v, dirs) in values.iter().zip(with_cwds(&values, cwd, home)) {
        for at in dirs {
            out.extend(direct_one(v, &at, home)?);
        }
    }
    Ok(out)
}

fn direct_one(values: &[Option<String>], cwd: &str, home: &str) -> Result<Vec<Found>, String> {
    let Some(Some(first)) = values.first() else {
        return Ok(Vec::new());
    };
    let program = first.rsplit('/').next().unwrap_or(first);
    let args = &values[1..];
    if program == "make" || program == "gmake" {
        return make(args, cwd);
    }
    if ["npm", "pnpm", "yarn"].contains(&program) {
        return package(program, args, cwd);
    }
    let shell = SHELLS.contains(&program);
    if shell || program == "source" || program == "." {
        let mut operands: Vec<&str> = args.iter().flatten().map(String::as_str).collect();
        if shell {
            let runs_text = |a: &&str| {
                *a == "-c" || (a.starts_with('-') && !a.starts_with("--") && a[1..].contains('c'))
            };
            if operands.iter().any(runs_text) {
                return Ok(Vec::new()); // `bash -c '...'`: the shell reader follows it
            }
            if operands.iter().any(|a| *a == "-n" || *a == "--noexec") {
                return Ok(Vec::new()); // a syntax check runs nothing
            }
            if operands.contains(&"-s") {
                return Ok(Vec::new()); // `bash -s ARGS`: the script is stdin
            }
            operands = shell_script(args).into_iter().collect();
        }
        return match operands.first() {
            Some(name) => script(name, cwd, home),
            None => Ok(Vec::new()),
        };
    }
    if first.contains('/') {
        return script(first, cwd, home);
    }
    Ok(Vec::new())
}

/// The script a shell runs: the first word after its options. Options and their
/// values are skipped (`-o pipefail`, `+O extglob`, `-eo pipefail`, `--rcfile F`), so
/// `bash -o pipefail FILE` reads FILE, as bash does. None when the word is not known.
fn shell_script(args: &[Option<String>]) -> Option<&str> {
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_deref()?;
        if a == "--" || a == "-" {
            return args.get(i + 1)?.as_deref();
        }
        let signed = a.len() > 1 && (a.starts_with('-') || a.starts_with('+'));
        if !signed {
            return Some(a);
        }
        if a.starts_with("--") {
            // long options taking a value as the next word
            i += if ["--rcfile", "--init-file"].contains(&a) {
                2
            } else {
                1
            };
            continue;
        }
        // `-o NAME`, `+O NAME`, and a cluster ending in one (`-eo NAME`)
        i += if a.ends_with('o') || a.ends_with('O') {
            2
        } else {
            1
        };
    }
    None
}

fn script(name: &str, cwd: &str, home: &str) -> Result<Vec<Found>, String> {
    let path = normpath(&join(cwd, &expanduser(name, home)));
    Ok(match read(&path)? {
        // a script runs in its caller's cwd
        Some(text) => vec![(format!("the script {name}"), text, cwd.to_string())],
        None => Vec::new(),
    })
}

// -- make ------------------------------------------------------------------------------------

fn make(args: &[Option<String>], cwd: &str) -> Result<Vec<Found>, String> {
    let mut directory = cwd.to_string();
    let mut makefile: Option<String> = None;
    let mut targets: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let Some(a) = args[i].as_deref() else {
            i += 1;
            continue;
        };
        let next = args
            .get(i + 1)
            .and_then(|n| n.as_deref())
            .filter(|n| !n.is_empty());
        if let (true, Some(n)) = (a == "-C" || a == "--directory", next) {
            directory = join(&directory, n);
            i += 2;
            continue;
        }
        if let (true, Some(n)) = (["-f", "--file", "--makefile"].contains(&a), next) {
            makefile = Some(n.to_string());
            i += 2;
            continue;
        }
        if a.starts_with("-C") && a.len() > 2 {
            directory = join(&directory, &a[2..]);
        } else if a.starts_with("-f") && a.len() > 2 {
            makefile = Some(a[2..].to_string());
        } else if [
            "-n",
            "--dry-run",
            "--just-print",
            "--recon",
            "-q",
            "--question",
        ]
        .contains(&a)
        {
            return Ok(Vec::new()); // prints or checks, runs nothing
        } else if !a.starts_with('-') && !a.contains('=') {
            targets.push(a);
        }
        i += 1;
    }
    let names: Vec<String> = match makefile {
        Some(m) => vec![m],
        None => ["GNUmakefile", "makefile", "Makefile"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
    };
    for name in names {
        let path = join(&directory, &name);
        if let Some(text) = read(&path)? {
            let (rules, first) = make_rules(&text);
            let wanted: Vec<&str> = if targets.is_empty() {
                first.iter().map(String::as_str).collect()
            } else {
                targets.clone()
            };
            let recipe = recipes(&rules, &wanted)?;
            if recipe.is_empty() {
                return Ok(Vec::new());
            }
            // `' '.join(targets) or first or ''`
            let named = match targets.join(" ") {
                joined if joined.is_empty() => first.clone().unwrap_or_default(),
                joined => joined,
            };
            return Ok(vec![(format!("make {named} ({path})"), recipe, directory)]);
        }
    }
    Ok(Vec::new())
}

/// Python's `^([^\s:#=][^:=#]*?)\s*::?(?!=)\s*([^;#]*)(?:;(.*))?$` on one line: (targets,
/// prerequisites, inline recipe). The targets run to the first `:`, `=` or `#`, which
/// must be a `:` not followed by `=` (a `::` may be); the prerequisites end at `;`
/// (the recipe follows) or the end; a `#` there is no rule.
fn rule_match(line: &str) -> Option<(&str, &str, Option<&str>)> {
    let first = line.chars().next()?;
    if py_space(first) || matches!(first, ':' | '#' | '=') {
        return None;
    }
    let k = line.find([':', '=', '#'])?;
    if !line[k..].starts_with(':') {
        return None;
    }
    let targets = line[..k].trim_end_matches(py_space);
    let after = &line[k + 1..];
    let p = if after.starts_with(':') && !after[1..].starts_with('=') {
        k + 2
    } else if after.starts_with('=') {
        return None;
    } else {
        k + 1
    };
    let rest = &line[p..];
    match rest.find([';', '#']) {
        None => Some((targets, rest, None)),
        Some(j) if rest[j..].starts_with(';') => Some((targets, &rest[..j], Some(&rest[j + 1..]))),
        Some(_) => None,
    }
}

type Rules = HashMap<String, (Vec<String>, Vec<String>)>;

fn make_rules(text: &str) -> (Rules, Option<String>) {
    let mut rules: Rules = HashMap::new();
    let mut first: Option<String> = None;
    let mut current: Vec<String> = Vec::new();
    let text = text.replace("\\\n", " ");
    for line in text.split('\n') {
        if let Some(recipe) = line.strip_prefix('\t') {
            let recipe = recipe.trim_start_matches(['@', '-', '+', ' ']);
            for t in &current {
                if let Some(r) = rules.get_mut(t) {
                    r.1.push(recipe.to_string());
                }
            }
            continue;
        }
        let skip = [
            " ", "export ", "include ", "ifeq", "ifneq", "ifdef", "ifndef", "define",
        ];
        match rule_match(line) {
            Some((names, prereqs, inline)) if !skip.iter().any(|s| line.starts_with(s)) => {
                let names: Vec<String> = py_split(names).into_iter().map(String::from).collect();
                let prereqs: Vec<String> =
                    py_split(prereqs).into_iter().map(String::from).collect();
                for t in &names {
                    let r = rules.entry(t.clone()).or_default();
                    r.0.extend(prereqs.iter().cloned());
                    if let Some(inline) = inline.filter(|s| !s.is_empty()) {
                        r.1.push(py_strip(inline).to_string());
                    }
                    if first.is_none() && !t.starts_with('.') {
                        first = Some(t.clone());
                    }
                }
                current = names;
            }
            _ => {
                if !py_strip(line).is_empty() && !line.starts_with('#') {
                    current.clear();
                }
            }
        }
    }
    (rules, first)
}

fn recipes(rules: &Rules, targets: &[&str]) -> Result<String, String> {
    fn visit<'a>(
        rules: &'a Rules,
        t: &str,
        depth: usize,
        seen: &mut HashSet<String>,
        out: &mut Vec<&'a str>,
    ) -> Result<(), String> {
        let Some((prereqs, recipe)) = rules.get(t) else {
            return Ok(());
        };
        if seen.contains(t) {
            return Ok(());
        }
        if depth > MAX_MAKE_DEPTH {
            return Err(format!(
                "make target {t} nests deeper than the guard follows"
            ));
        }
        seen.insert(t.to_string());
        for p in prereqs {
            visit(rules, p, depth + 1, seen, out)?;
        }
        out.extend(recipe.iter().map(String::as_str));
        Ok(())
    }
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for t in targets {
        visit(rules, t, 0, &mut seen, &mut out)?;
    }
    Ok(out.join("\n"))
}

// -- package.json ------------------------------------------------------------------------------

fn package(program: &str, args: &[Option<String>], cwd: &str) -> Result<Vec<Found>, String> {
    let operands: Vec<&str> = args
        .iter()
        .flatten()
        .map(String::as_str)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let Some(&op) = operands.first() else {
        return Ok(Vec::new());
    };
    let name: Option<&str> = if ["run", "run-script", "rum", "urn"].contains(&op) {
        operands.get(1).copied()
    } else if program == "npm" && NPM_SHORT.contains(&op) {
        Some(match op {
            "t" | "tst" => "test",
            other => other,
        })
    } else if program != "npm" && !YARN_BUILTIN.contains(&op) {
        Some(op)
    } else {
        None
    };
    let Some(name) = name.filter(|n| !n.is_empty()) else {
        return Ok(Vec::new());
    };
    let path = join(cwd, "package.json");
    let Some(text) = read(&path)? else {
        return Ok(Vec::new());
    };
    let data: Value =
        serde_json::from_str(&text).map_err(|e| format!("cannot read {path}: not JSON ({e})"))?;
    let empty = serde_json::Map::new();
    let found = match data.as_object().and_then(|d| d.get("scripts")) {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(m)) => m,
        Some(_) => return Err(format!("cannot read {path}: 'scripts' is not an object")),
    };
    let body: Vec<&str> = [
        format!("pre{name}"),
        name.to_string(),
        format!("post{name}"),
    ]
    .iter()
    .filter_map(|k| found.get(k).and_then(Value::as_str))
    .collect();
    if body.is_empty() {
        return Ok(Vec::new());
    }
    Ok(vec![(
        format!("{program} run {name} ({path})"),
        body.join("\n"),
        cwd.to_string(),
    )])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guard::TempDir;

    /// test_guard_ondisk.py's project.
    fn project() -> TempDir {
        let t = TempDir::new("ondisk");
        t.write(
            "Makefile",
            "all: test\n\ntest:\n\tpytest -q\n\nrelease: image\n\t@gcloud run deploy web --source .\n\n\
             image:\n\tdocker build -t web .\n",
        );
        t.write(
            "package.json",
            r#"{"scripts": {"test": "jest", "predeploy": "npm run build", "deploy": "node x.js && gh pr merge 9 --admin", "build": "tsc"}}"#,
        );
        t.write(
            "tools/publish.sh",
            "#!/bin/bash\nset -e\ndocker push registry/web:1\n",
        );
        t.write("tools/inner.sh", "#!/bin/bash\nmake release\n");
        t
    }

    fn runs(text: &str, cwd: &str) -> Vec<String> {
        scripts(text, Some(cwd))
            .expect("no error")
            .into_iter()
            .map(|(_, s)| s)
            .collect()
    }

    #[test]
    fn make_targets_and_their_prerequisites() {
        let t = project();
        let found = scripts("make release", Some(&t.0)).unwrap();
        assert_eq!(
            found,
            vec![(
                format!("make release ({}/Makefile)", t.0),
                "docker build -t web .\ngcloud run deploy web --source .".to_string()
            )]
        );
        assert_eq!(runs("make", &t.0), vec!["pytest -q"]); // the first target, `all`
        assert_eq!(runs("make -C . release", &t.0).len(), 1);
        assert!(runs("make -n release", &t.0).is_empty());
        assert!(runs("make missing", &t.0).is_empty());
    }

    #[test]
    fn shell_options_before_the_script_are_skipped() {
        let t = project();
        for c in [
            "bash -o pipefail tools/publish.sh",
            "bash -e -u tools/publish.sh",
            "bash --norc tools/publish.sh",
            "bash --rcfile /dev/null tools/publish.sh",
            "sh -x tools/publish.sh",
            "bash -O extglob tools/publish.sh",
            "bash +O extglob -eo pipefail tools/publish.sh arg",
            "bash -- tools/publish.sh",
        ] {
            assert_eq!(
                runs(c, &t.0),
                vec!["#!/bin/bash\nset -e\ndocker push registry/web:1\n"],
                "{c}"
            );
        }
        assert!(runs("bash -s tools/publish.sh", &t.0).is_empty()); // stdin is the script
    }

    #[test]
    fn package_scripts_and_shell_files() {
        let t = project();
        assert_eq!(
            runs("npm run deploy", &t.0),
            vec!["npm run build\nnode x.js && gh pr merge 9 --admin", "tsc"]
        );
        assert_eq!(runs("yarn deploy", &t.0).len(), 2);
        assert_eq!(runs("npm t", &t.0), vec!["jest"]);
        assert!(runs("yarn add left-pad", &t.0).is_empty());
        for c in [
            "bash tools/publish.sh",
            "sh ./tools/publish.sh",
            "./tools/publish.sh",
            "source tools/publish.sh",
            ". tools/publish.sh",
            "cd tools && ./publish.sh",
        ] {
            assert_eq!(
                runs(c, &t.0),
                vec!["#!/bin/bash\nset -e\ndocker push registry/web:1\n"],
                "{c}"
            );
        }
        // a script that runs make, followed into the Makefile
        assert_eq!(
            runs("./tools/inner.sh", &t.0),
            vec![
                "#!/bin/bash\nmake release\n",
                "docker build -t web .\ngcloud run deploy web --source ."
            ]
        );
        for c in [
            "bash -n tools/publish.sh",
            "cat tools/publish.sh",
            "./tools/missing.sh",
        ] {
            assert!(runs(c, &t.0).is_empty(), "{c}");
        }
        assert_eq!(scripts("make", None), Ok(vec![]));
    }

    #[test]
    fn unreadable_malformed_and_bounds_deny() {
        let t = project();
        t.write("package.json", "{ not json");
        let e = scripts("npm run deploy", Some(&t.0)).unwrap_err();
        assert!(
            e.starts_with(&format!("cannot read {}/package.json: not JSON (", t.0)),
            "{e}"
        );
        t.write("package.json", r#"{"scripts": [1]}"#);
        assert_eq!(
            scripts("npm run deploy", Some(&t.0)),
            Err(format!(
                "cannot read {}/package.json: 'scripts' is not an object",
                t.0
            ))
        );
        for i in 0..=MAX_DEPTH + 1 {
            t.write(&format!("s{i}.sh"), &format!("./s{}.sh\n", i + 1));
        }
        let e = scripts("./s0.sh", Some(&t.0)).unwrap_err();
        assert!(
            e.ends_with("runs more than the guard follows (4 levels, 32 scripts)"),
            "{e}"
        );
        t.write("big.sh", &"#".repeat(MAX_BYTES as usize + 1));
        assert_eq!(
            scripts("bash big.sh", Some(&t.0)),
            Err(format!(
                "{}/big.sh is larger than the guard reads (1048576 bytes)",
                t.0
            ))
        );
        t.write("f", "");
        let e = scripts("bash f/x.sh", Some(&t.0)).unwrap_err();
        assert_eq!(e, format!("cannot read {}/f/x.sh: Not a directory", t.0));
        let deep: String = (0..20).map(|i| format!("d{i}: d{}\n", i + 1)).collect();
        t.write("Makefile", &format!("{deep}d20:\n\techo\n"));
        assert_eq!(
            scripts("make d0", Some(&t.0)),
            Err("make target d17 nests deeper than the guard follows".to_string())
        );
    }

    #[test]
    fn make_rule_lines_as_python_matches_them() {
        assert_eq!(
            rule_match("a b: c d; echo x"),
            Some(("a b", " c d", Some(" echo x")))
        );
        assert_eq!(rule_match("a::b"), Some(("a", "b", None)));
        assert_eq!(rule_match("a::=b"), Some(("a", ":=b", None)));
        assert_eq!(rule_match("a :: b"), Some(("a", " b", None)));
        assert_eq!(rule_match("x := y"), None);
        assert_eq!(rule_match("x = y"), None);
        assert_eq!(rule_match("a: b # c"), None);
        assert_eq!(rule_match(" a: b"), None);
        assert_eq!(rule_match("b\u{1c}: c"), Some(("b", " c", None)));
        let (rules, first) =
            make_rules(".PHONY: all\nall: a\n\t@-echo 1\nx := 2\n\techo lost\na: ; echo 2\n");
        assert_eq!(first.as_deref(), Some("all"));
        assert_eq!(
            rules["all"],
            (vec!["a".to_string()], vec!["echo 1".to_string()])
        );
        assert_eq!(recipes(&rules, &["all"]), Ok("echo 2\necho 1".to_string()));
    }
}
