//! Reminders before a scheduled stop, by email to the resource's owner (the `isched:owner`
//! tag of an instance isched created, else the owner tag when it holds an email address;
//! else the admins) and by webhook, with a signed link that keeps the
//! resource running a while longer (a snooze). Each stop is announced once, whichever
//! replica holds the target: the first to claim it in the database sends.
//!
//! The link carries the resource, the stop it snoozes and the new end, signed with
//! HMAC-SHA256 under a key kept in the database (shared by every replica). Opening it shows
//! a confirmation page; only the POST from that page sets the override, so that mail
//! scanners that follow links do not snooze anything.

use crate::decide::LastDesired;
use crate::notify::{Notice, Notifier};
use crate::reconcile::Done;
use isched_schedule::{Catalog, State};
use isched_store::{Email, Store};
use jiff::{SignedDuration, Timestamp};

/// When and how the scheduler reminds.
#[derive(Debug, Clone)]
pub struct ReminderSettings {
    /// How long before a stop; zero turns reminders off.
    pub lead: SignedDuration,
    /// How much longer a snooze keeps the resource running, counted from the stop.
    pub snooze: SignedDuration,
    /// The base of the snooze link (`https://isched.example.com`).
    pub public_url: String,
    /// The tag whose value is the owner's email.
    pub owner_tag: String,
    /// Seals the snooze-link key at rest.
    pub sealer: std::sync::Arc<isched_auth::sealing::Sealer>,
}

pub use isched_auth::snooze_link::{Snooze, SnoozeError, signing_key};

impl ReminderSettings {
    /// Sends the reminders due at `now` for the resources of a pass, and returns when the
    /// next one falls due (for the scheduler's wake-up).
    pub async fn run(
        &self,
        store: &Store,
        notifier: &Notifier,
        catalog: &Catalog,
        done: &[Done],
        now: Timestamp,
    ) -> Result<Option<Timestamp>, crate::plan::EngineError> {
        if self.lead.is_zero() || !notifier.is_active() {
            return Ok(None);
        }
        let mut next: Option<Timestamp> = None;
        let mut key: Option<Vec<u8>> = None;
        for d in done {
            let p = &d.planned;
            // retain_running keeps it past the stop: nothing to announce.
            if !d.runs_after()
                || p.desired != Some("running")
                || p.decision.record == Some(LastDesired::RetainRunning)
            {
                continue;
            }
            let Some(schedule) = catalog.schedule(&p.schedule) else {
                continue;
            };
            let Some(stop) = schedule
                .next_transition_with(now, p.active_override.as_ref())
                .filter(|t| t.state == State::Stopped)
            else {
                continue;
            };
            let remind_at = stop.at - self.lead;
            if remind_at > now {
                next = Some(next.map_or(remind_at, |n| n.min(remind_at)));
                continue;
            }
            if !store.claim_reminder(&p.key, stop.at, now).await? {
                continue;
            }
            let key = match &key {
                Some(k) => k.clone(),
                None => key
                    .insert(signing_key(store, now, &self.sealer).await?)
                    .clone(),
            };
            let snooze = Snooze {
                resource: p.key.clone(),
                stop_at: stop.at,
                until: stop.at + self.snooze,
            };
            let zone = schedule.time_zone();
            let local = |t: Timestamp| {
                t.to_zoned_datetime(zone.clone())
                    .strftime("%Y-%m-%d %H:%M %Z")
            };
            // An instance isched created names its owner for certain; else the owner tag
            // is a guess.
            let owner = [crate::instances::TAG_OWNER, self.owner_tag.as_str()]
                .iter()
                .find_map(|tag| p.resource.tags.get(*tag))
                .and_then(|v| Email::parse(v).ok())
                .map(|e| e.as_str().to_owned());
            let notice = Notice {
                event: "reminder",
                subject: format!("{} stops at {}", p.resource.id, local(stop.at)),
                paragraphs: vec![
                    format!(
                        "{} ({}, {}) follows the schedule {:?}, which stops it at {}.",
                        p.resource.id,
                        p.resource.kind.as_str(),
                        p.resource.region,
                        p.schedule,
                        local(stop.at)
                    ),
                    format!(
                        "To keep it running until {}, open this link and confirm:",
                        local(snooze.until)
                    ),
                ],
                link: Some(format!("{}/snooze?{}", self.public_url, snooze.query(&key))),
                resource: Some(p.key.clone()),
                owner,
            };
            if !notifier.send(&notice).await {
                // Nobody was reached (SMTP or webhook down): a later pass tries again.
                store.release_reminder(&p.key, stop.at).await?;
            }
        }
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snooze_links_verify_and_refuse_tampering_and_age() {
        let key = b"k".repeat(32);
        let at = |s: i64| Timestamp::from_second(s).expect("instant");
        let snooze = Snooze {
            resource: "sandbox:000000000000:sandbox-1:sbx-1".into(),
            stop_at: at(1_000),
            until: at(4_600),
        };
        let q = snooze.query(&key);
        let sig = q.rsplit("sig=").next().expect("sig");
        assert_eq!(
            Snooze::verify(&snooze.resource, 1_000_000, 4_600_000, sig, &key, at(900)),
            Ok(snooze.clone())
        );
        assert_eq!(
            Snooze::verify(&snooze.resource, 1_000_000, 9_600_000, sig, &key, at(900)),
            Err(SnoozeError::BadSignature),
            "a later end is not what was signed"
        );
        assert_eq!(
            Snooze::verify(
                &snooze.resource,
                1_000_000,
                4_600_000,
                sig,
                b"other",
                at(900)
            ),
            Err(SnoozeError::BadSignature)
        );
        assert_eq!(
            Snooze::verify(&snooze.resource, 1_000_000, 4_600_000, sig, &key, at(5_000)),
            Err(SnoozeError::Expired(at(4_600)))
        );
    }
}
