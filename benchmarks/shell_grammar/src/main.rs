//! Two real shell grammars (brush-parser, tree-sitter-bash) against vitana_core's own
//! shell lexer, by measurement. A by-hand benchmark: see README.md.
//!
//!     shell_grammar segments TREE > tree.jsonl     # corpus (a): the tree's shell segments
//!     shell_grammar measure NAME=FILE.jsonl ... [--repeat 5] [--examples 3] [--dump DIR]
//!
//! A corpus is JSONL, one `{"id", "text"}` a line; every text is parsed on its own.
//! For each corpus and parser, in one run: the throughput (median of `--repeat` rounds,
//! the parsers interleaved in each round), the parse failures, and for how many inputs
//! the simple commands' argv (values after quote removal; `None` where a word is not a
//! literal) agree with ours, with the disagreements sorted into kinds.

#[cfg(feature = "brush")]
mod brush;
mod compare;
#[cfg(feature = "ts")]
mod ts;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

use compare::{Argv, Outcome};
use vitana_core::model::Channel;
use vitana_core::normalize::shell;

/// One input of a corpus.
struct Input {
    id: String,
    text: String,
}

fn main() {
    // a large stack: brush's parser recurses on nesting (see README.md, "depth")
    let worker = std::thread::Builder::new()
        .stack_size(1 << 30)
        .spawn(run)
        .expect("a thread");
    if worker.join().is_err() {
        std::process::exit(3);
    }
}

fn run() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("segments") if args.len() == 2 => segments(Path::new(&args[1])),
        Some("measure") => measure(&args[1..]),
        Some("slowest") if args.len() == 4 => slowest(&args[1], &args[2], &args[3]),
        Some("screen-child") if args.len() == 4 => screen_child(&args[1], &args[2], &args[3]),
        _ => Err("usage: shell_grammar segments TREE | measure NAME=FILE.jsonl ... [--repeat N] [--examples N] [--dump DIR]".into()),
    };
    if let Err(e) = result {
        eprintln!("shell_grammar: {e}");
        std::process::exit(2);
    }
}

/// Every COMMAND segment of every file under `tree` (node_modules and .git left out),
/// cut by vitana_core's own classifier, as JSONL on stdout.
fn segments(tree: &Path) -> Result<(), String> {
    let mut files = Vec::new();
    let mut stack = vec![tree.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if path.is_dir() {
                if name != "node_modules" && name != ".git" {
                    stack.push(path);
                }
            } else if path.is_file() {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut per_kind: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue; // binary or not UTF-8: no shell text
        };
        let rel = path
            .strip_prefix(tree)
            .unwrap_or(&path)
            .display()
            .to_string();
        for seg in shell_segments(&rel, &text) {
            let entry = per_kind.entry(seg.0.clone()).or_default();
            entry.0 += 1;
            entry.1 += seg.2.len();
            let line =
                serde_json::json!({"id": format!("{rel}:{}", seg.1), "kind": seg.0, "text": seg.2});
            writeln!(out, "{line}").map_err(|e| e.to_string())?;
        }
    }
    for (kind, (n, bytes)) in per_kind {
        eprintln!("{kind}: {n} segments, {bytes} bytes");
    }
    Ok(())
}

/// (kind, line, text) of a file's COMMAND segments.
fn shell_segments(path: &str, text: &str) -> Vec<(String, u64, String)> {
    vitana_core::segment::segments(path, text, None, None)
        .into_iter()
        .filter(|s| s.channel == Channel::Command)
        .map(|s| (s.origin.kind.clone(), s.line, s.text))
        .collect()
}

fn load(path: &str) -> Result<Vec<Input>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let v: serde_json::Value =
            serde_json::from_str(line).map_err(|e| format!("{path}:{}: {e}", n + 1))?;
        let (Some(id), Some(text)) = (v["id"].as_str(), v["text"].as_str()) else {
            return Err(format!("{path}:{}: no \"id\" and \"text\"", n + 1));
        };
        out.push(Input {
            id: id.to_string(),
            text: text.to_string(),
        });
    }
    Ok(out)
}

/// Ours: the simple commands as the guard gets them (wrappers stripped, nested
/// scripts unwrapped, names bound earlier resolved).
pub fn ours(text: &str) -> Vec<Argv> {
    shell::parse(text)
        .iter()
        .map(|c| c.argv.iter().map(|w| w.value.clone()).collect())
        .collect()
}

/// The parsers built in (each candidate is a feature, so that its build cost can be
/// measured alone).
const PARSERS: &[&str] = &[
    "ours",
    #[cfg(feature = "brush")]
    "brush",
    #[cfg(feature = "ts")]
    "tree-sitter",
];

/// Parse only (what a throughput figure of the grammar measures), then parse and
/// extract the argv (what the guard would need).
fn parse_only(parser: &str, text: &str) -> usize {
    match parser {
        #[cfg(feature = "brush")]
        "brush" => brush::parse_only(text),
        #[cfg(feature = "ts")]
        "tree-sitter" => ts::parse_only(text),
        _ => shell::parse_bytes(text.as_bytes(), shell::Options::default()).len(),
    }
}

fn extract(parser: &str, text: &str) -> Outcome {
    match parser {
        #[cfg(feature = "brush")]
        "brush" => brush::commands(text),
        #[cfg(feature = "ts")]
        "tree-sitter" => ts::commands(text),
        _ => Outcome::ok(ours(text)),
    }
}

/// The inputs one parser takes longest on, above `ms` milliseconds, as they come
/// (to find the inputs a parser is super-linear on).
fn slowest(parser: &str, file: &str, ms: &str) -> Result<(), String> {
    let limit: f64 = ms.parse().map_err(|_| "slowest PARSER FILE MS")?;
    for input in load(file)? {
        eprint!("{}\r", input.id);
        let t = Instant::now();
        let n = extract(parser, &input.text).commands.len();
        let took = t.elapsed().as_secs_f64() * 1e3;
        if took > limit {
            println!(
                "{took:.1} ms {} ({} bytes, {n} commands): {}",
                input.id,
                input.text.len(),
                one_line(&input.text, 100)
            );
        }
    }
    Ok(())
}

/// Seconds one input may take a parser before it counts as a hang.
const HANG_S: u64 = 2;

/// The inputs of `file` on which `parser` takes over [`HANG_S`]: a child process parses
/// them in order and says when each is done; on a hang it is killed, the input marked,
/// and a new child goes on after it. (A parse cannot be stopped inside a thread.)
fn screen(parser: &str, file: &str, count: usize) -> Result<Vec<usize>, String> {
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    use std::sync::mpsc;
    use std::time::Duration;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut hangs = Vec::new();
    let mut next = 0usize;
    while next < count {
        let mut child = Command::new(&exe)
            .args(["screen-child", parser, file, &next.to_string()])
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        loop {
            match rx.recv_timeout(Duration::from_secs(HANG_S)) {
                Ok(line) => next = line.trim().parse::<usize>().map_err(|e| e.to_string())? + 1,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    hangs.push(next);
                    next += 1;
                    break;
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let status = child.wait().map_err(|e| e.to_string())?;
                    if next < count {
                        // the child died on this input (a stack overflow): a failure too
                        eprintln!("{parser}: input {next} ends the process ({status})");
                        hangs.push(next);
                        next += 1;
                    }
                    break;
                }
            }
        }
    }
    Ok(hangs)
}

fn screen_child(parser: &str, file: &str, start: &str) -> Result<(), String> {
    let start: usize = start.parse().map_err(|_| "screen-child: START")?;
    let mut out = std::io::stdout().lock();
    for (n, input) in load(file)?.iter().enumerate().skip(start) {
        extract(parser, &input.text);
        writeln!(out, "{n}")
            .and_then(|_| out.flush())
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn measure(args: &[String]) -> Result<(), String> {
    let mut corpora = Vec::new();
    let mut repeat = 5usize;
    let mut examples = 3usize;
    let mut dump: Option<String> = None;
    let mut k = 0;
    while k < args.len() {
        let a = &args[k];
        let mut next = || {
            k += 1;
            args.get(k).cloned().ok_or(format!("{a} needs a value"))
        };
        match a.as_str() {
            "--repeat" => repeat = next()?.parse().map_err(|_| "--repeat: a number")?,
            "--examples" => examples = next()?.parse().map_err(|_| "--examples: a number")?,
            "--dump" => dump = Some(next()?),
            _ => {
                let (name, file) = a.split_once('=').ok_or(format!("{a}: not NAME=FILE"))?;
                corpora.push((name.to_string(), file.to_string(), load(file)?));
            }
        }
        k += 1;
    }
    for (name, file, inputs) in &corpora {
        let mut hangs = BTreeMap::new();
        for &p in PARSERS {
            hangs.insert(p, screen(p, file, inputs.len())?);
        }
        report(
            name,
            inputs,
            &hangs,
            repeat.max(1),
            examples,
            dump.as_deref(),
        )?;
    }
    Ok(())
}

fn report(
    name: &str,
    inputs: &[Input],
    hangs: &BTreeMap<&str, Vec<usize>>,
    repeat: usize,
    examples: usize,
    dump: Option<&str>,
) -> Result<(), String> {
    let hung: std::collections::BTreeSet<usize> = hangs.values().flatten().copied().collect();
    let timed: Vec<&Input> = (0..inputs.len())
        .filter(|n| !hung.contains(n))
        .map(|n| &inputs[n])
        .collect();
    let bytes: usize = timed.iter().map(|i| i.text.len()).sum();
    let all_bytes: usize = inputs.iter().map(|i| i.text.len()).sum();
    println!(
        "\n## corpus {name}: {} inputs, {:.2} MB",
        inputs.len(),
        all_bytes as f64 / 1e6
    );
    for (p, list) in hangs {
        for &n in list {
            println!(
                "- {p} hangs (over {HANG_S} s, or the process dies) on {}: {} bytes, {}",
                inputs[n].id,
                inputs[n].text.len(),
                one_line(&inputs[n].text, 60)
            );
        }
    }
    if !hung.is_empty() {
        println!(
            "\nthroughput below: the {} inputs no parser hangs on, {:.2} MB",
            timed.len(),
            bytes as f64 / 1e6
        );
    }
    // throughput: every round parses the corpus once with each parser, interleaved
    let mut parse_s: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    let mut full_s: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    let mut sink = 0usize;
    for _ in 0..repeat {
        for &p in PARSERS {
            let t = Instant::now();
            for i in &timed {
                sink = sink.wrapping_add(parse_only(p, &i.text));
            }
            parse_s
                .entry(p)
                .or_default()
                .push(t.elapsed().as_secs_f64());
            let t = Instant::now();
            for i in &timed {
                sink = sink.wrapping_add(extract(p, &i.text).commands.len());
            }
            full_s.entry(p).or_default().push(t.elapsed().as_secs_f64());
        }
    }
    println!("\n| parser | parse only: median s | MB/s | parse + argv: median s | MB/s |");
    println!("|---|---|---|---|---|");
    for &p in PARSERS {
        let a = median(parse_s[p].clone());
        let b = median(full_s[p].clone());
        let mb = bytes as f64 / 1e6;
        println!("| {p} | {a:.4} | {:.1} | {b:.4} | {:.1} |", mb / a, mb / b);
    }
    eprintln!("(sink {sink})");

    // agreement with ours
    let reference: Vec<Vec<Argv>> = inputs.iter().map(|i| ours(&i.text)).collect();
    let depth_marked = reference
        .iter()
        .filter(|cs| {
            cs.iter()
                .any(|c| c.first().and_then(|w| w.as_deref()) == Some(shell::DEPTH_MARK))
        })
        .count();
    println!("\nours: never fails (total parser); inputs with the depth marker: {depth_marked}");
    for &p in &PARSERS[1..] {
        let mut agree = 0usize;
        let mut by_design = 0usize;
        let mut failed: Vec<(&Input, String)> = Vec::new();
        let mut kinds: BTreeMap<&'static str, Vec<(usize, String)>> = BTreeMap::new();
        let mut dumped = String::new();
        let hung_here = &hangs[p];
        for (n, input) in inputs.iter().enumerate() {
            let out = if hung_here.contains(&n) {
                Outcome {
                    commands: Vec::new(),
                    error: Some(format!("hangs (over {HANG_S} s)")),
                }
            } else {
                extract(p, &input.text)
            };
            if let Some(err) = &out.error {
                failed.push((input, err.clone()));
            }
            let diff = compare::compare(&reference[n], &out.commands);
            if diff.is_empty() {
                if out.error.is_none() {
                    agree += 1;
                }
                continue;
            }
            if out.error.is_none() && diff.iter().all(|d| compare::BY_DESIGN.contains(&d.0)) {
                by_design += 1;
            }
            for (kind, detail) in &diff {
                kinds.entry(kind).or_default().push((n, detail.clone()));
            }
            if dump.is_some() {
                let line = serde_json::json!({
                    "id": input.id, "text": input.text,
                    "kinds": diff.iter().map(|d| d.0).collect::<Vec<_>>(),
                    "ours": reference[n], "theirs": out.commands, "error": out.error,
                });
                dumped.push_str(&format!("{line}\n"));
            }
        }
        if let Some(dir) = dump {
            let path = format!("{dir}/{name}.{p}.jsonl");
            std::fs::write(&path, dumped).map_err(|e| format!("{path}: {e}"))?;
        }
        println!(
            "\n### {p}: {agree}/{} inputs agree with ours ({:.1}%); parse failures: {}",
            inputs.len(),
            100.0 * agree as f64 / inputs.len().max(1) as f64,
            failed.len()
        );
        println!(
            "agree or differ only by the guard's own semantics (wrappers and nested scripts unwrapped, \
             names, `$'..'` and lookups resolved, `[[` listed, depth marker): {}/{} ({:.1}%)",
            agree + by_design,
            inputs.len(),
            100.0 * (agree + by_design) as f64 / inputs.len().max(1) as f64
        );
        for (input, err) in failed.iter().take(examples) {
            println!(
                "- failure ({}): {} -- {}",
                input.id,
                one_line(&input.text, 100),
                one_line(err, 120)
            );
        }
        println!("\n| kind of disagreement | inputs |");
        println!("|---|---|");
        for (kind, list) in &kinds {
            let distinct: std::collections::BTreeSet<usize> = list.iter().map(|x| x.0).collect();
            println!("| {kind} | {} |", distinct.len());
        }
        for (kind, list) in &kinds {
            for (n, detail) in list.iter().take(examples) {
                println!(
                    "- {kind} ({}): {} => {}",
                    inputs[*n].id,
                    one_line(&inputs[*n].text, 120),
                    one_line(detail, 240)
                );
            }
        }
    }
    Ok(())
}

fn one_line(s: &str, max: usize) -> String {
    let flat: String = s
        .chars()
        .map(|c| if c == '\n' { '⏎' } else { c })
        .take(max)
        .collect();
    let more = if s.chars().count() > max { "…" } else { "" };
    format!("{flat:?}{more}")
}
