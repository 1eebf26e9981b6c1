//! The file an edit produces (port of the deleted `hooks/edited.py`): Edit/MultiEdit (Claude),
//! replace (Gemini) and Codex `apply_patch` updates are judged on the resulting file, as
//! `scan` would judge it, so a `gcloud run deploy` added inside an existing `run: |`
//! block, a Makefile recipe or a package.json script is seen in its context. Only the
//! lines the edit wrote are reported (1-based).
//!
//! The file is read as Python's text mode reads it (`\r\n` and `\r` become `\n`), and
//! positions are counted in characters, as Python counts them, so the lines are the
//! ones Python gives. Bounded: files over [`MAX_BYTES`] are not read (the edit's new
//! text is judged alone, as before), nor a result over [`MAX_RESULT`]. An edit whose old
//! text is not in the file is judged on its new text alone (the tool will refuse it).

use std::collections::BTreeSet;
use std::io::Read;

use serde_json::{Map, Value};

use super::{join, py_strip, truthy};

pub const MAX_BYTES: u64 = 2 << 20;
/// The largest text an edit may produce before it is judged on its new text alone
/// (`replace_all` of a short old text by a long new one multiplies the file).
pub const MAX_RESULT: usize = 64 << 20;

/// (resulting text, 1-based lines written)
pub type Edited = (String, BTreeSet<u64>);

/// A file's text as Python reads it with `errors="surrogateescape"` and universal
/// newlines; a byte that is not UTF-8 becomes one U+FFFD (Python: one lone surrogate),
/// so character counts stay Python's. None when it cannot be read or is too large.
fn read(path: &str, cwd: &str) -> Option<String> {
    let full = if path.starts_with('/') {
        path.to_string()
    } else {
        join(cwd, path)
    };
    let meta = std::fs::metadata(&full).ok()?;
    // only a regular file is opened: a FIFO would block the hook
    if meta.len() > MAX_BYTES || !meta.is_file() {
        return None;
    }
    let mut data = Vec::with_capacity(meta.len() as usize + 1);
    std::fs::File::open(&full)
        .ok()?
        .take(MAX_BYTES + 1)
        .read_to_end(&mut data)
        .ok()?;
    if data.len() as u64 > MAX_BYTES {
        return None;
    }
    let mut text = String::with_capacity(data.len());
    let mut rest = &data[..];
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                text.push_str(s);
                break;
            }
            Err(e) => {
                let good = e.valid_up_to();
                text.push_str(std::str::from_utf8(&rest[..good]).unwrap_or_default());
                let bad = e.error_len().unwrap_or(rest.len() - good);
                text.extend(std::iter::repeat('\u{FFFD}').take(bad));
                rest = &rest[good + bad..];
            }
        }
    }
    if memchr::memchr(b'\r', text.as_bytes()).is_none() {
        return Some(text);
    }
    Some(text.replace("\r\n", "\n").replace('\r', "\n"))
}

/// The lines `spans` (character offsets, as Python slices them: negative from the end,
/// clamped) cover in `text`.
fn lines_of(text: &str, spans: &[(i64, i64)]) -> BTreeSet<u64> {
    // the character index of each newline
    let mut newlines: Vec<usize> = Vec::new();
    let (mut byte, mut at) = (0usize, 0usize);
    for nl in memchr::memchr_iter(b'\n', text.as_bytes()) {
        at += text[byte..nl].chars().count();
        newlines.push(at);
        at += 1;
        byte = nl + 1;
    }
    let n = at + text[byte..].chars().count();
    let norm = |x: i64| -> usize {
        let x = if x < 0 { x + n as i64 } else { x };
        (x.max(0) as usize).min(n)
    };
    let before = |x: usize| newlines.partition_point(|&p| p < x);
    let count = |a: usize, b: usize| if a >= b { 0 } else { before(b) - before(a) };
    let mut out = BTreeSet::new();
    for &(s, e) in spans {
        let a = norm(s);
        let first = count(0, a) + 1;
        let last = first + count(a, norm(s.max(e - 1)));
        out.extend((first as u64)..=(last as u64));
    }
    out
}

fn chars(s: &str) -> i64 {
    s.chars().count() as i64
}

/// `expected_replacements` is 1 (or absent): Python's `== 1` holds for `1`, `1.0`, `true`.
fn is_one(v: Option<&Value>) -> bool {
    match v {
        None => true,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64() == Some(1.0),
        Some(_) => false,
    }
}

/// (resulting text, lines written) of an Edit / MultiEdit / replace; None when the file
/// cannot be read or an old text is not in it. `edits` is MultiEdit's list (empty: the
/// call's own `old_string`/`new_string`).
pub fn apply_edits(
    path: &str,
    cwd: &str,
    args: &Map<String, Value>,
    edits: &[Value],
) -> Option<Edited> {
    let mut text = read(path, cwd)?;
    let steps: Vec<&Map<String, Value>> = if edits.is_empty() {
        vec![args]
    } else {
        edits.iter().filter_map(Value::as_object).collect()
    };
    let mut spans: Vec<(i64, i64)> = Vec::new();
    for step in steps {
        let (Some(Value::String(old)), Some(Value::String(new))) =
            (step.get("old_string"), step.get("new_string"))
        else {
            return None;
        };
        if old.is_empty() {
            return None;
        }
        let all = step.get("replace_all").is_some_and(truthy)
            || !is_one(step.get("expected_replacements"));
        // `text.split(old)` (or `split(old, 1)`): occurrences left to right, not overlapping
        let finder = memchr::memmem::Finder::new(old.as_bytes());
        let found: Vec<usize> = if all {
            finder.find_iter(text.as_bytes()).collect()
        } else {
            finder.find(text.as_bytes()).into_iter().collect()
        };
        if found.is_empty() {
            return None;
        }
        let mut pieces: Vec<&str> = Vec::with_capacity(found.len() + 1);
        let mut from = 0;
        for &at in &found {
            pieces.push(&text[from..at]);
            from = at + old.len();
        }
        pieces.push(&text[from..]);
        let k = pieces.len() - 1;
        if text.len() - k * old.len() + k * new.len() > MAX_RESULT {
            return None;
        }
        let (old_len, new_len) = (chars(old), chars(new));
        let mut out = String::with_capacity(text.len() - k * old.len() + k * new.len());
        let mut pos = 0i64;
        let mut new_spans = Vec::with_capacity(k);
        // where each replaced old text started, in the text before this step
        let mut starts = Vec::with_capacity(k);
        let mut before_pos = 0i64;
        for (i, piece) in pieces.iter().enumerate() {
            out.push_str(piece);
            let len = chars(piece);
            pos += len;
            before_pos += len;
            if i < k {
                new_spans.push((pos, pos + new_len));
                out.push_str(new);
                pos += new_len;
                starts.push(before_pos);
                before_pos += old_len;
            }
        }
        // earlier edits' spans moved by this replacement (approximate: by offset)
        let delta = new_len - old_len;
        let mut shifted: Vec<(i64, i64)> = spans
            .iter()
            .map(|&(s, e)| {
                let before = starts.partition_point(|&st| st < s) as i64;
                (s + before * delta, e + before * delta)
            })
            .collect();
        shifted.extend(new_spans);
        spans = shifted;
        text = out;
    }
    let lines = lines_of(&text, &spans);
    Some((text, lines))
}

/// One file of a Codex patch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchFile {
    pub path: String,
    /// "add" | "update" | "delete"
    pub kind: String,
    /// the body lines, as the patch gives them
    pub lines: Vec<String>,
}

/// Each file of a Codex patch, with its body lines.
pub fn patch_files(patch: &str) -> Vec<PatchFile> {
    const HEADS: [(&str, &str); 3] = [
        ("*** Add File: ", "add"),
        ("*** Update File: ", "update"),
        ("*** Delete File: ", "delete"),
    ];
    let mut out: Vec<PatchFile> = Vec::new();
    let mut current: Option<usize> = None;
    for line in patch.split('\n') {
        // lines end at "\n" only, as the tool applies them
        let line = line.strip_suffix('\r').unwrap_or(line);
        if let Some((rest, kind)) = HEADS
            .iter()
            .find_map(|(head, kind)| line.strip_prefix(head).map(|r| (r, kind)))
        {
            out.push(PatchFile {
                path: py_strip(rest).to_string(),
                kind: kind.to_string(),
                lines: Vec::new(),
            });
            current = Some(out.len() - 1);
            continue;
        }
        match current {
            Some(i) if !line.starts_with("*** ") => out[i].lines.push(line.to_string()),
            _ => {
                if line.starts_with("*** End") {
                    current = None;
                }
            }
        }
    }
    out
}

/// (resulting text, lines written) of an `*** Update File` body; None when the file
/// cannot be read or a hunk's context is not found.
pub fn apply_hunks(path: &str, cwd: &str, lines: &[String]) -> Option<Edited> {
    let text = read(path, cwd)?;
    let mut file: Vec<String> = text.split('\n').map(String::from).collect();
    let mut hunks: Vec<Vec<&str>> = vec![Vec::new()];
    for line in lines {
        if line.starts_with("@@") {
            hunks.push(Vec::new());
        } else if line.is_empty() {
            hunks.last_mut()?.push(" ");
        } else if line.starts_with([' ', '+', '-']) {
            hunks.last_mut()?.push(line);
        }
    }
    let mut written = BTreeSet::new();
    let mut cursor = 0usize;
    for hunk in hunks.iter().filter(|h| !h.is_empty()) {
        let old: Vec<&str> = hunk
            .iter()
            .filter(|h| h.starts_with([' ', '-']))
            .map(|h| &h[1..])
            .collect();
        let new: Vec<String> = hunk
            .iter()
            .filter(|h| h.starts_with([' ', '+']))
            .map(|h| h[1..].to_string())
            .collect();
        let at = find(&file, &old, cursor)?;
        let new_len = new.len();
        file.splice(at..at + old.len(), new);
        let mut k = at as u64;
        for h in hunk {
            if h.starts_with('+') {
                written.insert(k + 1);
            }
            if h.starts_with([' ', '+']) {
                k += 1;
            }
        }
        cursor = at + new_len;
    }
    Some((file.join("\n"), written))
}

/// Where `block` starts in `lines`: exactly from `start` on, else with trailing
/// whitespace ignored from the top.
fn find(lines: &[String], block: &[&str], start: usize) -> Option<usize> {
    if block.is_empty() {
        return Some(start);
    }
    let m = block.len();
    if lines.len() < m {
        return None;
    }
    let same = |i: usize| lines[i..i + m].iter().zip(block).all(|(a, b)| a == b);
    if let Some(i) = (start..=lines.len() - m).find(|&i| same(i)) {
        return Some(i);
    }
    let rstrip = |s: &str| s.trim_end_matches(crate::segment::py_space).to_string();
    let stripped: Vec<String> = block.iter().map(|b| rstrip(b)).collect();
    let file: Vec<String> = lines.iter().map(|l| rstrip(l)).collect();
    (0..=lines.len() - m).find(|&i| file[i..i + m] == stripped[..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guard::TempDir;
    use serde_json::json;

    fn args(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    fn lines(v: &[u64]) -> BTreeSet<u64> {
        v.iter().copied().collect()
    }

    #[test]
    fn an_edit_gives_the_file_and_the_lines_it_wrote() {
        let t = TempDir::new("edits");
        t.write(
            "ci.yml",
            "steps:\n  - run: |\n      npm ci\n      npm test\n",
        );
        let (text, written) = apply_edits(
            "ci.yml",
            &t.0,
            &args(json!({"old_string": "      npm test\n", "new_string": "      npm test\n      gcloud run deploy\n"})),
            &[],
        )
        .unwrap();
        assert_eq!(
            text,
            "steps:\n  - run: |\n      npm ci\n      npm test\n      gcloud run deploy\n"
        );
        assert_eq!(written, lines(&[4, 5]));
        // absent old text, empty old text, a missing file: judged on the new text alone
        let miss = args(json!({"old_string": "nope", "new_string": "x"}));
        assert_eq!(apply_edits("ci.yml", &t.0, &miss, &[]), None);
        let empty = args(json!({"old_string": "", "new_string": "x"}));
        assert_eq!(apply_edits("ci.yml", &t.0, &empty, &[]), None);
        assert_eq!(
            apply_edits("/nonexistent/x", "/", &args(json!({})), &[]),
            None
        );
    }

    #[test]
    fn replace_all_multiedit_and_characters() {
        let t = TempDir::new("edits");
        let path = t.write("f", "é a\r\né a\rb");
        let all = args(json!({"old_string": "a", "new_string": "x\ny", "replace_all": true}));
        let (text, written) = apply_edits(&path, "/", &all, &[]).unwrap();
        assert_eq!(text, "é x\ny\né x\ny\nb");
        assert_eq!(written, lines(&[1, 2, 3, 4]));
        let one = args(json!({"old_string": "a", "new_string": "z", "expected_replacements": 1.0}));
        assert_eq!(apply_edits(&path, "/", &one, &[]).unwrap().0, "é z\né a\nb");
        let two =
            args(json!({"old_string": "a", "new_string": "z", "expected_replacements": null}));
        assert_eq!(apply_edits(&path, "/", &two, &[]).unwrap().0, "é z\né z\nb");
        // a later edit moves the lines an earlier one wrote
        let edits = [
            json!({"old_string": "b", "new_string": "B"}),
            json!({"old_string": "é a\n", "new_string": "1\n2\n3\n"}),
            json!(7),
        ];
        let (text, written) = apply_edits(&path, "/", &args(json!({})), &edits).unwrap();
        assert_eq!(text, "1\n2\n3\né a\nB");
        assert_eq!(written, lines(&[1, 2, 3, 5]));
        // a byte that is not UTF-8 is one character, as Python's surrogate is
        std::fs::write(&path, b"\xff\xe2\x82 a\n").unwrap();
        let (text, written) = apply_edits(
            &path,
            "/",
            &args(json!({"old_string": "a", "new_string": "b\n"})),
            &[],
        )
        .unwrap();
        assert_eq!(text, "\u{fffd}\u{fffd}\u{fffd} b\n\n");
        assert_eq!(written, lines(&[1]));
    }

    #[test]
    fn codex_patches() {
        let patch = "*** Begin Patch\n*** Update File:  ci.yml \r\n@@\n   npm ci\n-  npm test\n+  npm test\n+  gh pr merge 1\n\
                     *** Add File: new.sh\n+echo\n*** End of File\n+late\n*** Delete File: old\n*** End Patch\n";
        let files = patch_files(patch);
        let kinds: Vec<(&str, &str, usize)> = files
            .iter()
            .map(|f| (f.path.as_str(), f.kind.as_str(), f.lines.len()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("ci.yml", "update", 5),
                ("new.sh", "add", 1),
                ("old", "delete", 0)
            ]
        );
        let t = TempDir::new("edits");
        t.write("ci.yml", "run: |\n  npm ci\n  npm test  \n");
        let (text, written) = apply_hunks("ci.yml", &t.0, &files[0].lines).unwrap();
        assert_eq!(text, "run: |\n  npm ci\n  npm test\n  gh pr merge 1\n");
        assert_eq!(written, lines(&[3, 4]));
        let lost = vec!["-  not there".to_string()];
        assert_eq!(apply_hunks("ci.yml", &t.0, &lost), None);
    }
}
