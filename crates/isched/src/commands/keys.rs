//! `isched keys rotate`: a new token signing key, straight in the database. Running
//! servers pick it up within a minute (or at once when they see a token it signed).

use super::context::with_store;
use crate::cli::KeysCommand;
use isched_auth::keys::KeyRing;
use std::path::Path;
use std::process::ExitCode;

/// Retired keys stay published this long: longer than any access token or challenge lives.
const KEEP_RETIRED: jiff::SignedDuration = jiff::SignedDuration::from_hours(1);

pub fn run(config_file: Option<&Path>, cmd: KeysCommand) -> ExitCode {
    match cmd {
        KeysCommand::Rotate => with_store(config_file, |config, store| async move {
            let sealer = crate::app::sealer(&config)?;
            let kid =
                KeyRing::rotate(&store, &sealer, jiff::Timestamp::now(), KEEP_RETIRED).await?;
            println!("New signing key {kid}; the previous keys verify tokens for another hour.");
            Ok(ExitCode::SUCCESS)
        }),
    }
}
