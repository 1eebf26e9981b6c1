//! Command text turned into what rules judge: shell text into simple commands.

pub mod shell;
