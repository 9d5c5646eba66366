//! Configuration of the tags written back after the scheduler acts: `started_tags` and
//! `stopped_tags` in AWS Instance Scheduler's form (`Key=value,Other=value`, with its
//! placeholders), and the key of the error tag.

use super::{Problem, Raw};
use isched_engine::action_tags::{ActionTags, parse_templates};

pub(super) const KEYS: &[&str] = &["started_tags", "stopped_tags", "error_tag"];

pub(super) fn parse(raw: &Raw, problems: &mut Vec<Problem>) -> ActionTags {
    let mut templates = |key: &str| match raw.get(key) {
        None => Vec::new(),
        Some((v, source)) => parse_templates(v).unwrap_or_else(|message| {
            problems.push(Problem {
                key: source.to_owned(),
                message,
            });
            Vec::new()
        }),
    };
    let started = templates("started_tags");
    let stopped = templates("stopped_tags");
    let error_tag = raw
        .get("error_tag")
        .map(|_| raw.tag_key("error_tag", "", problems));
    ActionTags {
        started,
        stopped,
        error_tag,
    }
}
