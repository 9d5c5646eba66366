//! The inputs kept in `fuzz/corpus/TARGET/` (seeds, and every crash the fuzzers found once
//! it was fixed) run through the same functions as the fuzz targets: none may panic.
//! `./scripts/fuzz` is the long version.

use std::path::PathBuf;

/// A fuzz target's body: arbitrary bytes in, nothing out.
type Body = fn(&[u8]);

const TARGETS: &[(&str, Body)] = &[
    ("schedule_fields", isched_schedule::fuzz_entry::fields),
    ("catalog_json", isched_schedule::fuzz_entry::catalog_json),
    ("ics", isched_schedule::fuzz_entry::ics),
    ("jwt", isched_auth::fuzz_entry::jwt),
    ("jwks", isched_auth::fuzz_entry::jwks),
    ("snooze", isched_auth::fuzz_entry::snooze),
    ("config_toml", isched::fuzz_entry::config_toml),
];

#[test]
fn the_kept_fuzz_corpus_runs_without_panics() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    for (target, run) in TARGETS {
        let dir = root.join(target);
        let mut inputs: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("a corpus entry").path())
            .collect();
        inputs.sort();
        assert!(!inputs.is_empty(), "no corpus for {target}");
        for path in inputs {
            let input = std::fs::read(&path).expect("a corpus file");
            let caught = std::panic::catch_unwind(|| run(&input));
            assert!(caught.is_ok(), "{target}: {} panics", path.display());
        }
    }
}
