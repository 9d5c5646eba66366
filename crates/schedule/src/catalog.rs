//! A set of periods and the schedules that use them, as in a definitions file.

use crate::calendar::Calendar;
use crate::error::FieldError;
use crate::period::Period;
use crate::schedule::Schedule;
use crate::spec::CatalogSpec;
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Debug, Clone, Default)]
pub struct Catalog {
    periods: BTreeMap<String, Arc<Period>>,
    schedules: BTreeMap<String, Schedule>,
    calendars: BTreeMap<String, Arc<Calendar>>,
}

impl Catalog {
    /// Parses every period and schedule; errors are prefixed with their owner
    /// (`schedule "office": periods: "lunch": no period has this name`) and all are returned.
    pub fn parse(spec: &CatalogSpec) -> Result<Catalog, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut periods = BTreeMap::new();
        for p in &spec.periods {
            let owner = format!("period {:?}", p.name);
            match Period::parse(p) {
                Ok(period) if periods.contains_key(period.name()) => errors.push(
                    FieldError::new("name", None, "another period has this name").within(&owner),
                ),
                Ok(period) => {
                    periods.insert(period.name().to_owned(), Arc::new(period));
                }
                Err(e) => errors.extend(e.into_iter().map(|e| e.within(&owner))),
            }
        }
        let mut calendars = BTreeMap::new();
        for c in &spec.calendars {
            let owner = format!("calendar {:?}", c.name);
            match Calendar::parse(c) {
                Ok(cal) if calendars.contains_key(cal.name()) => errors.push(
                    FieldError::new("name", None, "another calendar has this name").within(&owner),
                ),
                Ok(cal) => {
                    calendars.insert(cal.name().to_owned(), Arc::new(cal));
                }
                Err(e) => errors.extend(e.into_iter().map(|e| e.within(&owner))),
            }
        }
        let mut schedules = BTreeMap::new();
        for s in &spec.schedules {
            let owner = format!("schedule {:?}", s.name);
            // A period that failed to parse is already reported; do not report it as missing.
            let broken = |field: &str, name: &str| match field {
                "periods" => spec.periods.iter().any(|p| p.name.trim() == name),
                "calendars" => spec.calendars.iter().any(|c| c.name.trim() == name),
                _ => false,
            };
            match Schedule::parse(
                s,
                |name| periods.get(name).cloned(),
                |name| calendars.get(name).cloned(),
            ) {
                Ok(schedule) if schedules.contains_key(schedule.name()) => errors.push(
                    FieldError::new("name", None, "another schedule has this name").within(&owner),
                ),
                Ok(schedule) => {
                    schedules.insert(schedule.name().to_owned(), schedule);
                }
                Err(e) => errors.extend(
                    e.into_iter()
                        .filter(|e| !e.token.as_deref().is_some_and(|t| broken(&e.field, t)))
                        .map(|e| e.within(&owner)),
                ),
            }
        }
        if errors.is_empty() {
            Ok(Catalog {
                periods,
                schedules,
                calendars,
            })
        } else {
            Err(errors)
        }
    }

    pub fn schedule(&self, name: &str) -> Option<&Schedule> {
        self.schedules.get(name)
    }

    pub fn schedules(&self) -> impl Iterator<Item = &Schedule> {
        self.schedules.values()
    }

    pub fn calendars(&self) -> impl Iterator<Item = &Calendar> {
        self.calendars.values().map(|c| c.as_ref())
    }

    pub fn periods(&self) -> impl Iterator<Item = &Period> {
        self.periods.values().map(|p| p.as_ref())
    }
}
