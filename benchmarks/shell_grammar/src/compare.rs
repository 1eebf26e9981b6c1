//! A candidate's simple commands against ours, and the kinds of their disagreements.
//!
//! Commands are compared as a multiset of argv: the order in which a parser lists the
//! commands of nested substitutions is not what the guard judges. A word is `None`
//! when it is not a literal (an expansion, a substitution, a quoting the parser does
//! not decode).

/// A simple command's words after quote removal (None: not a literal).
pub type Argv = Vec<Option<String>>;

/// An argv from literal words (None: a word with no literal value); for the tests.
#[cfg(test)]
pub fn argv(words: &[Option<&str>]) -> Argv {
    words.iter().map(|w| w.map(str::to_string)).collect()
}

/// What a parser gave for one input: its commands, and its error when it failed (a
/// failed parse gives no commands from brush; tree-sitter always gives a tree, and an
/// error means it holds ERROR or MISSING nodes).
pub struct Outcome {
    pub commands: Vec<Argv>,
    pub error: Option<String>,
}

impl Outcome {
    pub fn ok(commands: Vec<Argv>) -> Outcome {
        Outcome {
            commands,
            error: None,
        }
    }
}

/// Programs our normalizer replaces by what they run (wrappers stripped, nested shells,
/// eval, ssh and find -exec unwrapped): the guard's semantics, not the grammar's.
const UNWRAPPED: &[&str] = &[
    "sudo",
    "doas",
    "env",
    "timeout",
    "nohup",
    "command",
    "builtin",
    "chronic",
    "nice",
    "time",
    "exec",
    "stdbuf",
    "ionice",
    "caffeinate",
    "xargs",
    "watch",
    "strace",
    "ltrace",
    "bash",
    "sh",
    "zsh",
    "dash",
    "ksh",
    "ash",
    "mksh",
    "eval",
    "ssh",
    "find",
];

fn program(c: &Argv) -> Option<&str> {
    let p = c.first()?.as_deref()?;
    Some(p.rsplit('/').next().unwrap_or(p))
}

/// Same length, and every word equal or unknown on one side: who knows more?
fn known_vs_unknown(ours: &Argv, theirs: &Argv) -> Option<&'static str> {
    if ours.len() != theirs.len() {
        return None;
    }
    let (mut ours_more, mut theirs_more) = (false, false);
    for (a, b) in ours.iter().zip(theirs) {
        match (a, b) {
            (Some(x), Some(y)) if x != y => return None,
            (Some(_), None) => ours_more = true,
            (None, Some(_)) => theirs_more = true,
            _ => {}
        }
    }
    match (ours_more, theirs_more) {
        (true, false) => Some("ours gives a value they leave unknown"),
        (false, true) => Some("they give a value ours leaves unknown"),
        _ => None,
    }
}

/// The kinds of disagreement of one input, each with a short account; empty when the
/// commands agree.
pub fn compare(ours: &[Argv], theirs: &[Argv]) -> Vec<(&'static str, String)> {
    let mut a: Vec<&Argv> = ours.iter().collect();
    let mut b: Vec<&Argv> = theirs.iter().collect();
    // drop the commands both give alike
    a.sort();
    b.sort();
    let (mut left, mut right) = (Vec::new(), Vec::new());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x == y => {
                i += 1;
                j += 1;
            }
            (Some(x), Some(y)) if x < y => {
                left.push(*x);
                i += 1;
            }
            (Some(x), None) => {
                left.push(*x);
                i += 1;
            }
            (_, Some(y)) => {
                right.push(*y);
                j += 1;
            }
            (None, None) => break,
        }
    }
    let mut out = Vec::new();
    let mut unwrapping = false;
    // theirs left over: pair each with one of ours
    for t in right {
        let wrapper = program(t).is_some_and(|p| UNWRAPPED.contains(&p));
        if wrapper {
            unwrapping = true;
            // `sudo gcloud run`: ours gives the `gcloud run` it ends with
            if let Some(k) = left
                .iter()
                .position(|o| !o.is_empty() && o.len() < t.len() && t.ends_with(o))
            {
                let o = left.remove(k);
                out.push((UNWRAP, format!("ours {:?} / theirs {:?}", o, t)));
                continue;
            }
        }
        let paired = left
            .iter()
            .position(|o| known_vs_unknown(o, t).is_some())
            .or_else(|| {
                left.iter()
                    .position(|o| o.len() == t.len() && program(o) == program(t))
            });
        let o = paired.map(|k| left.remove(k));
        let kind = match o {
            Some(o) => known_vs_unknown(o, t).unwrap_or("a word's value differs"),
            None if wrapper => UNWRAP,
            None if t.is_empty() => "they give an empty command",
            None => "a command only they give",
        };
        out.push((kind, format!("ours {:?} / theirs {:?}", o, t)));
    }
    for o in left {
        let kind = if o.first().and_then(|w| w.as_deref())
            == Some(vitana_core::normalize::shell::DEPTH_MARK)
        {
            "ours: depth marker"
        } else if program(o) == Some("[[") {
            "ours lists `[[ .. ]]` as a command"
        } else if unwrapping {
            // the commands of a `bash -c` string, an eval, an ssh script...
            UNWRAP
        } else {
            "a command only ours gives"
        };
        out.push((kind, format!("ours {:?}", o)));
    }
    out
}

const UNWRAP: &str = "wrapper or nested shell: ours gives what it runs";

/// The kinds where ours differs on purpose: what the guard adds to the grammar.
pub const BY_DESIGN: &[&str] = &[
    UNWRAP,
    "ours gives a value they leave unknown",
    "ours lists `[[ .. ]]` as a command",
    "ours: depth marker",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_multisets_agree_in_any_order() {
        let x = argv(&[Some("a")]);
        let y = argv(&[Some("b"), None]);
        assert!(compare(&[x.clone(), y.clone()], &[y, x]).is_empty());
    }

    #[test]
    fn kinds() {
        let ours = vec![argv(&[Some("gcloud"), Some("run")])];
        let wrapped = vec![argv(&[Some("sudo"), Some("gcloud"), Some("run")])];
        let d = compare(&ours, &wrapped);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].0, UNWRAP);
        let nested = vec![argv(&[Some("bash"), Some("-c"), Some("gcloud run")])];
        assert!(compare(&ours, &nested).iter().all(|d| d.0 == UNWRAP));
        assert_eq!(compare(&ours, &[])[0].0, "a command only ours gives");
        let unknown = vec![argv(&[None, Some("run")])];
        assert_eq!(
            compare(&ours, &unknown)[0].0,
            "ours gives a value they leave unknown"
        );
        let other = vec![argv(&[Some("gcloud"), Some("rum")])];
        assert_eq!(compare(&ours, &other)[0].0, "a word's value differs");
    }
}
