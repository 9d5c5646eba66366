//! `/snooze`: the signed link in a reminder. GET shows what the link would do and a button;
//! the POST from that button keeps the resource running until the link's time (an
//! override, recorded in its history). The signature is the authorisation: no sign-in, so
//! that the owner can act from their phone's mail app. Pages are plain server-side HTML.
//!
//! A link whose resource is `instance:ID` comes from a reminder before an instance's life
//! ends: it lengthens that life instead (within the template's maximum).

use crate::state::AppState;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use isched_auth::mail::escape;
use isched_engine::reminders::{Snooze, SnoozeError, signing_key};
use isched_engine::{LIFETIME_LINK, Lengthened, Snoozed};

#[derive(Debug, serde::Deserialize)]
pub(crate) struct SnoozeLink {
    r: String,
    s: i64,
    u: i64,
    sig: String,
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{t} · isched</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1f2933}}\
         button{{font-size:1rem;padding:.6rem 1.2rem;border:0;border-radius:.3rem;background:#2563eb;color:#fff;cursor:pointer}}\
         code{{background:#f1f5f9;padding:.1rem .3rem}}</style></head>\
         <body><h1>{t}</h1>{body}</body></html>",
        t = escape(title)
    );
    // Its one inline style sheet is allowed; nothing else loads, and the form posts here.
    let csp = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    (
        status,
        [(axum::http::header::CONTENT_SECURITY_POLICY, csp)],
        Html(html),
    )
        .into_response()
}

/// The snooze in `link`, or the page that says why not.
async fn checked(state: &AppState, link: &SnoozeLink) -> Result<Snooze, Response> {
    let now = state.now();
    let key = signing_key(state.store(), now, state.auth().sealer())
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot read the snooze signing key");
            page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Try again later",
                "<p>isched cannot check this link right now.</p>",
            )
        })?;
    Snooze::verify(&link.r, link.s, link.u, &link.sig, &key, now).map_err(|e| {
        let status = match e {
            SnoozeError::BadSignature => StatusCode::BAD_REQUEST,
            SnoozeError::Expired(_) => StatusCode::GONE,
        };
        page(
            status,
            "Link not usable",
            &format!("<p>{}.</p>", escape(&sentence(&e.to_string()))),
        )
    })
}

/// An error message as a sentence on a page: capitalised.
fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn cloud_id(key: &str) -> &str {
    key.rsplit(':').next().unwrap_or(key)
}

/// The zone of the schedule the resource follows, as the scheduler last saw it (UTC if
/// unknown), read once per page.
async fn zone_of(state: &AppState, resource: &str) -> jiff::tz::TimeZone {
    let schedule = state
        .store()
        .resource_states()
        .await
        .ok()
        .and_then(|m| m.get(resource).map(|m| m.schedule.clone()));
    let catalog = isched_engine::definitions::Definitions::new(state.store().clone())
        .catalog()
        .await
        .ok();
    schedule
        .zip(catalog)
        .and_then(|(name, c)| c.schedule(&name).map(|s| s.time_zone().clone()))
        .unwrap_or(jiff::tz::TimeZone::UTC)
}

/// How `t` reads in `zone`, for a page (HTML-escaped).
fn local_time(zone: &jiff::tz::TimeZone, t: jiff::Timestamp) -> String {
    let local = t.to_zoned_datetime(zone.clone());
    let name = local.time_zone().iana_name().unwrap_or("UTC").to_owned();
    escape(&format!(
        "{} ({name})",
        local.strftime("%a %-d %b %Y, %H:%M")
    ))
}

/// `GET /snooze?r&s&u&sig`: a confirmation page (link scanners only ever GET).
pub(crate) async fn confirm(
    State(state): State<AppState>,
    Query(link): Query<SnoozeLink>,
) -> Response {
    let snooze = match checked(&state, &link).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    if let Some(id) = snooze.resource.strip_prefix(LIFETIME_LINK) {
        return confirm_lifetime(&state, id, &snooze, &link).await;
    }
    let zone = zone_of(&state, &snooze.resource).await;
    let body = format!(
        "<p>Keep <code>{id}</code> running until <strong>{until}</strong> instead of stopping it at {stop}?</p>\
         <form method=\"post\" action=\"/snooze\">{fields}\
         <button type=\"submit\">Keep it running</button></form>",
        id = escape(cloud_id(&snooze.resource)),
        until = local_time(&zone, snooze.until),
        stop = local_time(&zone, snooze.stop_at),
        fields = link_fields(&link),
    );
    page(StatusCode::OK, "Keep it running?", &body)
}

/// `POST /snooze`: sets the override "running until" the link's time.
pub(crate) async fn apply(State(state): State<AppState>, Form(link): Form<SnoozeLink>) -> Response {
    let snooze = match checked(&state, &link).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    if let Some(id) = snooze.resource.strip_prefix(LIFETIME_LINK) {
        return apply_lifetime(&state, id, &snooze).await;
    }
    let store = state.store();
    let remembered = match store.resource_states().await {
        Ok(states) => states.get(&snooze.resource).map(|m| m.schedule.clone()),
        Err(e) => {
            tracing::error!(error = %e, "snooze: cannot read the scheduler's memory");
            None
        }
    };
    let Some(schedule) = remembered else {
        return page(
            StatusCode::NOT_FOUND,
            "Unknown resource",
            "<p>The scheduler no longer knows this resource.</p>",
        );
    };
    let id = escape(cloud_id(&snooze.resource));
    match state
        .engine()
        .snooze(&snooze.resource, &schedule, snooze.until)
        .await
    {
        // A longer "keep running" already set stays: a snooze never shortens one.
        Ok(Snoozed::AlreadyLonger(o)) => page(
            StatusCode::OK,
            "Already kept running",
            &format!(
                "<p><code>{id}</code> already runs until {}.</p>",
                local_time(&zone_of(&state, &snooze.resource).await, o.until)
            ),
        ),
        Ok(Snoozed::Set(o)) => page(
            StatusCode::OK,
            "Snoozed",
            &format!(
                "<p><code>{id}</code> keeps running until <strong>{}</strong>. The schedule takes over again then.</p>",
                local_time(&zone_of(&state, &snooze.resource).await, o.until)
            ),
        ),
        Err(e) => {
            tracing::warn!(error = %e, resource = %snooze.resource, "snooze not applied");
            page(
                StatusCode::CONFLICT,
                "Not snoozed",
                &format!("<p>{}.</p>", escape(&sentence(&e.to_string()))),
            )
        }
    }
}

/// The hidden fields that repeat a link in its confirmation form.
fn link_fields(link: &SnoozeLink) -> String {
    format!(
        "<input type=\"hidden\" name=\"r\" value=\"{r}\"><input type=\"hidden\" name=\"s\" value=\"{s}\">\
         <input type=\"hidden\" name=\"u\" value=\"{u}\"><input type=\"hidden\" name=\"sig\" value=\"{sig}\">",
        r = escape(&link.r),
        s = link.s,
        u = link.u,
        sig = escape(&link.sig),
    )
}

fn unknown_instance() -> Response {
    page(
        StatusCode::NOT_FOUND,
        "Unknown instance",
        "<p>This instance no longer exists.</p>",
    )
}

/// `GET /snooze` for a lifetime link.
async fn confirm_lifetime(
    state: &AppState,
    id: &str,
    snooze: &Snooze,
    link: &SnoozeLink,
) -> Response {
    let Ok(Some(instance)) = state.store().instance(id).await else {
        return unknown_instance();
    };
    let zone = state.engine().zone_of_instance(&instance).await;
    let body = format!(
        "<p>Keep your instance <code>{name}</code> until <strong>{until}</strong> instead of ending its life at {end}?</p>\
         <form method=\"post\" action=\"/snooze\">{fields}<button type=\"submit\">Keep it longer</button></form>",
        name = escape(&instance.name),
        until = local_time(&zone, snooze.until),
        end = local_time(&zone, snooze.stop_at),
        fields = link_fields(link),
    );
    page(StatusCode::OK, "Keep it longer?", &body)
}

/// `POST /snooze` for a lifetime link.
async fn apply_lifetime(state: &AppState, id: &str, snooze: &Snooze) -> Response {
    let (title, instance) = match state.engine().lengthen_by_link(id, snooze.until).await {
        Ok(Lengthened::Until(i)) => ("Lifetime extended", i),
        Ok(Lengthened::AlreadyLonger(i)) => ("Already extended", i),
        Err(isched_engine::plan::EngineError::Definitions(
            isched_engine::definitions::DefinitionError::NotFound(..),
        )) => return unknown_instance(),
        Err(e) => {
            tracing::warn!(error = %e, instance = %id, "lifetime link not applied");
            return page(
                StatusCode::CONFLICT,
                "Not extended",
                &format!("<p>{}.</p>", escape(&sentence(&e.to_string()))),
            );
        }
    };
    let zone = state.engine().zone_of_instance(&instance).await;
    page(
        StatusCode::OK,
        title,
        &format!(
            "<p><code>{}</code> lives until <strong>{}</strong>.</p>",
            escape(&instance.name),
            local_time(&zone, instance.expires_at)
        ),
    )
}
