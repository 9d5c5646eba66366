//! The case format of `shared/conformance/aws-instance-scheduler`: one period set, one
//! schedule and one instant per case; the answer is the schedule's state at that instant.

use crate::error::ParseErrors;
use crate::period::Period;
use crate::schedule::Schedule;
use crate::spec::{PeriodSpec, ScheduleSpec};
use crate::state::State;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

/// One case. Lines of `known-divergences.jsonl` are cases too, with their answer embedded.
#[derive(Debug, Clone, Deserialize)]
pub struct Case {
    pub id: String,
    pub periods: Vec<PeriodSpec>,
    pub schedule: ScheduleSpec,
    pub at: String,
    #[serde(default)]
    pub expected_state: Option<State>,
    #[serde(default)]
    pub expected_instance_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub id: String,
    pub state: State,
    pub instance_type: Option<String>,
}

impl Case {
    /// The embedded answer of a known-divergence line, if this case has one.
    pub fn embedded_answer(&self) -> Option<Answer> {
        Some(Answer {
            id: self.id.clone(),
            state: self.expected_state?,
            instance_type: self.expected_instance_type.clone(),
        })
    }

    /// Evaluates the case; a malformed case gives every reason it is malformed.
    pub fn evaluate(&self) -> Result<Answer, String> {
        let at: jiff::Timestamp = self
            .at
            .parse()
            .map_err(|e| format!("at: {:?}: not an RFC 3339 instant ({e})", self.at))?;
        let mut periods = HashMap::new();
        let mut errors = Vec::new();
        for spec in &self.periods {
            match Period::parse(spec) {
                Ok(p) => {
                    periods.insert(p.name().to_owned(), Arc::new(p));
                }
                Err(e) => errors.extend(
                    e.into_iter()
                        .map(|e| e.within(&format!("period {:?}", spec.name))),
                ),
            }
        }
        if !errors.is_empty() {
            return Err(ParseErrors(errors).to_string());
        }
        let schedule = Schedule::parse(&self.schedule, |name| periods.get(name).cloned(), |_| None)
            .map_err(|e| ParseErrors(e).to_string())?;
        let desired = schedule.state_at(at);
        Ok(Answer {
            id: self.id.clone(),
            state: desired.state,
            instance_type: desired.instance_type.map(str::to_owned),
        })
    }
}
