//! What the grouped queries (`inventory_plan_groups`, `inventory_usage_groups`,
//! `shared_intervals_between`) share: the parameter that names a tag to read out of the
//! inventory's JSON, and the list of keys each group carries as one text (`group_concat` /
//! `string_agg` with a newline).

use crate::Backend;

/// Keys joined in one text per group; a key never holds a newline.
const KEY_SEPARATOR: char = '\n';

/// A group's keys from their joined text.
pub(crate) fn split_keys(joined: &str) -> Vec<String> {
    joined.split(KEY_SEPARATOR).map(str::to_owned).collect()
}

/// The bound value that reads `tag`: a JSON path for SQLite's `json_extract`, the key
/// itself for Postgres's `->>`.
pub(crate) fn tag_parameter(backend: Backend, tag: &str) -> String {
    match backend {
        Backend::Sqlite => format!("$.\"{}\"", tag.replace('"', "\\\"")),
        Backend::Postgres => tag.to_owned(),
    }
}
