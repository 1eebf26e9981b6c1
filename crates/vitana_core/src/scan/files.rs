//! A batch of files scanned on threads: each file read, decoded, gated by the rules'
//! keywords, classified into segments and scanned, with nothing crossing into Python
//! on the way (the tree scan's hot path: a few thousand files, most of them holding
//! nothing a rule looks for).
//!
//! A file this path cannot take whole is handed back as [`FileOutcome::Deferred`] for
//! the caller's own path, which reads it the way the CLI always did: a transcript (its
//! reader streams records), a workflow (its YAML is composed by the Python side), a
//! `.jsonl` file (maybe the guard's own audit log) and a git commit message file. What
//! is deferred is decided from the path and the first bytes alone, so a deferred file
//! was read no further than its head.

use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use memchr::memchr;
use rayon::prelude::*;

use super::{Compiled, DocumentScanner, ScanNotice};
use crate::findings::Finding;
use crate::model::{Notice, NoticeLevel};
use crate::read::files::{decode, read_bytes, worth_classifying};
use crate::read::transcripts::{detect, HEAD_BYTES};
use crate::records::RecordFilter;
use crate::segment::file_kind;

/// Files whose content may be an agent transcript (detected from their head); the
/// Python side's path reads the same lists (`_core.TRANSCRIPT_SUFFIXES`).
pub const TRANSCRIPT_SUFFIXES: [&str; 5] = [".jsonl", ".json", ".log", ".txt", ".ndjson"];
/// git's message files: their comment lines are stripped before the scan (Python side).
pub const COMMIT_MESSAGE_FILES: [&str; 4] =
    ["COMMIT_EDITMSG", "MERGE_MSG", "SQUASH_MSG", "TAG_EDITMSG"];
/// Binary detection looks at this many first bytes (as `read::files::decode` does).
const BINARY_SNIFF_BYTES: usize = 8192;

/// One file to scan.
#[derive(Debug, Clone)]
pub struct FileJob {
    /// where to read it
    pub path: String,
    /// as reported
    pub display: String,
    /// as the caller measured it (named in a too-large notice when it cannot be again)
    pub size: u64,
}

/// What the batch did with one file.
#[derive(Debug)]
pub enum FileOutcome {
    /// read (or not, with the notice saying why) and scanned here
    Scanned {
        findings: Vec<Finding>,
        /// the reading's notices, then the scan's, in the order they arose
        notices: Vec<Notice>,
        /// sha256 of the bytes read, hex (None: not read)
        digest: Option<String>,
    },
    /// for the caller's own path (see the module comment)
    Deferred,
}

/// How a batch scans: the compiled pack, the file-level keyword gate (None: every file
/// is classified, as when a selected rule has no keywords), inline directives applied
/// or not, the size limit, and whether each file's sha256 is wanted (the reports that
/// show the evidence of their inputs; hashing is about a twentieth of a tree's scan).
pub struct FileScan<'a> {
    pub compiled: &'a Arc<Compiled>,
    pub gate: Option<&'a RecordFilter>,
    pub no_ignore: bool,
    pub max_bytes: u64,
    pub digests: bool,
}

impl FileScan<'_> {
    /// Every job's outcome, in the jobs' order, on `threads` threads (1: this one).
    pub fn run(&self, jobs: &[FileJob], threads: usize) -> Vec<FileOutcome> {
        if threads <= 1 || jobs.len() < 2 {
            return jobs.iter().map(|job| self.one(job)).collect();
        }
        match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
            Ok(pool) => pool.install(|| jobs.par_iter().map(|job| self.one(job)).collect()),
            // no threads to be had: the same work on this one
            Err(_) => jobs.iter().map(|job| self.one(job)).collect(),
        }
    }

    /// One file's outcome.
    pub fn one(&self, job: &FileJob) -> FileOutcome {
        let name = job.path.rsplit('/').next().unwrap_or(&job.path);
        if COMMIT_MESSAGE_FILES.contains(&name) || job.path.ends_with(".jsonl") {
            return FileOutcome::Deferred;
        }
        let lower = job.path.to_lowercase();
        let data = if TRANSCRIPT_SUFFIXES.iter().any(|s| lower.ends_with(s)) {
            let Some(head) = read_head(&job.path) else {
                return FileOutcome::Deferred; // the caller's path words this error
            };
            let sniff = &head[..head.len().min(BINARY_SNIFF_BYTES)];
            if memchr(0, sniff).is_none() && detect(&job.path, &head).is_some() {
                return FileOutcome::Deferred;
            }
            if head.len() < HEAD_BYTES {
                Ok(head) // the head was the whole file
            } else {
                read_bytes(Path::new(&job.path), &job.display, self.max_bytes, job.size)
            }
        } else {
            read_bytes(Path::new(&job.path), &job.display, self.max_bytes, job.size)
        };
        let data = match data {
            Ok(data) => data,
            Err(notice) => {
                return FileOutcome::Scanned {
                    findings: Vec::new(),
                    notices: vec![notice],
                    digest: None,
                }
            }
        };
        let digest = self.digests.then(|| crate::guard::state::sha256_hex(&data));
        let (text, notice) = decode(&job.path, &job.display, &data);
        let mut notices: Vec<Notice> = notice.into_iter().collect();
        let scanned = |findings, notices| FileOutcome::Scanned {
            findings,
            notices,
            digest: digest.clone(),
        };
        let Some(text) = text else {
            return scanned(Vec::new(), notices);
        };
        if self
            .gate
            .is_some_and(|gate| !worth_classifying(&data, gate))
        {
            return scanned(Vec::new(), notices);
        }
        let head = match text.char_indices().nth(256) {
            Some((at, _)) => &text[..at],
            None => text.as_str(),
        };
        let kind = file_kind(&job.display, head);
        if kind == "workflow" {
            return FileOutcome::Deferred;
        }
        let mut doc =
            DocumentScanner::new(Arc::clone(self.compiled), None).no_ignore(self.no_ignore);
        let found = doc.scan_file(&job.display, &text, kind, None);
        notices.extend(found.into_iter().map(notice_of));
        let (findings, last) = doc.finish();
        notices.extend(last.into_iter().map(notice_of));
        scanned(findings, notices)
    }
}

/// The first `HEAD_BYTES` of a file (fewer when it is shorter); None when it cannot be read.
fn read_head(path: &str) -> Option<Vec<u8>> {
    let mut head = Vec::with_capacity(HEAD_BYTES);
    File::open(path)
        .ok()?
        .take(HEAD_BYTES as u64)
        .read_to_end(&mut head)
        .ok()?;
    Some(head)
}

fn notice_of(n: ScanNotice) -> Notice {
    Notice {
        message: n.message,
        path: Some(n.path),
        line: Some(n.line),
        level: if n.level == "error" {
            NoticeLevel::Error
        } else {
            NoticeLevel::Note
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::tests::compiled;

    fn tree(tag: &str, files: &[(&str, &[u8])]) -> (std::path::PathBuf, Vec<FileJob>) {
        let dir = std::env::temp_dir().join(format!("vg-files-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut jobs = Vec::new();
        for (name, data) in files {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, data).unwrap();
            jobs.push(FileJob {
                path: path.to_string_lossy().into_owned(),
                display: name.to_string(),
                size: data.len() as u64,
            });
        }
        (dir, jobs)
    }

    /// (rule, line) of each finding, the notices' messages, whether a digest was made
    type Summary = (Vec<(String, u64)>, Vec<String>, bool);

    fn summary(outcome: &FileOutcome) -> Option<Summary> {
        match outcome {
            FileOutcome::Deferred => None,
            FileOutcome::Scanned {
                findings,
                notices,
                digest,
            } => Some((
                findings
                    .iter()
                    .map(|f| (f.rule_id.clone(), f.line))
                    .collect(),
                notices.iter().map(|n| n.message.clone()).collect(),
                digest.is_some(),
            )),
        }
    }

    #[test]
    fn files_are_read_gated_scanned_or_handed_back() {
        let claude = br#"{"type":"user","sessionId":"s","uuid":"u1","message":{"role":"user","content":"hi"}}"#;
        let (dir, jobs) = tree(
            "batch",
            &[
                ("ops/run.sh", b"echo ok\ngcloud run deploy svc\n"),
                ("notes.txt", b"nothing to see\n"),
                ("blob.bin", b"ab\0cd gcloud run deploy x"),
                ("bad.sh", b"gcloud run deploy \xff\n"),
                ("logs/session.json", claude),
                (
                    ".github/workflows/ci.yml",
                    b"on: push\njobs:\n  a:\n    steps:\n      - run: gcloud run deploy x\n",
                ),
                (".git/COMMIT_EDITMSG", b"gcloud run deploy\n"),
                ("audit.jsonl", b"{}\n"),
            ],
        );
        let compiled = compiled();
        let gate = RecordFilter::new(&["gcloud"]);
        let scan = FileScan {
            compiled: &compiled,
            gate: Some(&gate),
            no_ignore: false,
            max_bytes: 1 << 20,
            digests: true,
        };
        let one: Vec<_> = scan.run(&jobs, 1).iter().map(summary).collect();
        let ok = |ids: &[(&str, u64)], notes: &[&str], digest| {
            Some((
                ids.iter().map(|(i, l)| (i.to_string(), *l)).collect(),
                notes.iter().map(|n| n.to_string()).collect(),
                digest,
            ))
        };
        assert_eq!(one[0], ok(&[("VG101", 2)], &[], true));
        assert_eq!(one[1], ok(&[], &[], true));
        assert_eq!(one[2], ok(&[], &["binary file skipped"], true));
        assert_eq!(
            one[3],
            ok(
                &[("VG101", 1)],
                &["not valid UTF-8 at byte 18; undecodable bytes replaced"],
                true
            )
        );
        // a transcript, a workflow, a commit message, a .jsonl: the caller's path
        assert_eq!(one[4..], [None, None, None, None]);
        // threads give the same outcomes, in order
        let two: Vec<_> = scan.run(&jobs, 2).iter().map(summary).collect();
        assert_eq!(one, two);
        // a file over the limit is not read, with an error naming its size
        let small = FileScan {
            max_bytes: 8,
            ..scan
        };
        let over = summary(&small.one(&jobs[0])).unwrap();
        assert!(
            over.1[0].starts_with("file too large (30 bytes"),
            "{over:?}"
        );
        assert!(!over.2);
        // without digests: the same findings and notices, no file hashed
        let undigested = FileScan {
            digests: false,
            ..scan
        };
        let plain: Vec<_> = undigested.run(&jobs, 1).iter().map(summary).collect();
        for (with, without) in one.iter().zip(&plain) {
            assert_eq!(
                with.as_ref().map(|w| (&w.0, &w.1, false)),
                without.as_ref().map(|w| (&w.0, &w.1, w.2))
            );
        }
        std::fs::remove_dir_all(dir).unwrap();
    }
}
