//! Names bound earlier in the same text, and the lookups that print a program's
//! name: what `$G`, `${a[@]}` and `$(command -v gcloud)` give, where the text
//! itself says.
//!
//! bash runs `G=gcloud; $G run deploy x` as gcloud, so a guard that judges what
//! will run must read it so too. The table holds straight-line literal
//! assignments, in text order, for one parse. An assignment inside a branch, a
//! loop, a function or a subshell is taken as if it always ran: for a guard,
//! over-approximating what may run is the safe side. A name assigned a value that
//! is not a literal (`G=$(pick)`), or `unset`/`read`, is forgotten: unknown again.

use std::collections::HashMap;

use super::lex::{basename, name_end, RUN};

#[derive(Debug, Clone)]
pub(crate) enum Binding {
    Scalar(Vec<u8>),
    Array(Vec<Vec<u8>>),
}

/// The names bound so far in one parse.
#[derive(Debug, Default)]
pub(crate) struct Names {
    map: HashMap<Vec<u8>, Binding>,
}

/// What an expansion gives: one string (word-split when unquoted), or the
/// elements of `${a[@]}`, one word each.
pub(crate) enum Expansion {
    One(Vec<u8>),
    Many(Vec<Vec<u8>>),
}

impl Names {
    pub(crate) fn forget(&mut self, name: &[u8]) {
        self.map.remove(name);
    }

    /// Record an assignment word (`NAME=value`, `NAME+=value`, `NAME=(a b)`), its
    /// value after quote removal (None: unknown) and, for an array, its elements.
    pub(crate) fn assign(&mut self, raw: &[u8], value: Option<&[u8]>, array: Option<&[Vec<u8>]>) {
        let k = name_end(raw, 0, raw.len());
        if k == 0 {
            return;
        }
        let name = &raw[..k];
        let append = raw.get(k) == Some(&b'+');
        let plain = raw.get(k + usize::from(append)) == Some(&b'=');
        if !plain {
            self.forget(name); // `a[2]=x`: an element; the array is unknown now
            return;
        }
        if let Some(elements) = array {
            let mut all = match (append, self.map.get(name)) {
                (true, Some(Binding::Array(old))) => old.clone(),
                (true, Some(Binding::Scalar(old))) => vec![old.clone()],
                _ => Vec::new(),
            };
            all.extend(elements.iter().cloned());
            self.map.insert(name.to_vec(), Binding::Array(all));
            return;
        }
        // the value is the word's after its first `=`
        let Some(v) = value.and_then(|v| memchr::memchr(b'=', v).map(|e| &v[e + 1..])) else {
            self.forget(name);
            return;
        };
        let v = match (append, self.map.get(name)) {
            (true, Some(Binding::Scalar(old))) => [old.as_slice(), v].concat(),
            (true, _) => {
                self.forget(name);
                return;
            }
            _ => v.to_vec(),
        };
        self.map.insert(name.to_vec(), Binding::Scalar(v));
    }

    /// What `${BODY}` (or `$NAME`) gives when its name is bound: `NAME`,
    /// `NAME[@]`, `NAME[*]`, `NAME[N]`, and `NAME:-word` (also `-`, `:=`, `=`),
    /// which takes the bound value. None when the name is not bound or the form is
    /// another (`${#a}`, `${a%x}`): unknown.
    pub(crate) fn expand(&self, body: &[u8]) -> Option<Expansion> {
        let k = name_end(body, 0, body.len());
        if k == 0 {
            return None;
        }
        let binding = self.map.get(&body[..k])?;
        let rest = &body[k..];
        let first = || match binding {
            Binding::Scalar(v) => v.clone(),
            Binding::Array(a) => a.first().cloned().unwrap_or_default(),
        };
        match rest {
            b"" => Some(Expansion::One(first())),
            b"[@]" => Some(Expansion::Many(match binding {
                Binding::Scalar(v) => vec![v.clone()],
                Binding::Array(a) => a.clone(),
            })),
            b"[*]" => Some(Expansion::One(match binding {
                Binding::Scalar(v) => v.clone(),
                Binding::Array(a) => a.join(&b' '),
            })),
            [b'[', digits @ .., b']']
                if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) =>
            {
                let index: usize = std::str::from_utf8(digits).ok()?.parse().ok()?;
                match binding {
                    Binding::Scalar(v) if index == 0 => Some(Expansion::One(v.clone())),
                    Binding::Scalar(_) => Some(Expansion::One(Vec::new())),
                    Binding::Array(a) => {
                        Some(Expansion::One(a.get(index).cloned().unwrap_or_default()))
                    }
                }
            }
            [b':', b'-' | b'=', ..] => {
                let v = first();
                (!v.is_empty()).then_some(Expansion::One(v))
            }
            [b'-' | b'=', ..] => Some(Expansion::One(first())),
            _ => None,
        }
    }
}

/// An unquoted expansion's fields: split on blanks and newlines (bash's default
/// IFS), empty fields dropped.
pub(crate) fn split_fields(v: &[u8]) -> Vec<Vec<u8>> {
    v.split(|b| matches!(b, b' ' | b'\t' | b'\n'))
        .filter(|f| !f.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

/// `command -v NAME`, `which NAME`, `type -P NAME` (or `-p`) as a whole
/// substitution body: it prints NAME's path, so `$(which gcloud) run deploy` runs
/// gcloud. The NAME, or None.
pub(crate) fn lookup(body: &[u8]) -> Option<&[u8]> {
    let words: Vec<&[u8]> = body
        .split(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .filter(|w| !w.is_empty())
        .collect();
    let name = match words.as_slice() {
        [prog, name] if basename(prog) == b"which" => name,
        [prog, b"-v", name] if *prog == b"command" => name,
        [prog, b"-P" | b"-p", name] if *prog == b"type" => name,
        _ => return None,
    };
    let plain = name
        .iter()
        .all(|&b| !RUN[b as usize] && b != b'{' && b != b'*' && b != b'?');
    (plain && !name.is_empty() && name[0] != b'-').then_some(*name)
}

/// The elements of an array assignment's body (`a b 'c d' "e"`), when all are
/// literals: plain words, single-quoted, or double-quoted without expansions.
pub(crate) fn array_elements(body: &[u8]) -> Option<Vec<Vec<u8>>> {
    let n = body.len();
    let mut out = Vec::new();
    let mut i = 0;
    while i < n {
        if matches!(body[i], b' ' | b'\t' | b'\n' | b'\r') {
            i += 1;
            continue;
        }
        let mut element = Vec::new();
        while i < n && !matches!(body[i], b' ' | b'\t' | b'\n' | b'\r') {
            match body[i] {
                b'\'' => {
                    let k = memchr::memchr(b'\'', &body[i + 1..])?;
                    element.extend_from_slice(&body[i + 1..i + 1 + k]);
                    i += k + 2;
                }
                b'"' => {
                    let k = memchr::memchr(b'"', &body[i + 1..])?;
                    let inner = &body[i + 1..i + 1 + k];
                    if inner.iter().any(|b| matches!(b, b'$' | b'`' | b'\\')) {
                        return None;
                    }
                    element.extend_from_slice(inner);
                    i += k + 2;
                }
                b if RUN[b as usize] || b == b'#' => return None,
                b => {
                    element.push(b);
                    i += 1;
                }
            }
        }
        out.push(element);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignments_bind_and_unknown_values_forget() {
        let mut names = Names::default();
        names.assign(b"G=gcloud", Some(b"G=gcloud"), None);
        assert!(matches!(names.expand(b"G"), Some(Expansion::One(v)) if v == b"gcloud"));
        assert!(matches!(names.expand(b"G:-echo"), Some(Expansion::One(v)) if v == b"gcloud"));
        names.assign(b"G=$(x)", None, None);
        assert!(names.expand(b"G").is_none());
        names.assign(b"a=(x)", None, Some(&[b"gcloud".to_vec(), b"run".to_vec()]));
        assert!(matches!(names.expand(b"a[@]"), Some(Expansion::Many(v)) if v.len() == 2));
        assert!(matches!(names.expand(b"a[1]"), Some(Expansion::One(v)) if v == b"run"));
        assert!(names.expand(b"#a").is_none());
    }

    #[test]
    fn lookups_name_the_program() {
        assert_eq!(lookup(b"command -v gcloud"), Some(&b"gcloud"[..]));
        assert_eq!(lookup(b" which gcloud "), Some(&b"gcloud"[..]));
        assert_eq!(lookup(b"which $X"), None);
        assert_eq!(lookup(b"command -V gcloud"), None);
    }

    #[test]
    fn array_bodies_with_expansions_are_unknown() {
        assert_eq!(
            array_elements(b"gcloud 'run x' \"deploy\""),
            Some(vec![
                b"gcloud".to_vec(),
                b"run x".to_vec(),
                b"deploy".to_vec()
            ])
        );
        assert_eq!(array_elements(b"a $(b)"), None);
        assert_eq!(
            split_fields(b" gcloud  run\tdeploy "),
            [b"gcloud".to_vec(), b"run".to_vec(), b"deploy".to_vec()]
        );
    }
}
