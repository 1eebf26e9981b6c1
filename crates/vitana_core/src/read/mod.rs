pub mod git;
pub mod versions;
