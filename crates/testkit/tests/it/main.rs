//! Integration tests that start real parts: databases, the server, moto, an SMTP server.
//! One test binary (modules below) so that linking happens once.

mod api_docs;
mod auth_flows;
mod auth_tokens;
mod authz_matrix;
mod cloud;
mod codes;
mod definitions;
mod dry_run;
mod fuzz_corpus;
mod harness;
mod instances;
mod inventory_plan;
mod notices;
mod retries;
mod scheduler;
mod sealed_keys;
mod server;
mod storage;
mod templates;
mod usage_groups;
mod usage_totals;
mod web;
mod web_a11y;
mod web_account;
mod web_admin;
mod web_editor;
mod web_steps;
