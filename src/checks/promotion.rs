//! Promotion document checks.

use super::Factory;

pub static KINDS: &[(&str, Factory)] = &[];
