//! What to do with one resource at one instant, as AWS Instance Scheduler decides: act at
//! the schedule's transitions, leave manual changes between transitions alone unless the
//! schedule is `enforced`, honour `retain_running` and `stop_new_instances`, resize for
//! `period@type`. Pure: the stored last desired state comes in, the new one goes out.

use isched_cloud::{ResourceKind, ResourceState};
use isched_schedule::{DesiredOwned, ScheduleFlags, State};

/// The desired state stored after the last decision for a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LastDesired {
    Running,
    Stopped,
    /// Was already running when its period began; `retain_running` keeps it after.
    RetainRunning,
}

impl LastDesired {
    pub fn as_str(self) -> &'static str {
        match self {
            LastDesired::Running => "running",
            LastDesired::Stopped => "stopped",
            LastDesired::RetainRunning => "retain_running",
        }
    }

    pub fn parse(s: &str) -> Option<LastDesired> {
        [
            LastDesired::Running,
            LastDesired::Stopped,
            LastDesired::RetainRunning,
        ]
        .into_iter()
        .find(|l| l.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Start,
    Stop {
        hibernate: bool,
    },
    /// Stop if running, change the type, start.
    Resize {
        to: String,
    },
    None,
}

impl Action {
    pub fn as_str(&self) -> &'static str {
        match self {
            Action::Start => "start",
            Action::Stop { .. } => "stop",
            Action::Resize { .. } => "resize",
            Action::None => "none",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub action: Action,
    pub reason: String,
    /// What to store as the last desired state; `None` keeps what is stored.
    pub record: Option<LastDesired>,
}

fn decision(action: Action, reason: impl Into<String>, record: Option<LastDesired>) -> Decision {
    Decision {
        action,
        reason: reason.into(),
        record,
    }
}

/// Decides for a resource in `current` state and type, given what the schedule wants now.
pub fn decide(
    current: ResourceState,
    current_type: Option<&str>,
    desired: &DesiredOwned,
    last: Option<LastDesired>,
    flags: ScheduleFlags,
) -> Decision {
    use ResourceState as R;
    match current {
        R::Terminated => return decision(Action::None, "terminated", None),
        R::Other => return decision(Action::None, "in a state isched does not act on", None),
        _ => {}
    }
    match desired.state {
        State::Any => decision(Action::None, "the schedule allows either state now", None),
        State::Running => {
            let transition = !matches!(
                last,
                Some(LastDesired::Running | LastDesired::RetainRunning)
            );
            let wrong_type = desired
                .instance_type
                .as_deref()
                .filter(|t| current_type.is_some_and(|c| c != *t));
            match current {
                R::Stopped if transition || flags.enforced => match wrong_type {
                    Some(t) => decision(
                        Action::Resize { to: t.to_owned() },
                        format!("period starts with type {t}"),
                        Some(LastDesired::Running),
                    ),
                    None => decision(
                        Action::Start,
                        if transition {
                            "a running period began"
                        } else {
                            "stopped, but the schedule is enforced"
                        },
                        Some(LastDesired::Running),
                    ),
                },
                R::Stopped => decision(
                    Action::None,
                    "manually stopped, schedule not enforced",
                    Some(LastDesired::Running),
                ),
                R::Running if wrong_type.is_some() && (transition || flags.enforced) => {
                    let t = wrong_type.unwrap_or_default();
                    decision(
                        Action::Resize { to: t.to_owned() },
                        format!("the period wants type {t}"),
                        Some(LastDesired::Running),
                    )
                }
                R::Running if transition && flags.retain_running && last.is_some() => decision(
                    Action::None,
                    "already running when the period began; retain_running keeps it running after",
                    Some(LastDesired::RetainRunning),
                ),
                R::Running | R::Pending => decision(
                    Action::None,
                    "running as scheduled",
                    Some(if last == Some(LastDesired::RetainRunning) {
                        LastDesired::RetainRunning
                    } else {
                        LastDesired::Running
                    }),
                ),
                // Still stopping: act when it has stopped (the stored state stays, so the
                // next pass still sees the transition).
                _ => decision(Action::None, "stopping; starts once it has stopped", None),
            }
        }
        State::Stopped => {
            let stop = Action::Stop {
                hibernate: flags.hibernate,
            };
            match (current, last) {
                (R::Stopped | R::Stopping, _) => decision(
                    Action::None,
                    "stopped as scheduled",
                    Some(LastDesired::Stopped),
                ),
                (_, None) if flags.stop_new_instances => decision(
                    stop,
                    "first seen running outside its running period (stop_new_instances)",
                    Some(LastDesired::Stopped),
                ),
                (_, None) => decision(
                    Action::None,
                    "first seen running outside its running period; stop_new_instances is off",
                    Some(LastDesired::Stopped),
                ),
                (_, Some(LastDesired::RetainRunning)) if !flags.enforced => decision(
                    Action::None,
                    "was running before its period began (retain_running)",
                    Some(LastDesired::Stopped),
                ),
                (_, Some(LastDesired::Stopped)) if !flags.enforced => decision(
                    Action::None,
                    "manually started, schedule not enforced",
                    Some(LastDesired::Stopped),
                ),
                (_, Some(LastDesired::Stopped)) => decision(
                    stop,
                    "running, but the schedule is enforced",
                    Some(LastDesired::Stopped),
                ),
                _ => decision(stop, "the running period ended", Some(LastDesired::Stopped)),
            }
        }
    }
}

/// AWS starts an RDS instance or cluster by itself after 7 days stopped. Such a start
/// outside the schedule's running period is not a person's choice, so unlike a manual
/// start of an EC2 instance it is undone (as AWS Instance Scheduler does). To keep an RDS
/// database running outside its period, set an override.
pub fn undo_rds_auto_start(
    kind: ResourceKind,
    current: ResourceState,
    desired: State,
    last: Option<LastDesired>,
    hibernate: bool,
    decision: Decision,
) -> Decision {
    let rds = matches!(kind, ResourceKind::RdsInstance | ResourceKind::RdsCluster);
    if rds
        && current == ResourceState::Running
        && desired == State::Stopped
        && last == Some(LastDesired::Stopped)
        && decision.action == Action::None
    {
        return Decision {
            action: Action::Stop { hibernate },
            reason: "RDS started itself after 7 days stopped; stopped again".into(),
            record: Some(LastDesired::Stopped),
        };
    }
    decision
}

#[cfg(test)]
mod tests {
    use super::*;

    fn want(state: State) -> DesiredOwned {
        DesiredOwned {
            state,
            instance_type: None,
        }
    }

    const PLAIN: ScheduleFlags = ScheduleFlags {
        enforced: false,
        retain_running: false,
        stop_new_instances: true,
        hibernate: false,
        use_maintenance_window: false,
    };

    #[test]
    fn acts_at_transitions_and_leaves_manual_changes_alone() {
        use ResourceState as R;
        // 09:00: the period begins.
        let d = decide(
            R::Stopped,
            None,
            &want(State::Running),
            Some(LastDesired::Stopped),
            PLAIN,
        );
        assert_eq!(d.action, Action::Start);
        // 10:00: someone stopped it; still inside the period.
        let d = decide(
            R::Stopped,
            None,
            &want(State::Running),
            Some(LastDesired::Running),
            PLAIN,
        );
        assert_eq!(
            (d.action, d.reason.as_str()),
            (Action::None, "manually stopped, schedule not enforced")
        );
        let enforced = ScheduleFlags {
            enforced: true,
            ..PLAIN
        };
        assert_eq!(
            decide(
                R::Stopped,
                None,
                &want(State::Running),
                Some(LastDesired::Running),
                enforced
            )
            .action,
            Action::Start
        );
        // 17:00: the period ends.
        assert_eq!(
            decide(
                R::Running,
                None,
                &want(State::Stopped),
                Some(LastDesired::Running),
                PLAIN
            )
            .action,
            Action::Stop { hibernate: false }
        );
        // 20:00: started manually in the evening.
        assert_eq!(
            decide(
                R::Running,
                None,
                &want(State::Stopped),
                Some(LastDesired::Stopped),
                PLAIN
            )
            .action,
            Action::None
        );
    }

    #[test]
    fn retain_running_keeps_an_instance_started_before_its_period() {
        use ResourceState as R;
        let flags = ScheduleFlags {
            retain_running: true,
            ..PLAIN
        };
        let d = decide(
            R::Running,
            None,
            &want(State::Running),
            Some(LastDesired::Stopped),
            flags,
        );
        assert_eq!(d.record, Some(LastDesired::RetainRunning));
        let d = decide(R::Running, None, &want(State::Running), d.record, flags);
        assert_eq!(d.record, Some(LastDesired::RetainRunning));
        assert_eq!(
            decide(R::Running, None, &want(State::Stopped), d.record, flags).action,
            Action::None
        );
    }

    #[test]
    fn rds_started_by_aws_is_stopped_again_but_ec2_started_by_hand_is_not() {
        use ResourceState as R;
        let d = decide(
            R::Running,
            None,
            &want(State::Stopped),
            Some(LastDesired::Stopped),
            PLAIN,
        );
        assert_eq!(d.action, Action::None);
        let rds = undo_rds_auto_start(
            ResourceKind::RdsInstance,
            R::Running,
            State::Stopped,
            Some(LastDesired::Stopped),
            false,
            d.clone(),
        );
        assert_eq!(rds.action, Action::Stop { hibernate: false });
        let ec2 = undo_rds_auto_start(
            ResourceKind::Ec2Instance,
            R::Running,
            State::Stopped,
            Some(LastDesired::Stopped),
            false,
            d,
        );
        assert_eq!(ec2.action, Action::None);
    }

    #[test]
    fn new_instances_and_resizes() {
        use ResourceState as R;
        assert_eq!(
            decide(R::Running, None, &want(State::Stopped), None, PLAIN).action,
            Action::Stop { hibernate: false }
        );
        let lenient = ScheduleFlags {
            stop_new_instances: false,
            ..PLAIN
        };
        assert_eq!(
            decide(R::Running, None, &want(State::Stopped), None, lenient).action,
            Action::None
        );
        let big = DesiredOwned {
            state: State::Running,
            instance_type: Some("t3.xlarge".into()),
        };
        assert_eq!(
            decide(
                R::Stopped,
                Some("t3.medium"),
                &big,
                Some(LastDesired::Stopped),
                PLAIN
            )
            .action,
            Action::Resize {
                to: "t3.xlarge".into()
            }
        );
        assert_eq!(
            decide(
                R::Running,
                Some("t3.medium"),
                &big,
                Some(LastDesired::Running),
                PLAIN
            )
            .action,
            Action::None,
            "no resize between transitions"
        );
        assert_eq!(
            decide(
                R::Stopped,
                Some("t3.xlarge"),
                &big,
                Some(LastDesired::Stopped),
                PLAIN
            )
            .action,
            Action::Start
        );
        assert_eq!(
            decide(R::Terminated, None, &big, None, PLAIN).action,
            Action::None
        );
    }
}
