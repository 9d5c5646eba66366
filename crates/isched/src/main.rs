use clap::Parser;
use isched::cli::{Cli, Command};
use isched_engine::definitions::Kind;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve => isched::commands::serve::run(cli.config.as_deref()),
        Command::Schedule(cmd) => isched::commands::schedule::run(cmd),
        Command::Sandbox(cmd) => isched::commands::sandbox::run(cli.config.as_deref(), cmd),
        Command::Resources(cmd) => isched::commands::resources::run(cli.config.as_deref(), cmd),
        Command::Login(args) => isched::commands::login::run_login(cli.config.as_deref(), args),
        Command::Logout => isched::commands::login::run_logout(),
        Command::Periods(cmd) => {
            isched::commands::definitions::run_periods(cli.config.as_deref(), cmd)
        }
        Command::Calendars(cmd) => {
            isched::commands::definitions::run(cli.config.as_deref(), Kind::Calendar, cmd)
        }
        Command::Import(cmd) => isched::commands::migrate::run_import(cli.config.as_deref(), cmd),
        Command::Export(cmd) => isched::commands::migrate::run_export(cli.config.as_deref(), cmd),
        Command::Schedules(cmd) => {
            isched::commands::definitions::run_schedules(cli.config.as_deref(), cmd)
        }
        Command::Templates(cmd) => isched::commands::templates::run(cli.config.as_deref(), cmd),
        Command::Plan { at, format } => {
            isched::commands::plan::run_plan(cli.config.as_deref(), at, format)
        }
        Command::Reconcile {
            once: _,
            at,
            format,
        } => isched::commands::plan::run_reconcile(cli.config.as_deref(), at, format),
        Command::History { resource, format } => {
            isched::commands::plan::run_history(cli.config.as_deref(), resource, format)
        }
        Command::Override {
            resource,
            running_until,
            stopped_until,
            skip_next_stop,
            clear: _,
            at,
        } => isched::commands::plan::run_override(
            cli.config.as_deref(),
            resource,
            running_until,
            stopped_until,
            skip_next_stop,
            at,
        ),
        Command::Keys(cmd) => isched::commands::keys::run(cli.config.as_deref(), cmd),
        Command::Users(cmd) => isched::commands::users::run(cmd),
        Command::Instances(cmd) => isched::commands::instances::run(cmd),
        Command::Usage(cmd) => isched::commands::usage::run(cli.config.as_deref(), cmd),
        Command::Jobs(cmd) => isched::commands::instances::run_jobs(cmd),
        Command::Health => isched::commands::health::run(cli.config.as_deref()),
        Command::Backup { file } => {
            isched::commands::backup::run_backup(cli.config.as_deref(), file)
        }
        Command::Restore { file, force } => {
            isched::commands::backup::run_restore(cli.config.as_deref(), file, force)
        }
    }
}
