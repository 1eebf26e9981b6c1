//! The text a shell would see once it has removed quotes and decoded escapes: what a
//! keyword gate must also look at, so that spelling a program in pieces does not hide it.
//!
//! bash runs `g''cloud`, `g"c"loud`, `g\cloud` and `$'\x67cloud'` as `gcloud`; a gate
//! that only reads the raw text would let each of them through unparsed. The view
//! drops every quote and backslash and decodes the escapes that `$'...'`, `printf` and
//! `echo -e` decode (`\xHH`, octal `\NNN`, `\uHHHH`). It over-approximates on purpose:
//! a keyword the view invents only makes the parser look, and the parser decides.
//! Line breaks are kept, so a hit in the view names the line it came from.

/// The view of `text`, or None when it holds no quote or backslash (the view would be
/// the text itself).
pub fn shell_view(text: &[u8]) -> Option<Vec<u8>> {
    if !text.iter().any(|&b| matches!(b, b'\'' | b'"' | b'\\')) {
        return None;
    }
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'\'' | b'"' => i += 1,
            b'\\' => {
                // a run of backslashes (JSON doubles them) is one escape
                while i < text.len() && text[i] == b'\\' {
                    i += 1;
                }
                i = decode_escape(text, i, &mut out);
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    Some(out)
}

/// Decodes the escape whose letter or digits start at `i`, if it is one a shell decodes;
/// returns where reading goes on.
fn decode_escape(text: &[u8], i: usize, out: &mut Vec<u8>) -> usize {
    let digits = |from: usize, max: usize, radix: u32| -> (u32, usize) {
        let mut value = 0u32;
        let mut n = 0;
        while n < max && from + n < text.len() {
            match (text[from + n] as char).to_digit(radix) {
                Some(d) => value = value * radix + d,
                None => break,
            }
            n += 1;
        }
        (value, n)
    };
    let push = |value: u32, out: &mut Vec<u8>| {
        if let Some(c) = char::from_u32(value) {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    };
    match text.get(i) {
        Some(b'x') => {
            let (value, n) = digits(i + 1, 2, 16);
            if n == 0 {
                return i;
            }
            push(value, out);
            i + 1 + n
        }
        Some(b'u') => {
            let (value, n) = digits(i + 1, 4, 16);
            if n == 0 {
                return i;
            }
            push(value, out);
            i + 1 + n
        }
        Some(b'0'..=b'7') => {
            let (value, n) = digits(i, 3, 8);
            push(value, out);
            i + n
        }
        _ => i,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(s: &str) -> String {
        String::from_utf8(shell_view(s.as_bytes()).unwrap_or_else(|| s.as_bytes().to_vec()))
            .unwrap()
    }

    #[test]
    fn quotes_and_backslashes_inside_a_word_are_removed() {
        assert_eq!(view("g''cloud run deploy"), "gcloud run deploy");
        assert_eq!(view("g\"c\"loud"), "gcloud");
        assert_eq!(view("gc\\loud"), "gcloud");
        assert_eq!(
            view("./dep''loy.sh && gh pr mer\"\"ge 1"),
            "./deploy.sh && gh pr merge 1"
        );
    }

    #[test]
    fn escapes_a_shell_decodes_are_decoded() {
        assert_eq!(view("$'\\x67cloud' run deploy"), "$gcloud run deploy");
        assert_eq!(view("$'\\147cloud'"), "$gcloud");
        assert_eq!(view("$'\\u0067cloud'"), "$gcloud");
        // as a JSON string holds it: the backslash doubled
        assert_eq!(view("\\\\x67cloud"), "gcloud");
    }

    #[test]
    fn text_without_quotes_has_no_view_and_lines_are_kept() {
        assert!(shell_view(b"gcloud run deploy").is_none());
        assert_eq!(view("a'b'\nc\\\nd"), "ab\nc\nd");
    }
}
