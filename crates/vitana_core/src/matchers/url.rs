//! `url`: URLs whose host is a candidate (`host_contains`, `host_regex`) and whose
//! origin (scheme + host) is not in `allow` (its spec compiled by `engine/matchers/url.py`). Bare Cloud
//! Run hosts count as URLs. Placeholders (`<hash>`, `{GATEWAY_URL}`, `${HOST}`, `$VAR`,
//! `...`, `*`, `xxx`) stand for values not yet known: a host holding one is a finding
//! only when no allowed host could fill it in. `ignore_hosts` are never a gateway;
//! `paths` takes URLs by their path (the control plane) whatever their host; a URL with
//! userinfo naming an allowed host is judged by its real host.
//!
//! The Python regexes' look-arounds are written out as code here (the `regex` crate
//! has none); each function says which pattern it stands for.

use std::sync::OnceLock;

use regex::{Regex, RegexBuilder};
use serde_json::Value;

use super::glob::globs_regex;
use super::{regex as rule_regex, Hit, Outcome};
use crate::pack::strings;
use crate::pattern::{Pattern, TimedOut};

fn re(pattern: &str) -> Regex {
    RegexBuilder::new(pattern).build().expect("a fixed regex")
}

macro_rules! fixed {
    ($name:ident, $pattern:expr) => {
        fn $name() -> &'static Regex {
            static RE: OnceLock<Regex> = OnceLock::new();
            RE.get_or_init(|| re($pattern))
        }
    };
}

// `\.` goes on: a URL in a regex literal (`https://gateway\.corp\.io`) is read whole
fixed!(url_tail, r#"\A(?:[^\s'"<>`\\)\]{}|,;]|\\\.)+"#);
// The placeholder forms below are read by hand: as regexes (kept in the tests, which
// hold the two alike), their Unicode classes repeated up to 64 times were compiled in
// every process that saw a URL, 8M of a live-guard call's 51M instructions.

/// The byte length of the run of 1 to 64 characters `keep` accepts at the start of `s`
/// (a regex's `[...]{1,64}`, followed by a character it refuses); None otherwise.
fn run_of(s: &str, keep: impl Fn(char) -> bool) -> Option<usize> {
    let mut end = 0;
    for (n, c) in s.chars().enumerate() {
        if !keep(c) {
            break;
        }
        if n == 64 {
            return None;
        }
        end += c.len_utf8();
    }
    (end > 0).then_some(end)
}

/// `s[at..]` starts with `c`: the byte after it.
fn after(s: &str, at: usize, c: char) -> Option<usize> {
    s[at..].starts_with(c).then_some(at + c.len_utf8())
}

/// Not a brace and not a space: `[^{}\s]`.
fn in_brace(c: char) -> bool {
    !matches!(c, '{' | '}') && !c.is_whitespace()
}

/// `\A(?:/|(?:a|b|i|u|s|p|br|em|...)\b)`: `<code>`, `</span>` and the like are markup
/// around a URL, not placeholders in it.
fn tag(s: &str) -> bool {
    const TAGS: [&str; 22] = [
        "a", "b", "i", "u", "s", "p", "br", "em", "strong", "span", "code", "tt", "kbd", "pre",
        "li", "td", "th", "div", "sub", "sup", "small", "mark",
    ];
    s.starts_with('/')
        || TAGS.iter().any(|t| {
            s.strip_prefix(t).is_some_and(|rest| {
                !rest
                    .chars()
                    .next()
                    .is_some_and(regex_syntax::is_word_character)
            })
        })
}

/// `\A<[^<>\s]{1,64}>`'s end.
fn angle_placeholder(s: &str) -> Option<usize> {
    let inner = after(s, 0, '<')?;
    let run = run_of(&s[inner..], |c| {
        !matches!(c, '<' | '>') && !c.is_whitespace()
    })?;
    after(s, inner + run, '>')
}

/// `\A(?:\{\{[^{}\n]{1,64}\}\}|\{[^{}\s]{1,64}\})`'s end.
fn brace_placeholder(s: &str) -> Option<usize> {
    if let Some(inner) = s.strip_prefix("{{") {
        let run = run_of(inner, |c| !matches!(c, '{' | '}' | '\n'))?;
        return inner[run..].starts_with("}}").then_some(2 + run + 2);
    }
    let inner = after(s, 0, '{')?;
    after(s, inner + run_of(&s[inner..], in_brace)?, '}')
}

/// `\A\{\{?[^{}\s]{1,64}\}`'s end.
fn brace_short(s: &str) -> Option<usize> {
    let inner = after(s, 0, '{')?;
    let inner = after(s, inner, '{').unwrap_or(inner);
    after(s, inner + run_of(&s[inner..], in_brace)?, '}')
}

/// `\A(?:[A-Za-z0-9.*-]|\{\{?[^{}\s]{1,64}\}\}?|\$\{[^{}\s]{1,64}\}|\$\w)`'s end: one
/// token of `_HOST_HEAD` but the `<...>` placeholder (see `host_head_start`).
fn head_token(s: &str) -> Option<usize> {
    let first = s.chars().next()?;
    if first.is_ascii_alphanumeric() || matches!(first, '.' | '*' | '-') {
        return Some(1);
    }
    if let Some(end) = brace_short(s) {
        return Some(after(s, end, '}').unwrap_or(end));
    }
    let dollar = after(s, 0, '$')?;
    if let Some(inner) = after(s, dollar, '{') {
        if let Some(end) = run_of(&s[inner..], in_brace).and_then(|r| after(s, inner + r, '}')) {
            return Some(end);
        }
    }
    let c = s[dollar..]
        .chars()
        .next()
        .filter(|&c| regex_syntax::is_word_character(c))?;
    Some(dollar + c.len_utf8())
}

fixed!(run_app, r"(?i)\.run\.app");
fixed!(scheme, r"(?i)\A(?:https?|wss?)\z");
// the host placeholders but `x{3,}` (see `host_placeholders`)
const HOST_PLACEHOLDER: &str =
    r"(?i)<[^<>]{0,64}>|\{\{?[^{}]{0,64}\}\}?|\$\{[^{}]{0,64}\}|\$\w{1,64}|\.\.\.|…|\*";
fixed!(host_placeholder, HOST_PLACEHOLDER);

/// `host_placeholder` for an ASCII host, without Unicode: the same matches there, and
/// compiled in microseconds where the Unicode classes repeated 64 times took ~40 ms,
/// most of a live hook call that sees a URL.
fn host_placeholder_ascii() -> &'static regex::bytes::Regex {
    static RE: OnceLock<regex::bytes::Regex> = OnceLock::new();
    RE.get_or_init(|| {
        regex::bytes::RegexBuilder::new(&HOST_PLACEHOLDER.replace("|…", ""))
            .unicode(false)
            .build()
            .expect("a fixed regex")
    })
}

/// Python's `str.isalnum() or c in "_.-"`.
fn is_host_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '.' | '-')
}

fn char_before(text: &str, at: usize) -> Option<char> {
    text[..at].chars().next_back()
}

/// The byte offset `n` characters before `at` (or 0).
fn chars_back(text: &str, at: usize, n: usize) -> usize {
    text[..at]
        .char_indices()
        .rev()
        .nth(n.saturating_sub(1))
        .map_or(0, |(i, _)| i)
}

/// `_URL_PLACEHOLDER.match(text, at)`'s end: `<(?!TAGS)[^<>\s]{1,64}>` or a brace form.
fn placeholder_end(text: &str, at: usize) -> Option<usize> {
    let rest = &text[at..];
    if let Some(after) = rest.strip_prefix('<') {
        if tag(after) {
            return None;
        }
        return angle_placeholder(rest).map(|end| at + end);
    }
    brace_placeholder(rest).map(|end| at + end)
}

/// `_grow`: the end of a URL whose rest starts at `at`.
fn grow(text: &str, mut at: usize) -> usize {
    loop {
        let next = url_tail()
            .find(&text[at..])
            .map(|m| at + m.end())
            .or_else(|| placeholder_end(text, at));
        match next {
            Some(end) if end > at => at = end,
            _ => return at,
        }
    }
}

/// `_url_may_start`: a scheme starts a URL unless glued to a word; after `:-` it does.
fn url_may_start(text: &str, at: usize) -> bool {
    if at == 0 || !char_before(text, at).is_some_and(is_host_char) {
        return true;
    }
    let two = &text[chars_back(text, at, 2)..at];
    matches!(two, ":-" | ":=" | ":+" | ":?")
}

/// `_SCHEME.search(text, max(0, i - 5), i)`'s start: the leftmost scheme ending at `i`.
fn scheme_start(text: &str, i: usize) -> Option<usize> {
    let from = chars_back(text, i, 5);
    text[from..i]
        .char_indices()
        .map(|(k, _)| from + k)
        .find(|&p| scheme().is_match(&text[p..i]))
}

/// `_HOST_HEAD.search(text, max(0, i - 253), i)`'s start: the leftmost position from
/// which the text up to `i` is all host characters and placeholders.
fn host_head_start(text: &str, i: usize) -> Option<usize> {
    let from = chars_back(text, i, 253);
    let starts: Vec<usize> = text[from..i]
        .char_indices()
        .map(|(k, _)| from + k)
        .collect();
    // reach[k]: text[starts[k]..i] splits into tokens (none: the end itself)
    let mut reach = vec![false; starts.len() + 1];
    let index_of = |b: usize| {
        starts
            .binary_search(&b)
            .ok()
            .or((b == i).then_some(starts.len()))
    };
    reach[starts.len()] = true;
    for k in (0..starts.len()).rev() {
        let p = starts[k];
        let window = &text[p..i];
        let mut ends: Vec<usize> = Vec::new();
        if let Some(end) = head_token(window) {
            ends.push(p + end);
        }
        // `\{\{?...\}\}?` may also end one brace short
        if let Some(end) = brace_short(window) {
            ends.push(p + end);
        }
        if window.starts_with('<') && !tag(&window[1..]) {
            if let Some(end) = angle_placeholder(window) {
                ends.push(p + end);
            }
        }
        reach[k] = ends
            .into_iter()
            .any(|e| index_of(e).is_some_and(|j| reach[j]));
    }
    (0..starts.len()).find(|&k| reach[k]).map(|k| starts[k])
}

/// Every URL in `text`: (start, end, url) in byte offsets, in order of position.
pub fn find_urls(text: &str) -> Vec<(usize, usize, String)> {
    let mut spans: Vec<(usize, usize)> = Vec::new();
    // memchr's SIMD search: std's `str::find` took 2% of a dense tree's scan here; its
    // searcher built once (`memmem::find` builds one per call, 1% of a dense session)
    static SCHEME: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"://"));
    let after = |from: usize| SCHEME.find(&text.as_bytes()[from..]).map(|k| from + k);
    let mut i = after(0);
    while let Some(at) = i {
        if let Some(s) = scheme_start(text, at).filter(|&s| url_may_start(text, s)) {
            let end = grow(text, at + 3);
            if end > at + 3 {
                spans.push((s, end));
                i = after(end);
                continue;
            }
        }
        i = after(at + 3);
    }
    let scheme_spans = spans.clone();
    for m in run_app().find_iter(text) {
        let i = m.start();
        let k = scheme_spans.partition_point(|&(s, _)| s <= i);
        if k > 0 && scheme_spans[k - 1].0 <= i && i < scheme_spans[k - 1].1 {
            continue;
        }
        let mut start = host_head_start(text, i).unwrap_or(i);
        if start == 0 || !char_before(text, start).is_some_and(is_host_char) {
            while start < i && matches!(text.as_bytes()[start], b'-' | b'.') {
                start += 1; // `${X:-host.run.app}`: the `-` is shell's
            }
            spans.push((start, grow(text, i).max(m.end())));
        }
    }
    spans.sort_unstable();
    let mut out = Vec::new();
    for (start, end) in spans {
        let next = text[end..].chars().next();
        if matches!(next, Some('{' | '$')) || (next == Some('<') && !tag(&text[end + 1..])) {
            continue; // the URL goes on with a placeholder it could not be read through
        }
        let mut url = text[start..end].trim_end_matches(':');
        if url.ends_with('.') && !url.ends_with("...") {
            url = url.trim_end_matches('.');
        }
        if url.starts_with('.') {
            continue;
        }
        out.push((start, start + url.len(), url.to_owned()));
    }
    out
}

/// A URL's parts, as `url.parse` gives them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    pub scheme: String,
    pub host: String,
    pub userinfo: String,
    pub path: String,
}

pub fn parse(url: &str) -> Url {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let cut = ['/', '?', '#']
        .iter()
        .filter_map(|&c| rest.find(c))
        .min()
        .unwrap_or(rest.len());
    let authority = rest[..cut].replace("\\.", ".");
    let path = rest[cut..].to_owned();
    let (userinfo, hostport) = match authority.rfind('@') {
        Some(k) => (authority[..k].to_owned(), &authority[k + 1..]),
        None => (String::new(), authority.as_str()),
    };
    let host = if let Some(inner) = hostport.strip_prefix('[') {
        inner.split(']').next().unwrap_or("")
    } else if let Some(k) = hostport.rfind(':') {
        &hostport[..k]
    } else {
        hostport
    };
    let lowered = host.to_lowercase();
    let host = if host.ends_with("...") {
        lowered
    } else {
        lowered.trim_end_matches('.').to_owned()
    };
    Url {
        scheme: scheme.to_lowercase(),
        host,
        userinfo,
        path,
    }
}

/// The spans of `_HOST_PLACEHOLDER` in `host`, in order (`x{3,16}` only as a whole
/// part of a label: `(?<![a-z0-9])x{3,16}(?![a-z0-9])`).
fn host_placeholders(host: &str) -> Vec<(usize, usize)> {
    let alnum = |c: char| c.is_ascii_alphanumeric();
    // the runs of x that stand alone
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let b = host.as_bytes();
    let mut k = 0;
    while k < b.len() {
        if b[k] == b'x' || b[k] == b'X' {
            let s = k;
            while k < b.len() && (b[k] == b'x' || b[k] == b'X') {
                k += 1;
            }
            let before = char_before(host, s).is_some_and(alnum);
            let after = host[k..].chars().next().is_some_and(alnum);
            if (3..=16).contains(&(k - s)) && !before && !after {
                runs.push((s, k));
            }
        } else {
            k += 1;
        }
    }
    let mut out = Vec::new();
    let mut pos = 0;
    let mut r = 0;
    while pos <= host.len() {
        let a = if host.is_ascii() {
            host_placeholder_ascii()
                .find_at(host.as_bytes(), pos)
                .map(|m| (m.start(), m.end()))
        } else {
            host_placeholder()
                .find_at(host, pos)
                .map(|m| (m.start(), m.end()))
        };
        while r < runs.len() && runs[r].0 < pos {
            r += 1;
        }
        let x = runs.get(r).copied();
        let next = match (a, x) {
            (Some(a), Some(x)) => Some(if x.0 < a.0 { x } else { a }),
            (a, x) => a.or(x),
        };
        let Some((s, e)) = next else { break };
        out.push((s, e));
        pos = if e > s { e } else { e + 1 };
    }
    out
}

fn templated(host: &str) -> bool {
    !host_placeholders(host).is_empty()
}

/// `_HOST_PLACEHOLDER.split(host)`: the fixed pieces around the placeholders.
fn fixed_pieces(host: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut last = 0;
    for (s, e) in host_placeholders(host) {
        pieces.push(&host[last..s]);
        last = e;
    }
    pieces.push(&host[last..]);
    pieces
}

/// A templated host as a full-match pattern: fixed text literal, placeholders any text.
fn host_pattern(host: &str) -> Option<Regex> {
    let body: Vec<String> = fixed_pieces(host)
        .iter()
        .map(|p| regex::escape(p))
        .collect();
    RegexBuilder::new(&format!(r"\A(?:{})\z", body.join(".*")))
        .case_insensitive(true)
        .dot_matches_new_line(true)
        .build()
        .ok()
}

#[derive(Debug, Clone)]
pub struct UrlMatcher {
    host_contains: Vec<String>,
    host_regex: Option<Pattern>,
    allow: Vec<(String, String)>,
    allow_hosts: Vec<String>,
    ignore_hosts: Option<Regex>,
    paths: Vec<String>,
}

impl UrlMatcher {
    pub fn compile(spec: &Value) -> Result<UrlMatcher, String> {
        let allowed: Vec<Url> = strings(spec, "allow")?.iter().map(|u| parse(u)).collect();
        let ignore: Vec<String> = strings(spec, "ignore_hosts")?
            .iter()
            .map(|g| g.to_lowercase())
            .collect();
        Ok(UrlMatcher {
            host_contains: strings(spec, "host_contains")?
                .iter()
                .map(|c| c.to_lowercase())
                .collect(),
            host_regex: rule_regex(spec, "host_regex", true)?,
            allow: allowed
                .iter()
                .map(|u| (u.scheme.clone(), u.host.clone()))
                .collect(),
            allow_hosts: allowed.into_iter().map(|u| u.host).collect(),
            ignore_hosts: if ignore.is_empty() {
                None
            } else {
                Some(globs_regex(&ignore, false)?)
            },
            paths: strings(spec, "paths")?,
        })
    }

    /// The URLs of `text` this matcher judges bad (a `host_regex` that runs past its
    /// limit ends them: those before stand).
    pub fn matches(&self, text: &str) -> Outcome {
        let mut hits = Vec::new();
        for (start, end, url) in find_urls(text) {
            match self.judge(&url) {
                Ok(true) => {
                    let mut hit = Hit::new(start, end);
                    hit.variables.push(("host", Value::from(parse(&url).host)));
                    hit.variables.push(("url", Value::from(url)));
                    hits.push(hit);
                }
                Ok(false) => {}
                Err(TimedOut) => return Outcome::stopped(hits),
            }
        }
        Outcome::of(hits)
    }

    fn judge(&self, url: &str) -> Result<bool, TimedOut> {
        let u = parse(url);
        if u.host.is_empty() {
            return Ok(false);
        }
        if !u.userinfo.is_empty()
            && self.names_allowed_or_candidate(&u.userinfo.to_lowercase())?
            && !self.allowed(&u)
        {
            return Ok(true); // `https://<canonical>@elsewhere/`: its real host decides
        }
        let is_templated = templated(&u.host);
        if !self.paths.is_empty() {
            if !self.paths.iter().any(|p| u.path.contains(p.as_str())) {
                return Ok(false);
            }
        } else {
            let fixed = if is_templated {
                fixed_pieces(&u.host).concat()
            } else {
                u.host.clone()
            };
            if !self.candidate(&fixed)? {
                return Ok(false);
            }
            if self
                .ignore_hosts
                .as_ref()
                .is_some_and(|g| g.is_match(&u.host))
            {
                return Ok(false);
            }
        }
        if is_templated {
            return Ok(!self.could_be_allowed(&u));
        }
        Ok(!self.allowed(&u))
    }

    fn allowed(&self, u: &Url) -> bool {
        if u.scheme.is_empty() {
            self.allow_hosts.contains(&u.host)
        } else {
            self.allow
                .iter()
                .any(|(s, h)| *s == u.scheme && *h == u.host)
        }
    }

    fn candidate(&self, host: &str) -> Result<bool, TimedOut> {
        if self.host_contains.iter().any(|c| host.contains(c.as_str())) {
            return Ok(true);
        }
        match &self.host_regex {
            Some(r) => r.is_match(host),
            None => Ok(false),
        }
    }

    fn names_allowed_or_candidate(&self, userinfo: &str) -> Result<bool, TimedOut> {
        if self
            .allow_hosts
            .iter()
            .any(|h| !h.is_empty() && userinfo.contains(h.as_str()))
        {
            return Ok(true);
        }
        self.candidate(userinfo)
    }

    fn could_be_allowed(&self, u: &Url) -> bool {
        let Some(pattern) = host_pattern(&u.host) else {
            return false;
        };
        if u.scheme.is_empty() {
            self.allow_hosts.iter().any(|h| pattern.is_match(h))
        } else {
            self.allow
                .iter()
                .any(|(s, h)| *s == u.scheme && pattern.is_match(h))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholder_forms_read_as_their_regexes() {
        type Form = (&'static str, fn(&str) -> Option<usize>);
        let forms: [Form; 4] = [
            (r"\A<[^<>\s]{1,64}>", angle_placeholder),
            (
                r"\A(?:\{\{[^{}\n]{1,64}\}\}|\{[^{}\s]{1,64}\})",
                brace_placeholder,
            ),
            (r"\A\{\{?[^{}\s]{1,64}\}", brace_short),
            (
                r"\A(?:[A-Za-z0-9.*-]|\{\{?[^{}\s]{1,64}\}\}?|\$\{[^{}\s]{1,64}\}|\$\w)",
                head_token,
            ),
        ];
        let tag_re = re(
            r"\A(?:/|(?:a|b|i|u|s|p|br|em|strong|span|code|tt|kbd|pre|li|td|th|div|sub|sup|small|mark)\b)",
        );
        let pieces = [
            "<",
            ">",
            "{",
            "}",
            "{{",
            "}}",
            "$",
            " ",
            "\n",
            "a",
            "b",
            "r",
            "x",
            "é",
            "/",
            ".",
            "\u{a0}",
            "-",
            "*",
            "_",
            "7",
            "span",
            "😀",
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        ];
        let compiled: Vec<Regex> = forms.iter().map(|(p, _)| re(p)).collect();
        let mut matched = [0usize; 4];
        let mut state = 11u64;
        for _ in 0..20_000 {
            let mut text = String::new();
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let mut bits = state;
            for _ in 0..(state >> 59) {
                text.push_str(pieces[(bits % pieces.len() as u64) as usize]);
                bits = bits / pieces.len() as u64 + (state >> 7);
                bits ^= bits << 13;
            }
            for (k, (pattern, by_hand)) in forms.iter().enumerate() {
                let want = compiled[k].find(&text).map(|m| m.end());
                assert_eq!(by_hand(&text), want, "{pattern} on {text:?}");
                matched[k] += usize::from(want.is_some());
            }
            assert_eq!(tag(&text), tag_re.is_match(&text), "tag on {text:?}");
        }
        // the texts reach every form's matches, not only its refusals
        assert!(matched.iter().all(|&n| n > 50), "{matched:?}");
    }

    #[test]
    fn ascii_hosts_find_the_placeholders_the_unicode_regex_finds() {
        for host in [
            "<svc>-abc.a.run.app",
            "{{ name }}.run.app",
            "${HOST}.example",
            "$GW.run.app",
            "gateway-...-uc.a.run.app",
            "*.run.app",
            "xxx-gw.run.app",
            "plain.run.app",
            "<",
            "{{",
            "$",
            "a$b${c}d<e>f",
            "",
            "x.y.z",
        ] {
            let want: Vec<_> = host_placeholder()
                .find_iter(host)
                .map(|m| (m.start(), m.end()))
                .collect();
            let got: Vec<_> = host_placeholder_ascii()
                .find_iter(host.as_bytes())
                .map(|m| (m.start(), m.end()))
                .collect();
            assert_eq!(got, want, "{host:?}");
        }
    }
    use serde_json::json;

    fn urls(text: &str) -> Vec<String> {
        find_urls(text).into_iter().map(|u| u.2).collect()
    }

    #[test]
    fn finds_urls_and_bare_cloud_run_hosts() {
        assert_eq!(
            urls("see https://a.example.com/x, and gw-1.run.app."),
            ["https://a.example.com/x", "gw-1.run.app"]
        );
        assert_eq!(urls("xhttps://glued.example"), Vec::<String>::new());
        assert_eq!(urls("${U:-https://d.run.app}"), ["https://d.run.app"]);
        assert_eq!(
            urls("<code>https://c.run.app</code>"),
            ["https://c.run.app"]
        );
        assert_eq!(
            urls("https://gw-<hash>-uc.a.run.app/x"),
            ["https://gw-<hash>-uc.a.run.app/x"]
        );
        assert_eq!(
            urls("https://gw.run.app${PATH}"),
            ["https://gw.run.app${PATH}"]
        );
        assert!(urls("x https://a.b/{y").is_empty()); // goes on with what it cannot read
    }

    #[test]
    fn placeholders_in_hosts() {
        assert!(templated("gateway-xxx.a.run.app"));
        assert!(!templated("gatewayxxx.a.run.app"));
        assert!(templated("gateway-<id>.run.app") && templated("$gw") && templated("a...b"));
        assert_eq!(
            fixed_pieces("gw-<id>-uc.a.run.app"),
            ["gw-", "-uc.a.run.app"]
        );
    }

    #[test]
    fn judges_hosts_against_the_allowed_origin() {
        let m = UrlMatcher::compile(&json!({"host_contains": ["gateway"],
            "allow": "https://gateway-abc-uc.a.run.app", "ignore_hosts": ["*.example"]}))
        .unwrap();
        let found = |t: &str| m.matches(t).hits.len();
        assert_eq!(found("curl https://gateway-abc-uc.a.run.app/x"), 0);
        assert_eq!(found("curl https://old-gateway.run.app/x"), 1);
        assert_eq!(found("curl https://gateway.example/x"), 0);
        assert_eq!(found("curl https://gateway-<ID>-uc.a.run.app/x"), 0);
        assert_eq!(found("curl https://vitana-gateway-<hash>-uc.a.run.app/"), 1);
        assert_eq!(found("https://gateway-abc-uc.a.run.app@evil.example/"), 1);
        let hit = &m.matches("https://old-gateway.run.app/x").hits[0];
        assert_eq!(hit.variables[0], ("host", json!("old-gateway.run.app")));
    }
}
