//! Normalize: turn what a segment holds into what it does (shell commands, HTTP
//! requests).

pub mod http;
