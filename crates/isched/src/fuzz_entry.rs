//! What the `config_toml` fuzz target in `fuzz/` runs, and what the test suite replays on
//! the corpus kept in `fuzz/corpus/config_toml/` (`testkit/tests/it/fuzz_corpus.rs`): a
//! configuration file's text, read through every check `isched serve` makes, must end in a
//! configuration or a list of problems, never a panic.

use crate::config::Config;

/// An `isched.toml` as the operator wrote it (no environment).
pub fn config_toml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(e) = Config::from_toml(text) {
        // The message is built, as `serve` prints it.
        let _ = e.to_string();
    }
}
