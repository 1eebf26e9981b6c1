//! STUB until gparts lands.
pub fn scripts(_text: &str, _cwd: Option<&str>) -> Result<Vec<(String, String)>, String> {
    Ok(Vec::new())
}
