//! What a schedule asks of a resource at an instant.

use serde::{Deserialize, Serialize};
use std::fmt;

/// `Any` means "leave the resource as it is" (one-sided periods before their time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Running,
    Stopped,
    Any,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Running => "running",
            State::Stopped => "stopped",
            State::Any => "any",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A schedule's answer: the state, and the instance type asked for while running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Desired<'a> {
    pub state: State,
    pub instance_type: Option<&'a str>,
}

impl Desired<'_> {
    pub fn to_owned(self) -> DesiredOwned {
        DesiredOwned {
            state: self.state,
            instance_type: self.instance_type.map(str::to_owned),
        }
    }
}

/// [`Desired`] without the borrow, for results that outlive the schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesiredOwned {
    pub state: State,
    pub instance_type: Option<String>,
}
