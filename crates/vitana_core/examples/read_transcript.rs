//! Read one transcript with the core's readers and print items and time (a by-hand probe:
//! `cargo run --release -p vitana_core --example read_transcript -- FILE FORMAT [KEYWORD...]`).

use std::time::Instant;

use vitana_core::read::transcripts::{Options, TranscriptReader};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        eprintln!("usage: read_transcript FILE FORMAT [KEYWORD...]");
        std::process::exit(2);
    }
    let keywords = (args.len() > 2).then(|| args[2..].to_vec());
    let options = Options {
        keywords,
        ..Options::default()
    };
    let t = Instant::now();
    let n = TranscriptReader::new(&args[0], &args[0], Some(&args[1]), &options).count();
    let secs = t.elapsed().as_secs_f64();
    let mb = std::fs::metadata(&args[0]).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;
    println!("{n} items in {secs:.3} s: {:.1} MB/s", mb / secs);
}
