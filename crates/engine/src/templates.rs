//! Instance templates: what a create or update request may say, and the checks that turn it
//! into a stored [`TemplateSpec`]. Every problem names its field (and, in user data, its line).

use crate::definitions::DefinitionError;
use isched_cloud::Target;
use isched_schedule::Catalog;
use isched_schedule::FieldError;
use isched_store::templates::{HourlyPrice, OnExpiry, TemplateSpec};
use serde::{Deserialize, Deserializer};
use std::collections::{BTreeMap, BTreeSet};

/// The lifetime a template gets when its request does not say (a week).
pub const DEFAULT_MAX_LIFETIME_HOURS: u32 = 168;
/// EC2's limit on user data before base64.
const MAX_USER_DATA_BYTES: usize = 16 * 1024;
/// The variables user data may use; filled in at launch.
pub const USER_DATA_VARIABLES: [&str; 2] = ["owner", "name"];
/// Tag keys isched sets on the instances it creates.
pub const RESERVED_TAG_PREFIX: &str = "isched:";

/// A template as a request gives it. On create, absent fields take their defaults; on
/// update (PATCH), absent fields keep their value and `null` clears an optional one.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TemplateInput {
    /// Lower-case letters, digits and `-`; cannot change after creation.
    pub name: Option<String>,
    pub description: Option<String>,
    /// The provider isched runs with (`sandbox` or `aws`); defaults to it.
    pub provider: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub account: Option<Option<String>>,
    /// Defaults to the provider's only region, when it has one.
    pub region: Option<String>,
    /// An image id (EC2: `ami-...`).
    pub image: Option<String>,
    /// The instance types users may pick.
    pub instance_types: Option<Vec<String>>,
    /// One of `instance_types`; defaults to the first.
    pub default_instance_type: Option<String>,
    /// Types to start an instance as, in order, when the cloud has no capacity for its own.
    pub fallback_instance_types: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub subnet: Option<Option<String>>,
    pub security_groups: Option<Vec<String>>,
    pub tags: Option<BTreeMap<String, String>>,
    /// cloud-init; `{{owner}}` and `{{name}}` are filled in at launch.
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub user_data: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u32>))]
    pub root_volume_gb: Option<Option<u32>>,
    /// The schedule new instances follow.
    pub schedule: Option<String>,
    /// How long an instance may live before `on_expiry` happens (owners can extend up to it).
    pub max_lifetime_hours: Option<u32>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "stop"))]
    pub on_expiry: Option<OnExpiry>,
    /// Price per hour shown to users: one number, or `{"type": price}`; else the provider's
    /// price list.
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub hourly_price: Option<Option<HourlyPrice>>,
}

/// `null` is `Some(None)` (clear it), absent is `None` (leave it).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// What the checks need to know about the world.
pub struct TemplateContext<'a> {
    pub provider: &'a str,
    pub targets: &'a [Target],
    pub catalog: &'a Catalog,
    pub schedule_tag: &'a str,
}

/// A new template's name and settings, from a create request.
pub fn create(
    input: TemplateInput,
    ctx: &TemplateContext,
) -> Result<(String, TemplateSpec), DefinitionError> {
    let mut problems = Vec::new();
    let name = input.name.clone().unwrap_or_default();
    check_name(&name, &mut problems);
    let only_region = {
        let regions: BTreeSet<&str> = ctx.targets.iter().map(|t| t.region.as_str()).collect();
        (regions.len() == 1).then(|| regions.into_iter().next().unwrap_or_default())
    };
    let base = TemplateSpec {
        description: String::new(),
        provider: ctx.provider.to_owned(),
        account: None,
        region: only_region.unwrap_or_default().to_owned(),
        image: String::new(),
        instance_types: Vec::new(),
        default_instance_type: String::new(),
        fallback_instance_types: Vec::new(),
        subnet: None,
        security_groups: Vec::new(),
        tags: BTreeMap::new(),
        user_data: None,
        root_volume_gb: None,
        schedule: String::new(),
        max_lifetime_hours: DEFAULT_MAX_LIFETIME_HOURS,
        on_expiry: OnExpiry::Stop,
        hourly_price: None,
    };
    let spec = merge(base, input);
    check(&spec, ctx, &mut problems);
    finish(problems).map(|()| (name, spec))
}

/// A template's settings after a PATCH of `input` over `current`.
pub fn update(
    name: &str,
    current: TemplateSpec,
    input: TemplateInput,
    ctx: &TemplateContext,
) -> Result<TemplateSpec, DefinitionError> {
    let mut problems = Vec::new();
    if input.name.as_deref().is_some_and(|n| n != name) {
        problems.push(FieldError::new(
            "name",
            input.name.as_deref(),
            "a template cannot be renamed; create a new one and retire this one",
        ));
    }
    let types_changed = input.instance_types.is_some();
    let default_given = input.default_instance_type.is_some();
    let mut spec = merge(current, input);
    // New types without a new default: the default follows when it is no longer allowed.
    if types_changed && !default_given && !spec.instance_types.contains(&spec.default_instance_type)
    {
        spec.default_instance_type = spec.instance_types.first().cloned().unwrap_or_default();
    }
    check(&spec, ctx, &mut problems);
    finish(problems).map(|()| spec)
}

fn merge(mut spec: TemplateSpec, input: TemplateInput) -> TemplateSpec {
    let TemplateInput {
        name: _,
        description,
        provider,
        account,
        region,
        image,
        instance_types,
        default_instance_type,
        fallback_instance_types,
        subnet,
        security_groups,
        tags,
        user_data,
        root_volume_gb,
        schedule,
        max_lifetime_hours,
        on_expiry,
        hourly_price,
    } = input;
    macro_rules! set {
        ($($field:ident),*) => { $(if let Some(v) = $field { spec.$field = v; })* };
    }
    set!(
        description,
        provider,
        account,
        region,
        image,
        instance_types,
        fallback_instance_types,
        subnet,
        security_groups,
        tags,
        user_data,
        root_volume_gb,
        schedule,
        max_lifetime_hours,
        on_expiry,
        hourly_price
    );
    spec.default_instance_type = default_instance_type
        .or_else(|| {
            spec.default_instance_type
                .is_empty()
                .then(|| spec.instance_types.first().cloned())
                .flatten()
        })
        .unwrap_or(spec.default_instance_type);
    spec
}

fn finish(problems: Vec<FieldError>) -> Result<(), DefinitionError> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(DefinitionError::Invalid(problems))
    }
}

fn check_name(name: &str, problems: &mut Vec<FieldError>) {
    let ok = (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-');
    if !ok {
        problems.push(FieldError::new(
            "name",
            Some(name),
            "must be 1 to 64 lower-case letters, digits or '-', not starting with '-'",
        ));
    }
}

/// Each of `types` an instance type name (and without a comma when `no_comma`), none listed
/// twice.
fn type_names(
    field: &str,
    types: &[String],
    no_comma: bool,
    problem: &mut impl FnMut(&str, Option<&str>, String),
) {
    let mut seen = BTreeSet::new();
    for t in types {
        if t.trim().is_empty() || t.len() > 64 || (no_comma && t.contains(',')) {
            problem(field, Some(t), "is not an instance type name".into());
        } else if !seen.insert(t) {
            problem(field, Some(t), "is listed twice".into());
        }
    }
}

fn check(spec: &TemplateSpec, ctx: &TemplateContext, problems: &mut Vec<FieldError>) {
    let mut problem = |field: &str, token: Option<&str>, message: String| {
        problems.push(FieldError::new(field, token, message));
    };
    if spec.provider != ctx.provider {
        problem(
            "provider",
            Some(&spec.provider),
            format!("this isched runs the {:?} provider", ctx.provider),
        );
    }
    let regions: BTreeSet<&str> = ctx.targets.iter().map(|t| t.region.as_str()).collect();
    if spec.region.is_empty() {
        problem("region", None, format!("is required (one of {regions:?})"));
    } else if !regions.contains(spec.region.as_str()) {
        problem(
            "region",
            Some(&spec.region),
            format!("is not a region isched manages (one of {regions:?})"),
        );
    }
    if let Some(account) = &spec.account
        && !ctx
            .targets
            .iter()
            .any(|t| &t.account == account && t.region == spec.region)
    {
        problem(
            "account",
            Some(account),
            format!("is not an account isched manages in {:?}", spec.region),
        );
    }
    let aws = ctx.provider == "aws";
    if spec.image.trim().is_empty() {
        problem("image", None, "is required".into());
    } else if aws && !spec.image.starts_with("ami-") {
        problem(
            "image",
            Some(&spec.image),
            "must be an AMI id (ami-...)".into(),
        );
    }
    if spec.instance_types.is_empty() {
        problem(
            "instance_types",
            None,
            "must list at least one instance type".into(),
        );
    }
    type_names("instance_types", &spec.instance_types, false, &mut problem);
    // Fallbacks go into a comma-separated tag (IS-PreferredInstanceTypes).
    type_names(
        "fallback_instance_types",
        &spec.fallback_instance_types,
        true,
        &mut problem,
    );
    if !spec.instance_types.is_empty() && !spec.instance_types.contains(&spec.default_instance_type)
    {
        problem(
            "default_instance_type",
            Some(&spec.default_instance_type),
            "must be one of instance_types".into(),
        );
    }
    if let Some(subnet) = &spec.subnet
        && (subnet.trim().is_empty() || (aws && !subnet.starts_with("subnet-")))
    {
        problem(
            "subnet",
            Some(subnet),
            "must be a subnet id (subnet-...)".into(),
        );
    }
    for sg in &spec.security_groups {
        if sg.trim().is_empty() || (aws && !sg.starts_with("sg-")) {
            problem(
                "security_groups",
                Some(sg),
                "must be a security group id (sg-...)".into(),
            );
        }
    }
    check_tags(&spec.tags, ctx.schedule_tag, &mut problem);
    if let Some(user_data) = &spec.user_data {
        check_user_data(user_data, &mut problem);
    }
    if let Some(gb) = spec.root_volume_gb
        && !(1..=16_384).contains(&gb)
    {
        problem(
            "root_volume_gb",
            Some(&gb.to_string()),
            "must be between 1 and 16384".into(),
        );
    }
    if spec.schedule.is_empty() {
        problem(
            "schedule",
            None,
            "is required: every instance follows a schedule".into(),
        );
    } else if ctx.catalog.schedule(&spec.schedule).is_none() {
        problem(
            "schedule",
            Some(&spec.schedule),
            "no schedule has this name".into(),
        );
    }
    if !(1..=8_760).contains(&spec.max_lifetime_hours) {
        problem(
            "max_lifetime_hours",
            Some(&spec.max_lifetime_hours.to_string()),
            "must be between 1 and 8760 (a year)".into(),
        );
    }
    match &spec.hourly_price {
        Some(HourlyPrice::Flat(p)) => check_price(*p, None, &mut problem),
        Some(HourlyPrice::PerType(prices)) => {
            for (t, p) in prices {
                if !spec.instance_types.contains(t) {
                    problem(
                        "hourly_price",
                        Some(t),
                        "prices a type that instance_types does not list".into(),
                    );
                }
                check_price(*p, Some(t), &mut problem);
            }
        }
        None => {}
    }
}

fn check_price(price: f64, of: Option<&str>, problem: &mut impl FnMut(&str, Option<&str>, String)) {
    if !price.is_finite() || price < 0.0 {
        problem(
            "hourly_price",
            of,
            format!("{price} is not a price (a number of at least 0)"),
        );
    }
}

fn check_tags(
    tags: &BTreeMap<String, String>,
    schedule_tag: &str,
    problem: &mut impl FnMut(&str, Option<&str>, String),
) {
    if tags.len() > 40 {
        problem(
            "tags",
            None,
            format!("{} tags; at most 40 (isched adds its own)", tags.len()),
        );
    }
    for (k, v) in tags {
        if k.is_empty() || k.len() > 128 || v.len() > 256 {
            problem(
                "tags",
                Some(k),
                "keys are 1 to 128 characters, values at most 256".into(),
            );
        } else if k.starts_with("aws:") || k.starts_with(RESERVED_TAG_PREFIX) {
            problem(
                "tags",
                Some(k),
                format!("keys starting with aws: or {RESERVED_TAG_PREFIX} are reserved"),
            );
        } else if k == schedule_tag {
            problem(
                "tags",
                Some(k),
                "is the schedule tag; set the template's schedule instead".into(),
            );
        }
    }
}

/// Every `{{...}}` must be a known variable, and every `{{` closed on its line.
fn check_user_data(text: &str, problem: &mut impl FnMut(&str, Option<&str>, String)) {
    if text.len() > MAX_USER_DATA_BYTES {
        problem(
            "user_data",
            None,
            format!(
                "is {} bytes; EC2 takes at most {MAX_USER_DATA_BYTES}",
                text.len()
            ),
        );
    }
    for (n, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(start) = rest.find("{{") {
            let after = &rest[start + 2..];
            let Some(end) = after.find("}}") else {
                problem(
                    "user_data",
                    None,
                    format!("line {}: {{{{ is not closed with }}}}", n + 1),
                );
                break;
            };
            let variable = after[..end].trim();
            if !USER_DATA_VARIABLES.contains(&variable) {
                problem(
                    "user_data",
                    Some(variable),
                    format!(
                        "line {}: unknown variable {{{{{variable}}}}} (known: {{{{owner}}}}, {{{{name}}}})",
                        n + 1
                    ),
                );
            }
            rest = &after[end + 2..];
        }
    }
}

/// User data with its variables filled in.
pub fn render_user_data(text: &str, owner: &str, name: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                match after[..end].trim() {
                    "owner" => out.push_str(owner),
                    "name" => out.push_str(name),
                    other => {
                        out.push_str("{{");
                        out.push_str(other);
                        out.push_str("}}");
                    }
                }
                rest = &after[end + 2..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The hourly price of each allowed type: the template's own, else the provider's list.
pub fn prices(
    spec: &TemplateSpec,
    list_price: impl Fn(&str) -> Option<f64>,
) -> BTreeMap<String, Option<f64>> {
    spec.instance_types
        .iter()
        .map(|t| {
            let price = match &spec.hourly_price {
                Some(HourlyPrice::Flat(p)) => Some(*p),
                Some(HourlyPrice::PerType(map)) => map.get(t).copied().or_else(|| list_price(t)),
                None => list_price(t),
            };
            (t.clone(), price)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        check_user_data(text, &mut |_, _, m| out.push(m));
        out
    }

    #[test]
    fn user_data_variables_are_checked_by_line() {
        assert!(problems("#!/bin/sh\necho {{ owner }} {{name}}\n").is_empty());
        assert_eq!(
            problems("#!/bin/sh\n\necho {{ownr}}\n"),
            vec!["line 3: unknown variable {{ownr}} (known: {{owner}}, {{name}})"]
        );
        assert_eq!(
            problems("a\necho {{name\n"),
            vec!["line 2: {{ is not closed with }}"]
        );
    }

    #[test]
    fn user_data_is_rendered() {
        assert_eq!(
            render_user_data("hi {{ owner }}, {{name}}!", "ada@x.test", "dev-1"),
            "hi ada@x.test, dev-1!"
        );
        assert_eq!(render_user_data("{{x", "o", "n"), "{{x");
    }
}
