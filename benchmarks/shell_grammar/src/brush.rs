//! brush-parser (the parser of the brush shell): a program's AST, then every word
//! parsed into pieces for quote removal and for the commands of its substitutions.
//!
//! brush's AST keeps a word as its raw text; `brush_parser::word::parse` splits it into
//! pieces (literal text, quotes, expansions, substitutions whose text is parsed again as
//! a program). The AST is walked through its serde form: the simple commands are the
//! `Simple` variants, the words the `{value, loc}` objects.

use std::io::Cursor;

use brush_parser::word::{self, WordPiece, WordPieceWithSource};
use brush_parser::{Parser, ParserOptions};
use serde_json::Value;

use crate::compare::{Argv, Outcome};

/// Nesting of substitutions followed; deeper ones are left out (ours stops at 100).
const MAX_DEPTH: usize = 100;

fn options() -> ParserOptions {
    ParserOptions::default()
}

fn program(text: &str) -> Result<brush_parser::ast::Program, String> {
    Parser::new(Cursor::new(text.as_bytes()), &options())
        .parse_program()
        .map_err(|e| format!("{e:?}"))
}

/// The grammar alone: the AST, words not split into pieces.
pub fn parse_only(text: &str) -> usize {
    program(text).map_or(0, |p| p.complete_commands.len())
}

pub fn commands(text: &str) -> Outcome {
    let mut out = Vec::new();
    match script(text, 0, &mut out) {
        Ok(()) => Outcome::ok(out),
        Err(e) => Outcome {
            commands: out,
            error: Some(e),
        },
    }
}

fn script(text: &str, depth: usize, out: &mut Vec<Argv>) -> Result<(), String> {
    let prog = program(text)?;
    let tree = serde_json::to_value(&prog).map_err(|e| e.to_string())?;
    walk(&tree, depth, out);
    Ok(())
}

fn is_word(m: &serde_json::Map<String, Value>) -> bool {
    m.get("value").is_some_and(Value::is_string) && m.keys().all(|k| k == "value" || k == "loc")
}

fn walk(v: &Value, depth: usize, out: &mut Vec<Argv>) {
    match v {
        Value::Array(items) => items.iter().for_each(|x| walk(x, depth, out)),
        Value::Object(m) => {
            if let Some(Value::Object(simple)) = m.get("Simple").filter(|_| m.len() == 1) {
                simple_command(simple, depth, out);
            } else if is_word(m) {
                word_value(m["value"].as_str().unwrap_or(""), depth, out);
            } else if let Some(Value::Array(pair)) =
                m.get("AssignmentWord").filter(|_| m.len() == 1)
            {
                // (the assignment, the same text as a word): one of them only
                if let Some(a) = pair.first() {
                    walk(a, depth, out);
                }
            } else if m.contains_key("doc") && m.contains_key("here_end") {
                // a heredoc: its body is data, except the substitutions of an unquoted one
                // (serde leaves `requires_expansion` out when false)
                if m.get("requires_expansion") == Some(&Value::Bool(true)) {
                    if let Some(body) = m["doc"]["value"].as_str() {
                        if let Ok(pieces) = word::parse_heredoc(body, &options()) {
                            pieces_value(&pieces, body, depth, out);
                        }
                    }
                }
            } else {
                m.values().for_each(|x| walk(x, depth, out));
            }
        }
        _ => {}
    }
}

fn simple_command(m: &serde_json::Map<String, Value>, depth: usize, out: &mut Vec<Argv>) {
    let mut argv = Vec::new();
    if let Some(prefix) = m.get("prefix") {
        walk(prefix, depth, out); // assignments and redirects: only their substitutions
    }
    if let Some(w) = m.get("word_or_name").and_then(|w| w["value"].as_str()) {
        argv.push(word_value(w, depth, out));
    }
    if let Some(Value::Array(items)) = m.get("suffix") {
        for item in items {
            match item {
                Value::Object(i) if i.contains_key("Word") => {
                    argv.push(word_value(
                        i["Word"]["value"].as_str().unwrap_or(""),
                        depth,
                        out,
                    ));
                }
                // `export X=1`: an argument too
                Value::Object(i) if i.contains_key("AssignmentWord") => {
                    let w = i["AssignmentWord"][1]["value"].as_str().unwrap_or("");
                    argv.push(word_value(w, depth, out));
                }
                other => walk(other, depth, out),
            }
        }
    }
    if !argv.is_empty() {
        out.push(argv);
    }
}

/// A word's value after quote removal (None: not a literal); the commands of its
/// substitutions go to `out`.
fn word_value(w: &str, depth: usize, out: &mut Vec<Argv>) -> Option<String> {
    match word::parse(w, &options()) {
        Ok(pieces) => pieces_value(&pieces, w, depth, out),
        Err(_) => None,
    }
}

fn pieces_value(
    pieces: &[WordPieceWithSource],
    src: &str,
    depth: usize,
    out: &mut Vec<Argv>,
) -> Option<String> {
    let mut value = Some(String::new());
    let mut add = |v: Option<&str>| match (&mut value, v) {
        (Some(acc), Some(s)) => acc.push_str(s),
        _ => value = None,
    };
    for p in pieces {
        match &p.piece {
            WordPiece::Text(s) | WordPiece::SingleQuotedText(s) => add(Some(s)),
            WordPiece::EscapeSequence(s) => {
                let c = s.strip_prefix('\\').unwrap_or(s);
                add(Some(if c == "\n" { "" } else { c }));
            }
            WordPiece::DoubleQuotedSequence(inner)
            | WordPiece::GettextDoubleQuotedSequence(inner) => {
                let v = pieces_value(inner, src, depth, out);
                add(v.as_deref());
            }
            // as written (`~/x`): the guard does not expand it either
            WordPiece::TildeExpansion(_) => add(src.get(p.start_index..p.end_index)),
            WordPiece::CommandSubstitution(s) => {
                nested(s, depth, out);
                add(None);
            }
            WordPiece::BackquotedCommandSubstitution(s) => {
                let unescaped = s
                    .replace("\\\\", "\u{0}")
                    .replace("\\`", "`")
                    .replace("\\$", "$")
                    .replace('\u{0}', "\\");
                nested(&unescaped, depth, out);
                add(None);
            }
            // `$'..'` is kept raw by the parser (brush decodes it when expanding)
            WordPiece::AnsiCQuotedText(_)
            | WordPiece::ParameterExpansion(_)
            | WordPiece::ArithmeticExpression(_) => add(None),
        }
    }
    value
}

fn nested(text: &str, depth: usize, out: &mut Vec<Argv>) {
    if depth < MAX_DEPTH {
        let _ = script(text, depth + 1, out); // a failed substitution gives no commands
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::argv;

    #[test]
    fn words_after_quote_removal_and_substitutions() {
        let out = commands(r#"X=$(date) ls 'a b' "c\"d" e\ f $HOME"#);
        assert!(out.error.is_none());
        let mut got = out.commands;
        got.sort();
        assert_eq!(
            got,
            vec![
                argv(&[Some("date")]),
                argv(&[Some("ls"), Some("a b"), Some("c\"d"), Some("e f"), None]),
            ]
        );
    }

    #[test]
    fn quoted_heredoc_is_data_unquoted_is_not() {
        let quoted = commands("cat <<'EOF'\n$(gcloud x)\nEOF\n");
        assert_eq!(quoted.commands, vec![argv(&[Some("cat")])]);
        let open = commands("cat <<EOF\n$(gcloud x)\nEOF\n");
        assert_eq!(open.commands.len(), 2);
    }

    #[test]
    fn ansi_c_is_not_decoded_and_errors_lose_the_input() {
        assert_eq!(
            commands(r"$'\x67cloud' run").commands,
            vec![argv(&[None, Some("run")])]
        );
        let bad = commands("sim-use ui --device <UDID>\nb");
        assert!(bad.error.is_some() && bad.commands.is_empty());
    }
}
