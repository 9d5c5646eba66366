//! Cloud errors, classified so the engine can decide: retry later, give up, or report.

use crate::model::ResourceRef;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// Rate limited; retried with backoff before it reaches the caller.
    Throttled,
    NotFound,
    Unauthorized,
    /// No capacity for this instance type here now.
    Capacity,
    /// The resource is not in a state that allows the action.
    InvalidState,
    /// The request itself is wrong (bad parameter, unknown image).
    Invalid,
    /// Timeouts, connection failures, 5xx after retries.
    Unavailable,
    Other,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Throttled => "throttled",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::Capacity => "capacity",
            ErrorKind::InvalidState => "invalid_state",
            ErrorKind::Invalid => "invalid",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::Other => "other",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudError {
    pub kind: ErrorKind,
    /// The provider's own code, such as `IncorrectInstanceState`.
    pub code: Option<String>,
    pub message: String,
}

impl CloudError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> CloudError {
        CloudError {
            kind,
            code: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for CloudError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{} ({code}): {}", self.kind.as_str(), self.message),
            None => write!(f, "{}: {}", self.kind.as_str(), self.message),
        }
    }
}

impl std::error::Error for CloudError {}

/// The outcome of an action on one resource of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionResult {
    pub resource: ResourceRef,
    pub outcome: Result<(), CloudError>,
}

impl ActionResult {
    /// The same failure for every resource of a batch (the call itself failed).
    pub fn all_failed(resources: &[ResourceRef], error: &CloudError) -> Vec<ActionResult> {
        resources
            .iter()
            .map(|r| ActionResult {
                resource: r.clone(),
                outcome: Err(error.clone()),
            })
            .collect()
    }
}
