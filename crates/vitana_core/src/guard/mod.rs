//! The live guard's library half: what the hook executable (crate `vitana_guard_hook`)
//! decides with, kept here so each part is tested on its own; the executable only does
//! the I/O (argv, stdin, env, files, exit code).
//!
//! - `call`: the hook's JSON read into a call and the items to judge, per agent;
//! - `verdict`: the decision (the scan of the items, the reason, each agent's answer)
//!   and the post-tool hook's record of the gateway steps a call took;
//! - `cache`, `sealed`, `discovery`: the compiled pack, found by a content hash and
//!   verified before it is read; `state`: session steps and the audit log.
//!
//! The guard's own checks, ported from `vitana_guard/hooks/`: what would switch
//! the guard off (`tamper`), what a command runs from disk (`ondisk`), and the file an
//! edit leaves behind (`edits`).
//!
//! They are not policy rules: they run before the rule engine, on the call as the hook
//! receives it, and read the disk the way the Python originals do (same bounds, same
//! reasons). Paths are handled as Python's `posixpath` handles them (`normpath`, `join`,
//! `expanduser`), because a difference there is a path the guard fails to protect.

pub mod cache;
pub mod call;
pub mod discovery;
pub mod edits;
pub mod ondisk;
pub mod sealed;
pub mod state;
pub mod tamper;
pub mod verdict;

use std::collections::BTreeMap;

pub(crate) use crate::pyfmt::{strip as py_strip, truthy};

/// The environment variables tamper expands at the start of a word, in Python's order.
pub(crate) const EXPANDED_VARS: [&str; 5] = [
    "XDG_CACHE_HOME",
    "XDG_STATE_HOME",
    "XDG_CONFIG_HOME",
    "CLAUDE_CONFIG_DIR",
    "CODEX_HOME",
];

/// Where the guard lives for this user and process (what tamper protects besides
/// config/settings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardPaths {
    /// `os.path.expanduser("~")`: $HOME without trailing slashes ("/" when that leaves
    /// nothing); the password database's entry when HOME is unset
    pub home: String,
    /// `$XDG_CACHE_HOME/vitana-guard`, or `~/.cache/vitana-guard`
    pub cache_dir: String,
    /// `$XDG_STATE_HOME/vitana-guard`, or `~/.local/state/vitana-guard`
    pub state_dir: String,
    /// the guard's code: the Python package dir, the hook executable's dir
    pub code_dirs: Vec<String>,
    /// env values tamper expands ($HOME, XDG_*, CLAUDE_CONFIG_DIR, CODEX_HOME), as set
    /// (an empty value counts as unset where it is used, as in Python)
    pub env: BTreeMap<String, String>,
}

impl GuardPaths {
    /// Reads HOME and XDG_* like `hooks/state.py`'s `state_home`/`cache_home`.
    pub fn from_env(code_dirs: Vec<String>) -> GuardPaths {
        let mut env = BTreeMap::new();
        for var in std::iter::once("HOME").chain(EXPANDED_VARS) {
            if let Some(v) = std::env::var_os(var) {
                env.insert(var.to_string(), v.to_string_lossy().into_owned());
            }
        }
        GuardPaths::from_map(env, code_dirs)
    }

    /// The same, from given values (tests, and a caller that has the call's env).
    pub fn from_map(env: BTreeMap<String, String>, code_dirs: Vec<String>) -> GuardPaths {
        let home = home_of(env.get("HOME").map(String::as_str));
        let set = |k: &str| env.get(k).filter(|v| !v.is_empty()).cloned();
        let cache = set("XDG_CACHE_HOME").unwrap_or_else(|| join(&home, ".cache"));
        let state = set("XDG_STATE_HOME").unwrap_or_else(|| join(&home, ".local/state"));
        GuardPaths {
            cache_dir: join(&cache, "vitana-guard"),
            state_dir: join(&state, "vitana-guard"),
            home,
            code_dirs,
            env,
        }
    }

    /// A variable's value when set and not empty (Python's `os.environ.get(var)` truthy).
    pub(crate) fn var(&self, name: &str) -> Option<&str> {
        self.env
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

/// `os.path.expanduser("~")` for a HOME value (None: unset, read the password database).
pub(crate) fn home_of(home: Option<&str>) -> String {
    let raw = match home {
        Some(h) => h.to_string(),
        None => own_passwd_home().unwrap_or_else(|| "/".to_string()),
    };
    let trimmed = raw.trim_end_matches('/');
    if trimmed.is_empty() {
        "/".to_string()
    } else {
        trimmed.to_string()
    }
}

/// The home of this process's user in /etc/passwd, for a process without HOME.
fn own_passwd_home() -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata("/proc/self").ok()?.uid().to_string();
    passwd_entries()?
        .into_iter()
        .find(|(_, u, _)| *u == uid)
        .map(|(_, _, dir)| dir)
}

/// (name, uid, home) of each /etc/passwd entry, in file order; the file read up to 4 MiB.
fn passwd_entries() -> Option<Vec<(String, String, String)>> {
    use std::io::Read;
    let mut data = Vec::new();
    std::fs::File::open("/etc/passwd")
        .ok()?
        .take(4 << 20)
        .read_to_end(&mut data)
        .ok()?;
    let text = String::from_utf8_lossy(&data);
    Some(
        text.lines()
            .filter_map(|line| {
                let f: Vec<&str> = line.split(':').collect();
                (f.len() >= 6).then(|| (f[0].to_string(), f[2].to_string(), f[5].to_string()))
            })
            .collect(),
    )
}

/// `os.path.expanduser(path)` with `home` as `_home()` gives it: `~` and `~/...` from
/// HOME, `~user/...` from the password database; unchanged when the user is unknown.
pub(crate) fn expanduser(path: &str, home: &str) -> String {
    let Some(rest) = path.strip_prefix('~') else {
        return path.to_string();
    };
    let i = rest.find('/').unwrap_or(rest.len());
    let userhome = if i == 0 {
        home.to_string()
    } else {
        let name = &rest[..i];
        let found = passwd_entries().and_then(|e| e.into_iter().find(|(n, _, _)| n == name));
        match found {
            Some((_, _, dir)) => dir,
            None => return path.to_string(),
        }
    };
    let out = format!("{}{}", userhome.trim_end_matches('/'), &rest[i..]);
    if out.is_empty() {
        "/".to_string()
    } else {
        out
    }
}

/// `os.path.join(a, b)` for one component.
pub(crate) fn join(a: &str, b: &str) -> String {
    if b.starts_with('/') {
        b.to_string()
    } else if a.is_empty() || a.ends_with('/') {
        format!("{a}{b}")
    } else {
        format!("{a}/{b}")
    }
}

/// `os.path.normpath`: `.` and empty components dropped, `..` folded, two leading
/// slashes (exactly two) kept as POSIX allows.
pub(crate) fn normpath(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let initial = if path.starts_with("//") && !path.starts_with("///") {
        2
    } else if path.starts_with('/') {
        1
    } else {
        0
    };
    let mut comps: Vec<&str> = Vec::new();
    for comp in path.split('/') {
        if comp.is_empty() || comp == "." {
            continue;
        }
        if comp != ".." || (initial == 0 && comps.is_empty()) || comps.last() == Some(&"..") {
            comps.push(comp);
        } else {
            comps.pop();
        }
    }
    let out = format!("{}{}", "/".repeat(initial), comps.join("/"));
    if out.is_empty() {
        ".".to_string()
    } else {
        out
    }
}

/// `os.path.basename`.
pub(crate) fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// `s.split()` with Python's whitespace.
pub(crate) fn py_split(s: &str) -> Vec<&str> {
    s.split(crate::segment::py_space)
        .filter(|w| !w.is_empty())
        .collect()
}

/// `a.get(k1) or a.get(k2) or ...`: the first truthy value.
pub(crate) fn first_truthy<'a>(
    args: &'a serde_json::Map<String, serde_json::Value>,
    keys: &[&str],
) -> Option<&'a serde_json::Value> {
    keys.iter().filter_map(|k| args.get(*k)).find(|v| truthy(v))
}

/// The text of an OS error as Python's `e.strerror` gives it (no "(os error N)").
pub(crate) fn strerror(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.rfind(" (os error ") {
        Some(i) if s.ends_with(')') => s[..i].to_string(),
        _ => s,
    }
}

/// A fresh directory for a test, removed when dropped.
#[cfg(test)]
pub(crate) struct TempDir(pub String);

#[cfg(test)]
impl TempDir {
    pub(crate) fn new(tag: &str) -> TempDir {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("vg-guard-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temp dir");
        TempDir(dir.to_string_lossy().into_owned())
    }

    /// Writes `rel` (parents made) and returns its path.
    pub(crate) fn write(&self, rel: &str, text: &str) -> String {
        let path = join(&self.0, rel);
        if let Some(parent) = std::path::Path::new(&path).parent() {
            std::fs::create_dir_all(parent).expect("a parent dir");
        }
        std::fs::write(&path, text).expect("a written file");
        path
    }
}

#[cfg(test)]
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normpath_is_posixpaths() {
        for (a, b) in [
            ("", "."),
            ("/", "/"),
            ("//", "//"),
            ("///", "/"),
            ("//a/../b", "//b"),
            ("/a/./b/../c/", "/a/c"),
            ("a/../..", ".."),
            ("../../a", "../../a"),
            ("/../a", "/a"),
            ("a//b", "a/b"),
        ] {
            assert_eq!(normpath(a), b, "{a}");
        }
    }

    #[test]
    fn join_and_expanduser() {
        assert_eq!(join("/a", "b"), "/a/b");
        assert_eq!(join("/a/", "b"), "/a/b");
        assert_eq!(join("/a", "/b"), "/b");
        assert_eq!(join("", "b"), "b");
        assert_eq!(expanduser("~", "/home/u"), "/home/u");
        assert_eq!(expanduser("~/x", "/home/u"), "/home/u/x");
        assert_eq!(expanduser("~", "/"), "/");
        assert_eq!(expanduser("~/x", "/"), "/x");
        assert_eq!(expanduser("a/~", "/h"), "a/~");
        assert_eq!(
            expanduser("~no-such-user-xyz/x", "/h"),
            "~no-such-user-xyz/x"
        );
        assert_eq!(expanduser("~root/x", "/h"), "/root/x");
        assert_eq!(home_of(Some("/home/u/")), "/home/u");
        assert_eq!(home_of(Some("/")), "/");
    }

    #[test]
    fn paths_from_a_map() {
        let mut env = BTreeMap::new();
        env.insert("HOME".to_string(), "/h".to_string());
        env.insert("XDG_CACHE_HOME".to_string(), String::new());
        env.insert("XDG_STATE_HOME".to_string(), "/s".to_string());
        let p = GuardPaths::from_map(env, vec!["/code".into()]);
        assert_eq!(p.home, "/h");
        assert_eq!(p.cache_dir, "/h/.cache/vitana-guard");
        assert_eq!(p.state_dir, "/s/vitana-guard");
        assert_eq!(p.var("XDG_CACHE_HOME"), None);
    }

    #[test]
    fn python_truth() {
        use serde_json::json;
        for v in [
            json!(null),
            json!(false),
            json!(0),
            json!(-0.0),
            json!(""),
            json!([]),
            json!({}),
        ] {
            assert!(!truthy(&v), "{v}");
        }
        for v in [
            json!(true),
            json!(1),
            json!(0.5),
            json!("x"),
            json!([0]),
            json!({"a": 0}),
        ] {
            assert!(truthy(&v), "{v}");
        }
    }
}
