pub mod transcripts;
