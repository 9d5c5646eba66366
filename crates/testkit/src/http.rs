//! Requests to a running isched (in this process or a child process), signed in as the
//! tests need.

use crate::{ADMIN_EMAIL, ADMIN_PASSWORD};

pub struct Http {
    /// `http://127.0.0.1:PORT`
    pub base_url: String,
    pub client: reqwest::Client,
}

impl Http {
    pub fn new(base_url: String) -> Http {
        Http {
            base_url,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("HTTP client"),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request reaches the test server")
    }

    /// POSTs `body` as JSON, with `token` as bearer when given.
    pub async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        let mut req = self.client.post(self.url(path)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("request reaches the test server")
    }

    /// Sends `method path` with `token` as bearer and an optional JSON body.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&serde_json::Value>,
    ) -> reqwest::Response {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        req.send().await.expect("request reaches the test server")
    }

    /// Signs in and returns the token response; panics unless it is tokens.
    pub async fn login(&self, email: &str, password: &str) -> serde_json::Value {
        let res = self
            .post(
                "/api/v1/auth/login",
                None,
                &serde_json::json!({ "email": email, "password": password }),
            )
            .await;
        assert_eq!(res.status(), 200, "login of {email}");
        let body: serde_json::Value = res.json().await.expect("json");
        assert!(
            body["access_token"].is_string(),
            "tokens expected, got {body}"
        );
        body
    }

    /// An access token of the bootstrap admin.
    pub async fn admin_token(&self) -> String {
        let tokens = self.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        tokens["access_token"]
            .as_str()
            .expect("access token")
            .to_owned()
    }

    /// Creates a user (as `admin`) who signs in with the temporary password, sets
    /// `password`, and returns their access token.
    pub async fn user_token(&self, admin: &str, email: &str, password: &str) -> String {
        let created: serde_json::Value = self
            .post(
                "/api/v1/users",
                Some(admin),
                &serde_json::json!({ "email": email }),
            )
            .await
            .json()
            .await
            .expect("json");
        let temporary = created["temporary_password"]
            .as_str()
            .unwrap_or_else(|| panic!("user created with a temporary password: {created}"));
        self.complete_new_password(email, temporary, password).await
    }

    /// Signs in with a temporary password and sets `password`; returns the access token.
    pub async fn complete_new_password(
        &self,
        email: &str,
        temporary: &str,
        password: &str,
    ) -> String {
        let challenge: serde_json::Value = self
            .post(
                "/api/v1/auth/login",
                None,
                &serde_json::json!({ "email": email, "password": temporary }),
            )
            .await
            .json()
            .await
            .expect("json");
        let tokens: serde_json::Value = self
            .post(
                "/api/v1/auth/challenge",
                None,
                &serde_json::json!({
                    "challenge": "NEW_PASSWORD_REQUIRED",
                    "session": challenge["session"],
                    "new_password": password,
                }),
            )
            .await
            .json()
            .await
            .expect("json");
        tokens["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("tokens after the new password: {tokens}"))
            .to_owned()
    }

    /// Polls `GET /api/v1/jobs/{id}` (as `token`) every 100 ms until the job has finished,
    /// for at most `tries` polls; returns the first finished read (the one that carries a
    /// login to its owner).
    pub async fn finished_job(&self, token: &str, id: &str, tries: u32) -> serde_json::Value {
        let mut last = serde_json::Value::Null;
        for _ in 0..tries {
            let job: serde_json::Value = self
                .call(
                    reqwest::Method::GET,
                    &format!("/api/v1/jobs/{id}"),
                    Some(token),
                    None,
                )
                .await
                .json()
                .await
                .expect("json");
            if job["state"] == "succeeded" || job["state"] == "failed" {
                return job;
            }
            last = job;
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("job {id} did not finish after {tries} polls 100 ms apart; the last read: {last}");
    }

    /// Stores the period and schedule `office` (09:00-17:00, Monday to Friday, Berlin), as
    /// `admin`.
    pub async fn office_schedule(&self, admin: &str) {
        let period = serde_json::json!({ "name": "office", "begintime": "09:00", "endtime": "17:00", "weekdays": "mon-fri" });
        let schedule = serde_json::json!({ "name": "office", "timezone": "Europe/Berlin", "periods": ["office"] });
        for (path, body) in [("/api/v1/periods", period), ("/api/v1/schedules", schedule)] {
            let res = self.post(path, Some(admin), &body).await;
            assert_eq!(res.status(), 201, "{path}");
        }
    }

    /// Discovers every resource into the inventory (`GET /api/v1/resources?refresh=true`),
    /// as `admin`, and returns the first page (one item).
    pub async fn refresh_inventory(&self, admin: &str) -> serde_json::Value {
        let res = self
            .call(
                reqwest::Method::GET,
                "/api/v1/resources?refresh=true&limit=1",
                Some(admin),
                None,
            )
            .await;
        assert!(res.status().is_success(), "refresh: {}", res.status());
        res.json().await.expect("a page of resources")
    }
}
