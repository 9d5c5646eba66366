-- Instance templates that admins define and users create instances from. The template's
-- settings are one JSON document (validated by the engine before it is stored); a retired
-- template keeps its row so that instances made from it still name it.
CREATE TABLE templates (
    name        TEXT PRIMARY KEY,
    spec        TEXT NOT NULL,   -- JSON: isched_store::templates::TemplateSpec
    retired_at  BIGINT,          -- no new instances from it since then
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
