//! vitana-guard's engine, the part whose cost grows with the input.
//!
//! The Python package (`vitana_guard`) loads and validates the rules, renders their
//! parameters and writes the reports; it hands this crate the compiled pack as plain data
//! (`pack`) and the inputs, and gets plain records back (`model`). The modules are the
//! pipeline's stages, in order:
//!
//! - `read`: files (size, binary, decoding), transcripts (five formats, streaming, call
//!   and result pairing), the `git log -p` stream and rebuilt file versions;
//! - `segment`: a file cut into channel segments by its kind;
//! - `keywords`, `records`, `shellview`: the prefilters (which keywords a text holds, read
//!   as bash would read it; which JSONL records to parse);
//! - `normalize`: shell text into simple commands, and HTTP requests rebuilt;
//! - `matchers`, `pattern`, `mentions`, `gateway`: what a rule entry finds in a unit;
//! - `session`, `scan`: one document's scan, with its sessions, flows and approvals.

pub mod findings;
pub mod gateway;
pub mod guard;
pub mod keywords;
pub mod matchers;
pub mod mentions;
pub mod model;
pub mod normalize;
pub mod pack;
pub mod pattern;
pub mod pyfmt;
pub mod read;
pub mod records;
pub mod scan;
pub mod segment;
pub mod session;
pub mod shellview;
pub mod utf8;
