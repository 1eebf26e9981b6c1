//! The pack grouped for scanning (`compile_pack`): entries by the unit they take and
//! the channel they read, command entries indexed by program, each entry's keyword
//! gate, and the parameters the sessions use.

use std::collections::HashMap;

use serde_json::Value;

use super::channel_index;
use crate::findings::Messages;
use crate::keywords::KeywordSet;
use crate::matchers::glob::PathGlobs;
use crate::matchers::Matcher;
use crate::pack::{strings, Pack};
use crate::pattern::Pattern;

pub struct Compiled {
    pub pack: Pack,
    /// every keyword of the selected rules, sorted: the prefilter
    pub keywords: KeywordSet,
    pub keyword_list: Vec<String>,
    /// per entry: the keywords (indexes in `keyword_list`) one of which a segment must
    /// hold for it to run; None: not gated
    pub gates: Vec<Option<Vec<usize>>>,
    /// per rule: its `paths`
    pub paths: Vec<PathGlobs>,
    /// the rules' message templates
    pub messages: Messages,
    /// text entries per channel (see `channel_index`)
    pub text: [Vec<usize>; 6],
    pub command: Vec<usize>,
    pub request: Vec<usize>,
    pub context: Vec<usize>,
    pub sequence: Vec<usize>,
    /// every error-level request entry, selected or not: whether the gateway would
    /// reject a call decides if it is a flow step
    pub validators: Vec<usize>,
    pub command_index: HashMap<String, Vec<usize>>,
    /// command entries that match by glob or launcher: tried on every program
    pub command_any: Vec<usize>,
    pub approval: Pattern,
    pub negation: Pattern,
    pub covers: Vec<String>,
    pub prefixes: Vec<String>,
    pub endpoints: Vec<(String, String)>,
    pub gateway_url: String,
}

impl Compiled {
    pub fn new(pack: Pack) -> Result<Compiled, String> {
        let params = &pack.params;
        let param_regex = |key: &str| -> Result<Pattern, String> {
            let text = params.get(key).and_then(Value::as_str).unwrap_or("(?!)");
            Pattern::new(text, false, false).map_err(|e| format!("parameter '{key}': {e}"))
        };
        let approval = param_regex("approval_pattern")?;
        let negation = param_regex("approval_negation")?;
        let endpoints = match params.get("endpoints") {
            Some(Value::Object(map)) => map
                .iter()
                .map(|(name, spec)| {
                    let path = spec.get("path").and_then(Value::as_str).unwrap_or("");
                    (name.clone(), path.to_owned())
                })
                .collect(),
            _ => Vec::new(),
        };
        let mut keyword_list: Vec<String> = pack
            .rules
            .iter()
            .filter(|r| r.chosen)
            .flat_map(|r| r.keywords.iter().cloned())
            .collect();
        keyword_list.sort();
        keyword_list.dedup();
        let index: HashMap<&str, usize> = keyword_list
            .iter()
            .enumerate()
            .map(|(i, k)| (k.as_str(), i))
            .collect();
        let mut c = Compiled {
            keywords: KeywordSet::new(&keyword_list),
            gates: Vec::new(),
            messages: Messages::new(&pack.rules, &pack.params),
            paths: pack
                .rules
                .iter()
                .map(|r| {
                    PathGlobs::new(&r.include, &r.exclude).map_err(|e| format!("{}: {e}", r.id))
                })
                .collect::<Result<_, _>>()?,
            text: Default::default(),
            command: Vec::new(),
            request: Vec::new(),
            context: Vec::new(),
            sequence: Vec::new(),
            validators: Vec::new(),
            command_index: HashMap::new(),
            command_any: Vec::new(),
            approval,
            negation,
            covers: strings(params, "approval_covers")?,
            prefixes: strings(params, "control_plane_prefixes")?,
            endpoints,
            gateway_url: params
                .get("gateway_url")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            keyword_list: Vec::new(),
            pack: Pack {
                params: Value::Null,
                rules: Vec::new(),
                entries: Vec::new(),
            },
        };
        for (e, entry) in pack.entries.iter().enumerate() {
            let rule = &pack.rules[entry.rule];
            let unit = entry.matcher.unit(&entry.kind);
            let gated = !rule.keywords.is_empty() && unit != "session" && entry.kind != "require";
            c.gates.push(gated.then(|| {
                rule.keywords
                    .iter()
                    .filter_map(|k| index.get(k.as_str()).copied())
                    .collect()
            }));
            if rule.severity == "error" && unit == "request" {
                c.validators.push(e);
            }
            if !rule.chosen {
                continue;
            }
            match unit {
                "text" => {
                    for &ch in &entry.channels {
                        c.text[channel_index(ch)].push(e);
                    }
                }
                "command" => {
                    let Matcher::Command(m) = &entry.matcher else {
                        return Err(format!("{}: a command entry of another kind", rule.id));
                    };
                    if !m.program_globs.is_empty() || !m.launchers.is_empty() {
                        c.command_any.push(e);
                    }
                    for p in &m.programs {
                        c.command_index.entry(p.clone()).or_default().push(e);
                    }
                    c.command.push(e);
                }
                "request" => c.request.push(e),
                "context" => c.context.push(e),
                _ => c.sequence.push(e),
            }
        }
        c.keyword_list = keyword_list;
        c.pack = pack;
        Ok(c)
    }

    /// Present keyword indexes as a mask over `keyword_list`.
    pub fn present_mask(&self, present: &[usize]) -> Vec<bool> {
        let mut mask = vec![false; self.keyword_list.len()];
        for &i in present {
            if let Some(m) = mask.get_mut(i) {
                *m = true;
            }
        }
        mask
    }

    /// Whether entry `e`'s keyword gate lets a segment with `present` keywords through.
    pub fn passes(&self, e: usize, present: &[bool]) -> bool {
        match &self.gates[e] {
            None => true,
            Some(gate) => gate.iter().any(|&k| present[k]),
        }
    }

    /// Whether the human's fallback approval covers rule `rule` (`approval_covers`).
    pub fn covered(&self, rule: usize) -> bool {
        let id = &self.pack.rules[rule].id;
        self.covers.iter().any(|p| id.starts_with(p.as_str()))
    }
}
