//! Templates as `/api/v1/templates` shows them.

use isched_store::templates::{HourlyPrice, StoredTemplate};
use jiff::Timestamp;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TemplateView {
    pub name: String,
    pub description: String,
    pub provider: String,
    pub account: Option<String>,
    pub region: String,
    pub image: String,
    pub instance_types: Vec<String>,
    pub default_instance_type: String,
    /// Tried in order when the cloud has no capacity for an instance's own type.
    pub fallback_instance_types: Vec<String>,
    pub subnet: Option<String>,
    pub security_groups: Vec<String>,
    pub tags: BTreeMap<String, String>,
    /// Shown to admins only (it may hold settings users should not read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_data: Option<String>,
    pub root_volume_gb: Option<u32>,
    pub schedule: String,
    pub max_lifetime_hours: u32,
    /// `stop` or `terminate`.
    pub on_expiry: &'static str,
    /// As configured: a number, `{"type": price}`, or null (the provider's list prices).
    #[schema(value_type = Option<Object>)]
    pub hourly_price: Option<HourlyPrice>,
    /// The price per hour of each allowed type, as users see it (null: unknown).
    pub prices: BTreeMap<String, Option<f64>>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub retired_at: Option<Timestamp>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

impl TemplateView {
    /// `admin` decides whether the user data is shown.
    pub fn new(t: StoredTemplate, prices: BTreeMap<String, Option<f64>>, admin: bool) -> Self {
        let s = t.spec;
        TemplateView {
            name: t.name,
            description: s.description,
            provider: s.provider,
            account: s.account,
            region: s.region,
            image: s.image,
            instance_types: s.instance_types,
            default_instance_type: s.default_instance_type,
            fallback_instance_types: s.fallback_instance_types,
            subnet: s.subnet,
            security_groups: s.security_groups,
            tags: s.tags,
            user_data: if admin { s.user_data } else { None },
            root_volume_gb: s.root_volume_gb,
            schedule: s.schedule,
            max_lifetime_hours: s.max_lifetime_hours,
            on_expiry: s.on_expiry.as_str(),
            hourly_price: s.hourly_price,
            prices,
            retired_at: t.retired_at,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}
