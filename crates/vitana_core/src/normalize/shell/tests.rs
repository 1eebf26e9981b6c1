//! The parser's behaviour, case by case. (The Python suite, tests/test_shell.py,
//! and the differential test against the Python parser cover it more widely.)

use super::*;

type Rows = Vec<Vec<Option<String>>>;

fn values(text: &str) -> Rows {
    let cmds = parse(text);
    for c in &cmds {
        for w in &c.argv {
            assert_eq!(&text[w.start..w.end], w.raw, "offsets index the text");
            assert!(c.start <= w.start && w.end <= c.end);
        }
    }
    cmds.into_iter()
        .map(|c| c.argv.into_iter().map(|w| w.value).collect())
        .collect()
}

/// Rows of known values; `?` stands for an unknown one.
fn rows(rows: &[&[&str]]) -> Rows {
    rows.iter()
        .map(|r| {
            r.iter()
                .map(|w| (*w != "?").then(|| w.to_string()))
                .collect()
        })
        .collect()
}

fn spans(text: &str) -> Vec<Vec<String>> {
    parse(text)
        .into_iter()
        .map(|c| {
            c.argv
                .into_iter()
                .map(|w| text[w.start..w.end].to_string())
                .collect()
        })
        .collect()
}

#[test]
fn splits_lists_pipelines_and_lines() {
    assert_eq!(
        values("a || b; c | d |& e & f\ng \\\n h # c\n"),
        rows(&[&["a"], &["b"], &["c"], &["d"], &["e"], &["f"], &["g", "h"]])
    );
    assert!(values("# gcloud run deploy").is_empty());
}

#[test]
fn quotes_escapes_and_ansi_strings_are_removed() {
    assert_eq!(
        values(r#"echo 'a b' "c \"d\"" e\ f $'\x41\t' 'it'\''s'"#),
        rows(&[&["echo", "a b", "c \"d\"", "e f", "A\t", "it's"]])
    );
    // bash runs each of these as gcloud
    for text in [
        r#"g"c"loud run deploy"#,
        "gc''loud run deploy",
        r"g\cloud run deploy",
        r"$'\x67cloud' run deploy",
    ] {
        assert_eq!(
            values(text),
            rows(&[&["gcloud", "run", "deploy"]]),
            "{text}"
        );
    }
}

#[test]
fn expansions_are_unknown_but_plain_defaults_are_judged() {
    assert_eq!(
        values("echo $HOME \"$X\" ${Y}"),
        rows(&[&["echo", "?", "?", "?"]])
    );
    assert_eq!(
        values("${GCLOUD:-gcloud} run deploy"),
        rows(&[&["gcloud", "run", "deploy"]])
    );
}

#[test]
fn substitutions_are_parsed_in_place() {
    assert_eq!(
        values("x=$(gcloud run deploy a) && echo \"$(date)\" `id`"),
        rows(&[
            &["gcloud", "run", "deploy", "a"],
            &["echo", "?", "?"],
            &["date"],
            &["id"]
        ])
    );
    assert_eq!(
        spans("echo `a \\`b\\``"),
        [vec!["echo", "`a \\`b\\``"], vec!["a", "\\`b\\`"], vec!["b"]]
    );
}

#[test]
fn control_syntax_is_not_a_command() {
    assert_eq!(
        values(
            "if a; then b; fi; for x in $(ls); do c; done; case $v in p|q) d;; esac; f() { e; }"
        ),
        rows(&[&["a"], &["b"], &["ls"], &["c"], &["d"], &["e"]])
    );
    assert_eq!(values("'if' x"), rows(&[&["if", "x"]]));
}

#[test]
fn redirections_are_dropped_and_heredoc_bodies_are_data() {
    assert_eq!(values("cmd >out 2>&1 arg < in"), rows(&[&["cmd", "arg"]]));
    assert_eq!(
        values("cat <<EOF\ngcloud run deploy $(date)\nEOF\nls"),
        rows(&[&["cat"], &["date"], &["ls"]])
    );
    assert_eq!(
        values("bash <<'EOF'\ngcloud run deploy x\nEOF"),
        rows(&[&["bash"], &["gcloud", "run", "deploy", "x"]])
    );
}

#[test]
fn wrappers_are_stripped_and_nested_shells_unwrapped() {
    assert_eq!(
        values("sudo -u x env A=1 timeout 30 nohup gcloud run deploy"),
        rows(&[&["gcloud", "run", "deploy"]])
    );
    assert_eq!(
        values("command -v gcloud"),
        rows(&[&["command", "-v", "gcloud"]])
    );
    assert_eq!(
        values("env -S 'gcloud run' deploy"),
        rows(&[&["gcloud", "run", "deploy"]])
    );
    assert_eq!(
        spans("timeout 60 sh -c 'sh -c \"gcloud run deploy\"'"),
        [vec!["gcloud", "run", "deploy"]]
    );
    assert_eq!(
        values("eval \"a && b\"; ssh h 'c'; find . -exec rm {} \\;"),
        rows(&[
            &["a"],
            &["b"],
            &["ssh", "h", "c"],
            &["c"],
            &["find", ".", "-exec", "rm", "{}", ";"],
            &["rm", "{}"]
        ])
    );
}

#[test]
fn nested_offsets_point_into_the_original() {
    let text = "bash -c \"cd /app && echo \\\"hi there\\\"\"";
    assert_eq!(
        spans(text),
        [vec!["cd", "/app"], vec!["echo", "\\\"hi there\\\""]]
    );
    let text = "sh -c 'gcloud run deploy gateway'";
    let cmd = &parse(text)[0];
    assert_eq!((cmd.argv[0].start, cmd.argv[0].end), (7, 13));
}

#[test]
fn non_ascii_offsets_are_bytes() {
    let text = "echo é && gcloud";
    let cmds = parse(text);
    assert_eq!(cmds[1].argv[0].start, text.find("gcloud").unwrap());
    assert_eq!(values("echo $'\\u00e9'"), rows(&[&["echo", "é"]]));
}

#[test]
fn malformed_input_never_fails() {
    assert_eq!(
        values("echo 'unterminated gcloud"),
        rows(&[&["echo", "unterminated gcloud"]])
    );
    assert_eq!(
        values("echo $(gcloud run"),
        rows(&[&["echo", "?"], &["gcloud", "run"]])
    );
    for text in [
        "\\",
        "$'\\",
        "cat <<",
        "a ))) b",
        "case x in a) b",
        "${",
        "`",
        "$((",
        "<(",
        "a=(",
    ] {
        values(text);
    }
}

#[test]
fn deep_nesting_completes() {
    for text in [
        "$(".repeat(10_000),
        "eval ".repeat(10_000) + "x",
        "bash -c 'eval \"".repeat(3_000),
        "`".repeat(10_001),
        "((".repeat(10_000),
    ] {
        let cmds = parse_bytes(text.as_bytes(), Options { legacy: true });
        assert!(cmds.len() <= MAX_DEPTH + 2);
    }
}

#[test]
fn statements_join_lines_only_where_a_statement_goes_on() {
    let text = "echo a\ncat <<EOF\nx\nEOF\necho 'q\nr'\ngcloud run \\\n  deploy\necho end";
    let starts = ["echo a", "cat <<", "echo 'q", "gcloud", "echo end"];
    let mut bounds: Vec<usize> = starts.iter().map(|s| text.find(s).unwrap()).collect();
    bounds.push(text.len());
    let expected: Vec<(usize, usize)> = bounds.windows(2).map(|w| (w[0], w[1])).collect();
    assert_eq!(statements(text.as_bytes()), Some(expected.clone()));
    assert_eq!(
        statements_at(text.as_bytes(), &[text.find("deploy").unwrap()]),
        Some(vec![expected[3]])
    );
    assert_eq!(statements(b"echo `date`\n"), None);
    assert_eq!(statements(b"echo 'open\n"), None);
}

#[test]
fn statements_parse_like_the_whole_script() {
    let text = "if true; then\n  ./deploy.sh\nfi\ncase $x in\n  a) gh pr merge 1 ;;\nesac\nx=$(\n gcloud run deploy y\n)\n";
    let spans = statements(text.as_bytes()).unwrap();
    assert_eq!(parse_statements(text, &spans), parse(text));
}

#[test]
fn plain_lines_only_for_plain_commands() {
    assert_eq!(
        plain_lines(b"a | b\n# c sudo\nd && e"),
        Some(vec![(0, 6), (6, 15), (15, 21)])
    );
    assert_eq!(plain_lines(b"a\nsudo b\n"), None);
    assert_eq!(plain_lines(b"a\necho 'b'\n"), None);
    assert_eq!(line_starts(b"a\nbc\n"), [0, 2, 5]);
}

// -- the deliberate fixes (issue 13's evasions); bash agrees with each (see
// tests/test_shell.py, which runs them in bash with fake programs on PATH)

fn legacy_values(text: &str) -> Rows {
    parse_bytes(text.as_bytes(), Options { legacy: true })
        .into_iter()
        .map(|c| {
            c.argv
                .iter()
                .map(|w| {
                    w.value(text.as_bytes())
                        .map(|v| String::from_utf8(v.to_vec()).unwrap())
                })
                .collect()
        })
        .collect()
}

#[test]
fn names_bound_earlier_are_expanded() {
    let deploy = rows(&[&["gcloud", "run", "deploy", "x"]]);
    for text in [
        "G=gcloud; $G run deploy x",
        "G=gcloud; \"${G}\" run deploy x",
        "CMD=\"gcloud run deploy\"; $CMD x",
        "a=(gcloud run deploy x); \"${a[@]}\"",
        "G=gcloud; ${G:-echo} run deploy x",
        "$(command -v gcloud) run deploy x",
    ] {
        assert!(values(text).contains(&deploy[0]), "{text}");
    }
    assert_eq!(
        values("export B=main; git push origin $B").last(),
        rows(&[&["git", "push", "origin", "main"]]).last()
    );
    // the Python parser's reading, kept for the differential test
    assert_eq!(
        legacy_values("G=gcloud; $G run deploy x"),
        rows(&[&["?", "run", "deploy", "x"]])
    );
}

#[test]
fn names_bash_does_not_see_stay_unknown() {
    assert_eq!(values("G=gcloud ${G} x"), rows(&[&["?", "x"]]));
    assert_eq!(
        values("G=gcloud; unset G; $G x").last(),
        rows(&[&["?", "x"]]).last()
    );
    assert_eq!(values("CMD='a b'; \"$CMD\" x"), rows(&[&["a b", "x"]]));
}

#[test]
fn text_fed_to_a_shell_is_its_script() {
    let deploy = rows(&[&["gcloud", "run", "deploy", "x"]]);
    for text in [
        "sh <<< 'gcloud run deploy x'",
        "echo 'gcloud run deploy x' | sh",
        "printf 'gcloud run deploy x\\n' | bash",
        "cat <<EOF | bash\ngcloud run deploy x\nEOF",
    ] {
        assert!(values(text).contains(&deploy[0]), "{text}");
        assert!(!legacy_values(text).contains(&deploy[0]));
    }
    // not fed: a pipe into something else, or a list
    assert_eq!(values("echo 'gcloud x' | grep g; sh").len(), 3);
}

#[test]
fn nesting_past_the_limit_leaves_a_marker() {
    let text = "eval ".repeat(MAX_DEPTH + 1) + "gcloud run deploy x";
    let marked = |rows: Rows| {
        rows.iter()
            .filter(|c| c[0].as_deref() == Some(DEPTH_MARK))
            .count()
    };
    assert_eq!(marked(values(&text)), 1);
    assert_eq!(marked(legacy_values(&text)), 0);
}

#[test]
fn expansions_stay_within_the_work_budget() {
    let doubling = "X=ab; ".to_string() + &"X=$X$X; ".repeat(60) + "echo $X";
    let cmds = parse(&doubling);
    assert!(cmds.iter().all(|c| c
        .argv
        .iter()
        .all(|w| w.value.as_ref().map_or(0, String::len) < 1 << 20)));
    let wide = format!("C=\"{}\"; echo {}", "a ".repeat(5_000), "$C ".repeat(2_000));
    let words: usize = parse(&wide).iter().map(|c| c.argv.len()).sum();
    assert!(words < 100_000, "{words}");
}

#[test]
fn code_commands_reads_the_literals_a_program_runs() {
    let code =
        "import subprocess, os\nos.system('gcloud run deploy web')\nprint('gcloud run deploy')\n";
    let found = super::code_commands("python", code).unwrap();
    assert_eq!(found.len(), 1);
    let (script, span) = &found[0];
    assert_eq!(script, "gcloud run deploy web");
    let (s, e) = span.unwrap();
    assert_eq!(&code[s..e], "gcloud run deploy web");
    let argv =
        super::code_commands("node", "cp.spawn('gcloud', ['run', 'deploy', 'web'])").unwrap();
    assert_eq!(argv.len(), 1);
    assert!(argv[0].0.contains("gcloud") && argv[0].0.contains("deploy"));
    assert!(super::code_commands("go", "exec.Command(\"gcloud\")").is_none());
}

/// Whether some command of `text` runs `gcloud run deploy`.
fn runs_deploy(text: &str) -> bool {
    values(text).iter().any(|r| {
        r.len() >= 3
            && r[0].as_deref() == Some("gcloud")
            && r[1].as_deref() == Some("run")
            && r[2].as_deref() == Some("deploy")
    })
}

#[test]
fn substitutions_in_array_assignments_are_parsed() {
    // each checked under bash: the substitution runs
    for text in [
        "a=(x $(gcloud run deploy svc)) true",
        "a=(1 2 $(gcloud run deploy svc))",
        "a+=(x `gcloud run deploy svc`) true",
        "declare -a a=(x $(gcloud run deploy svc))",
        "f() { local a=(x $(gcloud run deploy svc)); }; f",
        "export a=(x $(gcloud run deploy svc))",
        "a=(x \"$(gcloud run deploy svc)\")",
        "a=(x <(gcloud run deploy svc))",
        "declare -A m=([k]=$(gcloud run deploy svc))",
        "a=( # a comment )\n $(gcloud run deploy svc) )",
    ] {
        assert!(runs_deploy(text), "{text:?}");
    }
    // single quotes keep it a word; the command after the array still runs
    assert_eq!(
        values("a=('$(gcloud run deploy svc)' x) echo y"),
        rows(&[&["echo", "y"]])
    );
    // the elements of a literal array are still bound
    assert_eq!(
        values("a=(gcloud run deploy) ; \"${a[@]}\" x"),
        rows(&[&["gcloud", "run", "deploy", "x"]])
    );
    // `a=(b=(c=(...` nests without end: bounded, and the marker says so
    let deep = "a=(".repeat(MAX_DEPTH + 5);
    assert!(values(&deep)
        .iter()
        .any(|r| r[0].as_deref() == Some(DEPTH_MARK)));
    // the legacy mode keeps the Python parser's result
    assert_eq!(
        legacy_values("a=(x $(gcloud run deploy svc)) true"),
        rows(&[&["true"]])
    );
}

#[test]
fn substitutions_in_arithmetic_are_parsed() {
    // each checked under bash: the substitution runs
    for text in [
        "echo $(( 1 + $(gcloud run deploy svc; echo 1) ))",
        "echo $(( '$(gcloud run deploy svc)' ))",
        "(( x = $(gcloud run deploy svc; echo 1) ))",
        "for ((i=$(gcloud run deploy svc; echo 0); i<1; i++)); do :; done",
        "echo $(( `gcloud run deploy svc` ))",
        "echo $(( $(( $(gcloud run deploy svc) )) ))",
        "cat <<EOF\n$(( $(gcloud run deploy svc) ))\nEOF",
        // the other word contexts, which already were
        "[[ -n x && $(gcloud run deploy svc) ]]",
        "case x in $(gcloud run deploy svc)) ;; esac",
        "for x in $(gcloud run deploy svc); do :; done",
        "echo ${x:-$(gcloud run deploy svc)}",
        // an extglob pattern in `[[ ]]`
        "[[ x == @($(gcloud run deploy svc)) ]]",
        "[[ x == !(a|`gcloud run deploy svc`) ]]",
    ] {
        assert!(runs_deploy(text), "{text:?}");
    }
    // nested past the work budget: what is left unread is marked, not dropped
    let deep = "$(( $(".repeat(15_000) + "gcloud run deploy x" + &") ))".repeat(15_000);
    assert!(values(&deep)
        .iter()
        .any(|r| r[0].as_deref() == Some(DEPTH_MARK)));
    assert_eq!(values("(( x = 1 + 2 ))"), Rows::new());
    assert_eq!(values("echo $(( 1 + 2 ))"), rows(&[&["echo", "?"]]));
}

#[test]
fn env_split_chains_cost_linear_work() {
    // `env -S env -S ...`: each split spliced all the words after it (quadratic; 70 KB
    // took seconds). Now made in place, read through to the end.
    let chain = "env -S ".repeat(200_000 / 7) + "gcloud run deploy x";
    assert_eq!(values(&chain), rows(&[&["gcloud", "run", "deploy", "x"]]));
    // splits that add words splice; past `MAX_SPLITS` the rest is unread and marked
    let growing = "env -S 'A=1 B=2 C=3' ".repeat(200_000 / 21) + "gcloud run deploy x";
    let got = values(&growing);
    assert!(got.iter().any(|r| r[0].as_deref() == Some(DEPTH_MARK)));
    assert_eq!(values("env -S ''"), rows(&[&["env"]]));
    // checked under bash: each runs gcloud run deploy x
    for text in [
        "env -S 'A=1 gcloud' run deploy x",
        "env -S 'A=1 B=2 gcloud run' deploy x",
        "env -S 'A=1 B=2 C=3' env -S 'A=1 B=2 C=3' gcloud run deploy x",
    ] {
        assert_eq!(
            values(text),
            rows(&[&["gcloud", "run", "deploy", "x"]]),
            "{text}"
        );
    }
    // a short chain is still read through
    let short = "env -S ".repeat(5) + "gcloud run deploy x";
    assert!(runs_deploy(&short));
    assert!(!values(&short)
        .iter()
        .any(|r| r[0].as_deref() == Some(DEPTH_MARK)));
    // `eval` chains stay within the work budget, and are marked when it is spent
    let evals = "eval ".repeat(200_000 / 5) + "gcloud run deploy x";
    assert!(values(&evals)
        .iter()
        .any(|r| r[0].as_deref() == Some(DEPTH_MARK)));
}
