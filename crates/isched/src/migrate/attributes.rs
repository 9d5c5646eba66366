//! Reading values in DynamoDB's JSON form (`{"S": "09:00"}`, `{"SS": ["mon-fri"]}`,
//! `{"BOOL": true}`) as upstream writes them, leniently where its older versions or a
//! hand-written file differ (a comma-separated string for a set, `"true"` for a flag).

use serde_json::{Value, json};

/// The one type tag and value of an attribute: `("S", "x")`.
fn tagged(v: &Value) -> Option<(&str, &Value)> {
    let o = v.as_object()?;
    if o.len() != 1 {
        return None;
    }
    o.iter().next().map(|(k, v)| (k.as_str(), v))
}

/// A string (`S`, or a number `N`).
pub fn string(v: &Value) -> Result<String, String> {
    match tagged(v) {
        Some(("S" | "N", Value::String(s))) => Ok(s.clone()),
        _ => Err(format!(
            "{v} is not a string attribute ({{\"S\": \"...\"}})"
        )),
    }
}

/// A set of strings (`SS`, a list of strings `L`, or one comma-separated `S`), sorted, as
/// sets have no order.
pub fn strings(v: &Value) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = match tagged(v) {
        Some(("SS", Value::Array(items))) => items
            .iter()
            .map(|i| i.as_str().map(str::to_owned))
            .collect::<Option<_>>()
            .ok_or_else(|| format!("{v} holds a value that is not a string"))?,
        Some(("L", Value::Array(items))) => items.iter().map(string).collect::<Result<_, _>>()?,
        Some(("S", Value::String(s))) => s.split(',').map(|p| p.trim().to_owned()).collect(),
        _ => return Err(format!("{v} is not a string set ({{\"SS\": [...]}})")),
    };
    out.retain(|s| !s.is_empty());
    out.sort();
    out.dedup();
    Ok(out)
}

/// A flag (`BOOL`, or the strings `true`/`false` in any case).
pub fn flag(v: &Value) -> Result<bool, String> {
    match tagged(v) {
        Some(("BOOL", Value::Bool(b))) => Ok(*b),
        Some(("S", Value::String(s))) if s.eq_ignore_ascii_case("true") => Ok(true),
        Some(("S", Value::String(s))) if s.eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(format!("{v} is not a flag ({{\"BOOL\": true}})")),
    }
}

pub fn s(text: &str) -> Value {
    json!({ "S": text })
}

pub fn ss(items: &[String]) -> Value {
    json!({ "SS": items })
}

pub fn boolean(b: bool) -> Value {
    json!({ "BOOL": b })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_form_upstream_writes_and_the_lenient_ones() {
        assert_eq!(string(&json!({"S": "09:00"})), Ok("09:00".into()));
        assert_eq!(
            strings(&json!({"SS": ["wed", "mon"]})),
            Ok(vec!["mon".into(), "wed".into()])
        );
        assert_eq!(
            strings(&json!({"S": "mon-fri, sat"})).map(|v| v.len()),
            Ok(2)
        );
        assert_eq!(flag(&json!({"BOOL": true})), Ok(true));
        assert_eq!(flag(&json!({"S": "False"})), Ok(false));
        assert!(flag(&json!({"S": "maybe"})).is_err());
        assert!(string(&json!({"SS": ["a"]})).is_err());
        assert!(strings(&json!("mon")).is_err());
    }
}
