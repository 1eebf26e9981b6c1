//! Where a project's configuration comes from: the same search as
//! `vitana_guard/discovery.py` (the CLI's), so the executable keys its pack cache on the
//! config the Python side will compile.
//!
//! From the start directory upward, the first `.vitana-guard.yaml` / `.vitana-guard.yml`,
//! or `pyproject.toml` holding `[tool.vitana-guard]`, wins. The search never leaves the
//! repository (it ends at the directory holding `.git`) and, outside a repository, never
//! goes above the home directory; outside both, it stops below the filesystem root and
//! below any directory everyone may write (`/tmp`). A file owned by another user
//! (neither this user nor root) is never read.

use std::fs;
use std::io::ErrorKind;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

pub const CONFIG_NAMES: [&str; 2] = [".vitana-guard.yaml", ".vitana-guard.yml"];
pub const PYPROJECT_SECTION: &str = "[tool.vitana-guard]";

/// A regular file owned by this user or by root.
pub fn trusted_file(path: &Path) -> bool {
    let uid = rustix::process::getuid().as_raw();
    fs::metadata(path).is_ok_and(|m| m.is_file() && (m.uid() == uid || m.uid() == 0))
}

/// The directories to look in, nearest first, within the bounds above.
pub fn search_dirs(start: &Path, home: &Path) -> Vec<PathBuf> {
    let chain: Vec<PathBuf> = start.ancestors().map(Path::to_path_buf).collect();
    for (i, dir) in chain.iter().enumerate() {
        match fs::metadata(dir.join(".git")) {
            Ok(_) => return chain[..=i].to_vec(),
            Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {}
            Err(_) => return chain[..=i].to_vec(),
        }
    }
    let home = fs::canonicalize(home).unwrap_or_else(|_| home.to_path_buf());
    if let Some(i) = chain.iter().position(|d| *d == home) {
        return chain[..=i].to_vec();
    }
    let mut kept = Vec::new();
    for dir in &chain {
        if dir.parent().is_none() || world_writable(dir) {
            break;
        }
        kept.push(dir.clone());
    }
    if kept.is_empty() {
        kept.push(chain[0].clone());
    }
    kept
}

fn world_writable(dir: &Path) -> bool {
    fs::metadata(dir).map_or(true, |m| m.mode() & 0o002 != 0)
}

/// The config that applies to `start` (a directory or a file in one), if any.
pub fn discover(start: &Path, home: &Path) -> Option<PathBuf> {
    let mut here = match fs::canonicalize(start) {
        Ok(p) => p,
        Err(_) => {
            // missing, or a symlink loop: look from where it was named
            let abs = if start.is_absolute() {
                start.to_path_buf()
            } else {
                std::env::current_dir().ok()?.join(start)
            };
            abs.parent()?.to_path_buf()
        }
    };
    match fs::metadata(&here) {
        Ok(m) if m.is_dir() => {}
        _ => here = here.parent()?.to_path_buf(),
    }
    if !fs::metadata(&here).is_ok_and(|m| m.is_dir()) {
        return None;
    }
    for dir in search_dirs(&here, home) {
        for name in CONFIG_NAMES {
            let candidate = dir.join(name);
            if trusted_file(&candidate) {
                return Some(candidate);
            }
        }
        let pyproject = dir.join("pyproject.toml");
        if trusted_file(&pyproject) {
            if let Ok(data) = fs::read(&pyproject) {
                if String::from_utf8_lossy(&data).contains(PYPROJECT_SECTION) {
                    return Some(pyproject);
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(name: &str) -> PathBuf {
        let root = std::env::temp_dir().join(format!("vg-disc-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(root.join("repo/sub/deep")).unwrap();
        fs::create_dir_all(root.join("repo/.git")).unwrap();
        fs::canonicalize(root).unwrap()
    }

    #[test]
    fn nearest_config_wins_and_stops_at_the_repository() {
        let root = tree("near");
        fs::write(root.join(".vitana-guard.yaml"), "outside\n").unwrap();
        assert_eq!(discover(&root.join("repo/sub/deep"), &root), None);
        fs::write(root.join("repo/.vitana-guard.yml"), "x\n").unwrap();
        fs::write(root.join("repo/sub/pyproject.toml"), "[tool.other]\n").unwrap();
        assert_eq!(
            discover(&root.join("repo/sub/deep"), &root),
            Some(root.join("repo/.vitana-guard.yml"))
        );
        fs::write(
            root.join("repo/sub/pyproject.toml"),
            "[tool.vitana-guard]\n",
        )
        .unwrap();
        assert_eq!(
            discover(&root.join("repo/sub/deep"), &root),
            Some(root.join("repo/sub/pyproject.toml"))
        );
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn outside_a_repository_the_search_ends_at_home() {
        let root = tree("home");
        fs::create_dir_all(root.join("home/proj")).unwrap();
        fs::write(root.join(".vitana-guard.yaml"), "above home\n").unwrap();
        assert_eq!(discover(&root.join("home/proj"), &root.join("home")), None);
        fs::write(root.join("home/.vitana-guard.yaml"), "x\n").unwrap();
        assert_eq!(
            discover(&root.join("home/proj"), &root.join("home")),
            Some(root.join("home/.vitana-guard.yaml"))
        );
        let _ = fs::remove_dir_all(&root);
    }
}
