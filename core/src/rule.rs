//! Which rule an input broke, for an [`Error::Invalid`](crate::Error::Invalid): a stable code
//! that a screen translates into the user's language, next to the English reason.

/// The rule an invalid input broke. On the wire it is the snake_case name (`too_long`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, strum::IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Rule {
    /// A required field is empty.
    Empty,
    /// A text is longer than its field takes (at most this many characters).
    TooLong(usize),
    /// A text holds control characters.
    ControlCharacters,
    /// Something the operation must name is not named (an assignee, a department).
    Required,
    /// Something is named that this kind of entry does not take.
    NotAllowed,
    /// A number is zero or less where more than zero is needed.
    NotPositive,
    /// A value is outside the values the field takes (a satisfaction of 7, a wrong verdict).
    OutOfRange,
    /// The step was taken already and cannot be taken again (a settled cost, a closed ticket).
    AlreadyDone,
    /// An earlier step must be taken first (issue a letter before recording its delivery).
    NotYet,
    /// The change would change nothing.
    Unchanged,
    /// The value does not read as what the field takes (a date, a code, a message).
    Unreadable,
}

impl Rule {
    /// The rule as it travels.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}
