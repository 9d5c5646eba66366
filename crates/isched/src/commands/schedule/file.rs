//! Reading a definitions file (YAML or JSON) into a [`Catalog`], with every problem listed.

use isched_schedule::spec::CatalogSpec;
use isched_schedule::{Catalog, Schedule};
use std::path::Path;
use std::process::ExitCode;

/// Everything wrong with a file, one line each; syntax errors carry their line.
pub struct FileProblems(pub Vec<String>);

pub fn load(path: &Path) -> Result<Catalog, FileProblems> {
    let spec = read_spec(path)?;
    Catalog::parse(&spec)
        .map_err(|errors| FileProblems(errors.iter().map(|e| e.to_string()).collect()))
}

pub fn read_spec(path: &Path) -> Result<CatalogSpec, FileProblems> {
    let mut spec = parse_text(path)?;
    // Calendars may name an ICS file, relative to the definitions file.
    let base = path.parent().unwrap_or(Path::new("."));
    let mut problems = Vec::new();
    for calendar in &mut spec.calendars {
        if let Some(file) = &calendar.ics_file {
            match std::fs::read_to_string(base.join(file)) {
                Ok(text) => calendar.ics = Some(text),
                Err(e) => problems.push(format!(
                    "calendar {:?}: ics_file: {file:?}: cannot read: {e}",
                    calendar.name
                )),
            }
        }
    }
    if problems.is_empty() {
        Ok(spec)
    } else {
        Err(FileProblems(problems))
    }
}

fn parse_text(path: &Path) -> Result<CatalogSpec, FileProblems> {
    let shown = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|e| FileProblems(vec![format!("{shown}: cannot read: {e}")]))?;
    let json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        || text.trim_start().starts_with('{');
    if json {
        serde_json::from_str(&text).map_err(|e| {
            FileProblems(vec![format!(
                "{shown}: line {}, column {}: {e}",
                e.line(),
                e.column()
            )])
        })
    } else {
        // serde_yaml_ng's messages already say "at line L column C".
        serde_yaml_ng::from_str(&text).map_err(|e| FileProblems(vec![format!("{shown}: {e}")]))
    }
}

/// Prints the problems to standard error under a heading naming the file.
pub fn report(path: &Path, problems: &FileProblems) {
    eprintln!("{}: {} problem(s):", path.display(), problems.0.len());
    for p in &problems.0 {
        eprintln!("  {p}");
    }
}

/// Loads the file and finds one schedule in it; on failure prints why and gives the exit code.
pub fn load_schedule(path: &Path, name: &str) -> Result<Schedule, ExitCode> {
    let catalog = load(path).map_err(|p| {
        report(path, &p);
        ExitCode::FAILURE
    })?;
    catalog.schedule(name).cloned().ok_or_else(|| {
        eprintln!("isched: {}: no schedule named {name:?}", path.display());
        ExitCode::FAILURE
    })
}
