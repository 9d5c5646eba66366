//! The OpenAPI 3.1 document, generated from the handlers' annotations and the view types.
//! What every route shares is added here once rather than on each: the Bearer scheme on
//! every signed-in route, and the error answers any request can meet on its way (not signed
//! in, a token without the scope, a timeout, a body too large, a server fault).

use crate::error::ErrorEnvelope;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{OpenApi, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi as _};

pub(crate) const BEARER: &str = "bearer";

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "isched",
        description = "Instance scheduler and self-service instance portal. Sign in at \
            `/api/v1/auth/login`, then send `Authorization: Bearer <access_token>`. Lists are \
            paged with `?limit=N&cursor=C` and answer `{\"items\":[...],\"next_cursor\":C|null}`. \
            Every error answers `{\"error\":{\"code\",\"message\",\"field\"?}}`.",
    ),
    components(schemas(ErrorEnvelope)),
    modifiers(&Shared),
    tags(
        (name = "auth", description = "Sign-in, tokens, password reset, sign-up"),
        (name = "users", description = "Users (admins), and the signed-in user"),
        (name = "me", description = "The signed-in user's password, MFA and access tokens"),
        (name = "resources", description = "Cloud resources from the inventory; overrides and assignments"),
        (name = "periods", description = "When a schedule runs: times, weekdays, month days, months, cron"),
        (name = "schedules", description = "Periods in a time zone, with calendars and exceptions"),
        (name = "calendars", description = "Holiday calendars (ICS)"),
        (name = "templates", description = "What users may create instances from (admins write)"),
        (name = "instances", description = "Instances users create from templates, and the jobs that create them"),
        (name = "usage", description = "Running hours, cost and savings, per resource, owner, template, schedule or day"),
        (name = "audit", description = "Who changed what (admins)"),
    )
)]
pub(crate) struct ApiDoc;

/// The document's base: info, tags, shared components. Routes are added by the router.
pub(crate) fn base() -> OpenApi {
    ApiDoc::openapi()
}

struct Shared;

impl Modify for Shared {
    fn modify(&self, doc: &mut OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT or isched personal access token")
                    .build(),
            ),
        );
    }
}

fn error(description: &str) -> RefOr<Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                utoipa::openapi::ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorEnvelope")))
                    .build(),
            )
            .build(),
    )
}

/// Adds what every operation shares. Runs after the routes are in (the router's document
/// is complete only then).
pub(crate) fn finish(mut doc: OpenApi) -> OpenApi {
    for (path, item) in doc.paths.paths.iter_mut() {
        let signed_in = !path.starts_with("/api/v1/auth/");
        let ops = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for op in ops.into_iter().flatten() {
            add_shared(op, signed_in);
        }
    }
    doc
}

fn add_shared(op: &mut Operation, signed_in: bool) {
    // OpenAPI requires a description on every response; successes often say nothing more
    // than their status.
    for (status, response) in op.responses.responses.iter_mut() {
        if let RefOr::T(r) = response
            && r.description.is_empty()
        {
            r.description = status_text(status);
        }
    }
    let takes_input =
        op.request_body.is_some() || op.parameters.as_ref().is_some_and(|p| !p.is_empty());
    let responses = &mut op.responses.responses;
    let mut add = |status: &str, description: &str| {
        responses
            .entry(status.to_owned())
            .or_insert_with(|| error(description));
    };
    if takes_input {
        add(
            "400",
            "The request does not fit: malformed JSON, a wrong field (named in `field`), a bad query",
        );
    }
    if op.request_body.is_some() {
        add("413", "The body is larger than the server accepts");
        add("415", "The body is not sent as application/json");
    }
    if signed_in {
        add("401", "Not signed in, or the token is invalid or expired");
        add(
            "403",
            "Not allowed: not an admin, a read-only token, or the sign-in is too old for this (sign in again)",
        );
        op.security = Some(vec![SecurityRequirement::new(BEARER, Vec::<String>::new())]);
    } else {
        add("429", "Too many attempts from this client; see Retry-After");
    }
    add("408", "The request took longer than the server allows");
    add(
        "500",
        "A fault on the server; the x-request-id header finds it in the log",
    );
    add(
        "503",
        "The database cannot be used now (its disk is full, it is read-only, or it does not answer); nothing was changed; see Retry-After",
    );
}

fn status_text(status: &str) -> String {
    status
        .parse::<u16>()
        .ok()
        .and_then(|s| axum::http::StatusCode::from_u16(s).ok())
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Answer")
        .to_owned()
}
