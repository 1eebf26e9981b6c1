use super::*;

fn added(d: &FileDiff) -> Vec<(i64, &str)> {
    d.added.iter().map(|(n, t)| (*n, t.as_str())).collect()
}

#[test]
fn quoted_paths_headers_binary_and_symlinks() {
    let patch = b"diff --git \"a/sp ace\\303\\251.sh\" \"b/sp ace\\303\\251.sh\"\n\
index 0000000000000000000000000000000000000000..1111111111111111111111111111111111111111 100644\n\
--- \"a/sp ace\\303\\251.sh\"\n+++ \"b/sp ace\\303\\251.sh\"\n@@ -1 +1 @@\n--- x\n+++ y\n\
diff --git a/p.png b/p.png\nnew file mode 100644\nindex 0000000..abc\nBinary files /dev/null and b/p.png differ\n\
diff --git a/l b/l\nnew file mode 120000\n--- /dev/null\n+++ b/l\n@@ -0,0 +1 @@\n+target\n\\ No newline at end of file\n";
    let diffs = parse_patch(patch);
    let paths: Vec<_> = diffs.iter().map(|d| d.new_path.clone().unwrap()).collect();
    assert_eq!(
        paths,
        [
            "sp ace\u{e9}.sh".as_bytes().to_vec(),
            b"p.png".to_vec(),
            b"l".to_vec()
        ]
    );
    assert_eq!(added(&diffs[0]), [(1, "++ y")]);
    assert_eq!(diffs[0].deleted, ["-- x"]);
    assert_eq!(diffs[0].new_blob.as_deref(), Some("1".repeat(40).as_str()));
    assert!(diffs[1].binary);
    assert!(diffs[2].is_new && diffs[2].new_mode.as_deref() == Some("120000"));
}

#[test]
fn a_lone_carriage_return_stays_inside_its_line() {
    let patch = b"--- a/x\n+++ b/x\n@@ -1 +1,2 @@\n-p\rq\r\n+a\rb\r\n+c\n";
    let d = &parse_patch(patch)[0];
    assert_eq!(added(d), [(1, "a\rb"), (2, "c")]);
    assert_eq!(d.hunks[0].old, [b"p\rq\r\n".to_vec()]);
}

#[test]
fn no_newline_marker_trims_the_old_line() {
    let patch = b"--- a/x\n+++ b/x\n@@ -1 +1 @@\n-old\n\\ No newline at end of file\n+new\n";
    let d = &parse_patch(patch)[0];
    assert_eq!(d.hunks[0].old, [b"old".to_vec()]);
    assert_eq!(added(d), [(1, "new")]);
}

#[test]
fn hunks_far_down_and_numbers_beyond_any_file() {
    let d = &parse_patch(b"--- a/x\n+++ b/x\n@@ -1,0 +300000000,1 @@\n+far\n")[0];
    assert_eq!(added(d), [(300000000, "far")]);
    // not a line number: the line is no hunk, nothing is added
    let d = &parse_patch(b"--- a/x\n+++ b/x\n@@ -1 +99999999999999999999999 @@\n+x\n")[0];
    assert!(d.added.is_empty() && d.hunks.is_empty());
}

#[test]
fn unquote_reads_c_escapes() {
    assert_eq!(unquote_path(b"\"a\\tb\\\"c\\\\\""), b"a\tb\"c\\");
    assert_eq!(unquote_path(b"\"\\303\\251\""), "\u{e9}".as_bytes());
    assert_eq!(unquote_path(b"plain name\t"), b"plain name");
}

#[test]
fn header_paths_of_equal_halves_and_quoted_names() {
    assert_eq!(
        header_paths(b"a/x y b/x y\n"),
        (Some(b"x y".to_vec()), Some(b"x y".to_vec()))
    );
    assert_eq!(
        header_paths(b"\"a/q\\\"\" \"b/q\\\"\"\n"),
        (Some(b"q\"".to_vec()), Some(b"q\"".to_vec()))
    );
}

const NONCE: &str = "00ff";

fn log(message: &str, patch: &str) -> Vec<u8> {
    format!(
        "\x01vg-commit-{NONCE} {} {}\nA\0a@x\0C\0c@x\01700000000\n{message}\n\n\x02{NONCE}\n{patch}",
        "a".repeat(40),
        "b".repeat(40)
    )
    .into_bytes()
}

#[test]
fn commits_cut_the_same_whatever_the_pieces() {
    let mut data = log(
        "one",
        "diff --git a/x b/x\nindex 1..2 100644\n--- a/x\n+++ b/x\n@@ -0,0 +1 @@\n+hi\n",
    );
    data.extend(log("two", ""));
    let whole = {
        let mut r = LogReader::new(NONCE);
        let mut out = r.feed(&data, &mut NoSkim);
        out.extend(r.finish(&mut NoSkim));
        out
    };
    assert_eq!(whole.len(), 2);
    assert_eq!(whole[0].message, "one\n");
    assert_eq!(whole[0].time, 1700000000);
    assert_eq!(added(&whole[0].files[0]), [(1, "hi")]);
    for step in [1, 2, 7] {
        let mut r = LogReader::new(NONCE);
        let mut out = Vec::new();
        for piece in data.chunks(step) {
            out.extend(r.feed(piece, &mut NoSkim));
        }
        out.extend(r.finish(&mut NoSkim));
        assert_eq!(out, whole);
    }
}

#[test]
fn a_forged_mark_stays_message_text() {
    let message = "subject\n\n\x01vg-commit-0000 ffff\n\x02\n\x02beef";
    let data = log(
        message,
        "diff --git a/x b/x\nindex 1..2 100644\n--- a/x\n+++ b/x\n@@ -0,0 +1 @@\n+hi\n",
    );
    let mut r = LogReader::new(NONCE);
    let mut out = r.feed(&data, &mut NoSkim);
    out.extend(r.finish(&mut NoSkim));
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].message, format!("{message}\n"));
    assert_eq!(out[0].files.len(), 1);
}

struct Fixed(bool, &'static [u8]);

impl Skim for Fixed {
    fn skips(&mut self, path: &[u8]) -> bool {
        path.starts_with(self.1)
    }
    fn may_matter(&mut self, _hunks: &[u8]) -> bool {
        self.0
    }
}

#[test]
fn skimmed_file_diffs_keep_deleted_lines_and_read_later() {
    let patch = b"diff --git a/x b/x\nindex 1..2 100644\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-gone\r\n+new\n\
diff --git a/vendor/v b/vendor/v\nindex 1..2 100644\n--- a/vendor/v\n+++ b/vendor/v\n@@ -1 +1 @@\n-v\n+w\n";
    let full = read_git_patch(patch, &mut NoSkim);
    let mut skim = Fixed(false, b"vendor/");
    let mut short = read_git_patch(patch, &mut skim);
    assert!(short[0].summarised && short[0].added.is_empty());
    assert_eq!(short[0].deleted, ["gone"]);
    assert_eq!(hunks_of(&mut short[0]), &full[0].hunks[..]);
    // a skipped file's hunks are never copied: nothing to rebuild from
    assert!(short[1].summarised && short[1].unread.is_empty() && short[1].deleted.is_empty());
    let mut rules = SkimRules {
        skips: |_: &[u8]| false,
        keywords: Some(KeywordSet::new(&["new"])),
    };
    let kept = read_git_patch(patch, &mut rules);
    assert_eq!(kept[0], full[0]);
    assert!(kept[1].summarised);
}

#[test]
fn malformed_input_never_panics() {
    for data in [
        &b"@@ -1 +1 @@\n"[..],
        b"diff --git \n",
        b"--- \n+++ \n@@ -1,5 +0,0 @@\n\\\n",
        b"diff --git \"a\\",
        b"\x01vg-commit-00ff \n\n",
        b"\x01vg-commit-00ff x\nA\n\x02",
    ] {
        parse_patch(data);
        read_git_patch(data, &mut NoSkim);
        let mut r = LogReader::new(NONCE);
        r.feed(data, &mut NoSkim);
        r.finish(&mut NoSkim);
    }
}
