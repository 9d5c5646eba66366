//! What each extension means, case by case: overnight periods, cron periods, calendars,
//! dated exceptions, resource overrides, and their order of precedence.

use isched_schedule::spec::CatalogSpec;
use isched_schedule::{Catalog, OverrideStatus, ResourceOverride, Schedule, State};
use jiff::Timestamp;

fn catalog(json: &str) -> Catalog {
    let spec: CatalogSpec = serde_json::from_str(json).expect("valid JSON");
    Catalog::parse(&spec).unwrap_or_else(|e| panic!("{e:?}"))
}

fn at(s: &str) -> Timestamp {
    s.parse().expect("RFC 3339")
}

fn state(s: &Schedule, t: &str) -> State {
    s.state_at(at(t)).state
}

#[test]
fn overnight_period_runs_from_its_start_day_into_the_next() {
    // 22:00 Friday until 06:00 Saturday; the weekday names the day the period starts.
    let c = catalog(
        r#"{"periods":[{"name":"night","begintime":"22:00","endtime":"06:00","weekdays":"fri"}],
                       "schedules":[{"name":"s","timezone":"Europe/London","periods":["night@m5.large"]}]}"#,
    );
    let s = c.schedule("s").expect("s");
    assert_eq!(state(s, "2026-06-05T20:59:59Z"), State::Stopped); // Fri 21:59:59 BST
    assert_eq!(
        s.state_at(at("2026-06-05T21:00:00Z")).instance_type,
        Some("m5.large")
    );
    assert_eq!(state(s, "2026-06-06T04:59:59Z"), State::Running); // Sat 05:59:59
    assert_eq!(state(s, "2026-06-06T05:00:00Z"), State::Stopped); // Sat 06:00
    assert_eq!(state(s, "2026-06-06T21:00:00Z"), State::Stopped); // Sat 22:00: not a Friday
    assert_eq!(state(s, "2026-06-04T23:00:00Z"), State::Stopped); // Fri 00:00, Thursday's night does not exist
}

#[test]
fn cron_period_starts_and_stops_on_the_wall_clock() {
    let c = catalog(
        r#"{"periods":[{"name":"c","start_cron":"30 8 * * 1-5","stop_cron":"0 18 * * 1-5"}],
                       "schedules":[{"name":"s","timezone":"America/New_York","periods":["c"]}]}"#,
    );
    let s = c.schedule("s").expect("s");
    assert_eq!(state(s, "2026-06-01T12:29:59Z"), State::Stopped); // Mon 08:29:59 EDT
    assert_eq!(state(s, "2026-06-01T12:30:00Z"), State::Running);
    assert_eq!(state(s, "2026-06-01T22:00:00Z"), State::Stopped); // 18:00
    let next = s.next_transition(at("2026-06-05T23:00:00Z")).expect("next"); // Friday evening
    assert_eq!(next.at, at("2026-06-08T12:30:00Z")); // Monday 08:30
    // A cron boundary in the spring-forward gap fires at the first instant after it.
    let c = catalog(
        r#"{"periods":[{"name":"c","start_cron":"30 2 * * *","stop_cron":"0 4 * * *"}],
                       "schedules":[{"name":"s","timezone":"America/New_York","periods":["c"]}]}"#,
    );
    let s = c.schedule("s").expect("s");
    let next = s.next_transition(at("2027-03-14T06:00:00Z")).expect("next"); // 01:00 EST
    assert_eq!(next.at, at("2027-03-14T07:00:00Z")); // 03:00 EDT, the first instant after 02:00
    assert_eq!(next.state, State::Running);
}

#[test]
fn calendars_and_exceptions_override_periods_in_order() {
    let c = catalog(
        r#"{
        "calendars":[{"name":"holidays","dates":["2026-12-25", {"from":"2026-12-28","to":"2026-12-31","name":"shutdown"}]}],
        "periods":[{"name":"office","begintime":"09:00","endtime":"17:00","weekdays":"mon-fri"}],
        "schedules":[
          {"name":"s","timezone":"Europe/Berlin","periods":["office"],"calendars":["holidays"],
           "exceptions":[{"from":"2026-12-30","to":"2026-12-30","state":"running","description":"year-end close"}]},
          {"name":"special","timezone":"UTC","periods":["office"],"calendars":["holidays"],"calendar_days":"running"}]}"#,
    );
    let s = c.schedule("s").expect("s");
    assert_eq!(state(s, "2026-12-24T10:00:00Z"), State::Running); // Thursday, ordinary
    assert_eq!(state(s, "2026-12-25T10:00:00Z"), State::Stopped); // holiday
    assert_eq!(state(s, "2026-12-29T10:00:00Z"), State::Stopped); // shutdown range
    assert_eq!(state(s, "2026-12-30T02:00:00Z"), State::Running); // exception beats the calendar, all day
    assert_eq!(state(s, "2027-01-04T10:00:00Z"), State::Running);
    let special = c.schedule("special").expect("special");
    assert_eq!(state(special, "2026-12-26T03:00:00Z"), State::Stopped); // Saturday, not listed
    assert_eq!(state(special, "2026-12-28T03:00:00Z"), State::Running); // listed day, runs all day
    // Transitions land on local midnight.
    assert_eq!(
        s.next_transition(at("2026-12-24T16:30:00Z")).map(|t| t.at),
        Some(at("2026-12-29T23:00:00Z"))
    );
}

#[test]
fn resource_override_holds_until_it_expires() {
    let c = catalog(
        r#"{"periods":[{"name":"office","begintime":"09:00","endtime":"17:00"}],
                       "schedules":[{"name":"s","periods":["office"]}]}"#,
    );
    let s = c.schedule("s").expect("s");
    let keep = ResourceOverride {
        state: OverrideStatus::Running,
        until: at("2026-06-01T22:00:00Z"),
    };
    assert_eq!(
        s.state_at_with(at("2026-06-01T18:00:00Z"), Some(&keep))
            .state,
        State::Running
    );
    assert_eq!(
        s.state_at_with(at("2026-06-01T22:00:00Z"), Some(&keep))
            .state,
        State::Stopped
    );
    let t = s
        .next_transition_with(at("2026-06-01T16:00:00Z"), Some(&keep))
        .expect("next");
    assert_eq!(
        (t.at, t.state),
        (at("2026-06-01T22:00:00Z"), State::Stopped)
    );
    // Expiring while the schedule says the same: no transition at the expiry.
    let stop = ResourceOverride {
        state: OverrideStatus::Stopped,
        until: at("2026-06-01T20:00:00Z"),
    };
    let t = s
        .next_transition_with(at("2026-06-01T10:00:00Z"), Some(&stop))
        .expect("next");
    assert_eq!(
        (t.at, t.state),
        (at("2026-06-02T09:00:00Z"), State::Running)
    );
}

#[test]
fn invalid_extensions_say_what_and_where() {
    let spec: CatalogSpec = serde_json::from_str(r#"{
        "calendars":[{"name":"h","dates":["2026-02-30"]}],
        "periods":[{"name":"c","start_cron":"61 * * * *","stop_cron":"0 18 * * *"},
                   {"name":"d","start_cron":"0 9 * * *"},
                   {"name":"e","start_cron":"0 9 * * *","stop_cron":"0 17 * * *","weekdays":"mon"},
                   {"name":"f","start_cron":"0 0 30 2 *","stop_cron":"0 17 * * *"}],
        "schedules":[{"name":"s","periods":["c"],"calendars":["nope"],"calendar_days":"maybe",
                      "exceptions":[{"from":"2026-12-31","to":"2026-12-01","state":"running"},{"from":"2026-01-01","state":"paused"}]}]}"#)
    .expect("json");
    let errors: Vec<String> = Catalog::parse(&spec)
        .expect_err("invalid")
        .iter()
        .map(|e| e.to_string())
        .collect();
    let all = errors.join("\n");
    for expected in [
        r#"calendar "h": dates: "2026-02-30": not a date (YYYY-MM-DD)"#,
        r#"period "c": start_cron: "61 * * * *": not a cron expression"#,
        r#"period "d": stop_cron: is required with start_cron"#,
        r#"period "e": start_cron: a cron period has only start_cron and stop_cron"#,
        r#"period "f": start_cron: "0 0 30 2 *": never fires"#,
        r#"schedule "s": calendars: "nope": no calendar has this name"#,
        r#"schedule "s": calendar_days: "maybe": must be stopped or running"#,
        r#"schedule "s": exceptions: "2026-12-01": the range ends before it starts"#,
        r#"schedule "s": exceptions: "paused": state must be running or stopped"#,
    ] {
        assert!(all.contains(expected), "missing {expected:?} in:\n{all}");
    }
}
