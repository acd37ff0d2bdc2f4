//! Reporters: each turns a finished [`crate::outcome::LintOutcome`] into one output format.

pub mod codequality;
pub mod context;
pub mod junit;
pub mod sarif;
