//! A JSON value as the readers need it: objects keep their keys in order (as Python's dicts
//! do: a repeated key keeps its first place and takes the last value) in a plain vector.
//!
//! Why not `serde_json::Value`: its order-keeping map hashes every key of every record; a
//! record's objects hold a handful of keys, looked up a few times each, so a linear search
//! is cheaper, and the parse of a keyword-dense log is most of its reading time.

use std::fmt;

use std::borrow::Cow;

use serde::de::{
    Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
pub use serde_json::Number;

#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Value>),
    Object(Map),
}

impl Value {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

static NULL: Value = Value::Null;

impl std::ops::Index<&str> for Value {
    type Output = Value;
    fn index(&self, key: &str) -> &Value {
        self.as_object().and_then(|o| o.get(key)).unwrap_or(&NULL)
    }
}

/// An object's members in order; a key appears once.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Map {
    members: Vec<(Key, Value)>,
}

/// An object key. The keys that records repeat (those the readers look up, and the few
/// others every record holds) are static text: a String per key per record was a tenth of
/// a keyword-dense session's allocations.
pub type Key = Cow<'static, str>;

/// Expands to `known_key`, which gives the static copy of each key listed.
macro_rules! known_keys {
    ($($k:literal),* $(,)?) => {
        fn known_key(k: &str) -> Option<&'static str> {
            match k {
                $($k => Some($k),)*
                _ => None,
            }
        }
    };
}

known_keys!(
    // Claude
    "type",
    "content",
    "isSidechain",
    "sessionId",
    "uuid",
    "message",
    "role",
    "id",
    "text",
    "name",
    "input",
    "command",
    "description",
    "tool_use_id",
    "is_error",
    "data",
    "summary",
    "leafUuid",
    "isMeta",
    "isCompactSummary",
    "isApiErrorMessage",
    "normalizedMessages",
    "thinking",
    "signature",
    "file_path",
    "pattern",
    "url",
    "prompt",
    "old_string",
    "new_string",
    "subtype",
    "level",
    "slug",
    "agentId",
    "toolUseID",
    "parentToolUseID",
    "session_id",
    // Codex, OpenAI, Gemini
    "payload",
    "call_id",
    "arguments",
    "output",
    "tool_calls",
    "tool_call_id",
    "function",
    "function_call",
    "status",
    "args",
    "cmd",
    "result",
    "exit_code",
    "metadata",
    "items",
    "messages",
    "timestamp",
    "toolCalls",
    "thoughts",
    "resultDisplay",
    "functionResponse",
    "response",
    "parts",
    "record_type",
    "turn_context",
    "model",
    "cwd",
);

/// A key as the map stores it: static when it is a known one, owned otherwise.
fn key_of(k: Cow<'_, str>) -> Key {
    match known_key(&k) {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(k.into_owned()),
    }
}

/// Above this many members, a repeated key is found with a hash set while parsing.
const LINEAR_LIMIT: usize = 16;

impl Map {
    pub fn new() -> Map {
        Map::default()
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.members.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Insert, or replace the value of a key already there (keeping its place).
    pub fn insert(&mut self, key: String, value: Value) {
        match self.members.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.members.push((key_of(Cow::Owned(key)), value)),
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let i = self.members.iter().position(|(k, _)| k == key)?;
        Some(self.members.remove(i).1)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.members.iter().map(|(k, v)| (&**k, v))
    }

    pub fn len(&self) -> usize {
        self.members.len()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }
}

impl IntoIterator for Map {
    type Item = (String, Value);
    type IntoIter =
        std::iter::Map<std::vec::IntoIter<(Key, Value)>, fn((Key, Value)) -> (String, Value)>;
    fn into_iter(self) -> Self::IntoIter {
        self.members.into_iter().map(|(k, v)| (k.into_owned(), v))
    }
}

impl std::ops::Index<&str> for Map {
    type Output = Value;
    fn index(&self, key: &str) -> &Value {
        self.get(key).unwrap_or(&NULL)
    }
}

/// The members of a record's objects that its reader never reads: parsed (so a malformed
/// record is still reported) but not built. A keyword-dense Claude session spends much
/// of its parse on `toolUseResult` (a second copy of the tool's output) and metadata.
#[derive(Debug)]
pub struct Skip {
    /// keys skipped in this object
    pub keys: &'static [&'static str],
    /// members that are objects with their own skips
    pub nested: &'static [(&'static str, &'static Skip)],
    /// how many members the object usually keeps: its vector's first size (a vector grown
    /// 4 -> 8 is one more allocation and copy per record)
    pub kept: usize,
}

/// A `Value` parsed with a `Skip` (None: every member built).
pub struct ValueSeed(pub Option<&'static Skip>);

impl<'de> DeserializeSeed<'de> for ValueSeed {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor(self.0))
    }
}

/// An object key, borrowed from the input when it holds no escape.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Cow<'de, str>, D::Error> {
        d.deserialize_str(KeySeed)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(v))
    }
}

struct ValueVisitor(Option<&'static Skip>);

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element_seed(ValueSeed(None))? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut members: Vec<(Key, Value)> = Vec::with_capacity(self.0.map_or(0, |s| s.kept));
        let mut seen: Option<std::collections::HashMap<Key, usize>> = None;
        while let Some(key) = access.next_key_seed(KeySeed)? {
            let value = match self.0 {
                Some(skip) if skip.keys.contains(&&*key) => {
                    access.next_value::<IgnoredAny>()?;
                    continue;
                }
                Some(skip) => {
                    let nested = skip.nested.iter().find(|(k, _)| *k == key).map(|(_, s)| *s);
                    access.next_value_seed(ValueSeed(nested))?
                }
                None => access.next_value_seed(ValueSeed(None))?,
            };
            let key = key_of(key);
            if members.len() >= LINEAR_LIMIT && seen.is_none() {
                seen = Some(
                    members
                        .iter()
                        .enumerate()
                        .map(|(i, (k, _))| (k.clone(), i))
                        .collect(),
                );
            }
            let at = match &seen {
                Some(index) => index.get(&key).copied(),
                None => members.iter().position(|(k, _)| *k == key),
            };
            match at {
                Some(i) => members[i].1 = value,
                None => {
                    if let Some(index) = seen.as_mut() {
                        index.insert(key.clone(), members.len());
                    }
                    members.push((key, value));
                }
            }
        }
        Ok(Value::Object(Map { members }))
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor(None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_keys_keep_their_place_and_take_the_last_value() {
        let v: Value = serde_json::from_str(r#"{"a": 1, "b": 2, "a": 3}"#).unwrap();
        let o = v.as_object().unwrap();
        let keys: Vec<&str> = o.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["a", "b"]);
        assert_eq!(o["a"], Value::Number(3.into()));
    }

    #[test]
    fn skipped_members_are_checked_not_built() {
        static INNER: Skip = Skip {
            keys: &["usage"],
            nested: &[],
            kept: 0,
        };
        static SKIP: Skip = Skip {
            keys: &["big"],
            nested: &[("message", &INNER)],
            kept: 4,
        };
        let text = r#"{"big": {"a": [1, "x\u0041"]}, "k": {"big": 1}, "message": {"usage": 2, "role": "user"}}"#;
        let mut de = serde_json::Deserializer::from_str(text);
        let v = ValueSeed(Some(&SKIP)).deserialize(&mut de).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["k", "message"]);
        // only at the level named: a nested object keeps its members
        assert_eq!(v["k"]["big"], Value::Number(1.into()));
        assert_eq!(v["message"].as_object().unwrap().len(), 1);
        assert_eq!(v["message"]["role"], Value::String("user".into()));
        // a skipped member must still be well-formed
        let bad = r#"{"big": {"a": "\q"}, "k": 1}"#;
        let mut de = serde_json::Deserializer::from_str(bad);
        assert!(ValueSeed(Some(&SKIP)).deserialize(&mut de).is_err());
    }

    #[test]
    fn known_keys_are_static_and_others_owned() {
        let v: Value =
            serde_json::from_str(r#"{"type": 1, "custom\u0041": 2, "uuid": 3, "type": 4}"#)
                .unwrap();
        let o = v.as_object().unwrap();
        let kinds: Vec<(&str, bool)> = o
            .members
            .iter()
            .map(|(k, _)| (&**k, matches!(k, Cow::Borrowed(_))))
            .collect();
        assert_eq!(kinds, [("type", true), ("customA", false), ("uuid", true)]);
        // looked up and repeated the same way whichever way a key is held
        assert_eq!(o["type"], Value::Number(4.into()));
        assert_eq!(o["customA"], Value::Number(2.into()));
        let mut m = Map::new();
        m.insert("uuid".to_string(), Value::Null);
        m.insert("uuid".to_string(), Value::Bool(true));
        assert_eq!(m.len(), 1);
        assert_eq!(m["uuid"], Value::Bool(true));
    }

    #[test]
    fn many_keys_with_repeats() {
        let mut text = String::from("{");
        for i in 0..40 {
            text.push_str(&format!("\"k{}\": {i},", i % 30));
        }
        text.push_str("\"end\": 0}");
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v.as_object().unwrap().len(), 31);
        assert_eq!(v["k5"], Value::Number(35.into()));
    }
}
