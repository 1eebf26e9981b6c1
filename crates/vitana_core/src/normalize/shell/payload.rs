//! Literal command strings inside interpreter payloads: `python -c`, `node -e`,
//! `perl -e`, `ruby -e`. The code is not run or parsed as its language; the
//! string literals passed to the calls that run a command (`os.system`,
//! `subprocess.run([...])`, `child_process.execSync`, `spawn`, `system`, `exec`,
//! backticks) are found by a small scanner and judged as shell commands. A call
//! whose argument is not a literal stays unknown, as a `$VAR` does.

/// The interpreters whose payload option is read, and how: the options that take
/// the code.
pub(crate) fn code_options(program: &[u8]) -> Option<Lang> {
    let name = program
        .iter()
        .rposition(|&b| !(b.is_ascii_digit() || b == b'.'))
        .map_or(program, |k| &program[..=k]);
    match name {
        b"python" | b"pypy" => Some(Lang::Python),
        b"node" | b"nodejs" | b"bun" => Some(Lang::Node),
        b"perl" => Some(Lang::Perl),
        b"ruby" => Some(Lang::Ruby),
        _ => None,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    Python,
    Node,
    Perl,
    Ruby,
}

/// Which arguments hold code: indices into `values` (the argv's values after the
/// program), for `-c CODE`/`-cCODE` (Python), `-e`/`--eval`/`-p`/`--print`
/// (Node), `-e`/`-E` (Perl, Ruby; several allowed, flags bundled as in `-lne`).
/// A pair: (index of the word, bytes of it to skip).
pub(crate) fn code_words(lang: Lang, values: &[Option<&[u8]>]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut k = 0;
    while k < values.len() {
        let Some(v) = values[k] else {
            k += 1;
            continue;
        };
        if v == b"--" || !v.starts_with(b"-") {
            if lang == Lang::Python || lang == Lang::Node {
                break; // a script file: the rest are its arguments
            }
            k += 1;
            continue;
        }
        match lang {
            Lang::Python if matches!(v, b"-W" | b"-X") => k += 1, // options with an argument
            Lang::Python if v == b"-m" => break,                  // a module runs
            Lang::Python => {
                if let Some(p) = v
                    .iter()
                    .position(|&b| b == b'c')
                    .filter(|_| !v.starts_with(b"--"))
                {
                    if p + 1 < v.len() {
                        out.push((k, p + 1));
                    } else if k + 1 < values.len() {
                        out.push((k + 1, 0));
                    }
                    break; // `-c` ends the options
                }
            }
            Lang::Node => {
                if matches!(v, b"-e" | b"--eval" | b"-p" | b"--print" | b"-pe") {
                    if k + 1 < values.len() {
                        out.push((k + 1, 0));
                    }
                    break;
                }
                if let Some(rest) = v.strip_prefix(b"--eval=") {
                    out.push((k, v.len() - rest.len()));
                    break;
                }
            }
            Lang::Perl | Lang::Ruby => {
                let flags = &v[1..];
                if let Some(p) = flags.iter().position(|&b| b == b'e' || b == b'E') {
                    if !v.starts_with(b"--") {
                        if p + 2 < v.len() {
                            out.push((k, p + 2));
                        } else if k + 1 < values.len() {
                            out.push((k + 1, 0));
                            k += 1;
                        }
                    }
                }
            }
        }
        k += 1;
    }
    out
}

/// A command found in code: its text and, when it is written in the code as is
/// (no escape decoded, one literal), its span there.
pub(crate) struct Found {
    pub script: Vec<u8>,
    pub span: Option<(usize, usize)>,
}

/// The calls that run a command, by the last part of their name.
fn runs_a_command(lang: Lang, name: &[u8]) -> bool {
    let last = name.rsplit(|&b| b == b'.').next().unwrap_or(name);
    match last {
        b"system" | b"popen" | b"Popen" | b"check_call" | b"check_output" | b"getoutput"
        | b"getstatusoutput" | b"execSync" | b"execFileSync" | b"execFile" | b"spawn"
        | b"spawnSync" | b"capture2" | b"capture3" | b"capture2e" | b"popen3" | b"qx" => true,
        // too common a name alone: only on a module that runs commands
        b"run" | b"call" => name.starts_with(b"subprocess.") || name.starts_with(b"sp."),
        b"exec" => lang != Lang::Python, // Python's exec runs Python
        _ => false,
    }
}

/// A string literal at `i` (`'...'`, `"..."`, a JS template without `${`, or
/// Perl/Ruby backticks): (end, decoded text, whether it is the source as is).
fn literal(code: &[u8], i: usize) -> Option<(usize, Vec<u8>, bool)> {
    let quote = *code.get(i)?;
    if !matches!(quote, b'\'' | b'"' | b'`') {
        return None;
    }
    let mut out = Vec::new();
    let mut exact = true;
    let mut j = i + 1;
    while j < code.len() {
        let b = code[j];
        if b == quote {
            return Some((j + 1, out, exact));
        }
        if b == b'\\' && j + 1 < code.len() {
            exact = false;
            let d = code[j + 1];
            out.push(match d {
                b'n' => b'\n',
                b't' => b'\t',
                _ => d,
            });
            j += 2;
            continue;
        }
        if quote == b'`' && b == b'$' && code.get(j + 1) == Some(&b'{') {
            return None; // an interpolated template: not a literal
        }
        out.push(b);
        j += 1;
    }
    None
}

fn skip_blanks(code: &[u8], mut i: usize) -> usize {
    while i < code.len() && matches!(code[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

/// An argv (a list of literals) as a shell command line.
fn join_argv(items: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for (k, item) in items.iter().enumerate() {
        if k > 0 {
            out.push(b' ');
        }
        let plain = !item.is_empty()
            && item
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || b"-_./=:@%+,".contains(&b));
        if plain {
            out.extend_from_slice(item);
        } else {
            out.push(b'\'');
            for &b in item {
                if b == b'\'' {
                    out.extend_from_slice(b"'\\''");
                } else {
                    out.push(b);
                }
            }
            out.push(b'\'');
        }
    }
    out
}

/// The arguments of a call at `i` (after its name): a command string, or an argv
/// as literals (`["gcloud", "run"]`, `("gcloud", ["run"])`, `"gcloud", "run"`).
fn call_argument(code: &[u8], i: usize) -> Option<Found> {
    let mut j = skip_blanks(code, i);
    let paren = code.get(j) == Some(&b'(');
    if paren {
        j = skip_blanks(code, j + 1);
    }
    let mut items: Vec<(Vec<u8>, bool, usize, usize)> = Vec::new();
    let mut listed = false;
    loop {
        j = skip_blanks(code, j);
        match code.get(j) {
            Some(b'[') if !listed => {
                listed = true;
                j += 1;
                continue;
            }
            Some(b']') if listed => {
                break;
            }
            Some(b',') if !items.is_empty() => {
                j += 1;
                continue;
            }
            _ => {}
        }
        match literal(code, j) {
            Some((end, text, exact)) => {
                items.push((text, exact, j + 1, end - 1));
                j = end;
            }
            None => break,
        }
        if !paren && !listed {
            break; // `system "cmd"` without parentheses: one string
        }
    }
    match items.as_slice() {
        [] => None,
        [(text, exact, s, e)] if !listed => Some(Found {
            script: text.clone(),
            span: exact.then_some((*s, *e)),
        }),
        _ => Some(Found {
            script: join_argv(&items.iter().map(|i| i.0.clone()).collect::<Vec<_>>()),
            span: None,
        }),
    }
}

/// The command strings the code passes to calls that run commands.
pub(crate) fn commands_in(lang: Lang, code: &[u8]) -> Vec<Found> {
    let mut out = Vec::new();
    let n = code.len();
    let mut i = 0;
    while i < n {
        let b = code[i];
        if b.is_ascii_alphabetic() || b == b'_' {
            let start = i;
            while i < n && (code[i].is_ascii_alphanumeric() || matches!(code[i], b'_' | b'.')) {
                i += 1;
            }
            let name = &code[start..i];
            if runs_a_command(lang, name) {
                if let Some(found) = call_argument(code, i) {
                    out.push(found);
                }
            }
            continue;
        }
        if b == b'`' && matches!(lang, Lang::Perl | Lang::Ruby) {
            if let Some((end, text, exact)) = literal(code, i) {
                out.push(Found {
                    script: text,
                    span: exact.then_some((i + 1, end - 1)),
                });
                i = end;
                continue;
            }
        }
        if b == b'\'' || b == b'"' {
            // skip a string that is not a command's
            i = literal(code, i).map_or(i + 1, |(end, _, _)| end);
            continue;
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scripts(lang: Lang, code: &str) -> Vec<String> {
        commands_in(lang, code.as_bytes())
            .into_iter()
            .map(|f| String::from_utf8(f.script).unwrap())
            .collect()
    }

    #[test]
    fn command_strings_in_calls_are_found() {
        assert_eq!(
            scripts(Lang::Python, "import os; os.system('gcloud run deploy x')"),
            ["gcloud run deploy x"]
        );
        assert_eq!(
            scripts(
                Lang::Python,
                r#"import subprocess; subprocess.run(["gcloud","run","deploy","x"], check=True)"#
            ),
            ["gcloud run deploy x"]
        );
        assert_eq!(
            scripts(
                Lang::Node,
                "require('child_process').execSync('gcloud run deploy x')"
            ),
            ["gcloud run deploy x"]
        );
        assert_eq!(
            scripts(Lang::Node, "cp.spawn('gcloud', ['run', 'deploy', 'x'])"),
            ["gcloud run deploy x"]
        );
        assert_eq!(
            scripts(Lang::Perl, r#"system("gcloud run deploy x")"#),
            ["gcloud run deploy x"]
        );
        assert_eq!(
            scripts(Lang::Ruby, "puts `gcloud run deploy x`"),
            ["gcloud run deploy x"]
        );
    }

    #[test]
    fn other_strings_and_unknown_arguments_are_not_commands() {
        assert!(scripts(Lang::Python, "print('gcloud run deploy x')").is_empty());
        assert!(scripts(Lang::Python, "os.system(cmd)").is_empty());
        assert!(scripts(Lang::Python, "exec('os.system')").is_empty());
        assert!(scripts(Lang::Node, "execSync(`gcloud ${x}`)").is_empty());
    }

    #[test]
    fn code_options_by_language() {
        fn vals<'a>(v: &[&'a str]) -> Vec<Option<&'a [u8]>> {
            v.iter().map(|s| Some(s.as_bytes())).collect()
        }
        assert_eq!(code_words(Lang::Python, &vals(&["-c", "x"])), [(1, 0)]);
        assert_eq!(code_words(Lang::Python, &vals(&["-Bc", "x"])), [(1, 0)]);
        assert_eq!(
            code_words(Lang::Python, &vals(&["script.py", "-c", "x"])),
            []
        );
        assert_eq!(
            code_words(Lang::Perl, &vals(&["-le", "a", "-e", "b"])),
            [(1, 0), (3, 0)]
        );
        assert_eq!(code_words(Lang::Node, &vals(&["--eval=x"])), [(0, 7)]);
        assert!(code_options(b"python3.11").is_some() && code_options(b"pythonista").is_none());
    }
}
