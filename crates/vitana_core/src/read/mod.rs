pub mod files;
pub mod git;
pub mod versions;
