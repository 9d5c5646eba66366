//! isched's web interface: server-rendered pages (maud, checked at compile time) over the
//! same engine as the API, with cookie sessions on the API's tokens, a CSRF token on every
//! form, and no script or style from anywhere but this binary.

mod assets;
mod csrf;
mod pages;
mod qr;
mod session;

use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use isched_server::{AppState, ExtraRoutes};

pub use pages::settings::{Settings, SettingsSection};

/// The pages, for [`isched_server::router_with`]; `settings` is what the admin settings
/// page shows of the configuration.
pub fn routes(state: &AppState, settings: Settings) -> ExtraRoutes {
    let session = || from_fn_with_state(state.clone(), session::resolve);
    let sign_in = axum::Router::new()
        .route("/ui/login", post(pages::sign_in::login))
        .route("/ui/challenge", post(pages::sign_in::challenge))
        .route("/ui/step-up", post(pages::sign_in::step_up))
        .route(
            "/ui/forgot",
            get(pages::forgot::show).post(pages::forgot::ask),
        )
        .route("/ui/forgot/confirm", post(pages::forgot::confirm))
        .layer(session());
    let pages = axum::Router::new()
        .route("/", get(pages::sign_in::show))
        .route("/ui/logout", post(pages::sign_in::logout))
        .route(
            "/ui/instances",
            get(pages::instances::list).post(pages::instances::create),
        )
        .route("/ui/instances/{id}/{action}", post(pages::instances::act))
        .route("/ui/jobs/{id}", get(pages::jobs::show))
        .route(
            "/ui/schedules",
            get(pages::schedules::list).post(pages::editor::create_schedule),
        )
        .route("/ui/schedules/new", get(pages::editor::new_schedule))
        .route(
            "/ui/schedules/{name}",
            get(pages::schedules::show).post(pages::editor::update_schedule),
        )
        .route(
            "/ui/schedules/{name}/edit",
            get(pages::editor::edit_schedule),
        )
        .route(
            "/ui/periods",
            get(pages::editor::periods).post(pages::editor::create_period),
        )
        .route("/ui/periods/new", get(pages::editor::new_period))
        .route("/ui/periods/{name}", post(pages::editor::update_period))
        .route("/ui/periods/{name}/edit", get(pages::editor::edit_period))
        .route("/ui/account", get(pages::account::show))
        .route(
            "/ui/account/password",
            post(pages::account::change_password),
        )
        .route("/ui/account/mfa", post(pages::account::begin_mfa))
        .route("/ui/account/mfa/confirm", post(pages::account::confirm_mfa))
        .route("/ui/account/mfa/remove", post(pages::account::remove_mfa))
        .route(
            "/ui/account/mfa/recovery-codes",
            post(pages::account::new_recovery_codes),
        )
        .route("/ui/account/tokens", post(pages::account::create_token))
        .route(
            "/ui/account/tokens/{id}/revoke",
            post(pages::account::revoke_token),
        )
        .route("/ui/usage", get(pages::usage::show))
        .route("/ui/usage.csv", get(pages::usage::csv))
        .route("/ui/admin/instances", get(pages::admin::fleet))
        .route("/ui/admin/audit", get(pages::audit::show))
        .route("/ui/admin/plan", get(pages::plan::show))
        .route("/ui/admin/health", get(pages::audit::health))
        .route("/ui/admin/settings", get(pages::settings::show))
        .route(
            "/ui/admin/users",
            get(pages::users::list).post(pages::users::create),
        )
        .route(
            "/ui/admin/users/{id}/groups",
            post(pages::users::set_groups),
        )
        .route("/ui/admin/users/{id}/{action}", post(pages::users::act))
        .route(
            "/ui/admin/templates",
            get(pages::templates::list).post(pages::templates::create),
        )
        .route("/ui/admin/templates/new", get(pages::templates::new))
        .route(
            "/ui/admin/quotas",
            get(pages::quotas::list).post(pages::quotas::set),
        )
        .route(
            "/ui/admin/quotas/{kind}/{subject}/remove",
            post(pages::quotas::remove),
        )
        .route("/ui/admin/templates/{name}", post(pages::templates::update))
        .route(
            "/ui/admin/templates/{name}/edit",
            get(pages::templates::edit),
        )
        .route(
            "/ui/admin/templates/{name}/{action}",
            post(pages::templates::act),
        )
        .route(
            "/ui/admin/instances/{id}/force-stop",
            post(pages::admin::force_stop),
        )
        .layer(session())
        .layer(axum::Extension(std::sync::Arc::new(settings)))
        .route("/ui/assets/app.css", get(assets::css))
        .route("/ui/assets/app.js", get(assets::js));
    ExtraRoutes {
        sign_in,
        pages,
        rate_limited: Some(pages::sign_in::too_many_requests),
    }
}
