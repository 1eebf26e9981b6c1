//! STUB until gparts lands.
use std::collections::BTreeSet;
pub fn apply_edits(
    _path: &str,
    _cwd: &str,
    _args: &serde_json::Map<String, serde_json::Value>,
    _edits: &[serde_json::Value],
) -> Option<(String, BTreeSet<u64>)> {
    None
}
pub struct PatchFile {
    pub path: String,
    pub kind: String,
    pub lines: Vec<String>,
}
pub fn patch_files(_patch: &str) -> Vec<PatchFile> {
    Vec::new()
}
pub fn apply_hunks(_path: &str, _cwd: &str, _lines: &[String]) -> Option<(String, BTreeSet<u64>)> {
    None
}
