//! Stored periods, schedules and calendars: create, update, delete, import and export, each
//! change validated against the whole set (a schedule must name existing periods and
//! calendars; a period in use cannot be deleted), so the stored set always parses.

use isched_schedule::spec::{CalendarSpec, CatalogSpec, PeriodSpec, ScheduleSpec};
use isched_schedule::{Catalog, FieldError, ParseErrors};
use isched_store::definitions::DefinitionChange;
use isched_store::{Store, StoreError};
use jiff::Timestamp;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Period,
    Schedule,
    Calendar,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Period => "period",
            Kind::Schedule => "schedule",
            Kind::Calendar => "calendar",
        }
    }

    fn parse(s: &str) -> Option<Kind> {
        [Kind::Period, Kind::Schedule, Kind::Calendar]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DefinitionError {
    /// Every problem, each naming its field (and owner).
    #[error("{}", ParseErrors(.0.clone()))]
    Invalid(Vec<FieldError>),
    #[error("no {0} named {1:?}")]
    NotFound(&'static str, String),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One problem with one field.
pub fn invalid(field: &str, message: impl Into<String>) -> DefinitionError {
    DefinitionError::Invalid(vec![FieldError::new(field, None, message)])
}

/// The definitions service over the store.
#[derive(Debug, Clone)]
pub struct Definitions {
    store: Store,
}

fn name_of(spec: &CatalogSpec, kind: Kind) -> Vec<String> {
    match kind {
        Kind::Period => spec.periods.iter().map(|p| p.name.clone()).collect(),
        Kind::Schedule => spec.schedules.iter().map(|s| s.name.clone()).collect(),
        Kind::Calendar => spec.calendars.iter().map(|c| c.name.clone()).collect(),
    }
}

impl Definitions {
    pub fn new(store: Store) -> Definitions {
        Definitions { store }
    }

    /// Everything stored, as one definitions document.
    pub async fn export(&self) -> Result<CatalogSpec, DefinitionError> {
        let mut spec = CatalogSpec::default();
        for d in self.store.definitions().await? {
            let corrupt =
                |e: serde_json::Error| StoreError::Corrupt(format!("{} {:?}: {e}", d.kind, d.name));
            match Kind::parse(&d.kind) {
                Some(Kind::Period) => spec
                    .periods
                    .push(serde_json::from_str(&d.spec).map_err(corrupt)?),
                Some(Kind::Schedule) => spec
                    .schedules
                    .push(serde_json::from_str(&d.spec).map_err(corrupt)?),
                Some(Kind::Calendar) => spec
                    .calendars
                    .push(serde_json::from_str(&d.spec).map_err(corrupt)?),
                None => {
                    return Err(StoreError::Corrupt(format!("definition kind {:?}", d.kind)).into());
                }
            }
        }
        Ok(spec)
    }

    /// The stored set, parsed (for evaluation).
    pub async fn catalog(&self) -> Result<Catalog, DefinitionError> {
        let spec = self.export().await?;
        Catalog::parse(&spec).map_err(|e| DefinitionError::Invalid(e.to_vec()))
    }

    /// The definitions of one kind, as JSON in upstream field names.
    pub async fn list(&self, kind: Kind) -> Result<Vec<Value>, DefinitionError> {
        let spec = self.export().await?;
        let values = match kind {
            Kind::Period => spec
                .periods
                .iter()
                .map(serde_json::to_value)
                .collect::<Result<Vec<_>, _>>(),
            Kind::Schedule => spec.schedules.iter().map(serde_json::to_value).collect(),
            Kind::Calendar => spec.calendars.iter().map(serde_json::to_value).collect(),
        };
        Ok(values.map_err(|e| StoreError::Corrupt(e.to_string()))?)
    }

    pub async fn get(&self, kind: Kind, name: &str) -> Result<Value, DefinitionError> {
        self.list(kind)
            .await?
            .into_iter()
            .find(|v| v["name"] == name)
            .ok_or_else(|| DefinitionError::NotFound(kind.as_str(), name.to_owned()))
    }

    /// Creates (`existing` None) or replaces the definition named `existing`. The body's
    /// `name` may be left out on update; a different one is refused (no renames: schedules
    /// refer to periods by name).
    pub async fn put(
        &self,
        kind: Kind,
        existing: Option<&str>,
        mut body: Value,
        now: Timestamp,
    ) -> Result<Value, DefinitionError> {
        if let (Some(name), Some(obj)) = (existing, body.as_object_mut()) {
            match obj.get("name") {
                None => {
                    obj.insert("name".into(), Value::String(name.to_owned()));
                }
                Some(Value::String(n)) if n == name => {}
                Some(other) => {
                    return Err(invalid(
                        "name",
                        format!(
                            "{other} differs from {name:?} in the path; renaming is not supported"
                        ),
                    ));
                }
            }
        }
        let mut spec = self.export().await?;
        let names = name_of(&spec, kind);
        let body_error = |e: serde_json::Error| invalid(kind.as_str(), e.to_string());
        let name = match kind {
            Kind::Period => {
                let p: PeriodSpec = serde_json::from_value(body).map_err(body_error)?;
                let name = p.name.trim().to_owned();
                spec.periods.retain(|x| x.name != name);
                spec.periods.push(p);
                name
            }
            Kind::Schedule => {
                let s: ScheduleSpec = serde_json::from_value(body).map_err(body_error)?;
                let name = s.name.trim().to_owned();
                spec.schedules.retain(|x| x.name != name);
                spec.schedules.push(s);
                name
            }
            Kind::Calendar => {
                let c: CalendarSpec = serde_json::from_value(body).map_err(body_error)?;
                if c.ics_file.is_some() {
                    return Err(invalid(
                        "ics_file",
                        "give the ICS text in ics (ics_file works in files for `isched schedules import`)",
                    ));
                }
                let name = c.name.trim().to_owned();
                spec.calendars.retain(|x| x.name != name);
                spec.calendars.push(c);
                name
            }
        };
        if name.is_empty() {
            return Err(invalid("name", "must not be empty"));
        }
        match existing {
            None if names.contains(&name) => {
                return Err(DefinitionError::Conflict(format!(
                    "a {} named {name:?} already exists",
                    kind.as_str()
                )));
            }
            Some(n) if !names.iter().any(|x| x == n) => {
                return Err(DefinitionError::NotFound(kind.as_str(), n.to_owned()));
            }
            _ => {}
        }
        self.save(&spec, false, Some((kind, &name)), now).await?;
        self.get(kind, &name).await
    }

    /// Deletes a definition nothing refers to.
    pub async fn delete(
        &self,
        kind: Kind,
        name: &str,
        now: Timestamp,
    ) -> Result<(), DefinitionError> {
        let spec = self.export().await?;
        if !name_of(&spec, kind).iter().any(|n| n == name) {
            return Err(DefinitionError::NotFound(kind.as_str(), name.to_owned()));
        }
        let users: Vec<&str> = spec
            .schedules
            .iter()
            .filter(|s| match kind {
                Kind::Period => s
                    .periods
                    .iter()
                    .any(|p| p.split('@').next().map(str::trim) == Some(name)),
                Kind::Calendar => s.calendars.iter().any(|c| c.trim() == name),
                Kind::Schedule => false,
            })
            .map(|s| s.name.as_str())
            .collect();
        if kind == Kind::Schedule {
            // Resources the scheduler has seen following this schedule (terminated ones
            // no longer count).
            let mut resources: Vec<String> = self
                .store
                .resource_states()
                .await?
                .into_iter()
                .filter(|(_, m)| m.schedule == name && m.last_reason != "terminated")
                .map(|(k, _)| k.rsplit(':').next().unwrap_or_default().to_owned())
                .collect();
            // And those assigned it through the API, seen by the scheduler or not yet.
            for (key, a) in self.store.assignments().await? {
                let id = key.rsplit(':').next().unwrap_or_default().to_owned();
                if a.schedule == name && !resources.contains(&id) {
                    resources.push(id);
                }
            }
            resources.sort();
            if !resources.is_empty() {
                let shown: Vec<&str> = resources.iter().take(5).map(String::as_str).collect();
                let more = if resources.len() > 5 {
                    format!(" and {} more", resources.len() - 5)
                } else {
                    String::new()
                };
                return Err(DefinitionError::Conflict(format!(
                    "the schedule {name:?} is used by {} resources ({}{more}); change their Schedule tag or assignment first",
                    resources.len(),
                    shown.join(", ")
                )));
            }
        }
        if !users.is_empty() {
            return Err(DefinitionError::Conflict(format!(
                "the {} {name:?} is used by the schedules {}; change them first",
                kind.as_str(),
                users.join(", ")
            )));
        }
        self.store
            .change_definitions(
                &[DefinitionChange::Delete {
                    kind: kind.as_str(),
                    name,
                }],
                false,
                now,
            )
            .await?;
        Ok(())
    }

    /// Replaces everything with `spec` (after validating all of it).
    pub async fn import(&self, spec: &CatalogSpec, now: Timestamp) -> Result<(), DefinitionError> {
        self.save(spec, true, None, now).await
    }

    /// Validates the whole `spec`, then writes it all (`only` None) or just that definition.
    async fn save(
        &self,
        spec: &CatalogSpec,
        replace_all: bool,
        only: Option<(Kind, &str)>,
        now: Timestamp,
    ) -> Result<(), DefinitionError> {
        Catalog::parse(spec).map_err(|e| DefinitionError::Invalid(e.to_vec()))?;
        let mut rows = Vec::new();
        let json = |v: Result<String, serde_json::Error>| {
            v.map_err(|e| StoreError::Corrupt(e.to_string()))
        };
        for p in &spec.periods {
            rows.push((
                Kind::Period,
                p.name.trim().to_owned(),
                json(serde_json::to_string(p))?,
            ));
        }
        for s in &spec.schedules {
            rows.push((
                Kind::Schedule,
                s.name.trim().to_owned(),
                json(serde_json::to_string(s))?,
            ));
        }
        for c in &spec.calendars {
            rows.push((
                Kind::Calendar,
                c.name.trim().to_owned(),
                json(serde_json::to_string(c))?,
            ));
        }
        rows.retain(|(k, n, _)| only.is_none_or(|(ok, on)| ok == *k && on == n));
        let changes: Vec<DefinitionChange> = rows
            .iter()
            .map(|(k, n, s)| DefinitionChange::Put {
                kind: k.as_str(),
                name: n,
                spec: s,
            })
            .collect();
        self.store
            .change_definitions(&changes, replace_all, now)
            .await?;
        Ok(())
    }
}
