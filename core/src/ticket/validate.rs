//! Checks on what a user typed, before anything is written.

use crate::error::{Error, Result};
use crate::rule::Rule;

/// The longest one-line field (a name, a number, a model), in characters.
pub(crate) const SHORT: usize = 200;
/// The longest free text (a complaint, a rationale, a letter), in characters.
pub(crate) const LONG: usize = 20_000;

/// A required field: trimmed, not empty, at most `max` characters.
pub(crate) fn required(field: &'static str, value: &str, max: usize) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Error::broke(field, Rule::Empty, "must not be empty"));
    }
    bounded(field, value, max)
}

/// An optional field: trimmed, empty becomes `None`, at most `max` characters.
pub(crate) fn optional(
    field: &'static str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => bounded(field, v, max).map(Some),
    }
}

/// Free text that may be empty, at most `max` characters.
pub(crate) fn bounded(field: &'static str, value: &str, max: usize) -> Result<String> {
    let count = value.chars().count();
    if count > max {
        return Err(Error::broke(
            field,
            Rule::TooLong(max),
            format!("has {count} characters, more than {max}"),
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(Error::broke(
            field,
            Rule::ControlCharacters,
            "contains control characters",
        ));
    }
    Ok(value.to_owned())
}
