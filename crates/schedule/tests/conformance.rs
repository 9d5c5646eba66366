//! Every case of `shared/conformance/aws-instance-scheduler` through the public API:
//! `cases.jsonl` must agree with `expected.jsonl` in full, and every line of
//! `known-divergences.jsonl` with its own embedded answer. The files are read in place.

use isched_schedule::conformance::{Answer, Case};
use std::path::PathBuf;

fn conformance_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("ISCHED_CONFORMANCE_DIR") {
        return PathBuf::from(dir);
    }
    // crates/schedule -> the repository -> its parent, where shared/ sits beside the clone.
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/conformance/aws-instance-scheduler")
}

fn read_lines(name: &str) -> Vec<String> {
    let path = conformance_dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}. The conformance vectors live in shared/ beside the repository; \
             set ISCHED_CONFORMANCE_DIR to point elsewhere.",
            path.display()
        )
    });
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

fn check(cases: &[String], expected: impl Fn(&Case, usize) -> Answer) {
    let mut failures = Vec::new();
    for (i, line) in cases.iter().enumerate() {
        let case: Case =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("line {}: {e}", i + 1));
        let want = expected(&case, i);
        match case.evaluate() {
            Ok(got) if got == want => {}
            Ok(got) => failures.push(format!(
                "case {line}\n  expected {want:?}\n  actual   {got:?}"
            )),
            Err(e) => failures.push(format!("case {line}\n  expected {want:?}\n  error    {e}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases disagree:\n{}",
        failures.len(),
        cases.len(),
        failures
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn agrees_with_upstream_on_every_case() {
    let cases = read_lines("cases.jsonl");
    let expected: Vec<Answer> = read_lines("expected.jsonl")
        .iter()
        .map(|l| serde_json::from_str(l).expect("expected.jsonl line"))
        .collect();
    assert_eq!(
        cases.len(),
        expected.len(),
        "cases and expected answers differ in count"
    );
    check(&cases, |case, i| {
        assert_eq!(
            case.id, expected[i].id,
            "cases and expected answers are out of order"
        );
        expected[i].clone()
    });
}

#[test]
fn answers_known_divergences_as_isched_does() {
    let cases = read_lines("known-divergences.jsonl");
    assert!(!cases.is_empty());
    check(&cases, |case, _| {
        case.embedded_answer()
            .expect("a known divergence carries its answer")
    });
}
