//! Per-session flow state and the audit log, outside the repository (port of
//! `hooks/state.py`; the files are the same, so the Python tools read what the
//! executable writes).
//!
//! State: `$XDG_STATE_HOME/vitana-guard/sessions/<sha256(session)[:32]>.json` holding
//! the gateway steps the session already took, so a deploy before any safe-merge is
//! denied live. Writers take an exclusive `flock` on a sibling lock file and replace the
//! file atomically (temp file + rename): concurrent hooks never tear or lose an update.
//!
//! Audit: one JSON line per decision appended to `$XDG_STATE_HOME/vitana-guard/audit.jsonl`
//! with a single `O_APPEND` write; the evaluated text is recorded only as its sha256.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

/// Replay cost is bounded: older steps are dropped first.
pub const MAX_STEPS: usize = 200;

/// `os.path.expanduser("~")`: HOME, else the password database's entry (as the Python
/// side that writes the cache finds it).
pub fn home() -> PathBuf {
    let home = std::env::var_os("HOME").map(|h| h.to_string_lossy().into_owned());
    PathBuf::from(super::home_of(home.as_deref()))
}

fn xdg(var: &str, default: &[&str]) -> PathBuf {
    match std::env::var_os(var) {
        Some(v) if !v.is_empty() => PathBuf::from(v),
        _ => default.iter().fold(home(), |p, part| p.join(part)),
    }
}

pub fn state_home() -> PathBuf {
    xdg("XDG_STATE_HOME", &[".local", "state"]).join("vitana-guard")
}

pub fn cache_home() -> PathBuf {
    xdg("XDG_CACHE_HOME", &[".cache"]).join("vitana-guard")
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The sha256 of a file's bytes in hex, read 1 MiB at a time (a scan's evidence of each
/// input, `vitana_guard.pipeline.sha256_file`): a big file is never held whole.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    use std::io::Read;

    let mut file = fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        match file.read(&mut buf) {
            Ok(0) => return Ok(hex(&hasher.finalize())),
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

pub fn session_file(state_dir: &Path, session: &str) -> PathBuf {
    let digest = sha256_hex(session.as_bytes());
    state_dir
        .join("sessions")
        .join(format!("{}.json", &digest[..32]))
}

/// The steps already taken; a missing or unreadable file is an empty session.
pub fn load_steps(file: &Path) -> Vec<Map<String, Value>> {
    let Ok(text) = fs::read_to_string(file) else {
        return Vec::new();
    };
    let Ok(Value::Object(mut data)) = serde_json::from_str::<Value>(&text) else {
        return Vec::new();
    };
    let Some(Value::Array(steps)) = data.remove("steps") else {
        return Vec::new();
    };
    steps
        .into_iter()
        .filter_map(|s| match s {
            Value::Object(m) if m.get("text").is_some_and(Value::is_string) => Some(m),
            _ => None,
        })
        .collect()
}

/// Appends `new` to the session's steps (at most [`MAX_STEPS`] kept), under an
/// exclusive lock, replacing the file atomically.
pub fn append_steps(file: &Path, new: Vec<Map<String, Value>>) -> Result<(), String> {
    if new.is_empty() {
        return Ok(());
    }
    let dir = file.parent().ok_or("no state directory")?;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    let lock_path = PathBuf::from(format!("{}.lock", file.display()));
    let lock = OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o644)
        .open(&lock_path)
        .map_err(|e| format!("{}: {e}", lock_path.display()))?;
    rustix::fs::flock(&lock, rustix::fs::FlockOperation::LockExclusive)
        .map_err(|e| format!("{}: {e}", lock_path.display()))?;
    let result = replace_steps(file, dir, new);
    let _ = rustix::fs::flock(&lock, rustix::fs::FlockOperation::Unlock);
    result
}

/// Under the lock: the steps read, `new` appended, the file replaced.
fn replace_steps(file: &Path, dir: &Path, new: Vec<Map<String, Value>>) -> Result<(), String> {
    let mut steps = load_steps(file);
    steps.extend(new);
    let skip = steps.len().saturating_sub(MAX_STEPS);
    let steps: Vec<Value> = steps.into_iter().skip(skip).map(Value::Object).collect();
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let doc = json!({"version": 1, "session_sha256": stem, "updated": now(), "steps": steps});
    let name = file
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o644)
            .open(&tmp)?;
        f.write_all(doc.to_string().as_bytes())?;
        f.sync_all()?;
        fs::rename(&tmp, file)
    };
    write().map_err(|e| {
        let _ = fs::remove_file(&tmp);
        format!("{}: {e}", file.display())
    })
}

/// Appends one decision as one JSON line (a single O_APPEND write) to `path`, or to
/// the default audit log under `state_dir`.
pub fn audit(
    record: Map<String, Value>,
    path: Option<&Path>,
    state_dir: &Path,
) -> Result<(), String> {
    let target = path.map_or_else(|| state_dir.join("audit.jsonl"), Path::to_path_buf);
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let mut line = Map::new();
    line.insert("time".into(), Value::String(now()));
    line.extend(record);
    let mut text = Value::Object(line).to_string();
    text.push('\n');
    let mut f = OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .open(&target)
        .map_err(|e| format!("{}: {e}", target.display()))?;
    f.write_all(text.as_bytes())
        .map_err(|e| format!("{}: {e}", target.display()))
}

/// sha256 over each text and a NUL: what the audit log records instead of the text.
pub fn fingerprint<'a>(texts: impl IntoIterator<Item = &'a str>) -> String {
    let mut h = Sha256::new();
    for t in texts {
        h.update(t.as_bytes());
        h.update([0u8]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// `n` random bytes as hex (`os.urandom(n).hex()`); the time and pid when the system
/// gives no random bytes (an id, not a secret).
pub fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    let filled = rustix::rand::getrandom(&mut bytes, rustix::rand::GetRandomFlags::empty());
    if filled.ok() != Some(n) {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos() as u64
            ^ u64::from(std::process::id()).rotate_left(32);
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = (t >> (8 * (i % 8))) as u8;
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// UTC now as `2026-01-02T03:04:05.678Z`.
pub fn now() -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    utc(t.as_secs() as i64, t.subsec_millis())
}

fn utc(secs: i64, millis: u32) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // civil from days (Howard Hinnant's algorithm)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_formats_like_python() {
        assert_eq!(utc(0, 0), "1970-01-01T00:00:00.000Z");
        // 2024-02-29 12:34:56 UTC (a leap day)
        assert_eq!(utc(1_709_210_096, 7), "2024-02-29T12:34:56.007Z");
    }

    #[test]
    fn a_file_hashes_as_its_bytes_do() {
        let dir = std::env::temp_dir().join(format!("vg-sha-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("f");
        // more than one read buffer, so the chunks are joined
        let data: Vec<u8> = (0..(3 << 19)).map(|i| (i % 251) as u8).collect();
        fs::write(&path, &data).unwrap();
        assert_eq!(sha256_file(&path).unwrap(), sha256_hex(&data));
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(sha256_file(&dir.join("missing")).is_err());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn session_file_is_the_sha256_prefix() {
        let f = session_file(Path::new("/s"), "abc");
        assert_eq!(
            f,
            Path::new("/s/sessions/ba7816bf8f01cfea414140de5dae2223.json")
        );
    }

    #[test]
    fn steps_round_trip_and_are_capped() {
        let dir = std::env::temp_dir().join(format!("vg-state-{}", std::process::id()));
        let file = session_file(&dir, "s");
        let step = |i: usize| {
            let mut m = Map::new();
            m.insert("text".into(), Value::String(format!("GET /{i}")));
            m
        };
        append_steps(&file, (0..150).map(step).collect()).unwrap();
        append_steps(&file, (150..260).map(step).collect()).unwrap();
        let steps = load_steps(&file);
        assert_eq!(steps.len(), MAX_STEPS);
        assert_eq!(steps[0]["text"], "GET /60");
        assert_eq!(steps[MAX_STEPS - 1]["text"], "GET /259");
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn fingerprint_matches_python() {
        // hashlib.sha256(b"a\0b\0").hexdigest()
        assert_eq!(fingerprint(["a", "b"]), sha256_hex(b"a\0b\0"));
    }
}
