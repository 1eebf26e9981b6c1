//! Rebuild HTTP requests from what issues them (port of `normalize/http.py`).
//!
//! Three pure entry points:
//! - `request_from_command`: a curl / wget / httpie / xh command line -> `Request`;
//! - `requests_from_http_block`: the content of a ```http fence or a `.http` file;
//! - `parse_json_lenient`: JSON where template placeholders (`<PR_NUMBER>`, `{{var}}`,
//!   `${VAR}`, `$VAR`, `...`) read as the unknown value (`model::UNKNOWN_MARK`).
//!
//! Nothing here runs, fetches or reads anything: a body read from a file (`-d @x.json`)
//! is unknown (`body` None, `json` the unknown value).

mod block;
mod clients;
mod json;
pub mod pyfmt;
mod words;

pub use block::requests_from_http_block;
pub use json::{parse_json_lenient, MAX_DEPTH};

use crate::model::{Command, Request};

/// Substrings one of which every command `request_from_command` reads contains.
pub const CLIENT_PROGRAMS: &[&str] = &["curl", "wget", "http", "xh"];

/// The program's base name, lower case, without `.exe`.
fn program(cmd: &Command) -> Option<String> {
    let prog = cmd.program().filter(|p| !p.is_empty())?;
    let prog = prog.replace('\\', "/");
    let base = prog.rsplit('/').next().unwrap_or("").to_lowercase();
    Some(
        base.strip_suffix(".exe")
            .map(str::to_string)
            .unwrap_or(base),
    )
}

/// The HTTP request a curl / wget / httpie / xh command makes, or None.
pub fn request_from_command(cmd: &Command) -> Option<Request> {
    match program(cmd)?.as_str() {
        "curl" => clients::curl(cmd),
        "wget" | "wget2" => clients::wget(cmd),
        "http" | "xh" | "https" | "xhs" => clients::httpie(cmd),
        _ => None,
    }
}

/// The requests of a whole command list, in order (what one segment's commands make).
pub fn requests_from_commands(cmds: &[Command]) -> Vec<Request> {
    cmds.iter().filter_map(request_from_command).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{is_unknown, Word};
    use serde_json::json;

    /// A command of plain literal words.
    fn cmd(words: &[&str]) -> Command {
        let argv = words
            .iter()
            .map(|w| Word {
                raw: w.to_string(),
                value: Some(w.to_string()),
                start: 0,
                end: w.len(),
            })
            .collect();
        Command {
            argv,
            start: 3,
            end: 40,
        }
    }

    #[test]
    fn curl_post_inferred_from_data() {
        let r = request_from_command(&cmd(&[
            "curl",
            "-s",
            "https://g/api/v1/x",
            "-H",
            "Content-Type: application/json",
            "-d",
            r#"{"vtid": "V-1"}"#,
        ]))
        .unwrap();
        assert_eq!((r.method.as_str(), r.method_explicit), ("POST", false));
        assert_eq!(r.json, Some(json!({"vtid": "V-1"})));
        assert_eq!((r.start, r.end), (3, 40));
    }

    #[test]
    fn curl_combined_flags_and_file_body() {
        let r = request_from_command(&cmd(&["CURL.EXE", "-sXpost", "u", "-d", "@b.json"])).unwrap();
        assert_eq!(r.method, "POST");
        assert!(r.method_explicit && r.body.is_none() && is_unknown(r.json.as_ref().unwrap()));
    }

    #[test]
    fn wget_and_httpie() {
        let r = request_from_command(&cmd(&["wget", "--post-data", "a=1", "u"])).unwrap();
        assert_eq!(
            (r.method.as_str(), r.body.as_deref()),
            ("POST", Some("a=1"))
        );
        let r = request_from_command(&cmd(&[
            "http",
            "POST",
            "u",
            "a=b",
            "n:=1",
            "X-A:1",
            "t[x][]=<X>",
        ]))
        .unwrap();
        assert_eq!(r.headers, vec![("X-A".to_string(), "1".to_string())]);
        assert_eq!(
            r.body.as_deref(),
            Some(r#"{"a": "b", "n": 1, "t": {"x": [<unknown>]}}"#)
        );
    }

    #[test]
    fn other_programs_make_no_request() {
        assert!(request_from_command(&cmd(&["git", "push"])).is_none());
        assert!(request_from_command(&cmd(&["curl"])).is_none());
        assert!(request_from_command(&Command {
            argv: vec![],
            start: 0,
            end: 0
        })
        .is_none());
    }
}
