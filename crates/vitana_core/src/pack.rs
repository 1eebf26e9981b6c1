//! The compiled rule pack, as the Python side hands it over (`engine/packdata.py`):
//! plain JSON with each rule's facts and each entry's matcher spec, already rendered
//! with the policy parameters. Compiled once; a scan only reads it. The core runs
//! every entry itself (a regex the linear-time engine refuses runs on the bounded
//! backtracking one, see `pattern`).

use serde_json::Value;

use crate::matchers::{self, Matcher};
use crate::model::{Actor, Channel};

/// The shape of the data this crate reads (`packdata.FORMAT`).
pub const FORMAT: u64 = 3;

/// One rule's facts the scan and its findings need.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub slug: String,
    pub severity: String,
    /// the policy sections it enforces ("§1, §4.3")
    pub policy: String,
    /// the finding message: a jinja2 template (see `findings::Messages`)
    pub message: String,
    /// what to do instead (`description.instead`: the live guard's deny reason quotes it)
    pub instead: String,
    pub channels: Vec<Channel>,
    /// the prefilter's literals, lower-case
    pub keywords: Vec<String>,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub enabled: bool,
    /// selected to run (the user's select/ignore applied)
    pub chosen: bool,
}

/// One matcher of a rule, with where it applies.
#[derive(Debug, Clone)]
pub struct Entry {
    /// index of its rule in [`Pack::rules`]
    pub rule: usize,
    pub kind: String,
    pub matcher: Matcher,
    pub channels: Vec<Channel>,
    /// actor names ("none": text with no actor); None: every actor
    pub actors: Option<Vec<String>>,
    pub kinds: Option<Vec<String>>,
    pub not_kinds: Vec<String>,
    /// `mentions: false`: only what a command line's commands reach is matched
    pub calls_only: bool,
}

impl Entry {
    /// Whether the entry applies to a channel, actor and document kind (`rules.Entry.applies`).
    pub fn applies(&self, channel: Channel, actor: Option<Actor>, kind: &str) -> bool {
        if !self.channels.contains(&channel) {
            return false;
        }
        if let Some(actors) = &self.actors {
            let name = actor.map_or("none", Actor::as_str);
            if !actors.iter().any(|a| a == name) {
                return false;
            }
        }
        if self.not_kinds.iter().any(|k| k == kind) {
            return false;
        }
        self.kinds
            .as_ref()
            .map_or(true, |kinds| kinds.iter().any(|k| k == kind))
    }
}

/// The whole pack: rules in the Python pack's order, entries in rule order.
#[derive(Debug, Clone)]
pub struct Pack {
    pub params: Value,
    pub rules: Vec<Rule>,
    pub entries: Vec<Entry>,
}

impl Pack {
    /// Reads the pack's JSON text. Errors name what was wrong; never a panic.
    pub fn from_json(text: &str) -> Result<Pack, String> {
        let data: Value =
            serde_json::from_str(text).map_err(|e| format!("compiled pack is not JSON: {e}"))?;
        Pack::from_value(data)
    }

    pub fn from_value(mut data: Value) -> Result<Pack, String> {
        let format = data.get("format").and_then(Value::as_u64);
        if format != Some(FORMAT) {
            return Err(format!(
                "compiled pack has format {format:?}, this core reads {FORMAT}"
            ));
        }
        let params = data
            .get_mut("params")
            .map(Value::take)
            .unwrap_or(Value::Null);
        let rules = array(&data, "rules", "pack")?
            .iter()
            .enumerate()
            .map(|(i, r)| rule(r).map_err(|e| format!("rules[{i}]: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        let entries = array(&data, "entries", "pack")?
            .iter()
            .enumerate()
            .map(|(i, e)| entry(e, rules.len(), &params).map_err(|e| format!("entries[{i}]: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Pack {
            params,
            rules,
            entries,
        })
    }
}

fn rule(data: &Value) -> Result<Rule, String> {
    let text = |key: &str| {
        data.get(key)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    Ok(Rule {
        id: string(data, "id")?,
        slug: text("slug"),
        severity: string(data, "severity")?,
        policy: text("policy"),
        message: text("message"),
        instead: text("instead"),
        channels: channels(data)?,
        keywords: strings(data, "keywords")?,
        include: strings(data, "include")?,
        exclude: strings(data, "exclude")?,
        enabled: boolean(data, "enabled")?,
        chosen: boolean(data, "chosen")?,
    })
}

fn entry(data: &Value, rules: usize, params: &Value) -> Result<Entry, String> {
    let rule = data
        .get("rule")
        .and_then(Value::as_u64)
        .map(|r| r as usize)
        .filter(|&r| r < rules)
        .ok_or("'rule' must index a rule")?;
    let kind = string(data, "kind")?;
    let spec = data.get("spec").unwrap_or(&Value::Null);
    let matcher = matchers::compile(&kind, spec, params)?;
    let optional = |key: &str| -> Result<Option<Vec<String>>, String> {
        match data.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(_) => strings(data, key).map(Some),
        }
    };
    Ok(Entry {
        rule,
        kind,
        matcher,
        channels: channels(data)?,
        actors: optional("actors")?,
        kinds: optional("kinds")?,
        not_kinds: strings(data, "not_kinds")?,
        calls_only: boolean(data, "calls_only")?,
    })
}

/// A channel by its name in the rule files.
pub fn channel(name: &str) -> Option<Channel> {
    Some(match name {
        "command" => Channel::Command,
        "request" => Channel::Request,
        "prose" => Channel::Prose,
        "user" => Channel::User,
        "output" => Channel::Output,
        "meta" => Channel::Meta,
        _ => return None,
    })
}

fn channels(data: &Value) -> Result<Vec<Channel>, String> {
    strings(data, "channels")?
        .iter()
        .map(|c| channel(c).ok_or_else(|| format!("unknown channel '{c}'")))
        .collect()
}

fn array<'v>(data: &'v Value, key: &str, what: &str) -> Result<&'v Vec<Value>, String> {
    data.get(key)
        .and_then(Value::as_array)
        .ok_or_else(|| format!("{what}: '{key}' must be a list"))
}

fn string(data: &Value, key: &str) -> Result<String, String> {
    data.get(key)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("'{key}' must be a string"))
}

fn boolean(data: &Value, key: &str) -> Result<bool, String> {
    data.get(key)
        .and_then(Value::as_bool)
        .ok_or_else(|| format!("'{key}' must be true or false"))
}

/// A list of strings, or a lone string read as a list of one (rule files allow both).
pub fn strings(data: &Value, key: &str) -> Result<Vec<String>, String> {
    match data.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| format!("'{key}' must hold strings"))
            })
            .collect(),
        Some(_) => Err(format!("'{key}' must be a string or a list of strings")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> String {
        r#"{"format": 3, "params": {"x": 1},
            "rules": [{"id": "VG101", "severity": "error", "channels": ["prose", "user"],
                       "keywords": ["click"], "include": [], "exclude": [], "enabled": true,
                       "chosen": true}],
            "entries": [{"rule": 0, "kind": "pattern", "spec": {"regex": "please click"},
                         "channels": ["prose"], "actors": ["agent"], "kinds": null,
                         "not_kinds": ["python"], "calls_only": false},
                        {"rule": 0, "kind": "pattern", "spec": {"regex": "(?<!x)y"},
                         "channels": ["user"], "actors": null, "kinds": null,
                         "not_kinds": [], "calls_only": false}]}"#
            .into()
    }

    #[test]
    fn reads_rules_and_entries() {
        let pack = Pack::from_json(&sample()).unwrap();
        assert_eq!(pack.rules[0].id, "VG101");
        assert_eq!(pack.rules[0].channels, [Channel::Prose, Channel::User]);
        assert!(matches!(pack.entries[0].matcher, Matcher::Pattern(_)));
        // a look-around regex runs in the core too, on the bounded engine
        let Matcher::Pattern(m) = &pack.entries[1].matcher else {
            panic!("a pattern entry")
        };
        assert_eq!(m.matches("xy zy").hits.len(), 1);
    }

    #[test]
    fn applies_by_channel_actor_and_kind() {
        let pack = Pack::from_json(&sample()).unwrap();
        let e = &pack.entries[0];
        assert!(e.applies(Channel::Prose, Some(Actor::Agent), "claude"));
        assert!(!e.applies(Channel::Prose, Some(Actor::Human), "claude"));
        assert!(!e.applies(Channel::Prose, None, "markdown"));
        assert!(!e.applies(Channel::User, Some(Actor::Agent), "claude"));
        assert!(!e.applies(Channel::Prose, Some(Actor::Agent), "python"));
    }

    #[test]
    fn bad_data_is_an_error_not_a_panic() {
        assert!(Pack::from_json("[").is_err());
        assert!(Pack::from_json(r#"{"format": 9}"#)
            .unwrap_err()
            .contains("format"));
        let bad = sample().replace(
            r#""rule": 0, "kind": "pattern", "spec": {"regex": "please"#,
            r#""rule": 7, "kind": "pattern", "spec": {"regex": "please"#,
        );
        assert!(Pack::from_json(&bad).unwrap_err().contains("entries[0]"));
        // a rule regex that does not parse (the Python side checks each when it loads
        // the rule, so a pack it built holds none) loads, and fails closed where it is
        // used: it matches nothing and says the rule was not applied
        let bad = sample().replace("please click", "(unclosed");
        let pack = Pack::from_json(&bad).unwrap();
        let crate::matchers::Matcher::Pattern(m) = &pack.entries[0].matcher else {
            panic!("a pattern entry");
        };
        let outcome = m.matches("(unclosed please click");
        assert!(outcome.hits.is_empty() && outcome.timed_out);
    }
}
