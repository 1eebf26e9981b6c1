//! The compiled pack the guard decides with, found by a content hash.
//!
//! The key is a sha256 over a format version, the executable's own stamp, every rule
//! file of the package's `rules/` (name and bytes), the config that applies to the
//! call (path and bytes) and the `_core` extension's size and mtime (the code the
//! Python side compiles with). The entry, `guard-<key>.json` in the cache directory,
//! is sealed (`sealed`): written by the Python side (`python -m vitana_guard.hooks
//! compile-pack --key K`), verified here before it is parsed. Rule files that the
//! config adds are verified by their sha256 on every load: editing one rebuilds.

use std::fs;
use std::io::ErrorKind;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{sealed, state};

/// The shape of the entry (`vitana_guard/hooks/compile.py` FORMAT).
pub const FORMAT: u64 = 2;

/// What goes into the key besides the config.
#[derive(Debug, Clone)]
pub struct KeyInputs {
    /// identifies the executable (its size and mtime)
    pub build_id: String,
    /// the installed package directory (`rules/` and `_core` live there)
    pub package: PathBuf,
}

/// The content hash the pack of `config` is cached under. An unreadable rule file or
/// config is an error: the guard cannot tell what it would judge with.
pub fn key(inputs: &KeyInputs, config: Option<&Path>) -> Result<String, String> {
    let mut h = Sha256::new();
    h.update(format!("vitana-guard-hook\0{FORMAT}\0{}\0", inputs.build_id).as_bytes());
    let rules = inputs.package.join("rules");
    let mut files: Vec<(String, PathBuf)> = fs::read_dir(&rules)
        .map_err(|e| format!("cannot read the rules directory {}: {e}", rules.display()))?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let is_file = fs::metadata(e.path()).is_ok_and(|m| m.is_file());
            (name.ends_with(".yaml") && is_file).then(|| (name, e.path()))
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(format!("no rule files in {}", rules.display()));
    }
    for (name, path) in &files {
        let data = fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        h.update(name.as_bytes());
        h.update(b"\0");
        h.update(&data);
        h.update(b"\0");
    }
    if let Some(config) = config {
        let data =
            fs::read(config).map_err(|e| format!("cannot read {}: {e}", config.display()))?;
        h.update(config.as_os_str().as_encoded_bytes());
        h.update(b"\0");
        h.update(&data);
        h.update(b"\0");
    }
    h.update(core_stamp(&inputs.package).as_bytes());
    let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok(hex[..40].to_owned())
}

/// The `_core` extension's size and mtime ("" when there is none).
fn core_stamp(package: &Path) -> String {
    let Ok(dir) = fs::read_dir(package) else {
        return String::new();
    };
    let mut stamps: Vec<String> = dir
        .filter_map(Result::ok)
        .filter(|e| {
            let n = e.file_name();
            let n = n.to_string_lossy();
            n.starts_with("_core.") && (n.ends_with(".so") || n.ends_with(".pyd"))
        })
        .filter_map(|e| {
            let m = fs::metadata(e.path()).ok()?;
            Some(format!(
                "{}:{}:{}",
                e.file_name().to_string_lossy(),
                m.size(),
                m.mtime() as i128 * 1_000_000_000 + m.mtime_nsec() as i128
            ))
        })
        .collect();
    stamps.sort();
    stamps.join("\0")
}

/// The cache entry's path for `key`.
pub fn entry_path(key: &str) -> PathBuf {
    state::cache_home().join(format!("guard-{key}.json"))
}

/// The keyword gate of the pack: a call none of whose items hold a keyword is clean.
#[derive(Debug, Clone)]
pub struct Prefilter {
    pub keywords: Vec<String>,
    /// some entry that could apply to a hook's segments is not gated by keywords
    pub always: bool,
}

/// A verified, parsed entry.
#[derive(Debug, Clone)]
pub struct GuardPack {
    /// the core's pack data (engine/packdata.py), compiled when a scan is needed
    pub pack: Value,
    pub prefilter: Prefilter,
    /// rule files the config adds, with the sha256 they had when compiled
    pub extra: Vec<(String, Option<String>)>,
}

/// Reads the entry for `key`: None when it is missing, not verified, not of this
/// format, or a rule file it was compiled from changed since (then it is rebuilt).
pub fn load(key: &str) -> Option<GuardPack> {
    let payload = sealed::read(&entry_path(key), key)?;
    let pack = parse(&payload).ok()?;
    pack.extra
        .iter()
        .all(|(path, digest)| file_digest(Path::new(path)) == *digest)
        .then_some(pack)
}

/// sha256 of a file's bytes, None when it cannot be read.
pub fn file_digest(path: &Path) -> Option<String> {
    match fs::read(path) {
        Ok(data) => Some(state::sha256_hex(&data)),
        Err(e) if e.kind() == ErrorKind::NotFound => None,
        Err(_) => Some(String::from("unreadable")),
    }
}

/// Parses an entry's payload.
pub fn parse(payload: &[u8]) -> Result<GuardPack, String> {
    let mut data: Value =
        serde_json::from_slice(payload).map_err(|e| format!("guard pack is not JSON: {e}"))?;
    if data.get("format").and_then(Value::as_u64) != Some(FORMAT) {
        return Err("guard pack of another format".into());
    }
    let pack = data
        .get_mut("pack")
        .map(Value::take)
        .ok_or("guard pack has no pack")?;
    let pre = data.get("prefilter").ok_or("guard pack has no prefilter")?;
    let keywords = pre
        .get("keywords")
        .and_then(Value::as_array)
        .ok_or("guard pack's prefilter has no keywords")?
        .iter()
        .map(|k| {
            k.as_str()
                .map(str::to_owned)
                .ok_or("a keyword is not a string")
        })
        .collect::<Result<Vec<_>, _>>()?;
    let always = pre.get("always").and_then(Value::as_bool).unwrap_or(true);
    let extra = data
        .get("extra")
        .and_then(Value::as_array)
        .ok_or("guard pack has no extra")?
        .iter()
        .map(|e| {
            let path = e.get(0).and_then(Value::as_str).ok_or("bad extra entry")?;
            let digest = e.get(1).and_then(Value::as_str).map(str::to_owned);
            Ok((path.to_owned(), digest))
        })
        .collect::<Result<Vec<_>, &str>>()?;
    Ok(GuardPack {
        pack,
        prefilter: Prefilter { keywords, always },
        extra,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("vg-cache-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(d.join("rules")).unwrap();
        fs::write(d.join("rules/a.yaml"), "rules: []\n").unwrap();
        d
    }

    #[test]
    fn the_key_follows_rules_config_and_build() {
        let d = package("key");
        let inputs = KeyInputs {
            build_id: "b1".into(),
            package: d.clone(),
        };
        let k1 = key(&inputs, None).unwrap();
        assert_eq!(k1.len(), 40);
        assert_eq!(key(&inputs, None).unwrap(), k1);
        fs::write(d.join("cfg.yaml"), "select: []\n").unwrap();
        let k2 = key(&inputs, Some(&d.join("cfg.yaml"))).unwrap();
        assert_ne!(k1, k2);
        fs::write(d.join("rules/a.yaml"), "rules: [x]\n").unwrap();
        assert_ne!(key(&inputs, None).unwrap(), k1);
        let other = KeyInputs {
            build_id: "b2".into(),
            ..inputs.clone()
        };
        assert_ne!(key(&other, None).unwrap(), key(&inputs, None).unwrap());
        assert!(key(&inputs, Some(&d.join("missing.yaml"))).is_err());
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn entries_of_another_shape_are_refused() {
        assert!(parse(b"not json").is_err());
        assert!(parse(br#"{"format": 99}"#).is_err());
        let ok =
            br#"{"format": 2, "pack": {}, "prefilter": {"keywords": ["gcloud"], "always": false},
                      "extra": [["/x", null]]}"#;
        let p = parse(ok).unwrap();
        assert_eq!(p.prefilter.keywords, ["gcloud"]);
        assert_eq!(p.extra, [("/x".to_owned(), None)]);
    }
}
