//! The live guard's library half: what the hook executable (crate `vitana_guard_hook`)
//! decides with, kept here so each part is tested on its own. The executable only does
//! the I/O (argv, stdin, env, files, exit code).
//!
//! - `call`: the hook's JSON read into a call and the items to judge, per agent;
//! - `verdict`: the decision (the scan of the items, the reason text, each agent's
//!   answer) and the post-tool hook's record of the gateway steps a call took;
//! - `cache`, `sealed`, `discovery`: the compiled pack, found by a content hash and
//!   verified before it is read; `state`: session steps and the audit log;
//! - `tamper`, `ondisk`, `edits`: the guard's own checks (calls that would disable it,
//!   what a command runs from disk, an edit judged on the file it produces).

pub mod cache;
pub mod call;
pub mod discovery;
pub mod edits;
pub mod ondisk;
pub mod sealed;
pub mod state;
pub mod tamper;
pub mod verdict;

use std::collections::BTreeMap;

/// Where the guard lives for this user and process (what tamper protects besides config/settings).
#[derive(Debug, Clone, Default)]
pub struct GuardPaths {
    pub home: String,
    pub cache_dir: String,
    pub state_dir: String,
    /// the guard's code: the Python package dir, the hook executable's dir
    pub code_dirs: Vec<String>,
    /// env values tamper expands ($HOME, XDG_*, CLAUDE_CONFIG_DIR, CODEX_HOME)
    pub env: BTreeMap<String, String>,
}

impl GuardPaths {
    pub fn from_env(code_dirs: Vec<String>) -> GuardPaths {
        let home = std::env::var("HOME").unwrap_or_default();
        GuardPaths {
            cache_dir: state::cache_home().to_string_lossy().into_owned(),
            state_dir: state::state_home().to_string_lossy().into_owned(),
            home,
            code_dirs,
            env: BTreeMap::new(),
        }
    }
}
