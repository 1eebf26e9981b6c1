//! The character classes and small matchers the shell scanner is built from.
//!
//! The scanner works on bytes. Every character with a meaning in shell syntax is
//! ASCII, and UTF-8 never puts an ASCII byte inside a multi-byte character, so a
//! byte scan finds the same syntax a character scan does. Where a *character*
//! matters (the one after a backslash, `$'\cX'`, Unicode white space in a
//! template placeholder) it is decoded. Text may also be WTF-8 (UTF-8 that
//! carries lone surrogates, as Python's `surrogatepass` writes them): nothing here
//! needs it to be valid UTF-8.

/// A byte table: `true` for the bytes that stop a run of ordinary characters.
pub(crate) type Stops = [bool; 256];

const fn stops(list: &[u8]) -> Stops {
    let mut table = [false; 256];
    let mut i = 0;
    while i < list.len() {
        table[list[i] as usize] = true;
        i += 1;
    }
    table
}

/// Ordinary characters of a word, outside quotes.
pub(crate) static RUN: Stops = stops(b" \t\r\n|&;()<>\\'\"`$");
pub(crate) static DQ_RUN: Stops = stops(b"\"\\$`");
pub(crate) static ANSI_RUN: Stops = stops(b"'\\");
pub(crate) static BT_RUN: Stops = stops(b"`\\");
pub(crate) static PARAM_RUN: Stops = stops(b"{}\\'\"$`");
pub(crate) static PARAM_DQ_RUN: Stops = stops(b"{}\\\"$`");
pub(crate) static BODY_RUN: Stops = stops(b"\\$`");
/// What ends a word.
pub(crate) static WORD_END: Stops = stops(b" \t\r\n;&|)");

/// The end of the run of ordinary bytes from `i` (at most `end`).
#[inline]
pub(crate) fn run_end(text: &[u8], mut i: usize, end: usize, stop: &Stops) -> usize {
    while i < end && !stop[text[i] as usize] {
        i += 1;
    }
    i
}

/// Stands for an expansion the scanning shell performs itself (`$VAR`, `$(...)`,
/// backticks) when a word is re-read as a script (`bash -c "..."`, `eval`): the
/// nested shell sees the expansion's unknown *result*. A private-use character,
/// so the substitution is not parsed twice either.
pub(crate) const MARK: &[u8] = "\u{e000}".as_bytes();

/// Bytes of the character whose first byte is `b` (1 for a stray continuation byte).
#[inline]
pub(crate) fn char_len(b: u8) -> usize {
    match b {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// The code point at `i` and its length in bytes (surrogates included, as WTF-8
/// holds them; a malformed sequence reads as its first byte).
pub(crate) fn decode(text: &[u8], i: usize) -> (u32, usize) {
    let b = text[i];
    let len = char_len(b);
    if len == 1 || i + len > text.len() {
        return (b as u32, 1);
    }
    let mut cp = match len {
        2 => (b & 0x1F) as u32,
        3 => (b & 0x0F) as u32,
        _ => (b & 0x07) as u32,
    };
    for k in 1..len {
        let c = text[i + k];
        if c & 0xC0 != 0x80 {
            return (b as u32, 1);
        }
        cp = (cp << 6) | (c & 0x3F) as u32;
    }
    (cp, len)
}

/// The code point ending just before `i`, if any.
pub(crate) fn decode_before(text: &[u8], i: usize) -> Option<u32> {
    if i == 0 {
        return None;
    }
    let mut k = i - 1;
    while k > 0 && i - k < 4 && text[k] & 0xC0 == 0x80 {
        k -= 1;
    }
    let (cp, len) = decode(text, k);
    if k + len == i {
        Some(cp)
    } else {
        Some(text[i - 1] as u32)
    }
}

/// Append code point `cp` as UTF-8 (a surrogate as WTF-8, which Python's
/// `surrogatepass` decodes back to the same code point).
pub(crate) fn push_code_point(out: &mut Vec<u8>, cp: u32) {
    if cp < 0x80 {
        out.push(cp as u8);
    } else if cp < 0x800 {
        out.extend_from_slice(&[0xC0 | (cp >> 6) as u8, 0x80 | (cp & 0x3F) as u8]);
    } else if cp < 0x10000 {
        out.extend_from_slice(&[
            0xE0 | (cp >> 12) as u8,
            0x80 | ((cp >> 6) & 0x3F) as u8,
            0x80 | (cp & 0x3F) as u8,
        ]);
    } else {
        out.extend_from_slice(&[
            0xF0 | (cp >> 18) as u8,
            0x80 | ((cp >> 12) & 0x3F) as u8,
            0x80 | ((cp >> 6) & 0x3F) as u8,
            0x80 | (cp & 0x3F) as u8,
        ]);
    }
}

/// White space as Python's `str.isspace` (and so its regex `\s`) sees it: Unicode's
/// White_Space plus the ASCII separators U+001C..U+001F.
pub(crate) fn is_space(cp: u32) -> bool {
    (0x1C..=0x1F).contains(&cp) || char::from_u32(cp).is_some_and(char::is_whitespace)
}

/// A word character as Python's regex `\w` sees it (approximately: Rust's
/// alphanumeric, which also counts a few combining marks as letters).
pub(crate) fn is_word_char(cp: u32) -> bool {
    cp == '_' as u32 || char::from_u32(cp).is_some_and(char::is_alphanumeric)
}

#[inline]
pub(crate) fn name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

#[inline]
pub(crate) fn name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The end of a name `[A-Za-z_][A-Za-z0-9_]*` at `i`, or `i` when there is none.
pub(crate) fn name_end(text: &[u8], i: usize, end: usize) -> usize {
    if i < end && name_start(text[i]) {
        let mut j = i + 1;
        while j < end && name_char(text[j]) {
            j += 1;
        }
        j
    } else {
        i
    }
}

/// Whether `s` starts with an assignment: `NAME=`, `NAME+=`, `NAME[i]=`.
pub(crate) fn is_assignment(s: &[u8]) -> bool {
    let mut j = name_end(s, 0, s.len());
    if j == 0 {
        return false;
    }
    if j < s.len() && s[j] == b'[' {
        if let Some(k) = s[j + 1..].iter().position(|&b| b == b']') {
            j += k + 2;
        }
    }
    if j < s.len() && s[j] == b'+' {
        j += 1;
    }
    j < s.len() && s[j] == b'='
}

/// Whether `s` starts with `NAME=`.
pub(crate) fn is_name_eq(s: &[u8]) -> bool {
    let j = name_end(s, 0, s.len());
    j > 0 && j < s.len() && s[j] == b'='
}

/// The end of a variable reference's name at `i` (`NAME`, or one of `0-9@*#?$!-`).
pub(crate) fn var_end(text: &[u8], i: usize) -> Option<usize> {
    let n = text.len();
    if i >= n {
        return None;
    }
    let j = name_end(text, i, n);
    if j > i {
        return Some(j);
    }
    matches!(
        text[i],
        b'0'..=b'9' | b'@' | b'*' | b'#' | b'?' | b'$' | b'!' | b'-'
    )
    .then_some(i + 1)
}

/// `<NAME>`, a template placeholder written where a value goes: its end.
pub(crate) fn placeholder_end(text: &[u8], i: usize) -> Option<usize> {
    let n = text.len();
    if i + 2 >= n || text[i] != b'<' || !text[i + 1].is_ascii_alphabetic() {
        return None;
    }
    let mut j = i + 2;
    while j < n && (name_char(text[j]) || text[j] == b'.' || text[j] == b'-') {
        j += 1;
    }
    (j < n && text[j] == b'>').then_some(j + 1)
}

/// Whether `s` holds a `{{ NAME }}` template placeholder.
pub(crate) fn has_template(s: &[u8]) -> bool {
    let n = s.len();
    let mut from = 0;
    while let Some(k) = memchr::memmem::find(&s[from..], b"{{") {
        let at = from + k;
        let mut j = at + 2;
        while j < n {
            let (cp, len) = decode(s, j);
            if !is_space(cp) {
                break;
            }
            j += len;
        }
        if j < n && name_start(s[j]) {
            j += 1;
            while j < n && (name_char(s[j]) || s[j] == b'.' || s[j] == b'-') {
                j += 1;
            }
            while j < n {
                let (cp, len) = decode(s, j);
                if !is_space(cp) {
                    break;
                }
                j += len;
            }
            if s[j..].starts_with(b"}}") {
                return true;
            }
        }
        from = at + 1;
    }
    false
}

/// Whether `s` holds the expansion mark.
#[inline]
pub(crate) fn has_mark(s: &[u8]) -> bool {
    memchr::memmem::find(s, MARK).is_some()
}

/// `NAME:-word` (also `-`, `:=`, `=`) filling all of `text[s..e]`, with a plain
/// word: the word's span.
pub(crate) fn defaulted(text: &[u8], s: usize, e: usize) -> Option<(usize, usize)> {
    if e <= s {
        return None;
    }
    let mut j = name_end(text, s, e);
    if j == s {
        return None;
    }
    if j < e && text[j] == b':' {
        j += 1;
    }
    if j >= e || (text[j] != b'-' && text[j] != b'=') {
        return None;
    }
    j += 1;
    let word = j;
    if word >= e {
        return None;
    }
    let plain = text[word..e].iter().all(|&b| {
        b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'_' | b'.' | b'/' | b':' | b'@' | b'%' | b'+' | b',' | b'-'
            )
    });
    plain.then_some((word, e))
}

/// The last path component.
#[inline]
pub(crate) fn basename(v: &[u8]) -> &[u8] {
    match memchr::memrchr(b'/', v) {
        Some(k) => &v[k + 1..],
        None => v,
    }
}

/// Reserved words that are syntax, not programs, when they start a command.
pub(crate) fn is_keyword(v: &[u8]) -> bool {
    matches!(
        v,
        b"if"
            | b"then"
            | b"elif"
            | b"else"
            | b"fi"
            | b"do"
            | b"done"
            | b"while"
            | b"until"
            | b"!"
            | b"{"
            | b"}"
            | b"case"
            | b"esac"
            | b"for"
            | b"select"
            | b"function"
            | b"coproc"
    )
}

pub(crate) fn is_shell(v: &[u8]) -> bool {
    matches!(
        v,
        b"bash" | b"sh" | b"zsh" | b"dash" | b"ksh" | b"ash" | b"mksh"
    )
}

/// How a wrapper program takes its options.
pub(crate) struct Spec {
    /// short options taking an argument
    pub args: &'static [u8],
    /// long options taking an argument when written without `=`
    pub longs: &'static [&'static [u8]],
    /// short options meaning "no command follows"
    pub nocmd: &'static [u8],
}

/// Wrapper programs stripped from the front of a command.
pub(crate) fn wrapper(name: &[u8]) -> Option<Spec> {
    let spec = |args, longs, nocmd| Some(Spec { args, longs, nocmd });
    match name {
        b"sudo" => spec(
            b"ugCDprtURT",
            &[
                b"--user",
                b"--group",
                b"--close-from",
                b"--chdir",
                b"--prompt",
                b"--role",
                b"--type",
                b"--other-user",
                b"--command-timeout",
                b"--chroot",
                b"--host",
            ],
            b"elvK",
        ),
        b"doas" => spec(b"uC", &[], b"L"),
        b"env" => spec(b"uCPS", &[b"--unset", b"--chdir", b"--split-string"], b""),
        b"timeout" => spec(b"sk", &[b"--signal", b"--kill-after"], b""),
        b"nohup" | b"command" | b"builtin" | b"chronic" => spec(b"", &[], b""),
        b"nice" => spec(b"n", &[b"--adjustment"], b""),
        b"time" => spec(b"fo", &[b"--format", b"--output"], b""),
        b"exec" => spec(b"a", &[], b""),
        b"stdbuf" => spec(b"ioe", &[b"--input", b"--output", b"--error"], b""),
        b"ionice" => spec(b"cn", &[b"--class", b"--classdata"], b"pPu"),
        b"caffeinate" => spec(b"tw", &[], b""),
        b"xargs" => spec(
            b"IEadnLPs",
            &[
                b"--arg-file",
                b"--delimiter",
                b"--max-args",
                b"--max-procs",
                b"--max-chars",
                b"--process-slot-var",
            ],
            b"",
        ),
        b"watch" => spec(b"nq", &[b"--interval", b"--equexit"], b""),
        b"strace" => spec(b"abeEIoOpPsSuUX", &[], b""),
        b"ltrace" => spec(b"aADeFlnopsuxXw", &[], b""),
        _ => None,
    }
}

pub(crate) const SSH_ARGS: &[u8] = b"BbcDEeFIiJLlmOopQRSWw";

/// First words that need the slow path of command building.
pub(crate) fn is_special(v: &[u8]) -> bool {
    wrapper(v).is_some() || is_shell(v) || matches!(v, b"eval" | b"ssh" | b"find")
}
