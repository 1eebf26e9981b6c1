//! vitana-guard's engine, the part whose cost grows with the input.
//!
//! The Python package (`vitana_guard`) loads and validates the rules, renders their
//! parameters and writes the reports; it hands this crate plain data and gets plain
//! records back. Modules follow the pipeline's stages:
//! `keywords` (the prefilter every segment goes through) and `pattern` (the rule
//! pack's regexes on the linear-time `regex` crate).

pub mod keywords;
pub mod model;
pub mod pattern;
pub mod read;
pub mod records;
pub mod shellview;
