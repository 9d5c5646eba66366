//! Parse errors that say which field and which token is wrong.

use std::fmt;

/// One problem with one field of a period or schedule definition.
///
/// Displays as `weekdays: "mon-fri/x": step must be a number`, so a user can find the
/// offending text without knowing our internals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Whose field it is, when the definition is part of a set (`period "office"`).
    pub owner: Option<String>,
    /// Field name as the user wrote it (`weekdays`, `begintime`, `periods`, ...).
    pub field: String,
    /// The offending token, when there is one.
    pub token: Option<String>,
    /// What is wrong, as a sentence fragment.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, token: Option<&str>, message: impl Into<String>) -> Self {
        FieldError {
            owner: None,
            field: field.into(),
            token: token.map(str::to_owned),
            message: message.into(),
        }
    }

    /// Names the field's owner, shown before it: `period "office": weekdays`.
    pub fn within(mut self, owner: &str) -> Self {
        self.owner = Some(match self.owner.take() {
            Some(inner) => format!("{owner}: {inner}"),
            None => owner.to_owned(),
        });
        self
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(owner) = &self.owner {
            write!(f, "{owner}: ")?;
        }
        match &self.token {
            Some(token) => write!(f, "{}: {:?}: {}", self.field, token, self.message),
            None => write!(f, "{}: {}", self.field, self.message),
        }
    }
}

impl std::error::Error for FieldError {}

/// All the problems found in one definition; parsing does not stop at the first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseErrors(pub Vec<FieldError>);

impl fmt::Display for ParseErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ParseErrors {}

impl From<FieldError> for ParseErrors {
    fn from(e: FieldError) -> Self {
        ParseErrors(vec![e])
    }
}
