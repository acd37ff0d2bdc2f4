//! Handbook page checks.

use super::Factory;

pub static KINDS: &[(&str, Factory)] = &[];
