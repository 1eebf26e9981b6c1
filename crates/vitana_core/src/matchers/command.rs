//! `command`: argv-level matching on parsed shell commands (its spec compiled by `engine/matchers/command.py`).
//!
//! A command matches when its program (basename of argv[0]) is one of `program` (or
//! matches a `program_glob`, or is a `launcher` whose first operand matches one), its
//! subcommand `words` follow in order (flags anywhere, with their values;
//! `optional_words` may sit between), and the optional `flags_any`, `arg` and `option`
//! conditions hold. Unknown words never satisfy a literal. `--help` is never a run,
//! nor is a command with one of `flags_none` (for a launcher, only its own flags).

use regex::Regex;
use serde_json::Value;

use super::glob::globs_regex;
use super::{regex, Hit};
use crate::model::{Command, Word};
use crate::pack::strings;
use crate::pattern::{Pattern, TimedOut};

const HELP_FLAGS: [&str; 3] = ["--help", "-help", "--usage"];

#[derive(Debug, Clone)]
struct ArgCondition {
    index: Option<i64>,
    start: i64,
    regex: Option<Pattern>,
    not_regex: Option<Pattern>,
    globs: Option<Regex>,
    ignore: Option<Pattern>,
}

impl ArgCondition {
    fn hit<'w>(&self, operands: &[&'w Word]) -> Result<Option<&'w Word>, TimedOut> {
        let candidates = match self.index {
            Some(i) => py_slice(operands.len(), i, Some(i + 1)),
            None => py_slice(operands.len(), self.start, None),
        };
        for &word in &operands[candidates] {
            if self.takes(word)? {
                return Ok(Some(word));
            }
        }
        Ok(None)
    }

    fn takes(&self, word: &Word) -> Result<bool, TimedOut> {
        let Some(value) = word.value.as_deref() else {
            return Ok(false);
        };
        if self
            .ignore
            .as_ref()
            .map_or(Ok(false), |p| p.is_match(value))?
        {
            return Ok(false);
        }
        if !self
            .regex
            .as_ref()
            .map_or(Ok(true), |p| p.is_match(value))?
        {
            return Ok(false);
        }
        if let Some(globs) = &self.globs {
            if !globs.is_match(basename(value)) {
                return Ok(false);
            }
        }
        Ok(!self
            .not_regex
            .as_ref()
            .map_or(Ok(false), |p| p.is_match(value))?)
    }
}

/// The range Python's `items[start:stop]` takes of `len` items.
fn py_slice(len: usize, start: i64, stop: Option<i64>) -> std::ops::Range<usize> {
    let n = len as i64;
    let clamp = |i: i64| if i < 0 { (n + i).max(0) } else { i.min(n) };
    let s = clamp(start);
    let e = stop.map_or(n, clamp);
    s as usize..(e.max(s)) as usize
}

#[derive(Debug, Clone)]
struct OptionCondition {
    names: Vec<String>,
    regex: Option<Pattern>,
    not_regex: Option<Pattern>,
}

impl OptionCondition {
    fn hit<'w>(&self, argv: &'w [Word]) -> Result<Option<&'w Word>, TimedOut> {
        for (i, word) in argv.iter().enumerate() {
            let Some(value) = word.value.as_deref() else {
                continue;
            };
            let (found, target) = if self.names.iter().any(|n| n == value) {
                match argv.get(i + 1) {
                    Some(next) => (next, next.value.as_deref()),
                    None => continue,
                }
            } else if let Some((name, rest)) = value.split_once('=') {
                if !self.names.iter().any(|n| n == name) {
                    continue;
                }
                (word, Some(rest))
            } else {
                continue;
            };
            let Some(target) = target else { continue };
            if !self
                .regex
                .as_ref()
                .map_or(Ok(true), |p| p.is_match(target))?
            {
                continue;
            }
            if self
                .not_regex
                .as_ref()
                .map_or(Ok(false), |p| p.is_match(target))?
            {
                continue;
            }
            return Ok(Some(found));
        }
        Ok(None)
    }
}

#[derive(Debug, Clone)]
pub struct CommandMatcher {
    pub programs: Vec<String>,
    pub program_globs: Vec<String>,
    pub launchers: Vec<String>,
    globs: Option<Regex>,
    words: Vec<String>,
    optional_words: Vec<String>,
    flags_any: Vec<String>,
    flags_none: Vec<String>,
    arg: Option<ArgCondition>,
    option: Option<OptionCondition>,
}

impl CommandMatcher {
    pub fn compile(spec: &Value) -> Result<CommandMatcher, String> {
        let program_globs = strings(spec, "program_glob")?;
        let arg = match spec.get("arg") {
            Some(arg @ Value::Object(_)) => {
                let globs = strings(arg, "glob")?;
                Some(ArgCondition {
                    index: arg.get("index").and_then(Value::as_i64),
                    start: arg.get("from").and_then(Value::as_i64).unwrap_or(0),
                    regex: regex(arg, "regex", false)?,
                    not_regex: regex(arg, "not", false)?,
                    globs: if globs.is_empty() {
                        None
                    } else {
                        Some(globs_regex(&globs, true)?)
                    },
                    ignore: regex(arg, "ignore", false)?,
                })
            }
            _ => None,
        };
        let option = match spec.get("option") {
            Some(option @ Value::Object(_)) => Some(OptionCondition {
                names: strings(option, "names")?,
                regex: regex(option, "regex", false)?,
                not_regex: regex(option, "not", false)?,
            }),
            _ => None,
        };
        Ok(CommandMatcher {
            programs: strings(spec, "program")?,
            globs: if program_globs.is_empty() {
                None
            } else {
                Some(globs_regex(&program_globs, true)?)
            },
            program_globs,
            launchers: strings(spec, "launchers")?,
            words: strings(spec, "words")?,
            optional_words: strings(spec, "optional_words")?,
            flags_any: strings(spec, "flags_any")?,
            flags_none: strings(spec, "flags_none")?,
            arg,
            option,
        })
    }

    /// The hit on one command: its whole span, with `program` and `focus` (the word an
    /// `arg` or `option` condition found); Err when a regex ran past its limit.
    pub fn matches(&self, command: &Command) -> Result<Option<Hit>, TimedOut> {
        let argv = &command.argv;
        let Some(first) = argv.first().and_then(|w| w.value.as_deref()) else {
            return Ok(None);
        };
        if argv[1..]
            .iter()
            .any(|w| w.value.as_deref().is_some_and(|v| HELP_FLAGS.contains(&v)))
        {
            return Ok(None);
        }
        let program = basename(first);
        if !self.program_matches(program, argv) {
            return Ok(None);
        }
        let Some(after) = match_words(argv, &self.words, &self.optional_words) else {
            return Ok(None);
        };
        if !self.flags_none.is_empty() && self.dry(program, argv) {
            return Ok(None);
        }
        if !self.flags_any.is_empty()
            && !argv[1..].iter().any(|w| {
                w.value.as_deref().is_some_and(|v| {
                    has(&self.flags_any, v)
                        || has(&self.flags_any, v.split('=').next().unwrap_or(v))
                })
            })
        {
            return Ok(None);
        }
        let mut focus: Option<&Word> = None;
        if let Some(arg) = &self.arg {
            let Some(word) = arg.hit(&operands(&argv[after..]))? else {
                return Ok(None);
            };
            focus = Some(word);
        }
        if let Some(option) = &self.option {
            let Some(word) = option.hit(&argv[1..])? else {
                return Ok(None);
            };
            focus = Some(word);
        }
        let mut hit = Hit::new(command.start, command.end);
        hit.variables.push(("program", Value::from(program)));
        let shown = focus.and_then(|w| w.value.clone()).unwrap_or_default();
        hit.variables.push(("focus", Value::from(shown)));
        Ok(Some(hit))
    }

    /// Whether a command run as `program` is one this matcher names (with no argv: whether
    /// a program can reach it at all, which plans the entries per program).
    pub fn program_matches(&self, program: &str, argv: &[Word]) -> bool {
        if has(&self.programs, program) {
            return true;
        }
        if self.globs.as_ref().is_some_and(|g| g.is_match(program)) {
            return true;
        }
        if has(&self.launchers, program) {
            let rest = if argv.is_empty() { argv } else { &argv[1..] };
            let ops = operands(rest);
            return match ops.first().and_then(|w| w.value.as_deref()) {
                Some(first) => self
                    .globs
                    .as_ref()
                    .is_some_and(|g| g.is_match(basename(first))),
                None => false,
            };
        }
        false
    }

    fn dry(&self, program: &str, argv: &[Word]) -> bool {
        let mut words = &argv[1..];
        let named = has(&self.programs, program);
        if !named && !has(&self.launchers, program) {
            return false; // a script run by its own name: its flags are its own
        }
        if has(&self.launchers, program) && !named {
            let first = words
                .iter()
                .position(|w| !w.value.as_deref().is_some_and(|v| v.starts_with('-')))
                .unwrap_or(words.len());
            words = &words[..first]; // `bash -n x.sh`, not `bash x.sh -n`
        }
        for w in words {
            let Some(v) = w.value.as_deref() else {
                continue;
            };
            if !v.starts_with('-') {
                continue;
            }
            if has(&self.flags_none, v) || has(&self.flags_none, v.split('=').next().unwrap_or(v)) {
                return true;
            }
            if !v.starts_with("--")
                && v.chars()
                    .skip(1)
                    .any(|c| has(&self.flags_none, &format!("-{c}")))
            {
                return true; // a cluster of short flags: `-fn`
            }
        }
        false
    }
}

fn has(list: &[String], value: &str) -> bool {
    list.iter().any(|s| s == value)
}

fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Words that are not flags (values of flags cannot be told apart; kept).
fn operands(words: &[Word]) -> Vec<&Word> {
    words
        .iter()
        .filter(|w| {
            w.value
                .as_deref()
                .map_or(true, |v| !v.starts_with('-') || v == "-")
        })
        .collect()
}

/// Index after the last of `words` found in order, or None.
fn match_words(argv: &[Word], words: &[String], optional: &[String]) -> Option<usize> {
    let mut i = 1;
    let mut after_flag = false;
    for expected in words {
        loop {
            let value = argv.get(i)?.value.as_deref();
            i += 1;
            if value == Some(expected.as_str()) {
                after_flag = false;
                break;
            }
            if let Some(v) = value.filter(|v| v.starts_with('-')) {
                after_flag = !v.contains('=');
                continue;
            }
            if value.is_some_and(|v| has(optional, v)) {
                after_flag = false;
                continue;
            }
            if after_flag {
                after_flag = false; // the value of the flag before it
                continue;
            }
            return None;
        }
    }
    Some(i)
}

#[cfg(test)]
mod tests {
    impl CommandMatcher {
        fn hit(&self, command: &Command) -> Option<Hit> {
            self.matches(command).unwrap()
        }
    }

    use super::*;
    use serde_json::json;

    fn cmd(words: &[Option<&str>]) -> Command {
        let mut at = 0;
        let argv = words
            .iter()
            .map(|w| {
                let raw = w.unwrap_or("$X").to_string();
                let word = Word {
                    value: w.map(str::to_owned),
                    start: at,
                    end: at + raw.len(),
                    raw,
                };
                at = word.end + 1;
                word
            })
            .collect();
        Command {
            argv,
            start: 0,
            end: at.saturating_sub(1),
        }
    }

    fn m(spec: Value) -> CommandMatcher {
        CommandMatcher::compile(&spec).unwrap()
    }

    #[test]
    fn words_follow_in_order_past_flags_and_release_tracks() {
        let deploy =
            m(json!({"program": "gcloud", "words": ["run", "deploy"], "optional_words": ["beta"]}));
        let hit = deploy.hit(&cmd(&[
            Some("/usr/bin/gcloud"),
            Some("--project"),
            Some("p"),
            Some("beta"),
            Some("run"),
            Some("deploy"),
            Some("x"),
        ]));
        assert_eq!(hit.unwrap().variables[0], ("program", json!("gcloud")));
        assert!(deploy
            .hit(&cmd(&[Some("gcloud"), Some("run"), None, Some("deploy")]))
            .is_none());
        assert!(deploy
            .hit(&cmd(&[
                Some("gcloud"),
                Some("run"),
                Some("deploy"),
                Some("--help")
            ]))
            .is_none());
        assert!(deploy
            .hit(&cmd(&[None, Some("run"), Some("deploy")]))
            .is_none());
    }

    #[test]
    fn launchers_reach_scripts_by_glob_and_dry_runs_are_no_runs() {
        let scripts =
            m(json!({"program_glob": ["deploy*.sh"], "launchers": ["bash"], "flags_none": ["-n"]}));
        assert!(scripts
            .hit(&cmd(&[Some("bash"), Some("-x"), Some("./DEPLOY-prod.sh")]))
            .is_some());
        assert!(scripts
            .hit(&cmd(&[Some("bash"), Some("-xn"), Some("deploy.sh")]))
            .is_none());
        assert!(scripts
            .hit(&cmd(&[Some("bash"), Some("deploy.sh"), Some("-n")]))
            .is_some());
        assert!(scripts
            .hit(&cmd(&[Some("./deploy.sh"), Some("-n")]))
            .is_some());
        assert!(scripts.program_matches("deploy-x.sh", &[]));
        assert!(!scripts.program_matches("bash", &[]));
    }

    #[test]
    fn arg_and_option_conditions_set_the_focus() {
        let arg = m(
            json!({"program": "gh", "words": ["workflow", "run"], "arg": {"index": 0, "glob": "deploy*.yml"}}),
        );
        let hit = arg
            .hit(&cmd(&[
                Some("gh"),
                Some("workflow"),
                Some("run"),
                Some("deploy.yml"),
            ]))
            .unwrap();
        assert_eq!(hit.variables[1], ("focus", json!("deploy.yml")));
        assert!(arg
            .hit(&cmd(&[
                Some("gh"),
                Some("workflow"),
                Some("run"),
                Some("ci.yml")
            ]))
            .is_none());
        let opt = m(
            json!({"program": "git", "words": ["push"], "option": {"names": ["--repo"], "not": "^ok$"}}),
        );
        let hit = opt
            .hit(&cmd(&[Some("git"), Some("push"), Some("--repo=bad")]))
            .unwrap();
        assert_eq!(hit.variables[1], ("focus", json!("--repo=bad")));
        assert!(opt
            .hit(&cmd(&[
                Some("git"),
                Some("push"),
                Some("--repo"),
                Some("ok")
            ]))
            .is_none());
    }

    #[test]
    fn python_slices_take_negative_indexes() {
        assert_eq!(py_slice(3, 0, Some(1)), 0..1);
        assert!(py_slice(3, -1, Some(0)).is_empty());
        assert_eq!(py_slice(3, -2, Some(-1)), 1..2);
        assert_eq!(py_slice(3, 5, None), 3..3);
    }
}
