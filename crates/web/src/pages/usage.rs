//! `/ui/usage`: hours, money spent and money saved over a range of days, per day, owner,
//! template, schedule, resource or group, as a bar chart (SVG drawn on the server) and a
//! table, with the same figures as CSV at `/ui/usage.csv`. Users see their own resources,
//! admins everyone's (the same rule as `GET /api/v1/usage`).

use super::{Nav, Page, failure, sentence, shell};
use crate::session::Session;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use isched_server::{ApiError, AppState, UsageQuery, UsageView};
use maud::{Markup, html};

/// Bars drawn at most (the table and the CSV hold every row).
const BARS: usize = 31;
const GROUPS: [(&str, &str); 6] = [
    ("day", "Day"),
    ("owner", "Owner"),
    ("template", "Template"),
    ("schedule", "Schedule"),
    ("resource", "Resource"),
    ("group", "Group"),
];

/// The form's values as given, to show them again.
struct Asked {
    from: String,
    to: String,
    group_by: String,
    owner: String,
}

fn asked(q: &mut UsageQuery) -> Asked {
    // The page groups by day unless told otherwise (the API's default is by schedule).
    q.group_by.get_or_insert_with(|| "day".into());
    Asked {
        from: q.from.clone().unwrap_or_default(),
        to: q.to.clone().unwrap_or_default(),
        group_by: q.group_by.clone().unwrap_or_default(),
        owner: q.owner.clone().unwrap_or_default(),
    }
}

async fn view(
    state: &AppState,
    session: &Session,
    q: UsageQuery,
) -> Result<Result<UsageView, ApiError>, Response> {
    let req = match q.request(state) {
        Ok(r) => r,
        Err(e) => return Ok(Err(e)),
    };
    match state.engine().usage_report(session.user(), req).await {
        Ok(r) => Ok(Ok(UsageView::from(&r))),
        Err(e) => match ApiError::from(e) {
            e if e.status == StatusCode::BAD_REQUEST => Ok(Err(e)),
            e => Err(failure(e)),
        },
    }
}

/// `GET /ui/usage`.
pub(crate) async fn show(
    State(state): State<AppState>,
    session: Session,
    Query(mut q): Query<UsageQuery>,
) -> Response {
    let asked = asked(&mut q);
    let result = match view(&state, &session, q).await {
        Ok(r) => r,
        Err(page) => return page,
    };
    let admin = session.user().is_admin();
    let (status, content) = match &result {
        Ok(v) => (StatusCode::OK, report(v, &asked)),
        Err(_) => (StatusCode::UNPROCESSABLE_ENTITY, html! {}),
    };
    let problem = result.as_ref().err();
    let field_error = |field: &str| -> Option<String> {
        problem
            .filter(|e| e.field.as_deref() == Some(field))
            .map(|e| sentence(&e.message))
    };
    let (from, to) = match &result {
        Ok(v) => (v.from.clone(), v.to.clone()),
        Err(_) => (asked.from.clone(), asked.to.clone()),
    };
    let body = html! {
        main id="main" {
            h1 { "Usage and savings" }
            p.muted {
                @if admin { "Every resource isched counts. " } @else { "Your instances and the resources tagged with your email. " }
                "Saved is what running all the time would have cost more; unplanned is running while the schedule asked for stopped."
            }
            form.week-controls.usage-controls.card method="get" action="/ui/usage" {
                div {
                    label for="from" { "From" }
                    input #from type="date" name="from" value=(from) aria-describedby=[field_error("from").map(|_| "from-error")];
                    @if let Some(m) = field_error("from") { p.field-error #from-error { (m) } }
                }
                div {
                    label for="to" { "To" }
                    input #to type="date" name="to" value=(to) aria-describedby=[field_error("to").map(|_| "to-error")];
                    @if let Some(m) = field_error("to") { p.field-error #to-error { (m) } }
                }
                div {
                    label for="group_by" { "Per" }
                    select #group_by name="group_by" {
                        @for (value, label) in GROUPS {
                            option value=(value) selected[asked.group_by == value] { (label) }
                        }
                    }
                    @if let Some(m) = field_error("group_by") { p.field-error { (m) } }
                }
                @if admin {
                    div {
                        label for="owner" { "Owner (email)" }
                        input #owner type="text" name="owner" value=(asked.owner) placeholder="everyone";
                    }
                }
                div.submit { button type="submit" { "Show" } }
            }
            @if let Some(e) = problem.filter(|e| e.field.is_none()) {
                p.notice.error role="alert" { (sentence(&e.message)) }
            }
            (content)
        }
    };
    let page = Page {
        title: "Usage",
        nav: Nav::Usage,
        refresh: None,
    };
    (status, shell(&state, &page, Some(&session), body)).into_response()
}

/// `GET /ui/usage.csv`: the table as CSV.
pub(crate) async fn csv(
    State(state): State<AppState>,
    session: Session,
    Query(mut q): Query<UsageQuery>,
) -> Response {
    asked(&mut q);
    match view(&state, &session, q).await {
        Err(page) => page,
        Ok(Err(e)) => failure(e),
        Ok(Ok(v)) => {
            let name = format!("isched-usage-{}-{}-{}.csv", v.from, v.to, v.group_by);
            (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{name}\""),
                    ),
                ],
                v.to_csv(),
            )
                .into_response()
        }
    }
}

fn amount(x: f64, currency: &str) -> String {
    format!("{x:.2} {currency}")
}

fn report(v: &UsageView, asked: &Asked) -> Markup {
    let c = v.currency.as_str();
    let t = &v.total;
    let mut query = vec![
        ("from", v.from.as_str()),
        ("to", v.to.as_str()),
        ("group_by", v.group_by),
    ];
    if !asked.owner.is_empty() {
        query.push(("owner", asked.owner.as_str()));
    }
    let csv_href = format!(
        "/ui/usage.csv?{}",
        serde_urlencoded::to_string(&query).unwrap_or_default()
    );
    html! {
        div.grid.totals {
            div.card { p.muted { "Spent" } p.figure { (amount(t.cost, c)) } p.muted { (format!("{:.1}", t.running_hours)) " h running" } }
            div.card { p.muted { "Saved" } p.figure.saved { (amount(t.saved_cost, c)) } p.muted { (format!("{:.1}", t.saved_hours)) " h stopped" } }
            div.card { p.muted { "Unplanned" } p.figure.waste { (amount(t.unplanned_cost, c)) } p.muted { (format!("{:.1}", t.unplanned_hours)) " h outside the schedule" } }
        }
        p.muted { (v.from) " to " (v.to) ", days in " (v.zone) ". " a href=(csv_href) download { "Download CSV" } }
        @if v.rows.is_empty() {
            p.empty.card { "Nothing ran or was saved in this range." }
        } @else {
            (chart(v))
            div.table-wrap tabindex="0" { table {
                caption.sr-only { "Usage per " (v.group_by) }
                thead { tr {
                    th scope="col" { (GROUPS.iter().find(|g| g.0 == v.group_by).map_or(v.group_by, |g| g.1)) }
                    th scope="col" { "Running h" }
                    th scope="col" { "Spent" }
                    th scope="col" { "Saved h" }
                    th scope="col" { "Saved" }
                    th.optional scope="col" { "Unplanned h" }
                    th.optional scope="col" { "Unplanned" }
                } }
                tbody {
                    @for r in &v.rows {
                        @let f = &r.figures;
                        tr {
                            th scope="row" { (r.key) }
                            td { (format!("{:.2}", f.running_hours)) }
                            td { (amount(f.cost, c)) }
                            td { (format!("{:.2}", f.saved_hours)) }
                            td { (amount(f.saved_cost, c)) }
                            td.optional { (format!("{:.2}", f.unplanned_hours)) }
                            td.optional { (amount(f.unplanned_cost, c)) }
                        }
                    }
                }
            } }
        }
    }
}

/// Horizontal bars: spent and saved side by side in one bar per key (the most expensive
/// keys when there are many; days in order).
fn chart(v: &UsageView) -> Markup {
    const WIDTH: f64 = 760.0;
    const LABEL: f64 = 220.0;
    const ROW: f64 = 26.0;
    let mut rows: Vec<_> = v.rows.iter().collect();
    if v.group_by != "day" {
        rows.sort_by(|a, b| {
            let total = |r: &&isched_server::UsageRowView| r.figures.cost + r.figures.saved_cost;
            total(b).total_cmp(&total(a))
        });
    }
    let shown = rows.len().min(BARS);
    let rows = &rows[..shown];
    let max = rows
        .iter()
        .map(|r| r.figures.cost + r.figures.saved_cost)
        .fold(0.0_f64, f64::max)
        .max(f64::MIN_POSITIVE);
    let bar = WIDTH - LABEL - 110.0;
    let x = |amount: f64| bar * amount / max;
    let height = ROW * rows.len() as f64 + 8.0;
    let c = v.currency.as_str();
    let short = |key: &str| -> String {
        if key.chars().count() > 28 {
            format!(
                "…{}",
                key.chars()
                    .rev()
                    .take(27)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect::<String>()
            )
        } else {
            key.to_owned()
        }
    };
    html! {
        figure.usage {
            svg viewBox={ "0 0 " (WIDTH) " " (height) } role="img" aria-labelledby="usage-title" {
                title id="usage-title" { "Money spent and saved per " (v.group_by) " (the table below has the figures)" }
                @for (i, r) in rows.iter().enumerate() {
                    @let y = ROW * i as f64 + 4.0;
                    @let f = &r.figures;
                    text.key x=(LABEL - 8.0) y=(y + ROW * 0.62) text-anchor="end" { (short(&r.key)) }
                    rect.spent x=(LABEL) y=(y + 4.0) width=(x(f.cost)) height=(ROW - 8.0) {
                        title { (r.key) ": spent " (amount(f.cost, c)) }
                    }
                    rect.saved x=(LABEL + x(f.cost)) y=(y + 4.0) width=(x(f.saved_cost)) height=(ROW - 8.0) {
                        title { (r.key) ": saved " (amount(f.saved_cost, c)) }
                    }
                    text.value x=(LABEL + x(f.cost + f.saved_cost) + 6.0) y=(y + ROW * 0.62) { (format!("{:.2}", f.cost)) }
                }
            }
            figcaption {
                span.legend.spent { "Spent" } " "
                span.legend.saved { "Saved" }
                " (the number is what was spent, in " (c) ")"
                @if v.rows.len() > shown { ". The " (shown) " largest of " (v.rows.len()) " are drawn; the table has all." }
            }
        }
    }
}
