//! Forms over the engine's definitions and templates: fields described once, turned into
//! the JSON body the API takes, and the engine's problems shown next to the field each
//! names (with a linked summary above the form), what was typed kept.

use super::{failure, sentence};
use axum::response::Response;
use isched_engine::definitions::DefinitionError;
use isched_engine::plan::EngineError;
use maud::{Markup, html};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};

/// How a field is typed in, and what JSON it becomes.
pub(crate) enum Input {
    Text,
    /// A whole number, or a decimal when `decimal`.
    Number {
        decimal: bool,
    },
    /// Comma-separated, sent as a list.
    List,
    /// Several lines of text, sent as one string.
    Lines,
    /// `key=value` lines, sent as an object.
    Tags,
    /// A checkbox: checked sends `true`, unchecked leaves the field out.
    Flag,
    /// One of these values (an empty first one leaves the field out).
    Choice(&'static [(&'static str, &'static str)]),
    /// One of the values the page passes in [`Draft::options`].
    OneOf,
}

pub(crate) struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub input: Input,
    pub hint: &'static str,
    /// On an update, an emptied field is sent as `null` (cleared) instead of left out
    /// (lists and tags are always cleared when emptied).
    pub clearable: bool,
}

pub(crate) const fn field(
    name: &'static str,
    label: &'static str,
    input: Input,
    hint: &'static str,
) -> Field {
    Field {
        name,
        label,
        input,
        hint,
        clearable: false,
    }
}

pub(crate) const fn clearable(field: Field) -> Field {
    Field {
        clearable: true,
        ..field
    }
}

/// What a form shows: the values typed (or stored), and the problems found in them.
#[derive(Default)]
pub(crate) struct Draft {
    pub values: HashMap<String, String>,
    /// Problems by field name.
    pub problems: BTreeMap<String, Vec<String>>,
    /// Problems that name no field of this form.
    pub general: Vec<String>,
    /// The choices of `OneOf` fields, by field name.
    pub options: HashMap<&'static str, Vec<String>>,
}

impl Draft {
    pub fn typed(values: HashMap<String, String>) -> Draft {
        Draft {
            values,
            ..Draft::default()
        }
    }

    /// The form's values from a stored object (lists joined with commas, objects as
    /// `key=value` lines).
    pub fn of(stored: &Value) -> Draft {
        let values = stored
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| {
                let text = match v {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    Value::Bool(true) => "on".into(),
                    Value::Array(items) => items
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(", "),
                    Value::Object(map) => map
                        .iter()
                        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                        .collect::<Vec<_>>()
                        .join("\n"),
                    _ => return None,
                };
                Some((k.clone(), text))
            })
            .collect();
        Draft::typed(values)
    }

    fn problem(&mut self, field: &str, message: String) {
        self.problems
            .entry(field.to_owned())
            .or_default()
            .push(sentence(&message));
    }

    /// The JSON body of `fields`, empty fields left out (or `null` when `updating` a
    /// clearable one). A value that cannot be read (a number, a tag line) is a problem.
    pub fn body(&mut self, fields: &[Field], updating: bool) -> Value {
        let mut body = Map::new();
        for f in fields {
            let text = self
                .values
                .get(f.name)
                .map(|v| v.trim().to_owned())
                .unwrap_or_default();
            if text.is_empty() {
                // On an update an emptied field is cleared: a list or map emptied, an
                // optional value set to null; the rest keep their stored value.
                let cleared = match f.input {
                    Input::List => Some(Value::Array(Vec::new())),
                    Input::Tags => Some(Value::Object(Map::new())),
                    _ if f.clearable => Some(Value::Null),
                    _ => None,
                };
                if let (true, Some(cleared)) = (updating, cleared) {
                    body.insert(f.name.to_owned(), cleared);
                }
                continue;
            }
            let value = match f.input {
                Input::Flag => Value::Bool(true),
                Input::Number { decimal: false } => match text.parse::<u64>() {
                    Ok(n) => Value::from(n),
                    Err(_) => {
                        self.problem(f.name, format!("{text:?} is not a whole number"));
                        continue;
                    }
                },
                Input::Number { decimal: true } => match text.parse::<f64>() {
                    Ok(n) if n.is_finite() => Value::from(n),
                    _ => {
                        self.problem(f.name, format!("{text:?} is not a number"));
                        continue;
                    }
                },
                Input::List => Value::from(
                    text.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>(),
                ),
                Input::Tags => {
                    let mut tags = Map::new();
                    for (i, line) in text
                        .lines()
                        .enumerate()
                        .filter(|(_, l)| !l.trim().is_empty())
                    {
                        match line.split_once('=') {
                            Some((k, v)) => {
                                tags.insert(k.trim().to_owned(), Value::from(v.trim()));
                            }
                            None => self.problem(
                                f.name,
                                format!("line {}: {:?} is not key=value", i + 1, line.trim()),
                            ),
                        }
                    }
                    Value::Object(tags)
                }
                Input::Text | Input::Lines | Input::Choice(_) | Input::OneOf => Value::from(text),
            };
            body.insert(f.name.to_owned(), value);
        }
        Value::Object(body)
    }

    /// Sorts `e`'s problems to `fields`: those owned by `own` (or by nobody) next to their
    /// field, the rest above the form. Errors that are not about the input are a page.
    pub fn refused(&mut self, fields: &[Field], own: &str, e: EngineError) -> Option<Response> {
        match e {
            EngineError::Definitions(DefinitionError::Invalid(problems)) => {
                for p in problems {
                    let ours = p.owner.as_deref().is_none_or(|o| o == own);
                    if ours && fields.iter().any(|f| f.name == p.field) {
                        let message = match &p.token {
                            Some(token) => format!("{token:?}: {}", p.message),
                            None => p.message.clone(),
                        };
                        self.problem(&p.field, message);
                    } else {
                        self.general.push(sentence(&p.to_string()));
                    }
                }
                None
            }
            EngineError::Definitions(DefinitionError::Conflict(message)) => {
                self.problem("name", message);
                None
            }
            other => Some(failure(other)),
        }
    }

    pub fn has_problems(&self) -> bool {
        !self.problems.is_empty() || !self.general.is_empty()
    }

    /// The summary above the form: each problem linked to its field.
    pub fn summary(&self, fields: &[Field]) -> Markup {
        html! {
            @if self.has_problems() {
                div.notice.error role="alert" {
                    p { strong { "Nothing was saved." } " Fix what is marked:" }
                    ul {
                        @for f in fields {
                            @if let Some(problems) = self.problems.get(f.name) {
                                li { a href={ "#f-" (f.name) } { (f.label) } ": " (problems.join(" ")) }
                            }
                        }
                        @for g in &self.general { li { (g) } }
                    }
                }
            }
        }
    }

    /// One field: its label, input, hint and problems (tied to the input for screen
    /// readers). `fixed` fields (a name that cannot change) are read-only.
    pub fn input(&self, f: &Field, fixed: bool) -> Markup {
        let value = self.values.get(f.name).map(String::as_str).unwrap_or("");
        let problems = self.problems.get(f.name);
        let id = format!("f-{}", f.name);
        let hint_id = format!("{id}-hint");
        let error_id = format!("{id}-error");
        let described: Vec<&str> = [
            (!f.hint.is_empty()).then_some(hint_id.as_str()),
            problems.is_some().then_some(error_id.as_str()),
        ]
        .into_iter()
        .flatten()
        .collect();
        let described = (!described.is_empty()).then(|| described.join(" "));
        let invalid = problems.is_some().then_some("true");
        let options = self.options.get(f.name).map(Vec::as_slice).unwrap_or(&[]);
        html! {
            div.field {
                @match f.input {
                    Input::Flag => {
                        label.check for=(id) {
                            input type="checkbox" id=(id) name=(f.name) checked[!value.is_empty()] aria-describedby=[described.as_deref()] aria-invalid=[invalid];
                            " " (f.label)
                        }
                    }
                    Input::Choice(choices) => {
                        label for=(id) { (f.label) }
                        select id=(id) name=(f.name) aria-describedby=[described.as_deref()] aria-invalid=[invalid] {
                            @for (v, text) in choices {
                                option value=(v) selected[*v == value] { (text) }
                            }
                        }
                    }
                    Input::OneOf => {
                        label for=(id) { (f.label) }
                        select id=(id) name=(f.name) aria-describedby=[described.as_deref()] aria-invalid=[invalid] {
                            option value="" selected[value.is_empty()] { "(choose)" }
                            @for v in options {
                                option value=(v) selected[v == value] { (v) }
                            }
                        }
                    }
                    Input::Lines | Input::Tags => {
                        label for=(id) { (f.label) }
                        textarea id=(id) name=(f.name) rows="4" aria-describedby=[described.as_deref()] aria-invalid=[invalid] { (value) }
                    }
                    Input::Text | Input::Number { .. } | Input::List => {
                        label for=(id) { (f.label) }
                        @let mode = match f.input { Input::Number { decimal: true } => Some("decimal"), Input::Number { .. } => Some("numeric"), _ => None };
                        input type="text" id=(id) name=(f.name) value=(value) inputmode=[mode] readonly[fixed] aria-describedby=[described.as_deref()] aria-invalid=[invalid];
                    }
                }
                @if !f.hint.is_empty() { p.hint id=(hint_id) { (f.hint) } }
                @if let Some(problems) = problems {
                    p.field-error id=(error_id) { (problems.join(" ")) }
                }
            }
        }
    }
}
