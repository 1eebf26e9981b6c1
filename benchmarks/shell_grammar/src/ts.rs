//! tree-sitter-bash: a concrete syntax tree (the grammar is C, generated, plus a
//! hand-written C scanner for heredocs and the like). It never fails: text it cannot
//! read becomes ERROR or MISSING nodes. It does no quote removal: the values here are
//! this benchmark's own, from the node kinds (`word`, `raw_string`, `string`, ...);
//! `$'..'` (`ansi_c_string`) is not decoded.

use std::cell::RefCell;

use tree_sitter::{Node, Parser, Tree};

use crate::compare::{Argv, Outcome};

thread_local! {
    static PARSER: RefCell<Parser> = RefCell::new({
        let mut p = Parser::new();
        p.set_language(&tree_sitter_bash::LANGUAGE.into())
            .expect("tree-sitter-bash matches the tree-sitter runtime");
        p
    });
}

fn tree(text: &str) -> Option<Tree> {
    PARSER.with(|p| p.borrow_mut().parse(text, None))
}

/// The grammar alone: the tree, not walked.
pub fn parse_only(text: &str) -> usize {
    tree(text).map_or(0, |t| t.root_node().child_count() as usize)
}

pub fn commands(text: &str) -> Outcome {
    let Some(tree) = tree(text) else {
        return Outcome {
            commands: Vec::new(),
            error: Some("no tree".into()),
        };
    };
    let src = text.as_bytes();
    let mut out = Vec::new();
    let mut first_error: Option<String> = None;
    // depth-first, in text order, without recursion
    let mut cursor = tree.walk();
    'walk: loop {
        let node = cursor.node();
        if first_error.is_none() && (node.is_error() || node.is_missing()) {
            first_error = Some(format!(
                "{} node at byte {}",
                if node.is_missing() {
                    "MISSING"
                } else {
                    "ERROR"
                },
                node.start_byte()
            ));
        }
        match node.kind() {
            "command" => out.push(command(node, src)),
            "declaration_command" | "unset_command" => out.push(declaration(node, src)),
            // `[ -f x ]` runs the program `[`; `[[ .. ]]` is syntax
            "test_command" if node_text(node, src).starts_with("[ ") => {
                let mut argv = Vec::new();
                flatten(node, src, &mut argv);
                out.push(argv);
            }
            _ => {}
        }
        if cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                break 'walk;
            }
        }
    }
    Outcome {
        commands: out,
        error: first_error,
    }
}

fn node_text<'a>(node: Node, src: &'a [u8]) -> &'a str {
    std::str::from_utf8(&src[node.start_byte()..node.end_byte()]).unwrap_or("")
}

fn command(node: Node, src: &[u8]) -> Argv {
    let mut argv = Vec::new();
    if let Some(name) = node.child_by_field_name("name") {
        argv.push(name.named_child(0).and_then(|w| value(w, src)));
    }
    let mut cursor = node.walk();
    for arg in node.children_by_field_name("argument", &mut cursor) {
        argv.push(value(arg, src));
    }
    argv
}

/// `export X=1`, `local a`, `unset X`: the keyword, then its operands.
fn declaration(node: Node, src: &[u8]) -> Argv {
    let mut argv = Vec::new();
    let mut cursor = node.walk();
    for (k, child) in node.children(&mut cursor).enumerate() {
        if k == 0 {
            argv.push(Some(node_text(child, src).to_string()));
        } else if child.is_named() && !child.is_extra() {
            argv.push(value(child, src));
        }
    }
    argv
}

/// The words of a test expression, in order.
fn flatten(node: Node, src: &[u8], argv: &mut Argv) {
    const WORDS: &[&str] = &[
        "word",
        "number",
        "raw_string",
        "string",
        "concatenation",
        "ansi_c_string",
        "simple_expansion",
        "expansion",
        "command_substitution",
        "test_operator",
    ];
    if WORDS.contains(&node.kind()) || node.child_count() == 0 {
        argv.push(value(node, src));
        return;
    }
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        flatten(child, src, argv);
    }
}

/// A word's value after quote removal; None when it is not a literal.
fn value(node: Node, src: &[u8]) -> Option<String> {
    let raw = node_text(node, src);
    match node.kind() {
        "word" | "number" => Some(unescape(raw, |_| true)),
        "raw_string" => Some(raw.get(1..raw.len().saturating_sub(1))?.to_string()),
        "string" => {
            let mut cursor = node.walk();
            let literal = node
                .named_children(&mut cursor)
                .all(|c| c.kind() == "string_content");
            let inner = raw.get(1..raw.len().saturating_sub(1))?;
            literal.then(|| unescape(inner, |c| matches!(c, '$' | '`' | '"' | '\\' | '\n')))
        }
        "concatenation" => {
            let mut acc = String::new();
            let mut cursor = node.walk();
            for child in node.children(&mut cursor) {
                if child.is_named() {
                    acc.push_str(&value(child, src)?);
                } else {
                    acc.push_str(node_text(child, src));
                }
            }
            Some(acc)
        }
        "variable_assignment" => {
            let name = node
                .child_by_field_name("name")
                .map(|n| node_text(n, src))?;
            let v = match node.child_by_field_name("value") {
                Some(v) => value(v, src)?,
                None => String::new(),
            };
            Some(format!("{name}={v}"))
        }
        "ansi_c_string"
        | "translated_string"
        | "simple_expansion"
        | "expansion"
        | "command_substitution"
        | "process_substitution"
        | "arithmetic_expansion"
        | "array" => None,
        _ => Some(raw.to_string()),
    }
}

/// Backslash removal: `\c` gives `c` where `special(c)`, `\` + newline nothing.
fn unescape(s: &str, special: impl Fn(char) -> bool) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\n') => {}
            Some(n) if special(n) => out.push(n),
            Some(n) => {
                out.push('\\');
                out.push(n);
            }
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::argv;

    #[test]
    fn words_after_quote_removal_and_substitutions() {
        let out = commands(r#"X=$(date) ls 'a b' "c\"d" e\ f $HOME; [ -f x ]"#);
        assert!(out.error.is_none());
        let mut got = out.commands;
        got.sort();
        assert_eq!(
            got,
            vec![
                argv(&[Some("["), Some("-f"), Some("x"), Some("]")]),
                argv(&[Some("date")]),
                argv(&[Some("ls"), Some("a b"), Some("c\"d"), Some("e f"), None]),
            ]
        );
    }

    #[test]
    fn ansi_c_is_not_decoded_and_errors_are_reported() {
        assert_eq!(
            commands(r"$'\x67cloud' run").commands,
            vec![argv(&[None, Some("run")])]
        );
        assert!(commands("sim-use ui --device <UDID>").error.is_some());
    }
}
