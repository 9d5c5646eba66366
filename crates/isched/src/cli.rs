//! Command-line interface. Commands that print data take `--format json`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "isched",
    version,
    about = "Instance scheduler and self-service instance portal",
    long_about = "isched keeps cloud instances running only when their schedule says so, and \
                  lets users get pre-configured instances without waiting for an admin.\n\n\
                  Configuration comes from defaults, then the --config file, then ISCHED_* \
                  environment variables (see docs/configuration.md).",
    after_help = "Start with `isched serve`, then open http://127.0.0.1:8080."
)]
pub struct Cli {
    /// TOML configuration file (settings in ISCHED_* environment variables override it).
    #[arg(long, value_name = "FILE", env = "ISCHED_CONFIG")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the API, the web UI and the scheduler in one process.
    Serve,
    /// Work with schedule definitions offline: evaluate, list transitions, validate.
    #[command(subcommand)]
    Schedule(ScheduleCommand),
    /// The simulated cloud: create instances to try isched without an AWS account.
    #[command(subcommand)]
    Sandbox(SandboxCommand),
    /// Cloud resources the configured provider discovers.
    #[command(subcommand)]
    Resources(ResourcesCommand),
    /// Sign in to an isched server; later commands such as `isched users` use it.
    Login(LoginArgs),
    /// Sign out and forget the stored credentials.
    Logout,
    /// Stored periods (in the database the server uses).
    #[command(subcommand)]
    Periods(PeriodsCommand),
    /// Stored schedules; import and export definitions files.
    #[command(subcommand)]
    Schedules(SchedulesCommand),
    /// Stored holiday calendars.
    #[command(subcommand)]
    Calendars(DefinitionCommand),
    /// What the scheduler would do now (or --at an instant) for every scheduled resource.
    /// Changes nothing.
    Plan {
        /// RFC 3339 instant to evaluate schedules at (default: now).
        #[arg(long, value_name = "RFC3339")]
        at: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Act on the plan: start, stop and resize as the schedules say, and record it.
    Reconcile {
        /// One pass, then exit (the continuous scheduler runs in `isched serve`).
        #[arg(long, required = true)]
        once: bool,
        /// RFC 3339 instant to evaluate schedules at (default: now); a sequence of them
        /// replays a day.
        #[arg(long, value_name = "RFC3339")]
        at: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Every action and deliberate non-action the scheduler recorded for a resource (its id,
    /// or provider:account:region:id).
    History {
        resource: String,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Override a resource's schedule until an instant (or through its next stop), or clear
    /// the override. Recorded in its history; cleared automatically at expiry.
    #[command(group(clap::ArgGroup::new("what").required(true).args(["running_until", "stopped_until", "skip_next_stop", "clear"])))]
    Override {
        /// The resource's cloud id, or provider:account:region:id.
        resource: String,
        #[arg(long, value_name = "RFC3339")]
        running_until: Option<String>,
        #[arg(long, value_name = "RFC3339")]
        stopped_until: Option<String>,
        /// Keep it running through the next scheduled stop, until the schedule starts it again.
        #[arg(long)]
        skip_next_stop: bool,
        #[arg(long)]
        clear: bool,
        /// Evaluate at this instant instead of now (for replays).
        #[arg(long, value_name = "RFC3339")]
        at: Option<String>,
    },
    /// Instance templates users create instances from (in the database the server uses).
    #[command(subcommand)]
    Templates(TemplatesCommand),
    /// Token signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Manage users (admins), through the server signed in to with `isched login`.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Your instances (admins: everyone's), through the server signed in to with
    /// `isched login`.
    #[command(subcommand)]
    Instances(InstancesCommand),
    /// Running hours, cost and savings, read from the database (like `plan`); Parquet
    /// exports for DuckDB and Athena.
    #[command(subcommand)]
    Usage(UsageCommand),
    /// Jobs that create instances.
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Ask the server this configuration describes for /health (exit 0 when healthy), for
    /// container health checks.
    Health,
    /// Copy the database to FILE: a consistent SQLite snapshot, or for Postgres a pg_dump
    /// archive. Safe while servers run.
    Backup {
        /// Where to write the backup; must not exist yet.
        file: PathBuf,
    },
    /// Replace the database with a backup made by `isched backup` (an older one is migrated
    /// forward; a newer one is refused). Stop every server using the database first.
    Restore {
        file: PathBuf,
        /// Replace a database that already holds data.
        #[arg(long)]
        force: bool,
    },
    /// Bring definitions over from another scheduler.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Write the stored definitions in another scheduler's format.
    #[command(subcommand)]
    Export(ExportCommand),
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// AWS Instance Scheduler's periods and schedules, from its DynamoDB configuration table
    /// or a file: the table's items as `aws dynamodb scan` prints them, or a CloudFormation
    /// template of its schedule resources. Added to the stored definitions (same names are
    /// replaced), all or nothing; prints what it could not carry over and why.
    #[command(name = "aws-instance-scheduler")]
    AwsInstanceScheduler(UpstreamImport),
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["table", "file"])))]
pub struct UpstreamImport {
    /// The configuration table's name (the stack's ConfigTable output).
    #[arg(long)]
    pub table: Option<String>,
    /// The table's region (default: the AWS SDK's, e.g. AWS_REGION).
    #[arg(long, requires = "table")]
    pub region: Option<String>,
    /// A JSON or YAML file: `{"Items": [...]}` or a list of items, or a template.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// The stack a template belongs to: upstream prefixes its schedules' names with it.
    #[arg(long, requires = "file")]
    pub stack: Option<String>,
    /// The time zone of schedules that name none (upstream's DefaultTimezone parameter);
    /// without it they are in UTC, as in isched.
    #[arg(long, value_name = "IANA")]
    pub default_timezone: Option<String>,
    /// Print the report and write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// As the items of AWS Instance Scheduler's configuration table (DynamoDB JSON, as
    /// `aws dynamodb scan` prints them), to FILE or - for standard output.
    #[command(name = "aws-instance-scheduler")]
    AwsInstanceScheduler {
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum DefinitionCommand {
    /// Every definition of this kind.
    List {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// One definition, as YAML (or JSON with --format json).
    Show {
        name: String,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Add one from a YAML or JSON file holding a single definition.
    Create {
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
    },
    /// Replace one with the definition in a YAML or JSON file.
    Update {
        name: String,
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
    },
    /// Delete one that no schedule uses.
    Delete { name: String },
}

#[derive(Debug, Subcommand)]
pub enum PeriodsCommand {
    #[command(flatten)]
    Common(DefinitionCommand),
    #[command(flatten)]
    Upstream(Box<UpstreamPeriodVerb>),
}

/// AWS Instance Scheduler's `scheduler-cli` verbs for periods, with its options and its
/// JSON output, so that scripts written for it keep working.
#[derive(Debug, Subcommand)]
pub enum UpstreamPeriodVerb {
    /// scheduler-cli describe-periods: every period, or the one --name gives.
    DescribePeriods {
        #[arg(long, short = 'n')]
        name: Option<String>,
        #[command(flatten)]
        common: UpstreamCommon,
    },
    /// scheduler-cli create-period.
    CreatePeriod(UpstreamPeriod),
    /// scheduler-cli update-period: replaces the period with the fields given.
    UpdatePeriod(UpstreamPeriod),
    /// scheduler-cli delete-period.
    DeletePeriod {
        #[arg(long, short = 'n')]
        name: String,
        #[command(flatten)]
        common: UpstreamCommon,
    },
}

/// The options every `scheduler-cli` verb takes. isched has no stack to name and reads
/// its own database, so `--stack`, `--region` and `--profile-name` are accepted and unused.
#[derive(Debug, Args)]
pub struct UpstreamCommon {
    #[arg(long, short = 's')]
    pub stack: Option<String>,
    #[arg(long, short = 'r')]
    pub region: Option<String>,
    #[arg(long, short = 'p')]
    pub profile_name: Option<String>,
    /// A JMESPath query: not supported (pipe the JSON through jq instead).
    #[arg(long, short = 'q')]
    pub query: Option<String>,
}

#[derive(Debug, Args)]
pub struct UpstreamPeriod {
    #[arg(long, short = 'n')]
    pub name: String,
    #[arg(long)]
    pub begintime: Option<String>,
    #[arg(long)]
    pub endtime: Option<String>,
    #[arg(long)]
    pub weekdays: Option<String>,
    #[arg(long)]
    pub monthdays: Option<String>,
    #[arg(long)]
    pub months: Option<String>,
    #[arg(long)]
    pub description: Option<String>,
    #[command(flatten)]
    pub common: UpstreamCommon,
}

/// `scheduler-cli` verbs for schedules.
#[derive(Debug, Subcommand)]
pub enum UpstreamScheduleVerb {
    /// scheduler-cli describe-schedules: every schedule, or the one --name gives.
    DescribeSchedules {
        #[arg(long, short = 'n')]
        name: Option<String>,
        #[command(flatten)]
        common: UpstreamCommon,
    },
    /// scheduler-cli create-schedule.
    CreateSchedule(UpstreamSchedule),
    /// scheduler-cli update-schedule: replaces the schedule with the fields given.
    UpdateSchedule(UpstreamSchedule),
    /// scheduler-cli delete-schedule.
    DeleteSchedule {
        #[arg(long, short = 'n')]
        name: String,
        #[command(flatten)]
        common: UpstreamCommon,
    },
}

#[derive(Debug, Args)]
pub struct UpstreamSchedule {
    #[arg(long, short = 'n')]
    pub name: String,
    #[arg(long)]
    pub description: Option<String>,
    #[arg(long)]
    pub timezone: Option<String>,
    /// Comma-separated `period` or `period@instance-type`.
    #[arg(long)]
    pub periods: Option<String>,
    #[arg(long, value_parser = ["running", "stopped"])]
    pub override_status: Option<String>,
    /// Upstream's default is to stop instances started outside their periods.
    #[arg(long)]
    pub do_not_stop_new_instances: bool,
    /// `true` (upstream's default) or `false`.
    #[arg(long, value_name = "BOOL", default_value = "true")]
    pub use_maintenance_window: String,
    #[arg(long, num_args = 1..)]
    pub ssm_maintenance_window: Vec<String>,
    #[arg(long)]
    pub retain_running: bool,
    #[arg(long)]
    pub enforced: bool,
    #[arg(long)]
    pub hibernate: bool,
    #[command(flatten)]
    pub common: UpstreamCommon,
}

#[derive(Debug, Subcommand)]
pub enum SchedulesCommand {
    #[command(flatten)]
    Common(DefinitionCommand),
    #[command(flatten)]
    Upstream(Box<UpstreamScheduleVerb>),
    /// Replace all stored periods, schedules and calendars with a definitions file (YAML or
    /// JSON, as `isched schedule check` reads); nothing changes unless all of it is valid.
    Import { file: PathBuf },
    /// Write all stored definitions to FILE (YAML, or JSON when it ends in .json; - for
    /// standard output).
    Export { file: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Start signing tokens with a new key (in the database, for every replica). Tokens
    /// signed with the old key stay valid until they expire.
    Rotate,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Server URL (default: public_url or the listen address of the configuration).
    #[arg(long, env = "ISCHED_URL")]
    pub url: Option<String>,
    #[arg(long)]
    pub email: Option<String>,
    /// Read the password (and any challenge answers, one per line) from standard input.
    #[arg(long)]
    pub password_stdin: bool,
    /// Sign in with a personal access token instead (for automation).
    #[arg(long, value_name = "TOKEN", env = "ISCHED_TOKEN", hide_env_values = true, conflicts_with_all = ["email", "password_stdin"])]
    pub token: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Every user with status, MFA and groups.
    List {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Create a user with a temporary password (emailed when SMTP is configured, else
    /// printed once).
    Create {
        email: String,
        /// A group (admin, user or your own); repeat for more. Default: user.
        #[arg(long = "group", value_name = "GROUP")]
        groups: Vec<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Disable a user (by email or id): sign-in refused, sessions ended.
    Disable {
        user: String,
    },
    Enable {
        user: String,
    },
    Delete {
        user: String,
    },
    /// Give a user a new temporary password.
    ResetPassword {
        user: String,
    },
    /// Show a user's groups, or replace them with --set.
    Groups {
        user: String,
        #[arg(long, value_name = "GROUP")]
        set: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    /// Create simulated, running instances (stored in isched's database).
    Seed {
        /// How many instances.
        #[arg(long, value_name = "N")]
        instances: usize,
        /// A tag for every instance, KEY=VALUE; repeat for more (e.g. --tag Schedule=office-hours).
        #[arg(long = "tag", value_name = "K=V", value_parser = parse_tag)]
        tags: Vec<(String, String)>,
        /// Instance type (one the sandbox prices).
        #[arg(long = "type", default_value = "t3.medium")]
        instance_type: String,
        /// Sandbox region.
        #[arg(long, default_value = "sandbox-1")]
        region: String,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Debug, Subcommand)]
pub enum InstancesCommand {
    /// Create an instance from a template; waits for it (with progress) and shows its
    /// login, once.
    Create {
        #[arg(long)]
        template: String,
        #[arg(long)]
        name: String,
        /// One the template allows (default: the template's).
        #[arg(long = "type", value_name = "INSTANCE_TYPE")]
        instance_type: Option<String>,
        /// Repeating the command with the same key returns the first answer.
        #[arg(long, value_name = "KEY")]
        idempotency_key: Option<String>,
        /// Print the job and return at once instead of waiting.
        #[arg(long)]
        no_wait: bool,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Your instances (admins: everyone's).
    List {
        /// Terminated and failed ones too.
        #[arg(long)]
        all: bool,
        /// Only this user's (admins; a user id).
        #[arg(long)]
        owner: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    Show {
        id: String,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    Start {
        id: String,
    },
    Stop {
        id: String,
    },
    /// Stop anyone's instance (admins).
    ForceStop {
        id: String,
    },
    /// Let it live longer (up to the template's maximum from now).
    Extend {
        id: String,
        #[arg(long)]
        hours: u32,
    },
    /// Terminate it; this cannot be undone.
    Terminate {
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// A job's steps; with --wait, follows it to its end with a progress bar.
    Show {
        id: String,
        #[arg(long)]
        wait: bool,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Debug, Subcommand)]
pub enum TemplatesCommand {
    /// Templates in service (and retired ones with --retired).
    List {
        #[arg(long)]
        retired: bool,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// One template, as YAML (or JSON with --format json), with the price of each type.
    Show {
        name: String,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Create one from a YAML or JSON file (the fields of POST /api/v1/templates).
    Create {
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
    },
    /// Change the fields a YAML or JSON file names (null clears an optional one).
    Update {
        name: String,
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
    },
    /// No new instances from it; those that exist are left alone.
    Retire { name: String },
    /// Delete a template no instance uses.
    Delete { name: String },
}

#[derive(Debug, Subcommand)]
pub enum ResourcesCommand {
    /// Every resource in the inventory (what the scheduler last saw), with its schedule.
    List {
        /// Discover every resource now and store what was seen first (the inventory is
        /// also filled this way when it is empty).
        #[arg(long)]
        refresh: bool,
        /// Only resources in this region.
        #[arg(long)]
        region: Option<String>,
        /// Only resources in this state (running, stopped, ...).
        #[arg(long)]
        state: Option<String>,
        /// Only resources that follow this schedule.
        #[arg(long)]
        schedule: Option<String>,
        /// Only resources with this tag: KEY or KEY=VALUE.
        #[arg(long, value_name = "KEY[=VALUE]")]
        tag: Option<String>,
        /// Only resources that cannot be scheduled (an unknown schedule, ...).
        #[arg(long)]
        unschedulable: bool,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Make a resource follow a schedule without tagging it (wins over its Schedule tag).
    Assign {
        /// The resource's cloud id, or provider:account:region:id.
        resource: String,
        schedule: String,
    },
    /// Remove a resource's assigned schedule; its tag (if any) decides again.
    Unassign { resource: String },
}

fn parse_tag(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_owned(), v.to_owned())),
        _ => Err(format!("{text:?} is not KEY=VALUE")),
    }
}

#[derive(Debug, Subcommand)]
pub enum ScheduleCommand {
    /// Evaluate conformance cases (JSON Lines) and print one answer per line.
    Eval {
        /// File of cases, one JSON object per line; `-` reads standard input.
        #[arg(long, value_name = "FILE")]
        cases: PathBuf,
    },
    /// Print a schedule's upcoming transitions, in its time zone and in UTC.
    Next {
        #[command(flatten)]
        file: ScheduleFile,
        /// The schedule's name.
        #[arg(long)]
        schedule: String,
        /// How many transitions to print.
        #[arg(long, default_value_t = 10)]
        count: usize,
        /// Start after this instant (RFC 3339); default now.
        #[arg(long, value_name = "RFC3339")]
        from: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Validate a file of periods and schedules, listing every problem.
    Check {
        #[command(flatten)]
        file: ScheduleFile,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Running hours of a schedule over a date range, and hours saved versus always-on.
    Usage {
        #[command(flatten)]
        file: ScheduleFile,
        #[arg(long)]
        schedule: String,
        /// First day, inclusive (YYYY-MM-DD, in the schedule's time zone).
        #[arg(long, value_name = "DATE")]
        from: String,
        /// Last day, inclusive (YYYY-MM-DD, in the schedule's time zone).
        #[arg(long, value_name = "DATE")]
        to: String,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Debug, Args)]
pub struct ScheduleFile {
    /// File of periods and schedules, YAML or JSON, in AWS Instance Scheduler's field names.
    #[arg(long = "config", value_name = "FILE")]
    pub path: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum UsageCommand {
    /// Hours, cost and savings over whole days, grouped.
    Report {
        /// First day, inclusive (YYYY-MM-DD, in --zone).
        #[arg(long, value_name = "DATE")]
        from: String,
        /// Last day, inclusive.
        #[arg(long, value_name = "DATE")]
        to: String,
        #[arg(long, value_enum, default_value_t = UsageGroup::Schedule)]
        group_by: UsageGroup,
        /// The zone days are cut in (IANA name).
        #[arg(long, default_value = "UTC")]
        zone: String,
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
    },
    /// Writes rolled-up days as Parquet, partitioned by date (`date=YYYY-MM-DD/`): the
    /// daily usage per resource and the running intervals.
    Export {
        /// A directory, or s3://BUCKET/PREFIX.
        #[arg(long, value_name = "DIR|s3://BUCKET/PREFIX")]
        to: String,
        /// First day to export (default: the first rolled up).
        #[arg(long, value_name = "DATE")]
        from: Option<String>,
        /// Last day to export (default: the last rolled up).
        #[arg(long, value_name = "DATE")]
        through: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UsageGroup {
    Resource,
    Owner,
    Template,
    Schedule,
    Day,
    /// The owner's groups (an owner in two groups counts in both).
    Group,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Table,
    Json,
    Csv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}
