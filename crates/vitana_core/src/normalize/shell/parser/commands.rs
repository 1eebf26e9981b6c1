//! Command building: wrappers stripped, nested shells, `eval`, `ssh`, `find -exec`
//! unwrapped, text fed to a shell and interpreter payloads parsed as scripts.

use super::*;

/// `env -S` strings split in one command before the rest is left unread (see `env`).
pub(crate) const MAX_SPLITS: usize = 32;

impl<'t> Parser<'t> {
    /// Strip wrappers, unwrap nested shells, emit the command(s).
    pub(super) fn command(
        &mut self,
        cx: &mut Cx,
        mut ws: Vec<W>,
        cs: usize,
        ce: usize,
        heredocs: &[usize],
        depth: usize,
    ) {
        let feed = self.feed_in.take();
        let herestring = self.herestring_in.take();
        if depth == self.sink_depth {
            if let Some(sink) = self.sink.as_mut() {
                sink.extend(ws);
                return;
            }
        }
        let mut n = ws.len();
        let mut i = 0;
        let mut last = None; // index of the last wrapper stripped
        let mut names_ok = false; // after sudo/env: NAME=value words are assignments
        let mut splits = 0; // `env -S` strings spliced in this command
        let mut stale = Vec::new(); // word slots freed by splits made in place
        while i < n {
            let w = &ws[i];
            if w.assign || (names_ok && w.value.as_deref().is_some_and(is_name_eq)) {
                if names_ok && cx.fixes {
                    // `env G=gcloud bash -c '$G ...'`: the program's environment
                    // (kept afterwards too: over-approximating is the safe side)
                    if let Some(v) = w.value.as_deref() {
                        cx.names.assign(v, Some(v), None);
                    }
                }
                i += 1;
                continue;
            }
            let Some(v) = w.value.as_deref() else { break };
            let name = basename(v);
            let Some(spec) = wrapper(name) else { break };
            if name == b"command" && i + 1 < n {
                if let Some(nv) = ws[i + 1].value.as_deref() {
                    if nv.first() == Some(&b'-')
                        && !nv.starts_with(b"--")
                        && nv.iter().any(|&b| b == b'v' || b == b'V')
                    {
                        break; // `command -v x` looks x up; it runs nothing
                    }
                }
            }
            last = Some(i);
            if name == b"env" {
                let (nws, ni) = self.env(cx, ws, i + 1, depth, &mut splits, &mut stale);
                ws = nws;
                i = ni;
                n = ws.len();
                names_ok = true;
                continue;
            }
            let is_watch = name == b"watch";
            let is_timeout = name == b"timeout";
            names_ok = name == b"sudo" || name == b"doas";
            let (mut j, exec_seen, nocmd) = skip_opts(&ws, i + 1, &spec);
            if nocmd {
                break;
            }
            if is_timeout && j < n {
                j += 1; // the duration
            }
            if is_watch && j + 1 == n && !exec_seen {
                // `watch 'cmd | grep x'`: the command is run by `sh -c`
                if depth < MAX_DEPTH
                    && self
                        .parse_words(cx, &ws[j..j + 1], depth + 1, 0, false)
                        .is_some()
                {
                    return;
                }
                mark_depth(cx, ws[j].start, ws[j].end);
            }
            i = j;
        }
        if i >= n {
            match last {
                Some(l) => i = l, // the wrapper runs nothing else (`sudo -v`, `env`): keep it
                None => return,   // only assignments
            }
        }
        let mut argv = ws.split_off(i);
        if stale.last().is_some_and(|&k| k >= i) {
            // the wrapper kept (`env -S ''`): without the slots its splits freed
            let mut k = i;
            argv.retain(|_| {
                k += 1;
                stale.binary_search(&(k - 1)).is_err()
            });
        }
        let prog = argv[0].value.as_deref().filter(|v| !v.is_empty());
        let base = prog.map(basename);
        match base {
            Some(b) if is_shell(b) => {
                let (mode, script) = shell_mode(&argv);
                if mode == Mode::C {
                    if let Some(k) = script {
                        if depth < MAX_DEPTH
                            && self
                                .parse_words(cx, &argv[k..k + 1], depth + 1, 0, false)
                                .is_some()
                        {
                            return;
                        }
                        mark_depth(cx, argv[k].start, argv[k].end);
                    }
                }
                if mode == Mode::Stdin {
                    self.mark_script(heredocs);
                    // `sh <<< 'text'`, `echo 'text' | sh`, `cat <<EOF | bash`
                    if let Some(h) = &herestring {
                        self.feed_script(cx, std::slice::from_ref(h), depth);
                    }
                    match feed {
                        Some(Feed::Words(ws)) => self.feed_script(cx, &ws, depth),
                        Some(Feed::Heredocs(hs)) => self.mark_script(&hs),
                        None => {}
                    }
                }
            }
            Some(b"eval") if argv.len() > 1 => {
                if depth < MAX_DEPTH
                    && self
                        .parse_words(cx, &argv[1..], depth + 1, 0, false)
                        .is_some()
                {
                    return;
                }
                mark_depth(cx, argv[1].start, argv[argv.len() - 1].end);
            }
            Some(b"ssh") => self.ssh(cx, &argv, heredocs, depth),
            Some(b"find") if depth < MAX_DEPTH => self.find_exec(cx, &argv, depth),
            _ => {}
        }
        if cx.fixes {
            if let Some(lang) = base.and_then(code_options) {
                self.payloads(cx, &argv, lang, depth);
            }
        }
        if self.piping && cx.fixes {
            self.feed_out = match base {
                Some(b"echo") => echo_feed(&argv),
                Some(b"printf") => printf_feed(&argv),
                Some(b"cat") => cat_feed(&argv, heredocs, herestring),
                _ => None,
            };
        }
        cx.out.push(Cmd {
            argv: argv
                .into_iter()
                .map(|w| Wd {
                    value: w.value.map_or(Value::Unknown, Value::Text),
                    start: w.start,
                    end: w.end,
                })
                .collect(),
            start: cs,
            end: ce,
        });
    }

    /// Skip `env` options from `i`; `-S STRING` is split into words that replace it
    /// and are processed as further `env` arguments.
    /// Returns (words, index of the first word after the options).
    ///
    /// A split that gives no more words than it replaces (`env -S env -S ...`) is
    /// made in place: the slots it frees are listed in `stale`, left out of the
    /// command. One that gives more splices the words, a copy of all the words after
    /// it: a command of those would cost O(words²) (70 KB of `env -S` took seconds).
    /// So `splits`, those counted over the whole command, stops at [`MAX_SPLITS`]:
    /// past it the rest is left unread, and the depth marker makes a guard deny.
    fn env(
        &mut self,
        cx: &mut Cx,
        mut ws: Vec<W>,
        mut i: usize,
        depth: usize,
        splits: &mut usize,
        stale: &mut Vec<usize>,
    ) -> (Vec<W>, usize) {
        let mut n = ws.len();
        let mut local = 0; // strings split by this `env`
        while i < n {
            let Some(v) = ws[i].value.as_deref() else {
                break;
            };
            if v.first() != Some(&b'-') {
                break;
            }
            if v == b"--" {
                return (ws, i + 1);
            }
            if v == b"-" {
                i += 1;
                continue;
            }
            // (index replaced, index of the word holding the string, bytes to skip, words dropped)
            let mut split: Option<(usize, Option<usize>, usize, usize)> = None;
            if v[1] == b'-' {
                let (name, eq) = match memchr(b'=', v) {
                    Some(k) => (&v[..k], true),
                    None => (v, false),
                };
                if name == b"--split-string" {
                    split = Some(if eq {
                        (i, Some(i), name.len() + 1, 1)
                    } else {
                        (i, (i + 1 < n).then_some(i + 1), 0, 2)
                    });
                } else {
                    i += if !eq && (name == b"--unset" || name == b"--chdir") {
                        2
                    } else {
                        1
                    };
                }
            } else {
                for k in 1..v.len() {
                    let ch = v[k];
                    if ch == b'S' {
                        split = Some(if k + 1 < v.len() {
                            (i, Some(i), k + 1, 1) // -Sstring
                        } else {
                            (i, (i + 1 < n).then_some(i + 1), 0, 2)
                        });
                        break;
                    }
                    if matches!(ch, b'u' | b'C' | b'P') {
                        if k == v.len() - 1 {
                            i += 1;
                        }
                        break;
                    }
                }
                i += 1;
            }
            if let Some((at, holder, skip, drop)) = split {
                let Some(holder) = holder else {
                    return (ws, n);
                };
                let mut words = Vec::new();
                if depth >= MAX_DEPTH {
                    mark_depth(cx, ws[holder].start, ws[holder].end);
                } else if !cx.fixes {
                    // the Python parser's limit: eight strings per `env`, the rest dropped
                    if local < 8 {
                        if let Some(got) =
                            self.parse_words(cx, &ws[holder..holder + 1], depth + 1, skip, true)
                        {
                            words = got;
                        }
                    }
                } else {
                    match self.parse_words(cx, &ws[holder..holder + 1], depth + 1, skip, true) {
                        Some(got) => words = got,
                        None => mark_depth(cx, ws[holder].start, ws[holder].end),
                    }
                }
                local += 1;
                let end = (at + drop).min(ws.len());
                if cx.fixes && words.len() <= end - at {
                    // in place, no copy of the words after: the new words end where
                    // the replaced ones did, the slots before them are consumed
                    let k = end - words.len();
                    stale.extend(at..k);
                    for (slot, w) in ws[k..end].iter_mut().zip(words) {
                        *slot = w;
                    }
                    i = k;
                    continue;
                }
                if cx.fixes {
                    if *splits >= MAX_SPLITS {
                        mark_depth(cx, ws[holder].start, ws[n - 1].end);
                        return (ws, n);
                    }
                    *splits += 1;
                }
                let tail = ws.split_off((at + drop).min(ws.len()));
                ws.truncate(at);
                ws.extend(words);
                ws.extend(tail);
                n = ws.len();
                i = at;
            }
        }
        (ws, i)
    }

    /// `ssh [opts] host [command...]`: the remote command is shell text (its words
    /// joined by spaces), parsed as well as the ssh command.
    fn ssh(&mut self, cx: &mut Cx, argv: &[W], heredocs: &[usize], depth: usize) {
        let spec = Spec {
            args: SSH_ARGS,
            longs: &[],
            nocmd: b"",
        };
        let (k, _, _) = skip_opts(argv, 1, &spec);
        if k >= argv.len() {
            return;
        }
        let remote = &argv[k + 1..];
        if remote.is_empty() {
            self.mark_script(heredocs); // `ssh host <<EOF`: a login shell reads it
            return;
        }
        if let Some(first) = remote[0].value.as_deref().filter(|v| !v.is_empty()) {
            if is_shell(basename(first)) && shell_mode(remote).0 == Mode::Stdin {
                self.mark_script(heredocs);
            }
        }
        if depth >= MAX_DEPTH || self.parse_words(cx, remote, depth + 1, 0, false).is_none() {
            mark_depth(cx, remote[0].start, remote[remote.len() - 1].end);
        }
    }

    /// `python -c CODE`, `node -e CODE`, `perl -e CODE`, `ruby -e CODE`: the command
    /// strings the code passes to `os.system`, `subprocess.run`, `execSync`,
    /// `system`, backticks... are parsed as scripts, with positions inside the
    /// literal where it is written as is.
    fn payloads(&mut self, cx: &mut Cx, argv: &[W], lang: Lang, depth: usize) {
        let values: Vec<Option<&[u8]>> = argv[1..].iter().map(|w| w.value.as_deref()).collect();
        for (k, skip) in code_words(lang, &values) {
            let w = &argv[1 + k];
            let (text, base, table) = derive(std::slice::from_ref(w));
            let skip = skip.min(text.len());
            let table = table.map(|(s, e)| (Rc::<[usize]>::from(s), Rc::<[usize]>::from(e)));
            for found in commands_in(lang, &text[skip..]) {
                let (at, start, end) = match (found.span, &table) {
                    (Some((a, b)), None) => (
                        At::Linear(base + skip + a),
                        base + skip + a,
                        base + skip + b,
                    ),
                    (Some((a, b)), Some((s, e))) if b > a => (
                        At::Table(s.clone(), e.clone(), skip + a),
                        s[skip + a],
                        e[skip + b - 1],
                    ),
                    _ => (At::Whole(w.start, w.end), w.start, w.end),
                };
                let nested = W {
                    value: None,
                    start,
                    end,
                    pieces: vec![Piece {
                        text: found.script,
                        at,
                    }],
                    assign: false,
                };
                if depth >= MAX_DEPTH
                    || self
                        .parse_words(cx, std::slice::from_ref(&nested), depth + 1, 0, false)
                        .is_none()
                {
                    mark_depth(cx, start, end);
                }
            }
        }
    }

    /// Parse text a shell reads on its input as its script.
    pub(super) fn feed_script(&mut self, cx: &mut Cx, ws: &[W], depth: usize) {
        if ws.is_empty() {
            return;
        }
        if depth >= MAX_DEPTH || self.parse_words(cx, ws, depth + 1, 0, false).is_none() {
            mark_depth(cx, ws[0].start, ws[ws.len() - 1].end);
        }
    }

    /// `find ... -exec CMD {} ;`: CMD runs too.
    fn find_exec(&mut self, cx: &mut Cx, argv: &[W], depth: usize) {
        let n = argv.len();
        let mut k = 1;
        while k < n {
            if matches!(
                argv[k].value.as_deref(),
                Some(b"-exec" | b"-execdir" | b"-ok" | b"-okdir")
            ) {
                let mut j = k + 1;
                while j < n {
                    let v = argv[j].value.as_deref();
                    if v == Some(b";")
                        || (v == Some(b"+") && argv[j - 1].value.as_deref() == Some(b"{}"))
                    {
                        break;
                    }
                    j += 1;
                }
                let sub = argv[k + 1..j].to_vec();
                if !sub.is_empty() {
                    let (s, e) = (sub[0].start, sub[sub.len() - 1].end);
                    self.command(cx, sub, s, e, &[], depth + 1);
                }
                k = j;
            }
            k += 1;
        }
    }

    pub(super) fn mark_script(&mut self, heredocs: &[usize]) {
        for &h in heredocs {
            let fd = self.heredocs[h].fd.as_deref();
            if fd.is_none() || fd == Some(b"0") {
                self.heredocs[h].script = true;
            }
        }
    }
}

/// What `echo WORDS` writes: the words joined by spaces, when all are literals.
fn echo_feed(argv: &[W]) -> Option<Feed> {
    let mut k = 1;
    while k < argv.len() {
        match argv[k].value.as_deref() {
            Some([b'-', opts @ ..])
                if !opts.is_empty() && opts.iter().all(|b| b"neE".contains(b)) =>
            {
                if opts.contains(&b'e')
                    && argv[k + 1..]
                        .iter()
                        .any(|w| w.value.as_deref().is_some_and(|v| v.contains(&b'\\')))
                {
                    return None; // escapes interpreted: not the words as written
                }
                k += 1;
            }
            _ => break,
        }
    }
    let words = &argv[k..];
    (!words.is_empty() && words.iter().all(|w| w.value.is_some()))
        .then(|| Feed::Words(words.to_vec()))
}

/// What `printf FORMAT [ARGS]` writes: the format with its escapes decoded and its
/// `%s` directives filled; positions are those of the format word where it is
/// written plainly, else the whole of the printf's arguments.
fn printf_feed(argv: &[W]) -> Option<Feed> {
    let mut k = 1;
    if argv.get(k).and_then(|w| w.value.as_deref()) == Some(b"--") {
        k += 1;
    }
    let format = argv.get(k)?;
    let fmt = format.value.as_deref()?;
    if fmt.starts_with(b"-") {
        return None; // `-v NAME`: to a variable
    }
    let args = &argv[k + 1..];
    if !fmt.contains(&b'%') && !fmt.contains(&b'\\') {
        return Some(Feed::Words(vec![format.clone()]));
    }
    let mut out = Vec::new();
    let mut next = 0;
    for _round in 0..16 {
        let mut i = 0;
        let mut used = false;
        while i < fmt.len() {
            match (fmt[i], fmt.get(i + 1)) {
                (b'\\', Some(&d)) => {
                    out.extend_from_slice(match d {
                        b'n' => b"\n",
                        b't' => b"\t",
                        b'\\' => b"\\",
                        _ => &fmt[i..i + 2],
                    });
                    i += 2;
                }
                (b'%', Some(b'%')) => {
                    out.push(b'%');
                    i += 2;
                }
                (b'%', Some(_)) => {
                    // a directive: `%s`, `%b`, `%-10s`...: the next argument
                    let mut j = i + 1;
                    while j < fmt.len() && !fmt[j].is_ascii_alphabetic() {
                        j += 1;
                    }
                    if let Some(arg) = args.get(next) {
                        out.extend_from_slice(arg.value.as_deref().unwrap_or(MARK));
                    }
                    next += 1;
                    used = true;
                    i = j + 1;
                }
                _ => {
                    out.push(fmt[i]);
                    i += 1;
                }
            }
        }
        if !used || next >= args.len() {
            break;
        }
    }
    let end = args.last().map_or(format.end, |w| w.end);
    Some(Feed::Words(vec![W {
        value: None,
        start: format.start,
        end,
        pieces: vec![Piece {
            text: out,
            at: At::Whole(format.start, end),
        }],
        assign: false,
    }]))
}

/// What `cat` with no file writes: its here-document or here-string.
fn cat_feed(argv: &[W], heredocs: &[usize], herestring: Option<W>) -> Option<Feed> {
    if !argv[1..].iter().all(|w| w.value.as_deref() == Some(b"-")) {
        return None;
    }
    if let Some(h) = herestring {
        return Some(Feed::Words(vec![h]));
    }
    (!heredocs.is_empty()).then(|| Feed::Heredocs(heredocs.to_vec()))
}

/// Skip the options of a wrapper from `i`. Returns (index of the first operand,
/// whether `-x`/`--exec` was seen, whether an option means no command follows).
fn skip_opts(ws: &[W], mut i: usize, spec: &Spec) -> (usize, bool, bool) {
    let n = ws.len();
    let mut exec_seen = false;
    while i < n {
        let Some(v) = ws[i].value.as_deref() else {
            break;
        };
        if v.len() < 2 || v[0] != b'-' {
            break;
        }
        if v == b"--" {
            i += 1;
            break;
        }
        i += 1;
        if v[1] == b'-' {
            let (name, eq) = match memchr(b'=', v) {
                Some(k) => (&v[..k], true),
                None => (v, false),
            };
            exec_seen |= name == b"--exec";
            if !eq && spec.longs.contains(&name) {
                i += 1;
            }
            continue;
        }
        for k in 1..v.len() {
            let ch = v[k];
            exec_seen |= ch == b'x';
            if spec.nocmd.contains(&ch) {
                return (i, exec_seen, true);
            }
            if spec.args.contains(&ch) {
                if k == v.len() - 1 {
                    i += 1;
                }
                break;
            }
        }
    }
    (i, exec_seen, false)
}

#[derive(PartialEq, Eq)]
enum Mode {
    C,
    Stdin,
    File,
}

/// How a shell command gets its script: `-c` (with the index of SCRIPT), stdin,
/// or a file.
fn shell_mode(argv: &[W]) -> (Mode, Option<usize>) {
    let n = argv.len();
    let mut k = 1;
    let mut has_c = false;
    let mut has_s = false;
    while k < n {
        let Some(v) = argv[k].value.as_deref() else {
            break;
        };
        if v == b"--" {
            k += 1;
            break;
        }
        if v.starts_with(b"--") {
            k += if v == b"--rcfile" || v == b"--init-file" {
                2
            } else {
                1
            };
            continue;
        }
        if v.len() > 1 && (v[0] == b'-' || v[0] == b'+') {
            let mut takes = false;
            for &ch in &v[1..] {
                match ch {
                    b'c' => has_c = true,
                    b's' => has_s = true,
                    b'o' | b'O' => takes = true,
                    _ => {}
                }
            }
            k += if takes { 2 } else { 1 };
            continue;
        }
        break;
    }
    if has_c {
        return (Mode::C, (k < n).then_some(k));
    }
    if has_s || k >= n || argv[k].value.as_deref() == Some(b"-") {
        return (Mode::Stdin, None);
    }
    (Mode::File, None)
}
