//! Instances and jobs as `/api/v1/instances` and `/api/v1/jobs` show them.

use isched_engine::Outlook;
use isched_store::instances::Instance;
use isched_store::jobs::{Job, JobError, JobStep};
use jiff::Timestamp;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct InstanceView {
    pub id: String,
    pub name: String,
    pub template: String,
    /// The owner's user id.
    pub owner: String,
    pub provider: String,
    pub account: String,
    pub region: String,
    pub cloud_id: Option<String>,
    /// `provisioning`, `failed`, `terminated`, or (once it exists) what the cloud said at
    /// the last look: `pending`, `running`, `stopping`, `stopped`, ...
    pub state: String,
    pub instance_type: String,
    pub schedule: String,
    /// Per hour, as the template priced the type at creation.
    pub hourly_price: Option<f64>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub terminated_at: Option<Timestamp>,
    /// The job that created it.
    pub job: String,
    pub login: Option<LoginSummary>,
    /// While it runs: when it stops next (its schedule, an override, or the end of its
    /// life, whichever comes first).
    #[schema(value_type = Option<String>, format = DateTime)]
    pub next_stop: Option<Timestamp>,
    /// Money spent on it so far: its running intervals × their hourly prices.
    pub cost_so_far: f64,
}

/// How to reach an instance; the secret itself is only ever in its job's result, once.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct LoginSummary {
    pub username: String,
    pub host: Option<String>,
    pub fingerprint: String,
    /// When its owner was shown the secret (null: not yet).
    #[schema(value_type = Option<String>, format = DateTime)]
    pub shown_at: Option<Timestamp>,
}

impl LoginSummary {
    /// The instance's login, once its job has made one.
    fn of(i: &Instance) -> Option<LoginSummary> {
        match (&i.login_username, &i.login_fingerprint) {
            (Some(username), Some(fingerprint)) => Some(LoginSummary {
                username: username.clone(),
                host: i.login_host.clone().filter(|h| !h.is_empty()),
                fingerprint: fingerprint.clone(),
                shown_at: i.login_shown_at,
            }),
            _ => None,
        }
    }
}

impl From<(Instance, Outlook)> for InstanceView {
    fn from((i, outlook): (Instance, Outlook)) -> Self {
        let state = i.shown_state();
        let login = LoginSummary::of(&i);
        InstanceView {
            id: i.id,
            name: i.name,
            template: i.template,
            owner: i.owner,
            provider: i.provider,
            account: i.account,
            region: i.region,
            cloud_id: i.cloud_id,
            state,
            instance_type: i.instance_type,
            schedule: i.schedule,
            hourly_price: i.hourly_price,
            created_at: i.created_at,
            expires_at: i.expires_at,
            terminated_at: i.terminated_at,
            job: i.job,
            login,
            next_stop: outlook.next_stop,
            cost_so_far: (outlook.cost_so_far * 10_000.0).round() / 10_000.0,
        }
    }
}

/// `POST /api/v1/instances` answers with the instance and the job that makes it.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CreatedInstance {
    pub instance: InstanceView,
    pub job: JobView,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct JobView {
    pub id: String,
    /// `create_instance`.
    pub kind: String,
    /// `queued`, `running`, `succeeded` or `failed`.
    pub state: &'static str,
    pub steps: Vec<StepView>,
    pub error: Option<JobErrorView>,
    pub result: Option<JobResult>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct StepView {
    pub name: String,
    /// `pending`, `done` or `failed`.
    pub state: String,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub at: Option<Timestamp>,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct JobErrorView {
    pub code: String,
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct JobResult {
    pub instance: String,
    pub cloud_id: Option<String>,
    pub login: Option<LoginView>,
}

/// The login: the first read by its owner carries the secret (`private_key` or
/// `password`); every later read only its fingerprint and when it was shown.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct LoginView {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub shown_at: Option<Timestamp>,
}

impl JobView {
    /// `secret` is the stored login JSON when this read is the one that shows it.
    pub fn new(job: Job, instance: Option<&Instance>, secret: Option<String>) -> Self {
        let result = job.result.as_ref().map(|r| {
            let login = instance.and_then(|i| {
                let summary = LoginSummary::of(i)?;
                Some(
                    match secret
                        .as_deref()
                        .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
                    {
                        Some(s) => LoginView {
                            username: Some(summary.username),
                            host: summary.host,
                            private_key: s["private_key"].as_str().map(str::to_owned),
                            password: s["password"].as_str().map(str::to_owned),
                            fingerprint: None,
                            shown_at: None,
                        },
                        None => LoginView {
                            username: None,
                            host: None,
                            private_key: None,
                            password: None,
                            fingerprint: Some(summary.fingerprint),
                            shown_at: summary.shown_at,
                        },
                    },
                )
            });
            JobResult {
                instance: r["instance"].as_str().unwrap_or_default().to_owned(),
                cloud_id: r["cloud_id"].as_str().map(str::to_owned),
                login,
            }
        });
        JobView {
            id: job.id,
            kind: job.kind,
            state: job.state.as_str(),
            steps: job.steps.into_iter().map(StepView::from).collect(),
            error: job.error.map(JobErrorView::from),
            result,
            created_at: job.created_at,
            updated_at: job.updated_at,
        }
    }
}

impl From<JobStep> for StepView {
    fn from(s: JobStep) -> Self {
        StepView {
            name: s.name,
            state: s.state,
            at: s.at,
        }
    }
}

impl From<JobError> for JobErrorView {
    fn from(e: JobError) -> Self {
        JobErrorView {
            code: e.code,
            message: e.message,
        }
    }
}
