//! STUB until gparts lands.
use super::GuardPaths;
pub struct Tamper {
    pub what: String,
}
impl Tamper {
    pub fn reason(&self) -> String {
        self.what.clone()
    }
}
pub fn judge(
    _tool: &str,
    _args: &serde_json::Map<String, serde_json::Value>,
    _cwd: Option<&str>,
    _shell_text: Option<&str>,
    _paths: &GuardPaths,
) -> Option<Tamper> {
    None
}
pub fn judge_shell(_text: &str, _cwd: Option<&str>, _paths: &GuardPaths) -> Option<Tamper> {
    None
}
