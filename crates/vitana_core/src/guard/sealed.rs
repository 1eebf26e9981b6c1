//! Cache entries verified before they are read (the reading half of
//! `vitana_guard/sealed.py`, whose entries the Python side writes; `write` is here for
//! the tests and for symmetry).
//!
//! An entry is read back only when all of these hold: the cache directory is a real
//! directory owned by this user with no access for group or others; the entry is a
//! regular file owned by this user and writable by nobody else; it names the content
//! hash the caller computed afresh (an entry compiled from other inputs is never used);
//! and an HMAC-SHA256 over that hash and the payload verifies under the per-user key
//! (`.key`, 0600, 32 bytes, in the same directory). The MAC is checked before the
//! payload is parsed: bytes not written under this user's key are never read.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::Path;

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const MAGIC: &[u8] = b"VGSEAL1\n";
pub const KEY_NAME: &str = ".key";

fn uid() -> u32 {
    rustix::process::getuid().as_raw()
}

/// A real directory owned by this user, with no access for group or others.
pub fn private_dir(dir: &Path) -> bool {
    fs::symlink_metadata(dir)
        .is_ok_and(|m| m.file_type().is_dir() && m.uid() == uid() && m.mode() & 0o077 == 0)
}

fn own_file(path: &Path) -> bool {
    fs::symlink_metadata(path)
        .is_ok_and(|m| m.file_type().is_file() && m.uid() == uid() && m.mode() & 0o022 == 0)
}

fn key(dir: &Path) -> Option<Vec<u8>> {
    let path = dir.join(KEY_NAME);
    let meta = fs::symlink_metadata(&path).ok()?;
    if !own_file(&path) || meta.mode() & 0o077 != 0 {
        return None;
    }
    let data = fs::read(&path).ok()?;
    (data.len() == 32).then_some(data)
}

fn mac(key: &[u8], source: &str) -> Option<Hmac<Sha256>> {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).ok()?;
    m.update(source.as_bytes());
    m.update(b"\0");
    Some(m)
}

fn hex_decode(text: &[u8]) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    text.chunks(2)
        .map(|pair| {
            let s = std::str::from_utf8(pair).ok()?;
            u8::from_str_radix(s, 16).ok()
        })
        .collect()
}

/// The payload of a verified entry compiled from `source` (a content hash); None when
/// the entry is missing or fails any check.
pub fn read(path: &Path, source: &str) -> Option<Vec<u8>> {
    let dir = path.parent()?;
    if !private_dir(dir) || !own_file(path) {
        return None;
    }
    let key = key(dir)?;
    let data = fs::read(path).ok()?;
    let rest = data.strip_prefix(MAGIC)?;
    let head_end = memchr::memchr(b'\n', rest)?;
    let src_end = head_end + 1 + memchr::memchr(b'\n', &rest[head_end + 1..])?;
    let (stored_mac, stored_source, payload) = (
        &rest[..head_end],
        &rest[head_end + 1..src_end],
        &rest[src_end + 1..],
    );
    if stored_source != source.as_bytes() {
        return None; // compiled from something else: the rules or config changed
    }
    let expected = hex_decode(stored_mac)?;
    let mut m = mac(&key, source)?;
    m.update(payload);
    m.verify_slice(&expected).ok()?; // constant time
    Some(payload.to_vec())
}

/// Writes an entry atomically (creating the private directory and the key); false
/// when the directory is not private or not writable.
pub fn write(path: &Path, source: &str, payload: &[u8]) -> bool {
    let Some(dir) = path.parent() else {
        return false;
    };
    let _ = fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir);
    if !private_dir(dir) {
        return false;
    }
    let key_path = dir.join(KEY_NAME);
    if fs::symlink_metadata(&key_path).is_err() {
        let mut bytes = [0u8; 32];
        if rustix::rand::getrandom(&mut bytes, rustix::rand::GetRandomFlags::empty()).ok()
            != Some(32)
        {
            return false;
        }
        if let Ok(mut f) = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&key_path)
        {
            if f.write_all(&bytes).is_err() {
                return false;
            }
        }
    }
    let Some(key) = key(dir) else {
        return false;
    };
    let Some(mut m) = mac(&key, source) else {
        return false;
    };
    m.update(payload);
    let hex: String = m
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        name.unwrap_or_default(),
        std::process::id()
    ));
    let mut data = MAGIC.to_vec();
    data.extend_from_slice(hex.as_bytes());
    data.push(b'\n');
    data.extend_from_slice(source.as_bytes());
    data.push(b'\n');
    data.extend_from_slice(payload);
    let ok = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .and_then(|mut f| f.write_all(&data))
        .and_then(|()| fs::rename(&tmp, path))
        .is_ok();
    if !ok {
        let _ = fs::remove_file(&tmp);
    }
    ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn dir(name: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("vg-seal-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn written_entries_read_back_only_under_their_source() {
        let d = dir("rt");
        let p = d.join("guard-k.json");
        assert!(write(&p, "k", b"{\"a\": 1}"));
        assert_eq!(read(&p, "k").as_deref(), Some(&b"{\"a\": 1}"[..]));
        assert_eq!(read(&p, "other"), None);
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn tampered_payload_foreign_key_or_loose_modes_are_refused() {
        let d = dir("bad");
        let p = d.join("guard-k.json");
        assert!(write(&p, "k", b"payload"));
        let mut data = fs::read(&p).unwrap();
        *data.last_mut().unwrap() ^= 1;
        fs::write(&p, &data).unwrap();
        assert_eq!(read(&p, "k"), None, "a changed payload");
        assert!(write(&p, "k", b"payload"));
        fs::write(d.join(KEY_NAME), [7u8; 32]).unwrap();
        assert_eq!(read(&p, "k"), None, "another key");
        assert!(write(&p, "k", b"payload"));
        fs::set_permissions(&d, fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(read(&p, "k"), None, "a directory others may enter");
        fs::set_permissions(&d, fs::Permissions::from_mode(0o700)).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o666)).unwrap();
        assert_eq!(read(&p, "k"), None, "an entry others may write");
        let _ = fs::remove_dir_all(&d);
    }
}
