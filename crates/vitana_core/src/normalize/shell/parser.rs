//! The scanner: shell text to simple commands, in one pass.
//!
//! A port of the Python parser (held to it by a differential test until parity held;
//! the Python parser is deleted), function by function: where this reads oddly, it
//! is most likely keeping that parser's exact results. The fixes made since (names
//! bound earlier, text fed to a shell, interpreter payloads, the depth marker) all
//! sit behind `Cx::fixes`, off only for the legacy reading (`Options::legacy`) that
//! tests/test_shell_fixes.py compares them with.

use std::borrow::Cow;
use std::rc::Rc;

use memchr::memchr;

mod commands;

use super::lex::*;
use super::payload::{code_options, code_words, commands_in, Lang};
use super::resolve::{array_elements, lookup, split_fields, Expansion, Names};
use super::{Cmd, Value, Wd, DEPTH_MARK, MAX_DEPTH};

/// Where the characters of a parser's text come from in the original text.
#[derive(Clone)]
pub(crate) enum Map {
    /// text position `i` is `base + i` in the original
    Linear,
    /// a text derived from the original (a nested script after quote removal):
    /// byte `i` comes from `starts[off + i]..ends[off + i]`
    Table {
        starts: Rc<[usize]>,
        ends: Rc<[usize]>,
        off: usize,
    },
}

/// A piece of a word in the parser's coordinates, as the scanner decodes it.
pub(crate) struct Chunk<'t> {
    pub text: Cow<'t, [u8]>,
    pub off: usize,
    pub size: usize,
    /// the text maps byte for byte onto its source (a plain run); otherwise each
    /// byte of it stands for the whole source span (an escape, a decoded `$'\x41'`,
    /// an expansion standing as the mark)
    pub mapped: bool,
    /// an expansion of a bound name that bash splits into several words (an
    /// unquoted `$CMD`, `"${a[@]}"`): the words, `text` being them joined by spaces
    pub parts: Option<Vec<Vec<u8>>>,
}

impl<'t> Chunk<'t> {
    fn slice(text: &'t [u8], s: usize, e: usize) -> Chunk<'t> {
        Chunk {
            text: Cow::Borrowed(&text[s..e]),
            off: s,
            size: e - s,
            mapped: true,
            parts: None,
        }
    }
    fn decoded(bytes: &[u8], off: usize, size: usize) -> Chunk<'t> {
        Chunk {
            text: Cow::Owned(bytes.to_vec()),
            off,
            size,
            mapped: false,
            parts: None,
        }
    }
    fn mark(off: usize, size: usize) -> Chunk<'t> {
        Chunk {
            text: Cow::Borrowed(MARK),
            off,
            size,
            mapped: false,
            parts: None,
        }
    }
}

/// A chunk placed in the original text, so it outlives its parser.
#[derive(Clone)]
pub(crate) enum At {
    Linear(usize),
    Table(Rc<[usize]>, Rc<[usize]>, usize),
    Whole(usize, usize),
}

#[derive(Clone)]
pub(crate) struct Piece {
    pub text: Vec<u8>,
    pub at: At,
}

/// A word during command building: its value and original span, plus what the
/// builder needs to re-read it as a script (its decoded pieces).
#[derive(Clone)]
pub(crate) struct W {
    pub value: Option<Vec<u8>>,
    pub start: usize,
    pub end: usize,
    pub pieces: Vec<Piece>,
    pub assign: bool,
}

struct Heredoc {
    delim: Vec<u8>,
    strip: bool,
    /// `<<'EOF'`: the body is not expanded
    quoted: bool,
    fd: Option<Vec<u8>>,
    /// set when the command reads it as a shell script
    script: bool,
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum Skip {
    No,
    Case,
    For,
    Func,
}

/// A word of the command being built, in the parser's coordinates.
struct FW<'t> {
    s: usize,
    e: usize,
    value: Option<Cow<'t, [u8]>>,
    chunks: Option<Vec<Chunk<'t>>>,
    quoted: bool,
    assign: bool,
    /// an array assignment's elements, when all are literals
    array: Option<Vec<Vec<u8>>>,
}

/// Builder state for one command list (the top level, or one `$(...)`).
struct Frame<'t> {
    words: Vec<FW<'t>>,
    start: Option<usize>,
    end: usize,
    heredocs: Vec<usize>,
    /// open subshells in this list
    parens: usize,
    /// per open `case`: true while reading patterns, false in a body
    case: Vec<bool>,
    skip: Skip,
    /// just after `function NAME`: a following `()` is syntax
    fun: bool,
    /// what the command before `|` writes, for the command after it
    feed: Option<Feed>,
    /// the word of a `<<<` here-string of the current command
    herestring: Option<W>,
}

/// Text a command writes to a pipe, when it is literal: `echo WORDS`, `printf
/// FORMAT`, `cat <<EOF`.
pub(crate) enum Feed {
    /// words written joined by spaces (`echo`), or one word (`printf` without
    /// escapes or directives)
    Words(Vec<W>),
    /// the heredocs `cat` copies to its output
    Heredocs(Vec<usize>),
}

impl<'t> Frame<'t> {
    fn new() -> Self {
        Frame {
            words: Vec::new(),
            start: None,
            end: 0,
            heredocs: Vec::new(),
            parens: 0,
            case: Vec::new(),
            skip: Skip::No,
            fun: false,
            feed: None,
            herestring: None,
        }
    }
}

/// What the parsers of one `parse` share: the commands found, and the characters
/// nested scripts may still re-scan (re-reading `eval eval eval ...` would
/// otherwise cost O(length * depth); when spent, nested scripts stay words).
pub(crate) struct Cx {
    pub out: Vec<Cmd>,
    pub budget: usize,
    /// the deliberate fixes (see `Options::legacy`) are on
    pub fixes: bool,
    /// names bound so far (with the fixes on)
    pub names: Names,
    /// the depth marker was emitted (once per parse is enough to deny)
    pub depth_marked: bool,
}

pub(crate) fn budget(len: usize) -> usize {
    8 * len + 65536
}

/// What `word` found: its end, value (None: unknown), chunks (None: one plain
/// run), whether any of it was quoted, whether it is an assignment.
struct Scan<'t> {
    end: usize,
    value: Option<Cow<'t, [u8]>>,
    chunks: Option<Vec<Chunk<'t>>>,
    quoted: bool,
    assign: bool,
    /// the word splits into these words (an unquoted expansion of a bound name)
    split: Option<Vec<Vec<u8>>>,
    array: Option<Vec<Vec<u8>>>,
}

pub(crate) struct Parser<'t> {
    text: &'t [u8],
    n: usize,
    base: usize,
    map: Map,
    /// when set, the words of top-level commands are collected here (`env -S`)
    sink: Option<Vec<W>>,
    sink_depth: usize,
    heredocs: Vec<Heredoc>,
    /// heredocs whose body starts at the next newline
    pending: Vec<usize>,
    /// `((` scans failing before this offset are not retried
    arith_fail: usize,
    /// the command being ended is followed by `|`
    piping: bool,
    /// what the command just ended writes to the pipe after it
    feed_out: Option<Feed>,
    /// what the command being ended reads from the pipe before it
    feed_in: Option<Feed>,
    /// the here-string of the command being ended
    herestring_in: Option<W>,
}

impl<'t> Parser<'t> {
    pub(crate) fn new(text: &'t [u8], base: usize, map: Map) -> Self {
        Parser {
            text,
            n: text.len(),
            base,
            map,
            sink: None,
            sink_depth: usize::MAX,
            heredocs: Vec::new(),
            pending: Vec::new(),
            arith_fail: 0,
            piping: false,
            feed_out: None,
            feed_in: None,
            herestring_in: None,
        }
    }

    // -- offsets -------------------------------------------------------------

    /// Original offset where text position `i` starts.
    fn s(&self, i: usize) -> usize {
        match &self.map {
            Map::Linear => self.base + i,
            Map::Table { starts, ends, off } => {
                if i < self.n {
                    starts[off + i]
                } else if self.n > 0 {
                    ends[off + self.n - 1]
                } else {
                    self.base
                }
            }
        }
    }

    /// Original offset where a span of text ending at position `i` ends.
    fn e(&self, i: usize) -> usize {
        match &self.map {
            Map::Linear => self.base + i,
            Map::Table { starts, ends, off } => {
                if i > 0 {
                    ends[off + i.min(self.n) - 1]
                } else if self.n > 0 {
                    starts[*off]
                } else {
                    self.base
                }
            }
        }
    }

    fn piece(&self, c: &Chunk) -> Piece {
        let at = if c.mapped {
            match &self.map {
                Map::Linear => At::Linear(self.base + c.off),
                Map::Table { starts, ends, off } => {
                    At::Table(starts.clone(), ends.clone(), off + c.off)
                }
            }
        } else {
            At::Whole(self.s(c.off), self.e(c.off + c.size))
        };
        Piece {
            text: c.text.to_vec(),
            at,
        }
    }

    /// A parser for `text[s..e]` of this one, as a script of its own.
    fn sub(&self, s: usize, e: usize) -> Parser<'t> {
        let text = &self.text[s..e];
        match &self.map {
            Map::Linear => Parser::new(text, self.base + s, Map::Linear),
            Map::Table { starts, ends, off } => Parser::new(
                text,
                self.s(s),
                Map::Table {
                    starts: starts.clone(),
                    ends: ends.clone(),
                    off: off + s,
                },
            ),
        }
    }

    // -- command lists ---------------------------------------------------------

    /// Parse commands from `i` until the end or, with `closer`, the unbalanced `)`
    /// ending a `$(`/`<(`; return the offset after it.
    pub(crate) fn parse_list(
        &mut self,
        cx: &mut Cx,
        mut i: usize,
        depth: usize,
        closer: bool,
    ) -> usize {
        let text = self.text;
        let n = self.n;
        let mut f = Frame::new();
        while i < n {
            let c = text[i];
            match c {
                b' ' | b'\t' | b'\r' => {
                    i += 1;
                    continue;
                }
                b'\n' => {
                    self.end(cx, &mut f, depth);
                    i += 1;
                    if f.skip == Skip::For {
                        f.skip = Skip::No;
                    }
                    if !self.pending.is_empty() {
                        i = self.read_heredocs(cx, i, depth);
                    }
                    continue;
                }
                b'\\' if i + 1 < n && text[i + 1] == b'\n' => {
                    i += 2;
                    continue;
                }
                b'#' => {
                    i = memchr(b'\n', &text[i..]).map_or(n, |k| i + k);
                    continue;
                }
                b';' => {
                    self.end(cx, &mut f, depth);
                    if f.skip == Skip::For {
                        f.skip = Skip::No;
                    }
                    let rest = &text[i..];
                    if rest.starts_with(b";;") || rest.starts_with(b";&") {
                        i += if rest.starts_with(b";;&") { 3 } else { 2 };
                        if let Some(last) = f.case.last_mut() {
                            *last = true;
                        }
                    } else {
                        i += 1;
                    }
                    continue;
                }
                b'&' => {
                    if i + 1 < n && text[i + 1] == b'>' {
                        i = self.redirect(cx, &mut f, i, i, None, depth);
                        continue;
                    }
                    self.end(cx, &mut f, depth);
                    i += if i + 1 < n && text[i + 1] == b'&' {
                        2
                    } else {
                        1
                    };
                    continue;
                }
                b'|' => {
                    let pipe = !(i + 1 < n && text[i + 1] == b'|');
                    self.piping = pipe && cx.fixes;
                    self.end(cx, &mut f, depth);
                    self.piping = false;
                    if pipe {
                        if let Some(feed) = self.feed_out.take() {
                            f.feed = Some(feed);
                        }
                    }
                    i += if i + 1 < n && (text[i + 1] == b'|' || text[i + 1] == b'&') {
                        2
                    } else {
                        1
                    };
                    continue;
                }
                b'(' => {
                    i = self.open_paren(cx, &mut f, i, depth);
                    continue;
                }
                b')' => {
                    if let Some(pattern @ true) = f.case.last_mut() {
                        *pattern = false;
                        i += 1;
                        continue;
                    }
                    self.end(cx, &mut f, depth);
                    i += 1;
                    if f.parens > 0 {
                        f.parens -= 1;
                        continue;
                    }
                    if closer {
                        return i;
                    }
                    continue;
                }
                b'<' | b'>' => {
                    let nxt = if i + 1 < n { text[i + 1] } else { 0 };
                    if nxt != b'(' && !(c == b'<' && placeholder_end(text, i).is_some()) {
                        let in_test = f
                            .words
                            .first()
                            .is_some_and(|w| w.value.as_deref() == Some(b"[["))
                            && f.words
                                .last()
                                .is_some_and(|w| w.value.as_deref() != Some(b"]]"));
                        if in_test {
                            // `[[ a < b ]]`: a comparison, not a redirection
                            f.words.push(FW {
                                s: i,
                                e: i + 1,
                                value: Some(Cow::Borrowed(&text[i..i + 1])),
                                chunks: None,
                                quoted: false,
                                assign: false,
                                array: None,
                            });
                            f.end = i + 1;
                            i += 1;
                            continue;
                        }
                        i = self.redirect(cx, &mut f, i, i, None, depth);
                        continue;
                    }
                }
                _ => {}
            }
            // a word
            let w = self.word(cx, i, depth);
            let j = w.end;
            if j == i {
                // defensive: never loop without progress
                i += 1;
                continue;
            }
            if j < n && (text[j] == b'<' || text[j] == b'>') && !w.quoted {
                if let Some(v) = w.value.as_deref() {
                    let fd = !v.is_empty()
                        && (v.iter().all(u8::is_ascii_digit)
                            || (v.len() > 2 && v[0] == b'{' && v[v.len() - 1] == b'}'));
                    if fd {
                        // `2>&1`, `{fd}>file`
                        let fdv = v.to_vec();
                        i = self.redirect(cx, &mut f, j, i, Some(fdv), depth);
                        continue;
                    }
                }
            }
            if let Some(fields) = w.split {
                // an unquoted expansion of a bound name: bash splits it into words,
                // each spanning the expansion as written
                for field in fields {
                    let chunk = Chunk::decoded(&field, i, j - i);
                    let fw = FW {
                        s: i,
                        e: j,
                        value: Some(Cow::Owned(field)),
                        chunks: Some(vec![chunk]),
                        quoted: false,
                        assign: false,
                        array: None,
                    };
                    self.push_word(&mut f, fw);
                }
                i = j;
                continue;
            }
            let fw = FW {
                s: i,
                e: j,
                value: w.value,
                chunks: w.chunks,
                quoted: w.quoted,
                assign: w.assign,
                array: w.array,
            };
            self.push_word(&mut f, fw);
            i = j;
        }
        self.end(cx, &mut f, depth);
        n
    }

    fn push_word(&mut self, f: &mut Frame<'t>, w: FW<'t>) {
        let syntax_free = f.skip == Skip::No
            && f.case.is_empty()
            && (!f.words.is_empty() || w.quoted || !w.value.as_deref().is_some_and(is_keyword));
        if syntax_free {
            // fast path: not syntax (see add_word)
            if f.start.is_none() {
                f.start = Some(w.s);
            }
            f.end = w.e;
            f.fun = false;
            f.words.push(w);
        } else {
            self.add_word(f, w);
        }
    }

    fn open_paren(&mut self, cx: &mut Cx, f: &mut Frame<'t>, i: usize, depth: usize) -> usize {
        let text = self.text;
        let n = self.n;
        if f.case.last() == Some(&true) {
            return i + 1; // `(a|b)` pattern syntax
        }
        if f.fun || f.words.len() == 1 {
            let mut k = i + 1;
            while k < n && matches!(text[k], b' ' | b'\t' | b'\r') {
                k += 1;
            }
            if k < n && text[k] == b')' {
                // `f() {`, `function f() {`
                if !f.fun {
                    f.words.clear();
                    f.start = None;
                }
                f.fun = false;
                return k + 1;
            }
        }
        if f.words.is_empty() && text[i..].starts_with(b"((") {
            if let Some(k) = self.arith_end(i + 2) {
                // `(( expr ))`, `for ((;;))`: bash expands `$(...)` inside
                self.arith_body(cx, i + 2, k - 2, depth);
                return k;
            }
        }
        self.end(cx, f, depth);
        f.parens += 1;
        i + 1
    }

    /// Add a word to the current simple command, unless it is syntax.
    fn add_word(&mut self, f: &mut Frame<'t>, w: FW<'t>) {
        f.fun = false;
        let value = if w.quoted { None } else { w.value.as_deref() };
        if f.case.last() == Some(&true) {
            if value == Some(b"esac") {
                f.case.pop();
            }
            return;
        }
        match f.skip {
            Skip::No => {}
            Skip::Case => {
                if value == Some(b"in") {
                    f.skip = Skip::No;
                    f.case.push(true);
                }
                return;
            }
            Skip::For => {
                if value == Some(b"do") {
                    f.skip = Skip::No;
                }
                return;
            }
            Skip::Func => {
                f.skip = Skip::No;
                f.fun = true;
                return;
            }
        }
        if f.words.is_empty() {
            if let Some(v) = value.filter(|v| is_keyword(v)) {
                match v {
                    b"esac" => {
                        f.case.pop();
                    }
                    b"case" => f.skip = Skip::Case,
                    b"for" | b"select" => f.skip = Skip::For,
                    b"function" => f.skip = Skip::Func,
                    _ => {}
                }
                return;
            }
        }
        if f.start.is_none() {
            f.start = Some(w.s);
        }
        f.end = w.e;
        f.words.push(w);
    }

    /// End the current simple command and emit it.
    fn end(&mut self, cx: &mut Cx, f: &mut Frame<'t>, depth: usize) {
        if !f.words.is_empty() {
            // drained, not taken: the frame keeps its buffer for the next command
            let mut words = std::mem::take(&mut f.words);
            let heredocs = std::mem::take(&mut f.heredocs);
            if cx.fixes {
                self.bind(cx, &words);
                self.feed_in = f.feed.take();
                self.herestring_in = f.herestring.take();
            }
            self.feed_out = None;
            let first = &words[0];
            let v = first.value.as_deref();
            let fast = matches!(self.map, Map::Linear)
                && self.sink.is_none()
                && !first.assign
                && !v.is_some_and(|v| is_special(v) || v.contains(&b'/'))
                && !(self.piping
                    && v.is_some_and(|v| matches!(basename(v), b"echo" | b"printf" | b"cat")))
                && self.herestring_in.is_none()
                && !(cx.fixes && v.is_some_and(|v| code_options(basename(v)).is_some()));
            let fstart = f.start.unwrap_or(0);
            if fast {
                // no wrapper to strip, nothing nested to unwrap
                let b = self.base;
                let text = self.text;
                let argv = words
                    .drain(..)
                    .map(|w| Wd {
                        value: match w.value {
                            None => Value::Unknown,
                            // the word as written (a plain run): no copy
                            Some(Cow::Borrowed(v))
                                if v.len() == w.e - w.s
                                    && std::ptr::eq(v.as_ptr(), text[w.s..].as_ptr()) =>
                            {
                                Value::Raw
                            }
                            Some(v) => Value::Text(v.into_owned()),
                        },
                        start: b + w.s,
                        end: b + w.e,
                    })
                    .collect();
                cx.out.push(Cmd {
                    argv,
                    start: b + fstart,
                    end: b + f.end,
                });
            } else {
                let text = self.text;
                let ws = words
                    .drain(..)
                    .map(|w| {
                        let pieces = match &w.chunks {
                            None => vec![self.piece(&Chunk::slice(text, w.s, w.e))],
                            Some(chunks) => chunks.iter().map(|c| self.piece(c)).collect(),
                        };
                        W {
                            value: w.value.map(Cow::into_owned),
                            start: self.s(w.s),
                            end: self.e(w.e),
                            pieces,
                            assign: w.assign,
                        }
                    })
                    .collect();
                let (cs, ce) = (self.s(fstart), self.e(f.end));
                self.command(cx, ws, cs, ce, &heredocs, depth);
            }
            f.words = words;
        } else {
            f.heredocs.clear();
            f.herestring = None;
        }
        self.feed_in = None;
        self.herestring_in = None;
        f.start = None;
        f.fun = false;
    }

    /// Record the names a command binds (leading assignments; the arguments of
    /// `export`, `readonly`, `local`, `declare`, `typeset`) and forget those it
    /// makes unknown (`unset`, `read`, `mapfile`).
    fn bind(&self, cx: &mut Cx, words: &[FW<'t>]) {
        let text = self.text;
        let record = |cx: &mut Cx, w: &FW<'t>| {
            cx.names
                .assign(&text[w.s..w.e], w.value.as_deref(), w.array.as_deref());
        };
        let mut k = 0;
        while k < words.len() && words[k].assign {
            record(cx, &words[k]);
            k += 1;
        }
        let Some(program) = words.get(k).and_then(|w| w.value.as_deref()) else {
            return;
        };
        match program {
            b"export" | b"readonly" | b"local" | b"declare" | b"typeset" => {
                for w in &words[k + 1..] {
                    if w.assign {
                        record(cx, w);
                    }
                }
            }
            b"unset" | b"read" | b"readarray" | b"mapfile" => {
                for w in &words[k + 1..] {
                    match w.value.as_deref() {
                        Some(v) if !v.starts_with(b"-") => cx.names.forget(v),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }

    /// Emit the depth marker for text left unparsed at `s..e` (nesting past
    /// `MAX_DEPTH`, or the work budget spent): a command whose one word's value is
    /// [`DEPTH_MARK`], which a guard denies.
    fn depth_marker(&self, cx: &mut Cx, s: usize, e: usize) {
        mark_depth(cx, self.s(s), self.e(e.max(s)));
    }

    // -- redirections and heredocs --------------------------------------------

    /// Consume a redirection operator at `i` and its target word; record heredocs.
    /// Returns the offset after the target.
    fn redirect(
        &mut self,
        cx: &mut Cx,
        f: &mut Frame<'t>,
        i: usize,
        op_start: usize,
        fd: Option<Vec<u8>>,
        depth: usize,
    ) -> usize {
        let text = self.text;
        let n = self.n;
        let rest = &text[i..];
        let mut heredoc = false;
        let mut strip = false;
        let mut here_string = false;
        let mut j = match text[i] {
            b'<' => {
                if rest.starts_with(b"<<<") {
                    here_string = true;
                    i + 3
                } else if rest.starts_with(b"<<-") {
                    heredoc = true;
                    strip = true;
                    i + 3
                } else if rest.starts_with(b"<<") {
                    heredoc = true;
                    i + 2
                } else if i + 1 < n && (text[i + 1] == b'&' || text[i + 1] == b'>') {
                    i + 2
                } else {
                    i + 1
                }
            }
            b'>' => {
                if i + 1 < n && matches!(text[i + 1], b'>' | b'&' | b'|') {
                    i + 2
                } else {
                    i + 1
                }
            }
            _ => {
                // &> or &>>
                if rest.starts_with(b"&>>") {
                    i + 3
                } else {
                    i + 2
                }
            }
        };
        let mut end = j;
        while j < n {
            let ch = text[j];
            if ch == b' ' || ch == b'\t' {
                j += 1;
            } else if ch == b'\\' && j + 1 < n && text[j + 1] == b'\n' {
                j += 2;
            } else {
                break;
            }
        }
        if j < n && !matches!(text[j], b'\n' | b';' | b'&' | b'|' | b'(' | b')') {
            let w = self.word(cx, j, depth);
            let k = w.end;
            if k > j {
                end = k;
                if here_string && cx.fixes && !fd.as_deref().is_some_and(|fd| fd != b"0") {
                    // `sh <<< 'text'`: the text is the shell's script
                    let pieces = match &w.chunks {
                        None => vec![self.piece(&Chunk::slice(text, j, k))],
                        Some(chunks) => chunks.iter().map(|c| self.piece(c)).collect(),
                    };
                    f.herestring = Some(W {
                        value: w.value.map(Cow::into_owned),
                        start: self.s(j),
                        end: self.e(k),
                        pieces,
                        assign: false,
                    });
                } else if heredoc {
                    let delim = match &w.chunks {
                        None => text[j..k].to_vec(),
                        Some(chunks) => {
                            chunks.iter().flat_map(|c| c.text.iter().copied()).collect()
                        }
                    };
                    self.heredocs.push(Heredoc {
                        delim,
                        strip,
                        quoted: w.quoted,
                        fd,
                        script: false,
                    });
                    let h = self.heredocs.len() - 1;
                    self.pending.push(h);
                    f.heredocs.push(h);
                }
            }
        }
        if f.start.is_none() {
            f.start = Some(op_start);
        }
        f.end = if f.words.is_empty() {
            end
        } else {
            f.end.max(end)
        };
        end
    }

    /// Skip the bodies of pending heredocs starting at `i` (just after a newline).
    /// A body is data, unless its command reads it as a script; but in an unquoted
    /// one (`<<EOF`) `$(...)` and backticks run when it is read, so those are parsed.
    fn read_heredocs(&mut self, cx: &mut Cx, mut i: usize, depth: usize) -> usize {
        let text = self.text;
        let n = self.n;
        let pending = std::mem::take(&mut self.pending);
        for h in pending {
            let body = i;
            let mut body_end = n;
            let size = self.heredocs[h].delim.len();
            let strip = self.heredocs[h].strip;
            while i < n {
                let nl = memchr(b'\n', &text[i..]).map(|k| i + k);
                let line_end = nl.unwrap_or(n);
                let mut k = i;
                if strip {
                    while k < line_end && text[k] == b'\t' {
                        k += 1;
                    }
                }
                let e = if line_end > k && text[line_end - 1] == b'\r' {
                    line_end - 1
                } else {
                    line_end
                };
                let next = if nl.is_some() { line_end + 1 } else { n };
                if e - k == size && text[k..e] == self.heredocs[h].delim[..] {
                    body_end = i;
                    i = next;
                    break;
                }
                i = next;
            }
            if body_end > body && depth < MAX_DEPTH {
                if self.heredocs[h].script {
                    if !self.parse_span(cx, body, body_end, depth + 1) {
                        self.depth_marker(cx, body, body_end);
                    }
                } else if !self.heredocs[h].quoted {
                    self.body_substitutions(cx, body, body_end, depth);
                }
            } else if body_end > body && self.heredocs[h].script {
                self.depth_marker(cx, body, body_end);
            }
        }
        i
    }

    /// The elements of an array assignment `a=(...)` from `i` (after the `(`), read
    /// as the words bash reads there, so the substitutions in them are parsed (their
    /// commands emitted). Returns the offset after the closing `)`.
    fn array_body(&mut self, cx: &mut Cx, mut i: usize, depth: usize) -> usize {
        if depth >= MAX_DEPTH {
            // `a=(b=(c=(...` nests without a substitution: bounded like one
            let j = self.skip_subst(i);
            self.depth_marker(cx, i, j);
            return j;
        }
        let text = self.text;
        let n = self.n;
        while i < n {
            match text[i] {
                b' ' | b'\t' | b'\r' | b'\n' => i += 1,
                b'\\' if i + 1 < n && text[i + 1] == b'\n' => i += 2,
                b'#' => i = memchr(b'\n', &text[i..]).map_or(n, |k| i + k),
                b')' => return i + 1,
                _ => {
                    let j = self.word(cx, i, depth + 1).end;
                    // a byte no word takes (`;`, `|`, `<`): bash rejects it; step over
                    i = if j > i { j } else { i + 1 };
                }
            }
        }
        n
    }

    /// Parse the substitutions in an arithmetic body `text[s..e]` (`$(( ... ))`,
    /// `(( ... ))`): bash expands it as if double-quoted, so `$(cmd)` and backticks
    /// run, even inside single quotes. Also used for an extglob pattern's body. Off in
    /// the legacy mode.
    fn arith_body(&mut self, cx: &mut Cx, s: usize, e: usize, depth: usize) {
        if !cx.fixes || e <= s {
            return;
        }
        if depth >= MAX_DEPTH {
            self.depth_marker(cx, s, e);
            return;
        }
        self.body_substitutions(cx, s, e, depth + 1);
    }

    /// Parse the command substitutions in `text[s..e]` (an unquoted heredoc body),
    /// leaving the rest as data.
    fn body_substitutions(&mut self, cx: &mut Cx, s: usize, e: usize, depth: usize) {
        let body = &self.text[s..e];
        if memchr::memmem::find(body, b"$(").is_none() && memchr(b'`', body).is_none() {
            return;
        }
        if cx.budget < e - s {
            // left unread: a guard must deny
            self.depth_marker(cx, s, e);
            return;
        }
        cx.budget -= e - s;
        let mut p = self.sub(s, e);
        let n = p.n;
        let mut scratch = Vec::new();
        let mut i = 0;
        while i < n {
            i = run_end(body, i, n, &BODY_RUN);
            if i >= n {
                break;
            }
            match body[i] {
                b'\\' => i += 2,
                b'`' => i = p.backtick(cx, i, &mut scratch, depth).0,
                _ => i = p.dollar(cx, i, &mut scratch, depth, true).0,
            }
            scratch.clear();
        }
    }

    // -- words -------------------------------------------------------------------

    /// Scan one word from `i`; substitutions inside are parsed (their commands
    /// emitted) on the way.
    fn word(&mut self, cx: &mut Cx, mut i: usize, depth: usize) -> Scan<'t> {
        let text = self.text;
        let n = self.n;
        let j = run_end(text, i, n, &RUN);
        if j > i && (j >= n || WORD_END[text[j] as usize]) {
            // fast path: a plain word
            let g = &text[i..j];
            if g.contains(&b'=') && is_assignment(g) {
                return Scan {
                    end: j,
                    value: Some(Cow::Borrowed(g)),
                    chunks: None,
                    quoted: false,
                    assign: true,
                    split: None,
                    array: None,
                };
            }
            let unknown =
                has_mark(g) || (memchr::memmem::find(g, b"{{").is_some() && has_template(g));
            return Scan {
                end: j,
                value: (!unknown).then_some(Cow::Borrowed(g)),
                chunks: None,
                quoted: false,
                assign: false,
                split: None,
                array: None,
            };
        }
        let start = i;
        let mut chunks: Vec<Chunk<'t>> = Vec::new();
        let mut literal = true;
        let mut quoted = false;
        let mut assign = false;
        let mut array = None;
        while i < n {
            let j = run_end(text, i, n, &RUN);
            if j > i {
                if i == start && text[i..j].contains(&b'=') && is_assignment(&text[i..j]) {
                    assign = true;
                }
                chunks.push(Chunk::slice(text, i, j));
                i = j;
                if i >= n {
                    break;
                }
            }
            let c = text[i];
            if WORD_END[c as usize] {
                break;
            }
            match c {
                b'\'' => {
                    let j = memchr(b'\'', &text[i + 1..]).map_or(n, |k| i + 1 + k);
                    if j > i + 1 {
                        chunks.push(Chunk::slice(text, i + 1, j));
                    }
                    quoted = true;
                    i = if j < n { j + 1 } else { n };
                }
                b'"' => {
                    quoted = true;
                    let (k, lit) = self.dquote(cx, i + 1, &mut chunks, depth);
                    i = k;
                    literal &= lit;
                }
                b'\\' => {
                    if i + 1 >= n {
                        chunks.push(Chunk::slice(text, i, i + 1));
                        i = n;
                    } else if text[i + 1] == b'\n' {
                        i += 2;
                    } else {
                        let len = char_len(text[i + 1]).min(n - i - 1);
                        chunks.push(Chunk {
                            text: Cow::Borrowed(&text[i + 1..i + 1 + len]),
                            off: i,
                            size: len + 1,
                            mapped: false,
                            parts: None,
                        });
                        quoted = true;
                        i += 1 + len;
                    }
                }
                b'$' => {
                    let nxt = if i + 1 < n { text[i + 1] } else { 0 };
                    if nxt == b'\'' {
                        quoted = true;
                        i = self.ansi(i + 2, &mut chunks);
                    } else if nxt == b'"' {
                        quoted = true;
                        let (k, lit) = self.dquote(cx, i + 2, &mut chunks, depth);
                        i = k;
                        literal &= lit;
                    } else {
                        let (k, lit) = self.dollar(cx, i, &mut chunks, depth, false);
                        i = k;
                        literal &= lit;
                    }
                }
                b'`' => {
                    let (k, lit) = self.backtick(cx, i, &mut chunks, depth);
                    i = k;
                    literal &= lit;
                }
                b'<' | b'>' => {
                    if i + 1 < n && text[i + 1] == b'(' {
                        // process substitution
                        let j = self.subst(cx, i + 2, depth);
                        chunks.push(Chunk::mark(i, j - i));
                        literal = false;
                        i = j;
                        continue;
                    }
                    let Some(j) = (if c == b'<' {
                        placeholder_end(text, i)
                    } else {
                        None
                    }) else {
                        break;
                    };
                    chunks.push(Chunk::slice(text, i, j)); // `<PR_NUMBER>`
                    literal = false;
                    i = j;
                }
                b'(' if assign && chunks.len() == 1 && text[i - 1] == b'=' => {
                    // array assignment `a=(1 2)`: bash runs the substitutions in
                    // its elements (`a=(x $(cmd)) b` runs cmd)
                    let j = if cx.fixes {
                        self.array_body(cx, i + 1, depth)
                    } else {
                        self.skip_subst(i + 1)
                    };
                    if cx.fixes && j > i + 1 && text[j - 1] == b')' {
                        array = array_elements(&text[i + 1..j - 1]);
                    }
                    chunks.push(Chunk::mark(i, j - i));
                    literal = false;
                    i = j;
                }
                b'(' if i > start && matches!(text[i - 1], b'?' | b'*' | b'+' | b'@' | b'!') => {
                    // extglob `!(*.py)`: a pattern, whose substitutions bash runs
                    // (`[[ x == @($(cmd)) ]]`): parsed, even in single quotes (the
                    // safe side)
                    let j = self.skip_subst(i + 1);
                    if cx.fixes && j > i + 1 && text[j - 1] == b')' {
                        self.arith_body(cx, i + 1, j - 1, depth);
                    }
                    chunks.push(Chunk::slice(text, i, j));
                    i = j;
                }
                _ => break,
            }
        }
        let mut value = None;
        let mut split = None;
        if literal && chunks.iter().any(|c| c.parts.is_some()) {
            split = Some(fields(&chunks, quoted));
        } else if literal {
            let v: Cow<'t, [u8]> = if chunks.len() == 1 {
                chunks[0].text.clone()
            } else {
                Cow::Owned(chunks.iter().flat_map(|c| c.text.iter().copied()).collect())
            };
            if !(has_mark(&v) || (memchr::memmem::find(&v, b"{{").is_some() && has_template(&v))) {
                value = Some(v);
            }
        }
        Scan {
            end: i,
            value,
            chunks: Some(chunks),
            quoted,
            assign,
            split,
            array,
        }
    }

    /// Scan a double-quoted string from after its opening quote.
    /// Returns (offset after the closing quote, literal).
    fn dquote(
        &mut self,
        cx: &mut Cx,
        mut i: usize,
        chunks: &mut Vec<Chunk<'t>>,
        depth: usize,
    ) -> (usize, bool) {
        let text = self.text;
        let n = self.n;
        let mut literal = true;
        while i < n {
            let j = run_end(text, i, n, &DQ_RUN);
            if j > i {
                chunks.push(Chunk::slice(text, i, j));
                i = j;
                if i >= n {
                    break;
                }
            }
            match text[i] {
                b'"' => return (i + 1, literal),
                b'\\' => {
                    let d = if i + 1 < n { text[i + 1] } else { 0 };
                    if d == b'\n' {
                        i += 2;
                    } else if matches!(d, b'"' | b'\\' | b'$' | b'`') {
                        chunks.push(Chunk {
                            text: Cow::Borrowed(&text[i + 1..i + 2]),
                            off: i,
                            size: 2,
                            mapped: false,
                            parts: None,
                        });
                        i += 2;
                    } else {
                        chunks.push(Chunk::slice(text, i, i + 1));
                        i += 1;
                    }
                }
                b'$' => {
                    let (k, lit) = self.dollar(cx, i, chunks, depth, true);
                    i = k;
                    literal &= lit;
                }
                _ => {
                    // backtick
                    let (k, lit) = self.backtick(cx, i, chunks, depth);
                    i = k;
                    literal &= lit;
                }
            }
        }
        (n, literal)
    }

    /// Decode a `$'...'` string from after its opening quote.
    fn ansi(&mut self, mut i: usize, chunks: &mut Vec<Chunk<'t>>) -> usize {
        let text = self.text;
        let n = self.n;
        while i < n {
            let j = run_end(text, i, n, &ANSI_RUN);
            if j > i {
                chunks.push(Chunk::slice(text, i, j));
                i = j;
                if i >= n {
                    break;
                }
            }
            if text[i] == b'\'' {
                return i + 1;
            }
            if i + 1 >= n {
                chunks.push(Chunk::slice(text, i, i + 1));
                return n;
            }
            let d = text[i + 1];
            let simple: Option<&[u8]> = match d {
                b'n' => Some(b"\n"),
                b't' => Some(b"\t"),
                b'r' => Some(b"\r"),
                b'a' => Some(b"\x07"),
                b'b' => Some(b"\x08"),
                b'f' => Some(b"\x0c"),
                b'v' => Some(b"\x0b"),
                b'e' | b'E' => Some(b"\x1b"),
                b'\\' => Some(b"\\"),
                b'\'' => Some(b"'"),
                b'"' => Some(b"\""),
                b'?' => Some(b"?"),
                _ => None,
            };
            if let Some(s) = simple {
                chunks.push(Chunk::decoded(s, i, 2));
                i += 2;
                continue;
            }
            let mut j = i + 2;
            let code: u32;
            if (b'0'..=b'7').contains(&d) {
                while j < n && j < i + 4 && (b'0'..=b'7').contains(&text[j]) {
                    j += 1;
                }
                code = text[i + 1..j]
                    .iter()
                    .fold(0, |a, &b| a * 8 + (b - b'0') as u32);
            } else if matches!(d, b'x' | b'u' | b'U') {
                let limit = i
                    + 2
                    + if d == b'x' {
                        2
                    } else if d == b'u' {
                        4
                    } else {
                        8
                    };
                while j < n && j < limit && text[j].is_ascii_hexdigit() {
                    j += 1;
                }
                if j == i + 2 {
                    chunks.push(Chunk::slice(text, i, i + 2));
                    i = j;
                    continue;
                }
                code = text[i + 2..j]
                    .iter()
                    .fold(0u64, |a, &b| {
                        a * 16 + (b as char).to_digit(16).unwrap_or(0) as u64
                    })
                    .min(u32::MAX as u64) as u32;
            } else if d == b'c' && i + 2 < n {
                let (cp, len) = decode(text, i + 2);
                j = i + 2 + len;
                code = cp & 31;
            } else {
                let len = char_len(d).min(n - i - 1);
                chunks.push(Chunk::slice(text, i, i + 1 + len));
                i += 1 + len;
                continue;
            }
            let mut bytes = Vec::with_capacity(4);
            push_code_point(&mut bytes, if code <= 0x10FFFF { code } else { 0xFFFD });
            chunks.push(Chunk::decoded(&bytes, i, j - i));
            i = j;
        }
        n
    }

    /// Scan an expansion at `$`. Returns (end, literal).
    fn dollar(
        &mut self,
        cx: &mut Cx,
        i: usize,
        chunks: &mut Vec<Chunk<'t>>,
        depth: usize,
        dq: bool,
    ) -> (usize, bool) {
        let text = self.text;
        let n = self.n;
        let nxt = if i + 1 < n { text[i + 1] } else { 0 };
        let j;
        if nxt == b'(' {
            if i + 2 < n && text[i + 2] == b'(' {
                if let Some(k) = self.arith_end(i + 3) {
                    self.arith_body(cx, i + 3, k - 2, depth);
                    chunks.push(Chunk::mark(i, k - i));
                    return (k, false);
                }
            }
            j = self.subst(cx, i + 2, depth);
            if cx.fixes && j > i + 2 && text[j - 1] == b')' {
                if let Some(name) = lookup(&text[i + 2..j - 1]) {
                    // `$(command -v gcloud)`: prints where gcloud is; it runs gcloud
                    chunks.push(Chunk::decoded(name, i, j - i));
                    return (j, true);
                }
            }
        } else if nxt == b'{' {
            j = self.param(cx, i + 2, depth + 1, dq);
            if cx.fixes && j > i + 2 && text[j - 1] == b'}' {
                if let Some(x) = expand(cx, &text[i + 2..j - 1]) {
                    chunks.push(expansion(x, dq, i, j - i));
                    return (j, true);
                }
            }
            if let Some((ws, we)) = defaulted(text, i + 2, j - 1) {
                // `${NAME:-word}`: the word, when NAME is unset, is the value to judge
                chunks.push(Chunk {
                    text: Cow::Borrowed(&text[ws..we]),
                    off: i,
                    size: j - i,
                    mapped: false,
                    parts: None,
                });
                return (j, true);
            }
        } else {
            match var_end(text, i + 1) {
                None => {
                    chunks.push(Chunk::slice(text, i, i + 1));
                    return (i + 1, true);
                }
                Some(k) => j = k,
            }
            if cx.fixes {
                if let Some(x) = expand(cx, &text[i + 1..j]) {
                    chunks.push(expansion(x, dq, i, j - i));
                    return (j, true);
                }
            }
        }
        chunks.push(Chunk::mark(i, j - i));
        (j, false)
    }

    /// Parse a `$(`/`<(`/`>(` body from `i`; return the offset after `)`.
    fn subst(&mut self, cx: &mut Cx, i: usize, depth: usize) -> usize {
        if depth >= MAX_DEPTH {
            let j = self.skip_subst(i);
            self.depth_marker(cx, i, j);
            return j;
        }
        self.parse_list(cx, i, depth + 1, true)
    }

    /// Skip a `${...}` body from `i`, parsing substitutions inside it.
    fn param(&mut self, cx: &mut Cx, mut i: usize, depth: usize, dq: bool) -> usize {
        let text = self.text;
        let n = self.n;
        if depth >= MAX_DEPTH {
            let j = self.skip_braces(i);
            self.depth_marker(cx, i, j);
            return j;
        }
        let run = if dq { &PARAM_DQ_RUN } else { &PARAM_RUN };
        let mut scratch = Vec::new();
        let mut level = 0usize;
        while i < n {
            i = run_end(text, i, n, run);
            if i >= n {
                break;
            }
            match text[i] {
                b'}' => {
                    if level == 0 {
                        return i + 1;
                    }
                    level -= 1;
                    i += 1;
                }
                b'{' => {
                    level += 1;
                    i += 1;
                }
                b'\\' => i += 2,
                b'\'' => {
                    i = memchr(b'\'', &text[i + 1..]).map_or(n, |k| i + 1 + k + 1);
                }
                b'"' => i = self.dquote(cx, i + 1, &mut scratch, depth).0,
                b'$' => i = self.dollar(cx, i, &mut scratch, depth, dq).0,
                _ => i = self.backtick(cx, i, &mut scratch, depth).0,
            }
            scratch.clear();
        }
        n
    }

    /// Scan a backtick substitution at `i` and parse its body (after the backslash
    /// unescaping bash applies to it).
    fn backtick(
        &mut self,
        cx: &mut Cx,
        i: usize,
        chunks: &mut Vec<Chunk<'t>>,
        depth: usize,
    ) -> (usize, bool) {
        let text = self.text;
        let n = self.n;
        let mut j = i + 1;
        let mut escaped = false;
        while j < n {
            j = run_end(text, j, n, &BT_RUN);
            if j >= n || text[j] == b'`' {
                break;
            }
            escaped = true;
            j += 2;
        }
        let close = j.min(n);
        let end = if close < n { close + 1 } else { n };
        let mut literal = false;
        match (cx.fixes && close < n && !escaped)
            .then(|| lookup(&text[i + 1..close]))
            .flatten()
        {
            // `` `which gcloud` ``: prints where gcloud is; it runs gcloud
            Some(name) => {
                chunks.push(Chunk::decoded(name, i, end - i));
                literal = true;
            }
            None => chunks.push(Chunk::mark(i, end - i)),
        }
        if depth >= MAX_DEPTH && close > i + 1 {
            self.depth_marker(cx, i, end);
        }
        if depth < MAX_DEPTH && close > i + 1 {
            if !escaped {
                if !self.parse_span(cx, i + 1, close, depth + 1) {
                    self.depth_marker(cx, i, end);
                }
            } else {
                let mut inner = Vec::new();
                let mut k = i + 1;
                while k < close {
                    let m = run_end(text, k, close, &BT_RUN);
                    if m > k {
                        inner.push(self.piece(&Chunk::slice(text, k, m)));
                        k = m;
                        continue;
                    }
                    let d = if k + 1 < close { text[k + 1] } else { 0 };
                    if matches!(d, b'\\' | b'`' | b'$') {
                        inner.push(self.piece(&Chunk {
                            text: Cow::Borrowed(&text[k + 1..k + 2]),
                            off: k,
                            size: 2,
                            mapped: false,
                            parts: None,
                        }));
                        k += 2;
                    } else {
                        inner.push(self.piece(&Chunk::slice(text, k, k + 1)));
                        k += 1;
                    }
                }
                let w = W {
                    value: None,
                    start: self.s(i),
                    end: self.e(end),
                    pieces: inner,
                    assign: false,
                };
                if self
                    .parse_words(cx, std::slice::from_ref(&w), depth + 1, 0, false)
                    .is_none()
                {
                    self.depth_marker(cx, i, end);
                }
            }
        }
        (end, literal)
    }

    // -- opaque skips (iterative: used beyond MAX_DEPTH and for arithmetic) -----

    /// Offset after the `)` closing a substitution whose body starts at `i`,
    /// without parsing it. Iterative, so any nesting depth is safe.
    fn skip_subst(&self, mut i: usize) -> usize {
        #[derive(PartialEq)]
        enum S {
            Paren,
            Dq,
            Bt,
        }
        let text = self.text;
        let n = self.n;
        let mut stack = vec![S::Paren];
        while i < n {
            let c = text[i];
            let Some(top) = stack.last() else { break };
            if c == b'\\' {
                i += 2;
                continue;
            }
            match top {
                S::Paren => match c {
                    b'\'' => {
                        i = memchr(b'\'', &text[i + 1..]).map_or(n, |k| i + 1 + k + 1);
                        continue;
                    }
                    b'"' => stack.push(S::Dq),
                    b'(' => stack.push(S::Paren),
                    b')' => {
                        stack.pop();
                        if stack.is_empty() {
                            return i + 1;
                        }
                    }
                    b'`' => stack.push(S::Bt),
                    _ => {}
                },
                S::Dq => {
                    if c == b'"' {
                        stack.pop();
                    } else if c == b'$' && i + 1 < n && text[i + 1] == b'(' {
                        stack.push(S::Paren);
                        i += 1;
                    } else if c == b'`' {
                        stack.push(S::Bt);
                    }
                }
                S::Bt => {
                    if c == b'`' {
                        stack.pop();
                    }
                }
            }
            i += 1;
        }
        n
    }

    fn skip_braces(&self, mut i: usize) -> usize {
        let text = self.text;
        let n = self.n;
        let mut level = 0usize;
        while i < n {
            match text[i] {
                b'\\' => i += 1,
                b'{' => level += 1,
                b'}' => {
                    if level == 0 {
                        return i + 1;
                    }
                    level -= 1;
                }
                _ => {}
            }
            i += 1;
        }
        n
    }

    /// Offset after the `))` closing arithmetic whose body starts at `i`, or None
    /// when this is not arithmetic (`((a) && b)` is nested subshells).
    fn arith_end(&mut self, i: usize) -> Option<usize> {
        if i < self.arith_fail {
            return None;
        }
        let text = self.text;
        let n = self.n;
        let mut level = 0usize;
        let mut j = i;
        while j < n {
            match text[j] {
                b'(' => level += 1,
                b')' => {
                    if level == 0 {
                        if j + 1 < n && text[j + 1] == b')' {
                            return Some(j + 2);
                        }
                        break;
                    }
                    level -= 1;
                }
                b'\n' => break,
                _ => {}
            }
            j += 1;
        }
        self.arith_fail = j;
        None
    }

    // -- nested scripts ------------------------------------------------------------

    /// Parse `text[s..e]` of this parser as a script of its own.
    fn parse_span(&mut self, cx: &mut Cx, s: usize, e: usize, depth: usize) -> bool {
        if cx.budget < e - s {
            return false;
        }
        cx.budget -= e - s;
        let mut p = self.sub(s, e);
        p.parse_list(cx, 0, depth, false);
        true
    }

    /// Parse words (joined by spaces, after quote removal) as a script, e.g. the
    /// SCRIPT of `bash -c SCRIPT` or the arguments of `eval`. `skip` drops leading
    /// bytes (`-Sstring`); with `collect`, the words of the script's top-level
    /// commands are returned instead of emitted. None when the work budget is
    /// spent (nothing parsed).
    fn parse_words(
        &mut self,
        cx: &mut Cx,
        ws: &[W],
        depth: usize,
        skip: usize,
        collect: bool,
    ) -> Option<Vec<W>> {
        let size: usize = ws.iter().map(|w| w.end.saturating_sub(w.start)).sum();
        if cx.budget < size {
            return None;
        }
        cx.budget -= size;
        let (text, mut base, table) = derive(ws);
        let skip = skip.min(text.len());
        let map = match table {
            None => {
                base += skip;
                Map::Linear
            }
            Some((starts, ends)) => Map::Table {
                starts: starts.into(),
                ends: ends.into(),
                off: skip,
            },
        };
        let mut p = Parser::new(&text[skip..], base, map);
        if collect {
            p.sink = Some(Vec::new());
        }
        p.sink_depth = depth;
        p.parse_list(cx, 0, depth, false);
        Some(p.sink.unwrap_or_default())
    }
}

/// Emit the depth marker (once per parse, with the fixes on) for text at `s..e` of
/// the original that is left unparsed: nesting past `MAX_DEPTH`, or the work budget
/// spent. A command whose one word's value is [`DEPTH_MARK`], which a guard denies.
fn mark_depth(cx: &mut Cx, s: usize, e: usize) {
    if !cx.fixes || cx.depth_marked {
        return;
    }
    cx.depth_marked = true;
    let e = e.max(s);
    cx.out.push(Cmd {
        argv: vec![Wd {
            value: Value::Text(DEPTH_MARK.as_bytes().to_vec()),
            start: s,
            end: e,
        }],
        start: s,
        end: e,
    });
}

/// What an expansion of a bound name gives, charged to the work budget: a text
/// that doubles its names (`X=$X$X` forty times) or expands a long value many
/// times would otherwise grow without bound. When the budget is spent the
/// expansion stays unknown, as it was before names were bound.
fn expand(cx: &mut Cx, body: &[u8]) -> Option<Expansion> {
    let x = cx.names.expand(body)?;
    let cost = match &x {
        Expansion::One(v) => v.len() + 32 * (1 + v.iter().filter(|&&b| b == b' ').count()),
        Expansion::Many(vs) => vs.iter().map(|v| v.len() + 32).sum(),
    };
    if cx.budget < cost {
        return None;
    }
    cx.budget -= cost;
    Some(x)
}

/// The split words of a literal word holding expansions that bash splits.
fn fields(chunks: &[Chunk], quoted: bool) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut current: Vec<u8> = Vec::new();
    let mut started = quoted; // a quoted empty string is a word
    for c in chunks {
        match &c.parts {
            Some(parts) => {
                for (k, part) in parts.iter().enumerate() {
                    if k > 0 {
                        out.push(std::mem::take(&mut current));
                    }
                    current.extend_from_slice(part);
                    started = true;
                }
            }
            None => {
                current.extend_from_slice(&c.text);
                started = true;
            }
        }
    }
    if started || !current.is_empty() {
        out.push(current);
    }
    out
}

/// The chunk an expansion of a bound name gives, at `off..off + size`.
fn expansion<'t>(x: Expansion, dq: bool, off: usize, size: usize) -> Chunk<'t> {
    let parts = match x {
        Expansion::One(v) if dq => return Chunk::decoded(&v, off, size),
        Expansion::One(v) => {
            let parts = split_fields(&v);
            if parts.len() == 1 && parts[0] == v {
                return Chunk::decoded(&v, off, size);
            }
            parts
        }
        Expansion::Many(elements) if dq => elements,
        Expansion::Many(elements) => elements.iter().flat_map(|e| split_fields(e)).collect(),
    };
    let mut chunk = Chunk::decoded(&parts.join(&b' '), off, size);
    chunk.parts = Some(parts);
    chunk
}

type Table = (Vec<usize>, Vec<usize>);

/// The text of words after quote removal, joined by spaces, with the original span
/// of each byte: (text, base, starts and ends), no table when the text maps to
/// the original as one run from `base`.
fn derive(ws: &[W]) -> (Vec<u8>, usize, Option<Table>) {
    if let [w] = ws {
        if let [p] = &w.pieces[..] {
            if let At::Linear(b) = p.at {
                return (p.text.clone(), b, None);
            }
        }
    }
    let mut text = Vec::new();
    let mut starts: Vec<usize> = Vec::new();
    let mut ends: Vec<usize> = Vec::new();
    for (k, w) in ws.iter().enumerate() {
        if k > 0 {
            text.push(b' ');
            starts.push(ends.last().copied().unwrap_or(w.start));
            ends.push(w.start);
        }
        for p in &w.pieces {
            let lt = p.text.len();
            text.extend_from_slice(&p.text);
            match &p.at {
                At::Linear(b) => {
                    starts.extend(*b..b + lt);
                    ends.extend(b + 1..b + lt + 1);
                }
                At::Table(s, e, off) => {
                    for x in 0..lt {
                        let at = (off + x).min(s.len().saturating_sub(1));
                        starts.push(s.get(at).copied().unwrap_or(w.start));
                        ends.push(e.get(at).copied().unwrap_or(w.end));
                    }
                }
                At::Whole(s0, e0) => {
                    starts.extend(std::iter::repeat(*s0).take(lt));
                    ends.extend(std::iter::repeat(*e0).take(lt));
                }
            }
        }
    }
    let base = starts
        .first()
        .copied()
        .unwrap_or(ws.first().map_or(0, |w| w.start));
    (text, base, Some((starts, ends)))
}
