//! `isched schedule eval --cases FILE`: the conformance contract of
//! `shared/conformance/aws-instance-scheduler/README.md`. One answer line per case, in
//! order; a malformed case goes to standard error with its id and reason, and the rest go on.

use isched_schedule::conformance::Case;
use std::io::{BufRead, BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

pub fn run(path: &Path) -> ExitCode {
    let input: Box<dyn BufRead> = if path == Path::new("-") {
        Box::new(std::io::stdin().lock())
    } else {
        match std::fs::File::open(path) {
            Ok(f) => Box::new(std::io::BufReader::with_capacity(1 << 20, f)),
            Err(e) => {
                eprintln!("isched: {}: cannot read: {e}", path.display());
                return ExitCode::from(super::super::EXIT_USAGE);
            }
        }
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
    let mut malformed = 0usize;
    for (n, line) in input.lines().enumerate() {
        let line = match line {
            Ok(l) => l,
            Err(e) => {
                eprintln!("isched: {}: line {}: {e}", path.display(), n + 1);
                return ExitCode::FAILURE;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        let answer = serde_json::from_str::<Case>(&line)
            .map_err(|e| (id_of(&line), format!("not a case: {e}")))
            .and_then(|case| case.evaluate().map_err(|e| (case.id.clone(), e)));
        match answer {
            Ok(a) => {
                let written = serde_json::to_writer(&mut out, &a).map_err(std::io::Error::from);
                if written.and_then(|()| out.write_all(b"\n")).is_err() {
                    return ExitCode::FAILURE; // stdout closed
                }
            }
            Err((id, reason)) => {
                malformed += 1;
                eprintln!("case {id} (line {}): {reason}", n + 1);
            }
        }
    }
    if out.flush().is_err() {
        return ExitCode::FAILURE;
    }
    if malformed > 0 {
        eprintln!("isched: {malformed} malformed case(s)");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// The case id of a line that is not a valid case, if it has one.
fn id_of(line: &str) -> String {
    serde_json::from_str::<serde_json::Value>(line)
        .ok()
        .and_then(|v| v.get("id").and_then(|i| i.as_str()).map(str::to_owned))
        .unwrap_or_else(|| "?".into())
}
