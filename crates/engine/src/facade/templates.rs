//! Templates through the engine: checked against the provider's regions and the stored
//! schedules, written, audited.

use super::{Actor, Engine};
use crate::definitions::DefinitionError;
use crate::plan::{EngineError, all_targets};
use crate::templates::{self, TemplateContext, TemplateInput};
use isched_store::templates::{StoredTemplate, TemplateSpec};
use serde_json::json;
use std::collections::BTreeMap;

impl Engine {
    /// A page of templates by name; retired ones only when asked.
    pub async fn templates(
        &self,
        include_retired: bool,
        after: Option<&str>,
        limit: u32,
    ) -> Result<(Vec<StoredTemplate>, bool), EngineError> {
        Ok(self
            .inner
            .store
            .templates_page(include_retired, after, limit)
            .await?)
    }

    pub async fn template(&self, name: &str) -> Result<StoredTemplate, EngineError> {
        self.inner
            .store
            .template(name)
            .await?
            .ok_or_else(|| DefinitionError::NotFound("template", name.to_owned()).into())
    }

    /// The hourly price of each type the template allows.
    pub fn template_prices(&self, spec: &TemplateSpec) -> BTreeMap<String, Option<f64>> {
        templates::prices(spec, |t| self.inner.provider.hourly_price(t))
    }

    pub async fn create_template(
        &self,
        actor: &Actor,
        input: TemplateInput,
    ) -> Result<StoredTemplate, EngineError> {
        let now = self.now();
        let (name, spec) = self
            .with_template_context(|ctx| templates::create(input, ctx))
            .await?;
        self.inner
            .store
            .insert_template(&name, &spec, now)
            .await
            .map_err(|e| match e {
                isched_store::StoreError::Conflict(_) => {
                    EngineError::from(DefinitionError::Conflict(format!(
                        "a template named {name:?} exists already (retired ones keep their name)"
                    )))
                }
                other => other.into(),
            })?;
        self.audited(
            actor,
            "template.created",
            &format!("template:{name}"),
            json!({}),
            now,
        )
        .await?;
        self.template(&name).await
    }

    /// Changes the fields `input` names (PATCH).
    pub async fn update_template(
        &self,
        actor: &Actor,
        name: &str,
        input: TemplateInput,
    ) -> Result<StoredTemplate, EngineError> {
        let now = self.now();
        let current = self.template(name).await?;
        let spec = self
            .with_template_context(|ctx| templates::update(name, current.spec, input, ctx))
            .await?;
        if !self.inner.store.update_template(name, &spec, now).await? {
            return Err(DefinitionError::NotFound("template", name.to_owned()).into());
        }
        self.audited(
            actor,
            "template.updated",
            &format!("template:{name}"),
            json!({}),
            now,
        )
        .await?;
        self.template(name).await
    }

    /// No new instances from it; those that exist keep running as before.
    pub async fn retire_template(
        &self,
        actor: &Actor,
        name: &str,
    ) -> Result<StoredTemplate, EngineError> {
        let now = self.now();
        if !self.inner.store.retire_template(name, now).await? {
            return Err(DefinitionError::NotFound("template", name.to_owned()).into());
        }
        self.audited(
            actor,
            "template.retired",
            &format!("template:{name}"),
            json!({}),
            now,
        )
        .await?;
        self.template(name).await
    }

    pub async fn delete_template(&self, actor: &Actor, name: &str) -> Result<(), EngineError> {
        let now = self.now();
        let in_use = self.inner.store.live_instances_of_template(name).await?;
        if in_use > 0 {
            return Err(DefinitionError::Conflict(format!(
                "{in_use} instances use template {name:?}: retire it instead (no new instances), and delete it when they are gone"
            ))
            .into());
        }
        if !self.inner.store.delete_template(name).await? {
            return Err(DefinitionError::NotFound("template", name.to_owned()).into());
        }
        self.audited(
            actor,
            "template.deleted",
            &format!("template:{name}"),
            json!({}),
            now,
        )
        .await?;
        Ok(())
    }

    /// Runs the template checks with what they need: the provider's targets, the stored
    /// schedules, the schedule tag.
    async fn with_template_context<T>(
        &self,
        f: impl FnOnce(&TemplateContext) -> Result<T, DefinitionError>,
    ) -> Result<T, EngineError> {
        let targets = all_targets(self.inner.provider.as_ref()).await?;
        let catalog = self.definitions().catalog().await?;
        let ctx = TemplateContext {
            provider: self.inner.provider.name(),
            targets: &targets,
            catalog: &catalog,
            schedule_tag: &self.inner.schedule_tag,
        };
        Ok(f(&ctx)?)
    }
}
