//! Normalize: turn what a segment holds into what it does (shell text into simple
//! commands, HTTP requests).

pub mod http;
pub mod shell;
