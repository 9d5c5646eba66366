//! Reminders before an instance's life ends, to its owner, with a signed link that lengthens
//! it (within the template's maximum) from their mail app: the reminder machinery of the
//! scheduler, with `instance:ID` in the link where a snooze names a resource. Each end of
//! life is announced once, whichever replica sees it first; an extension moves the end and
//! so earns a new reminder.

use super::{Actor, Engine};
use crate::definitions::DefinitionError;
use crate::notify::Notice;
use crate::plan::EngineError;
use crate::reminders::{ReminderSettings, Snooze, signing_key};
use isched_store::instances::Instance;
use isched_store::templates::OnExpiry;
use jiff::{SignedDuration, Timestamp};

/// The prefix of a snooze link's resource that names an instance's lifetime.
pub const LIFETIME_LINK: &str = "instance:";

/// What a lifetime link did.
#[derive(Debug)]
pub enum Lengthened {
    /// The instance now lives until then.
    Until(Instance),
    /// Its life already ended later than the link asked (an extension came first).
    AlreadyLonger(Instance),
}

impl Engine {
    /// Reminds the owners of instances whose life ends within the lead; returns how many.
    pub async fn remind_expiring(&self, settings: &ReminderSettings) -> Result<usize, EngineError> {
        if settings.lead.is_zero() || !self.inner.notifier.is_active() {
            return Ok(0);
        }
        let now = self.now();
        let due = self
            .inner
            .store
            .instances_expiring_before(now + settings.lead)
            .await?;
        let mut sent = 0;
        for instance in due {
            let mark = format!(
                "expiry:{}:{}",
                instance.id,
                instance.expires_at.as_millisecond()
            );
            if !self.once(&mark).await {
                continue;
            }
            let notice = self.expiry_notice(&instance, settings, now).await?;
            self.inner.notifier.send(&notice).await;
            sent += 1;
        }
        Ok(sent)
    }

    async fn expiry_notice(
        &self,
        instance: &Instance,
        settings: &ReminderSettings,
        now: Timestamp,
    ) -> Result<Notice, EngineError> {
        let store = &self.inner.store;
        let owner = store.user_by_id(&instance.owner).await?;
        let template = store.template(&instance.template).await?;
        let (on_expiry, max_hours) = template.map_or((OnExpiry::Stop, 0), |t| {
            (t.spec.on_expiry, t.spec.max_lifetime_hours)
        });
        let zone = self.zone_of_instance(instance).await;
        let local = |t: Timestamp| {
            t.to_zoned_datetime(zone.clone())
                .strftime("%Y-%m-%d %H:%M %Z")
                .to_string()
        };
        let until = (instance.expires_at + settings.snooze)
            .min(now + SignedDuration::from_hours(i64::from(max_hours)));
        let mut paragraphs = vec![format!(
            "The life of your instance {} ends at {}: it will then be {}.",
            instance.name,
            local(instance.expires_at),
            match on_expiry {
                OnExpiry::Stop => "stopped, and kept stopped until you extend it",
                OnExpiry::Terminate => "terminated, with its disks",
            }
        )];
        let link = if until > instance.expires_at {
            let key = signing_key(store, now, &settings.sealer).await?;
            let snooze = Snooze {
                resource: format!("{LIFETIME_LINK}{}", instance.id),
                stop_at: instance.expires_at,
                until,
            };
            paragraphs.push(format!(
                "To keep it until {}, open this link and confirm:",
                local(until)
            ));
            Some(format!(
                "{}/snooze?{}",
                settings.public_url,
                snooze.query(&key)
            ))
        } else {
            paragraphs.push("Its template does not let it live any longer.".into());
            None
        };
        Ok(Notice {
            event: "instance_expiring",
            subject: format!(
                "isched: {} ends at {}",
                instance.name,
                local(instance.expires_at)
            ),
            paragraphs,
            link,
            resource: instance.resource.clone(),
            owner: owner.map(|u| u.email.as_str().to_owned()),
        })
    }

    /// Follows a lifetime link checked by its signature: the instance lives until `until`
    /// (at most the template's maximum from now), unless its life was already lengthened
    /// past that.
    pub async fn lengthen_by_link(
        &self,
        id: &str,
        until: Timestamp,
    ) -> Result<Lengthened, EngineError> {
        let store = &self.inner.store;
        let not_found = || EngineError::from(DefinitionError::NotFound("instance", id.to_owned()));
        let instance = store.instance(id).await?.ok_or_else(not_found)?;
        super::instances::still_alive(&instance, &instance.name)?;
        if instance.expires_at >= until {
            return Ok(Lengthened::AlreadyLonger(instance));
        }
        let max_hours = self.max_lifetime_hours(&instance).await?;
        let wanted = until.min(self.now() + SignedDuration::from_hours(i64::from(max_hours)));
        if wanted <= instance.expires_at {
            return Ok(Lengthened::AlreadyLonger(instance));
        }
        let owner = store
            .user_by_id(&instance.owner)
            .await?
            .ok_or_else(not_found)?;
        let lengthened = self
            .lengthen_life(&Actor::user(&owner), &instance, wanted)
            .await?;
        Ok(Lengthened::Until(lengthened))
    }

    /// The zone of the schedule `instance` follows (UTC if it is gone), for pages.
    pub async fn zone_of_instance(&self, instance: &Instance) -> jiff::tz::TimeZone {
        match self.definitions().catalog().await {
            Ok(c) => c
                .schedule(&instance.schedule)
                .map_or(jiff::tz::TimeZone::UTC, |s| s.time_zone().clone()),
            Err(_) => jiff::tz::TimeZone::UTC,
        }
    }
}
