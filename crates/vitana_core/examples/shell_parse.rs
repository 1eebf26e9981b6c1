//! The shell normalizer alone, without Python: `cargo run --release --example
//! shell_parse FILE...` prints MB/s (median of 5) and the commands found per file.
//! benchmarks/shell_parse.py runs it next to the Python figures.

use std::time::Instant;

use vitana_core::normalize::shell::{parse_bytes, Options};

fn main() {
    for path in std::env::args().skip(1) {
        let text = std::fs::read(&path).expect("a readable file");
        let mut times = Vec::new();
        let mut count = 0;
        for _ in 0..5 {
            let start = Instant::now();
            count = parse_bytes(&text, Options::default()).len();
            times.push(start.elapsed().as_secs_f64());
        }
        times.sort_by(f64::total_cmp);
        let median = times[2];
        let mb = text.len() as f64 / 1e6;
        println!("{path}\t{mb:.2}\t{median:.4}\t{:.1}\t{count}", mb / median);
    }
}
