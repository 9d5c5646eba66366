//! The tags a pass writes back on the resources it acted on, as AWS Instance Scheduler does:
//! its `started_tags` after a start and `stopped_tags` after a stop (each taking the other's
//! keys off), and an error tag with its message after a failed action, taken off again by
//! the next action that succeeds. All off unless configured.

use crate::decide::Action;
use crate::plan::Planned;
use crate::reconcile::Outcome;
use isched_cloud::{Provider, ResourceRef, TagChange, Target};
use jiff::Timestamp;
use std::collections::{BTreeMap, HashMap};

/// What `{scheduler}` becomes in a tag value (upstream puts its stack's name there).
pub const SCHEDULER_NAME: &str = "isched";

/// The longest tag key and value AWS accepts.
const MAX_KEY: usize = 128;
const MAX_VALUE: usize = 256;

/// One `KEY=VALUE` of `started_tags` or `stopped_tags`; the value may hold placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagTemplate {
    pub key: String,
    pub value: String,
}

/// The configured write-back; the default writes nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionTags {
    pub started: Vec<TagTemplate>,
    pub stopped: Vec<TagTemplate>,
    /// The key of the error tag (upstream: `IS-Error`); its message goes in this key
    /// followed by `Message`.
    pub error_tag: Option<String>,
}

/// One change to make on several resources of a target at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retag {
    pub target: Target,
    pub change: TagChange,
    pub resources: Vec<ResourceRef>,
}

/// Parses upstream's form, `Key=value,Other=value`, one such list per line. As upstream, a
/// piece without `=` continues the value before it, so values may contain commas.
pub fn parse_templates(text: &str) -> Result<Vec<TagTemplate>, String> {
    let mut templates: Vec<TagTemplate> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let mut continues = false;
        for piece in line.split(',') {
            match piece.split_once('=') {
                Some((key, value)) => {
                    let key = key.trim();
                    check_key(key).map_err(|e| format!("line {}: {e}", n + 1))?;
                    templates.retain(|t| t.key != key);
                    templates.push(TagTemplate {
                        key: key.to_owned(),
                        value: value.trim().to_owned(),
                    });
                    continues = true;
                }
                None if piece.trim().is_empty() && !continues => {}
                None => match templates.last_mut() {
                    Some(last) if continues => {
                        last.value.push(',');
                        last.value.push_str(piece.trim_end());
                    }
                    _ => {
                        return Err(format!(
                            "line {}: {:?} is not KEY=VALUE",
                            n + 1,
                            piece.trim()
                        ));
                    }
                },
            }
        }
    }
    if let Some(t) = templates
        .iter()
        .find(|t| t.value.chars().count() > MAX_VALUE)
    {
        return Err(format!(
            "the value of {:?} is longer than {MAX_VALUE} characters",
            t.key
        ));
    }
    Ok(templates)
}

fn check_key(key: &str) -> Result<(), String> {
    if key.is_empty() || key.chars().count() > MAX_KEY {
        return Err(format!(
            "{key:?} is not a tag key of 1 to {MAX_KEY} characters"
        ));
    }
    if key.to_ascii_lowercase().starts_with("aws:") {
        return Err(format!("{key:?}: keys starting with aws: are AWS's own"));
    }
    Ok(())
}

/// `value` with upstream's placeholders filled in for the instant `at`, in UTC as upstream
/// does: `{scheduler}`, `{year}`, `{month}`, `{day}`, `{hour}`, `{minute}`, `{timezone}`.
/// Others are left as written.
pub fn expand(value: &str, at: Timestamp) -> String {
    let utc = at.to_zoned_datetime(jiff::tz::TimeZone::UTC);
    [
        ("{scheduler}", SCHEDULER_NAME.to_owned()),
        ("{year}", format!("{:04}", utc.year())),
        ("{month}", format!("{:02}", utc.month())),
        ("{day}", format!("{:02}", utc.day())),
        ("{hour}", format!("{:02}", utc.hour())),
        ("{minute}", format!("{:02}", utc.minute())),
        ("{timezone}", "UTC".to_owned()),
    ]
    .iter()
    .fold(value.to_owned(), |v, (placeholder, with)| {
        v.replace(placeholder, with)
    })
}

impl ActionTags {
    pub fn is_off(&self) -> bool {
        self.started.is_empty() && self.stopped.is_empty() && self.error_tag.is_none()
    }

    fn message_key(error_tag: &str) -> String {
        format!("{error_tag}Message")
    }

    /// The changes after a pass at `at`, grouped so that resources of a target needing the
    /// same change share one request.
    pub fn changes(
        &self,
        planned: &[Planned],
        outcomes: &HashMap<String, Outcome>,
        at: Timestamp,
    ) -> Vec<Retag> {
        let mut groups: BTreeMap<(Target, TagChange), Vec<ResourceRef>> = BTreeMap::new();
        for p in planned {
            let Some(outcome) = outcomes.get(&p.key) else {
                continue;
            };
            let change = self.change_for(p, outcome, at);
            if !change.is_empty() {
                groups
                    .entry((p.resource.target(), change))
                    .or_default()
                    .push(p.resource.reference());
            }
        }
        groups
            .into_iter()
            .map(|((target, change), resources)| Retag {
                target,
                change,
                resources,
            })
            .collect()
    }

    fn change_for(&self, p: &Planned, outcome: &Outcome, at: Timestamp) -> TagChange {
        let tags = &p.resource.tags;
        let mut change = TagChange::default();
        let started = match p.decision.action {
            Action::Start | Action::Resize { .. } => true,
            Action::Stop { .. } => false,
            Action::None => return change,
        };
        match outcome {
            Outcome::Ok => {
                let (written, taken_off) = if started {
                    (&self.started, &self.stopped)
                } else {
                    (&self.stopped, &self.started)
                };
                for t in written {
                    let value = expand(&t.value, at);
                    if tags.get(&t.key) != Some(&value) {
                        change.set.insert(t.key.clone(), value);
                    }
                }
                let mut remove: Vec<String> = taken_off.iter().map(|t| t.key.clone()).collect();
                if let Some(error_tag) = &self.error_tag {
                    remove.push(error_tag.clone());
                    remove.push(Self::message_key(error_tag));
                }
                change.remove = remove
                    .into_iter()
                    .filter(|k| tags.contains_key(k) && !written.iter().any(|t| &t.key == k))
                    .collect();
            }
            Outcome::Failed(message) => {
                let Some(error_tag) = &self.error_tag else {
                    return change;
                };
                let code = if started { "StartFailed" } else { "StopFailed" };
                // A failure that repeats keeps the tag of its first time, as upstream's.
                let recurring = tags
                    .get(error_tag)
                    .is_some_and(|v| v.split(' ').next() == Some(code));
                if !recurring {
                    let when = at.strftime("%Y-%m-%d %H:%M:%S UTC");
                    change
                        .set
                        .insert(error_tag.clone(), format!("{code} {when}"));
                    change
                        .set
                        .insert(Self::message_key(error_tag), tag_value_of(message));
                }
            }
            Outcome::None | Outcome::DryRun => {}
        }
        change
    }
}

/// `text` as a tag value every service takes: RDS allows letters, digits, spaces and
/// `_.:/=+-@` only, and 256 characters.
fn tag_value_of(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_alphanumeric() || c == ' ' || "_.:/=+-@".contains(c) {
                c
            } else {
                ' '
            }
        })
        .take(MAX_VALUE)
        .collect::<String>()
        .trim()
        .to_owned()
}

/// Makes the changes, all targets at once. A failure is logged and counted, not an error
/// of the pass: the actions themselves were made.
pub async fn write(provider: &dyn Provider, retags: &[Retag]) {
    let calls = retags
        .iter()
        .map(|r| async move { (r, provider.retag(&r.target, &r.resources, &r.change).await) });
    for (r, result) in futures_util::future::join_all(calls).await {
        if let Err(e) = result {
            metrics::counter!("isched_action_tag_failures_total").increment(1);
            tracing::warn!(target = %r.target, resources = r.resources.len(), error = %e,
                "cannot write the tags of an action");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_form_with_commas_in_values() {
        let t = parse_templates("StartedBy={scheduler},Note=a,b\nOwner=ops").expect("parses");
        let pairs: Vec<(&str, &str)> = t
            .iter()
            .map(|t| (t.key.as_str(), t.value.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("StartedBy", "{scheduler}"),
                ("Note", "a,b"),
                ("Owner", "ops")
            ]
        );
    }

    #[test]
    fn bad_templates_are_named_with_their_line() {
        let e = parse_templates("A=1\nnot a pair").expect_err("refused");
        assert!(e.contains("line 2") && e.contains("not a pair"), "{e}");
        let e = parse_templates("aws:x=1").expect_err("refused");
        assert!(e.contains("aws:"), "{e}");
        let e = parse_templates("=1").expect_err("refused");
        assert!(e.contains("line 1"), "{e}");
    }

    #[test]
    fn placeholders_are_the_utc_instant() {
        let at: Timestamp = "2026-03-08T07:05:00Z".parse().expect("instant");
        assert_eq!(
            expand(
                "{scheduler} {year}-{month}-{day} {hour}:{minute} {timezone} {other}",
                at
            ),
            "isched 2026-03-08 07:05 UTC {other}"
        );
    }

    #[test]
    fn messages_become_values_rds_takes() {
        let v = tag_value_of("InvalidState (\"i-1\"): can't start; try later!");
        assert_eq!(v, "InvalidState   i-1  : can t start  try later");
        assert_eq!(tag_value_of(&"x".repeat(400)).len(), MAX_VALUE);
    }
}
