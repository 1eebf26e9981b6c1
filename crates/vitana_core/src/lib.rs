//! vitana-guard's engine, the part whose cost grows with the input.
//!
//! The Python package (`vitana_guard`) loads and validates the rules, renders their
//! parameters and writes the reports; it hands this crate plain data and gets plain
//! records back. Modules follow the pipeline's stages:
//! `keywords` (the prefilter every segment goes through), `normalize` (command
//! text into the records rules judge: `model`).

pub mod gateway;
pub mod keywords;
pub mod matchers;
pub mod mentions;
pub mod model;
pub mod normalize;
pub mod pack;
pub mod pattern;
pub mod read;
pub mod records;
pub mod scan;
pub mod segment;
pub mod session;
pub mod shellview;
