//! `isched schedule eval|next|check|usage`: schedule definitions offline, no server needed.

mod check;
mod eval;
pub(crate) mod file;
mod next;
mod usage;

use crate::cli::ScheduleCommand;
use std::process::ExitCode;

pub fn run(cmd: ScheduleCommand) -> ExitCode {
    match cmd {
        ScheduleCommand::Eval { cases } => eval::run(&cases),
        ScheduleCommand::Next {
            file,
            schedule,
            count,
            from,
            format,
        } => next::run(&file.path, &schedule, count, from.as_deref(), format),
        ScheduleCommand::Check { file, format } => check::run(&file.path, format),
        ScheduleCommand::Usage {
            file,
            schedule,
            from,
            to,
            format,
        } => usage::run(&file.path, &schedule, &from, &to, format),
    }
}
