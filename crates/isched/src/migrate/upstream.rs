//! AWS Instance Scheduler's configuration items (partition key `type` = `period` or
//! `schedule`, sort key `name`) to isched's definitions and back. The field names are the
//! same on both sides; what differs is the item form (string sets, flags) and the few
//! fields isched keeps no equivalent of, which are named in [`Note`]s.

use super::Note;
use super::attributes::{boolean, flag, s, ss, string, strings};
use isched_schedule::spec::{CatalogSpec, PeriodSpec, ScheduleSpec};
use serde_json::{Map, Value};

/// What an import read: the definitions to write, and what it left out or changed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Imported {
    pub periods: Vec<PeriodSpec>,
    pub schedules: Vec<ScheduleSpec>,
    pub notes: Vec<Note>,
}

/// How items are read.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The time zone of schedules that name none: upstream gives them its stack's
    /// `DefaultTimezone`, isched would take UTC.
    pub default_timezone: Option<String>,
}

/// Reads every item; an item that is not an object with a `type` and a `name` is an error
/// (named by its position), as is a field whose value has the wrong form.
pub fn from_items(items: &[Value], options: &Options) -> Result<Imported, Vec<String>> {
    let mut out = Imported::default();
    let mut errors = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Some(fields) = item.as_object() else {
            errors.push(format!("item {}: not an object", i + 1));
            continue;
        };
        let kind = fields.get("type").map(string);
        let name = fields.get("name").map(string);
        let (kind, name) = match (kind, name) {
            (Some(Ok(k)), Some(Ok(n))) => (k, n),
            _ => {
                errors.push(format!(
                    "item {}: needs the keys type and name as strings",
                    i + 1
                ));
                continue;
            }
        };
        let mut reader = Reader {
            what: format!("{kind} {name:?}"),
            fields,
            notes: &mut out.notes,
            errors: &mut errors,
        };
        match kind.as_str() {
            "period" => out.periods.push(reader.period(name)),
            "schedule" => out.schedules.push(reader.schedule(name, options)),
            "config" => reader.note(
                "upstream's global settings (v1 and v2) are not definitions: set their \
                 equivalents in isched's configuration (tagname is ISCHED_SCHEDULE_TAG, \
                 regions is ISCHED_AWS_REGIONS, started_tags and stopped_tags are \
                 ISCHED_STARTED_TAGS and ISCHED_STOPPED_TAGS); see docs/migration.md",
            ),
            other => reader.note(&format!(
                "items of type {other:?} are not periods or schedules; left out"
            )),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// One item being read: each field is taken once, and those left are reported.
struct Reader<'a> {
    what: String,
    fields: &'a Map<String, Value>,
    notes: &'a mut Vec<Note>,
    errors: &'a mut Vec<String>,
}

impl Reader<'_> {
    fn note(&mut self, message: &str) {
        self.notes.push(Note {
            what: self.what.clone(),
            message: message.to_owned(),
        });
    }

    fn read<T>(&mut self, field: &str, parse: fn(&Value) -> Result<T, String>) -> Option<T> {
        let v = self.fields.get(field)?;
        match parse(v) {
            Ok(t) => Some(t),
            Err(e) => {
                self.errors.push(format!("{}: {field}: {e}", self.what));
                None
            }
        }
    }

    /// A set as isched writes it: one comma-separated text.
    fn list(&mut self, field: &str) -> Option<String> {
        self.read(field, strings)
            .filter(|l| !l.is_empty())
            .map(|l| l.join(","))
    }

    /// Notes `configured_in_stack` and every field this reader does not know.
    fn rest(&mut self, known: &[&str]) {
        if let Some(stack) = self.read("configured_in_stack", string) {
            self.note(&format!(
                "configured_in_stack ({stack}) is left out: the definition now lives in \
                 isched, not in that CloudFormation stack"
            ));
        }
        let unknown: Vec<String> = self
            .fields
            .keys()
            .filter(|k| !known.contains(&k.as_str()))
            .filter(|k| !["type", "name", "configured_in_stack"].contains(&k.as_str()))
            .cloned()
            .collect();
        for field in unknown {
            self.note(&format!(
                "{field} is not a field of upstream's v3 configuration table; left out"
            ));
        }
    }

    fn period(&mut self, name: String) -> PeriodSpec {
        let spec = PeriodSpec {
            name,
            description: self.read("description", string),
            begintime: self.read("begintime", string),
            endtime: self.read("endtime", string),
            weekdays: self.list("weekdays"),
            monthdays: self.list("monthdays"),
            months: self.list("months"),
            start_cron: None,
            stop_cron: None,
        };
        self.rest(PERIOD_FIELDS);
        spec
    }

    fn schedule(&mut self, name: String, options: &Options) -> ScheduleSpec {
        let mut timezone = self.read("timezone", string);
        if timezone.is_none()
            && let Some(tz) = &options.default_timezone
        {
            self.note(&format!(
                "names no timezone: given {tz} (--default-timezone), as upstream gives it \
                 the stack's DefaultTimezone"
            ));
            timezone = Some(tz.clone());
        }
        let spec = ScheduleSpec {
            name,
            description: self.read("description", string),
            timezone,
            periods: self.read("periods", strings).unwrap_or_default(),
            override_status: self.read("override_status", string),
            enforced: self.read("enforced", flag),
            retain_running: self.read("retain_running", flag),
            stop_new_instances: self.read("stop_new_instances", flag),
            hibernate: self.read("hibernate", flag),
            use_maintenance_window: self.read("use_maintenance_window", flag),
            ssm_maintenance_window: self
                .read("ssm_maintenance_window", strings)
                .unwrap_or_default(),
            ..ScheduleSpec::default()
        };
        self.rest(SCHEDULE_FIELDS);
        spec
    }
}

const PERIOD_FIELDS: &[&str] = &[
    "description",
    "begintime",
    "endtime",
    "weekdays",
    "monthdays",
    "months",
];

const SCHEDULE_FIELDS: &[&str] = &[
    "description",
    "timezone",
    "periods",
    "override_status",
    "enforced",
    "retain_running",
    "stop_new_instances",
    "hibernate",
    "use_maintenance_window",
    "ssm_maintenance_window",
];

/// isched's definitions as upstream's items, and what upstream has no field for.
pub fn to_items(spec: &CatalogSpec) -> (Vec<Value>, Vec<Note>) {
    let mut items = Vec::new();
    let mut notes = Vec::new();
    let mut note = |what: String, message: &str| {
        notes.push(Note {
            what,
            message: message.to_owned(),
        })
    };
    for p in &spec.periods {
        if p.start_cron.is_some() || p.stop_cron.is_some() {
            note(
                format!("period {:?}", p.name),
                "a cron period has no upstream form; left out",
            );
            continue;
        }
        let mut item = Map::new();
        item.insert("type".into(), s("period"));
        item.insert("name".into(), s(&p.name));
        let mut text = |k: &str, v: &Option<String>| {
            if let Some(v) = v {
                item.insert(k.into(), s(v));
            }
        };
        text("description", &p.description);
        text("begintime", &p.begintime);
        text("endtime", &p.endtime);
        for (k, v) in [
            ("weekdays", &p.weekdays),
            ("monthdays", &p.monthdays),
            ("months", &p.months),
        ] {
            if let Some(v) = v {
                let mut set: Vec<String> = v.split(',').map(|x| x.trim().to_owned()).collect();
                set.sort();
                set.dedup();
                item.insert(k.into(), ss(&set));
            }
        }
        items.push(Value::Object(item));
    }
    for sch in &spec.schedules {
        let what = format!("schedule {:?}", sch.name);
        if !sch.calendars.is_empty() || sch.calendar_days.is_some() {
            note(
                what.clone(),
                "holiday calendars have no upstream form; left out",
            );
        }
        if !sch.exceptions.is_empty() {
            note(
                what.clone(),
                "dated exceptions have no upstream form; left out",
            );
        }
        let mut item = Map::new();
        item.insert("type".into(), s("schedule"));
        item.insert("name".into(), s(&sch.name));
        for (k, v) in [
            ("description", &sch.description),
            ("timezone", &sch.timezone),
            ("override_status", &sch.override_status),
        ] {
            if let Some(v) = v {
                item.insert(k.into(), s(v));
            }
        }
        for (k, v) in [
            ("periods", &sch.periods),
            ("ssm_maintenance_window", &sch.ssm_maintenance_window),
        ] {
            // DynamoDB refuses empty sets.
            if !v.is_empty() {
                let mut set = v.clone();
                set.sort();
                set.dedup();
                item.insert(k.into(), ss(&set));
            }
        }
        for (k, v) in [
            ("enforced", sch.enforced),
            ("retain_running", sch.retain_running),
            ("stop_new_instances", sch.stop_new_instances),
            ("hibernate", sch.hibernate),
            ("use_maintenance_window", sch.use_maintenance_window),
        ] {
            if let Some(v) = v {
                item.insert(k.into(), boolean(v));
            }
        }
        items.push(Value::Object(item));
    }
    if !spec.calendars.is_empty() {
        note(
            format!("{} calendars", spec.calendars.len()),
            "holiday calendars have no upstream form; left out",
        );
    }
    (items, notes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn items() -> Vec<Value> {
        vec![
            json!({"type": {"S": "period"}, "name": {"S": "office"}, "begintime": {"S": "09:00"},
                   "endtime": {"S": "17:00"}, "weekdays": {"SS": ["mon-fri"]},
                   "description": {"S": "office hours"}}),
            json!({"type": {"S": "period"}, "name": {"S": "first"}, "monthdays": {"SS": ["1", "2"]},
                   "months": {"SS": ["jan"]}, "configured_in_stack": {"S": "arn:aws:cloudformation:stack/x"}}),
            json!({"type": {"S": "schedule"}, "name": {"S": "office"}, "timezone": {"S": "Europe/Paris"},
                   "periods": {"SS": ["office@t3.large", "first"]}, "enforced": {"BOOL": true},
                   "retain_running": {"BOOL": false}, "stop_new_instances": {"BOOL": true},
                   "hibernate": {"BOOL": false}, "override_status": {"S": "running"},
                   "use_maintenance_window": {"BOOL": true}, "ssm_maintenance_window": {"SS": ["weekly"]},
                   "description": {"S": "d"}}),
            json!({"type": {"S": "config"}, "name": {"S": "scheduler"}, "tagname": {"S": "Schedule"}}),
        ]
    }

    #[test]
    fn every_field_comes_over_and_what_cannot_is_named() {
        let got = from_items(&items(), &Options::default()).expect("imported");
        assert_eq!(got.periods.len(), 2);
        assert_eq!(got.periods[0].weekdays.as_deref(), Some("mon-fri"));
        assert_eq!(got.periods[1].monthdays.as_deref(), Some("1,2"));
        let s = &got.schedules[0];
        assert_eq!(s.periods, vec!["first", "office@t3.large"]);
        assert_eq!(s.ssm_maintenance_window, vec!["weekly"]);
        assert_eq!(
            (s.enforced, s.retain_running, s.hibernate),
            (Some(true), Some(false), Some(false))
        );
        let notes: Vec<String> = got.notes.iter().map(ToString::to_string).collect();
        assert!(
            notes
                .iter()
                .any(|n| n.starts_with("period \"first\": configured_in_stack")),
            "{notes:?}"
        );
        assert!(
            notes.iter().any(|n| n.starts_with("config \"scheduler\"")),
            "{notes:?}"
        );
    }

    #[test]
    fn exported_back_equal_but_for_the_stack() {
        let got = from_items(&items(), &Options::default()).expect("imported");
        let spec = CatalogSpec {
            periods: got.periods,
            schedules: got.schedules,
            ..CatalogSpec::default()
        };
        let (back, notes) = to_items(&spec);
        assert!(notes.is_empty(), "{notes:?}");
        let mut want = items();
        want.pop();
        want[1]
            .as_object_mut()
            .expect("object")
            .remove("configured_in_stack");
        // Items in any order, sets in any order.
        let canon = |v: &Vec<Value>| {
            let mut v: Vec<String> = v.iter().map(|i| canonical(i).to_string()).collect();
            v.sort();
            v
        };
        assert_eq!(canon(&back), canon(&want));
    }

    /// Sets sorted, so that order does not count.
    fn canonical(v: &Value) -> Value {
        match v {
            Value::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, v)| {
                        let v = match (k.as_str(), v) {
                            ("SS", Value::Array(a)) => {
                                let mut a = a.clone();
                                a.sort_by_key(|x| x.to_string());
                                Value::Array(a)
                            }
                            _ => canonical(v),
                        };
                        (k.clone(), v)
                    })
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    #[test]
    fn a_wrong_form_is_an_error_naming_item_and_field() {
        let bad = vec![
            json!({"type": {"S": "period"}, "name": {"S": "p"}, "weekdays": {"BOOL": true}}),
            json!({"name": {"S": "x"}}),
        ];
        let errors = from_items(&bad, &Options::default()).expect_err("refused");
        assert!(
            errors[0].starts_with("period \"p\": weekdays:"),
            "{errors:?}"
        );
        assert_eq!(errors[1], "item 2: needs the keys type and name as strings");
    }
}
