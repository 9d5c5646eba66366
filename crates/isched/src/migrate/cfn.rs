//! Schedules defined in a CloudFormation template as upstream's custom resources
//! (`Type: Custom::ServiceInstanceSchedule`), turned into the configuration items upstream's
//! handler would write for them: the schedule named `STACK-Name` (or `Name` with
//! `NoStackPrefix: 'True'`), its periods named `SCHEDULE-period-0001`, ... with the
//! instance type, if any, on the schedule's reference to the period.

use super::Note;
use super::attributes::{boolean, s, ss};
use serde_json::{Map, Value};

pub const RESOURCE_TYPE: &str = "Custom::ServiceInstanceSchedule";

const SCHEDULE_PROPERTIES: &[&str] = &[
    "ServiceToken",
    "Timeout",
    "Metrics",
    "NoStackPrefix",
    "Name",
    "Description",
    "Timezone",
    "Enforced",
    "Hibernate",
    "RetainRunning",
    "StopNewInstances",
    "SsmMaintenanceWindow",
    "UseMaintenanceWindow",
    "OverrideStatus",
    "Periods",
];

const PERIOD_PROPERTIES: &[&str] = &[
    "Description",
    "BeginTime",
    "EndTime",
    "InstanceType",
    "MonthDays",
    "Months",
    "WeekDays",
];

/// A property's plain value as text; an intrinsic function (`{"Ref": ...}`) is an error.
fn text(
    errors: &mut Vec<String>,
    key: &str,
    from: &Map<String, Value>,
    what: &str,
) -> Option<String> {
    match from.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => {
            errors.push(format!(
                "{what}: {key} is not a plain value (an intrinsic function such as Ref or \
                 Fn::Sub?); put the value it resolves to in the file"
            ));
            None
        }
    }
}

/// Whether a parsed file is a CloudFormation template rather than items.
pub fn is_template(v: &Value) -> bool {
    v.get("Resources").is_some_and(Value::is_object)
}

/// The items of every schedule resource in `template`; `stack` is the stack's name, for
/// the prefix upstream puts on names.
pub fn items(
    template: &Value,
    stack: Option<&str>,
) -> Result<(Vec<Value>, Vec<Note>), Vec<String>> {
    let mut items = Vec::new();
    let mut notes = Vec::new();
    let mut errors = Vec::new();
    let resources = template
        .get("Resources")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (logical, resource) in &resources {
        if resource.get("Type").and_then(Value::as_str) != Some(RESOURCE_TYPE) {
            continue;
        }
        let what = format!("resource {logical}");
        let props = resource
            .get("Properties")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for key in props
            .keys()
            .filter(|k| !SCHEDULE_PROPERTIES.contains(&k.as_str()))
        {
            notes.push(Note {
                what: what.clone(),
                message: format!(
                    "{key} is not a property of upstream's schedule resource; left out"
                ),
            });
        }
        let base = text(&mut errors, "Name", &props, &what).unwrap_or_else(|| logical.clone());
        let prefixed = !text(&mut errors, "NoStackPrefix", &props, &what)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let name = match (prefixed, stack) {
            (true, Some(stack)) => format!("{stack}-{base}"),
            (true, None) => {
                notes.push(Note {
                    what: what.clone(),
                    message: format!(
                        "named {base:?} without the stack prefix upstream adds: pass --stack NAME to keep upstream's names"
                    ),
                });
                base
            }
            (false, _) => base,
        };
        let mut schedule = Map::new();
        schedule.insert("type".into(), s("schedule"));
        schedule.insert("name".into(), s(&name));
        let mut period_ids = Vec::new();
        let periods = props
            .get("Periods")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for (i, period) in periods.iter().enumerate() {
            let period_name = format!("{name}-period-{:04}", i + 1);
            let pwhat = format!("{what} period {}", i + 1);
            let Some(p) = period.as_object() else {
                errors.push(format!("{pwhat}: not an object"));
                continue;
            };
            for key in p
                .keys()
                .filter(|k| !PERIOD_PROPERTIES.contains(&k.as_str()))
            {
                errors.push(format!("{pwhat}: {key} is not a property of a period"));
            }
            let mut item = Map::new();
            item.insert("type".into(), s("period"));
            item.insert("name".into(), s(&period_name));
            let description = text(&mut errors, "Description", p, &pwhat).unwrap_or_else(|| {
                format!(
                    "Schedule {name} period {}, do not delete or update manually",
                    i + 1
                )
            });
            item.insert("description".into(), s(&description));
            for (key, field) in [("BeginTime", "begintime"), ("EndTime", "endtime")] {
                if let Some(v) = text(&mut errors, key, p, &pwhat) {
                    item.insert(field.into(), s(&v));
                }
            }
            for (key, field) in [
                ("WeekDays", "weekdays"),
                ("MonthDays", "monthdays"),
                ("Months", "months"),
            ] {
                if let Some(v) = text(&mut errors, key, p, &pwhat) {
                    let set: Vec<String> = v.split(',').map(|x| x.trim().to_owned()).collect();
                    item.insert(field.into(), ss(&set));
                }
            }
            period_ids.push(match text(&mut errors, "InstanceType", p, &pwhat) {
                Some(t) => format!("{period_name}@{t}"),
                None => period_name,
            });
            items.push(Value::Object(item));
        }
        if !period_ids.is_empty() {
            schedule.insert("periods".into(), ss(&period_ids));
        }
        for (key, field) in [
            ("Description", "description"),
            ("Timezone", "timezone"),
            ("OverrideStatus", "override_status"),
        ] {
            if let Some(v) = text(&mut errors, key, &props, &what) {
                schedule.insert(field.into(), s(&v));
            }
        }
        for (key, field) in [
            ("Enforced", "enforced"),
            ("Hibernate", "hibernate"),
            ("RetainRunning", "retain_running"),
            ("StopNewInstances", "stop_new_instances"),
            ("UseMaintenanceWindow", "use_maintenance_window"),
        ] {
            match text(&mut errors, key, &props, &what).map(|v| v.to_ascii_lowercase()) {
                Some(v) if v == "true" => {
                    schedule.insert(field.into(), boolean(true));
                }
                Some(v) if v == "false" => {
                    schedule.insert(field.into(), boolean(false));
                }
                Some(v) => errors.push(format!("{what}: {key}: {v:?} is not 'True' or 'False'")),
                None => {}
            }
        }
        match props.get("SsmMaintenanceWindow") {
            Some(Value::String(v)) => {
                let set: Vec<String> = v.split(',').map(|x| x.trim().to_owned()).collect();
                schedule.insert("ssm_maintenance_window".into(), ss(&set));
            }
            Some(Value::Array(list)) => {
                match list.iter().map(Value::as_str).collect::<Option<Vec<_>>>() {
                    Some(l) => {
                        let set: Vec<String> = l.into_iter().map(str::to_owned).collect();
                        schedule.insert("ssm_maintenance_window".into(), ss(&set));
                    }
                    None => errors.push(format!(
                        "{what}: SsmMaintenanceWindow holds a value that is not text"
                    )),
                }
            }
            Some(_) => errors.push(format!(
                "{what}: SsmMaintenanceWindow is not text or a list"
            )),
            None => {}
        }
        items.push(Value::Object(schedule));
    }
    if errors.is_empty() {
        Ok((items, notes))
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_sample_schedule_becomes_its_items() {
        let template: Value = serde_yaml_ng::from_str(
            r#"
Resources:
  SampleSchedule:
    Type: 'Custom::ServiceInstanceSchedule'
    Properties:
      ServiceToken: arn:aws:lambda:us-east-1:111111111111:function:x
      NoStackPrefix: 'False'
      Name: my-schedule
      Timezone: America/New_York
      Enforced: 'True'
      Hibernate: 'True'
      RetainRunning: 'True'
      StopNewInstances: 'True'
      SsmMaintenanceWindow: 'my_window_name'
      OverrideStatus: 'running'
      Periods:
      - Description: first three days of March
        BeginTime: '9:00'
        EndTime: '17:00'
        InstanceType: 't2.micro'
        MonthDays: '1-3'
        Months: '3'
      - BeginTime: '14:00'
        EndTime: '17:00'
        WeekDays: 'Sat-Sun'
  Other:
    Type: AWS::S3::Bucket
"#,
        )
        .expect("yaml");
        let (items, notes) = items(&template, Some("stack")).expect("items");
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(items.len(), 3);
        assert_eq!(items[0]["name"]["S"], "stack-my-schedule-period-0001");
        assert_eq!(items[1]["weekdays"]["SS"][0], "Sat-Sun");
        let schedule = &items[2];
        assert_eq!(schedule["name"]["S"], "stack-my-schedule");
        assert_eq!(
            schedule["periods"]["SS"],
            serde_json::json!([
                "stack-my-schedule-period-0001@t2.micro",
                "stack-my-schedule-period-0002"
            ])
        );
        assert_eq!(schedule["hibernate"]["BOOL"], true);
        assert_eq!(
            schedule["ssm_maintenance_window"]["SS"][0],
            "my_window_name"
        );
    }

    #[test]
    fn an_intrinsic_function_is_named() {
        let template = serde_json::json!({"Resources": {"S": {"Type": RESOURCE_TYPE,
            "Properties": {"Name": {"Ref": "Param"}}}}});
        let errors = items(&template, None).expect_err("refused");
        assert!(
            errors[0].contains("resource S: Name is not a plain value"),
            "{errors:?}"
        );
    }
}
