pub mod added;
pub mod files;
pub mod git;
pub mod transcripts;
pub mod versions;
