//! What `/api/v1` answers, as types: each response body is a struct here (or a store type
//! that is already one), so that handlers cannot drift from the OpenAPI document, which is
//! generated from these.

pub(crate) mod audit;
pub(crate) mod auth;
pub(crate) mod instances;
pub(crate) mod resources;
pub(crate) mod templates;
pub mod usage;
pub(crate) mod users;

use crate::error::ApiError;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Items per page when the request does not say.
pub(crate) const DEFAULT_LIMIT: u32 = 100;
/// The most items one page holds.
pub(crate) const MAX_LIMIT: u32 = 1000;

/// One page of a list: `next_cursor` fetches the next page, and is null on the last.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

/// `?limit=N&cursor=C`, as every list takes.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct PageQuery {
    /// Items per page, 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn limit(&self) -> Result<u32, ApiError> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(n @ 1..=MAX_LIMIT) => Ok(n),
            Some(n) => Err(ApiError::invalid(
                "limit",
                format!("{n} is not between 1 and {MAX_LIMIT}"),
            )),
        }
    }

    /// The position the cursor stands for (the sort key of the last item of the previous
    /// page), if one was given.
    pub fn after(&self) -> Result<Option<String>, ApiError> {
        let Some(cursor) = self.cursor.as_deref().filter(|c| !c.is_empty()) else {
            return Ok(None);
        };
        URL_SAFE_NO_PAD
            .decode(cursor)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .map(Some)
            .ok_or_else(|| ApiError::invalid("cursor", "is not a cursor this server gave out"))
    }

    /// Pages a list held in memory (users, tokens, definitions: small sets), sorted by `key`.
    pub fn page_of<T>(
        &self,
        mut items: Vec<T>,
        key: impl Fn(&T) -> String,
    ) -> Result<Page<T>, ApiError> {
        let limit = self.limit()? as usize;
        let after = self.after()?;
        items.sort_by_key(|a| key(a));
        if let Some(after) = after {
            items.retain(|i| key(i) > after);
        }
        let more = items.len() > limit;
        items.truncate(limit);
        let next_cursor = more
            .then(|| items.last().map(|i| cursor(&key(i))))
            .flatten();
        Ok(Page { items, next_cursor })
    }
}

/// The opaque cursor for a sort key.
pub(crate) fn cursor(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(key)
}

/// `{"recovery_codes":[...]}`, shown once.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RecoveryCodes {
    pub recovery_codes: Vec<String>,
}
