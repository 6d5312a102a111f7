-- The knowledge base: articles staff write (Markdown), the device models they apply to and
-- their tags. Customers read published ones; drafts are staff-only.
CREATE TABLE knowledge_articles (
    id           TEXT PRIMARY KEY,
    title        TEXT NOT NULL,
    body         TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    created_by   TEXT NOT NULL REFERENCES users (id),
    created_at   TIMESTAMP NOT NULL,
    updated_by   TEXT NOT NULL REFERENCES users (id),
    updated_at   TIMESTAMP NOT NULL,
    published_at TIMESTAMP NULL
);
CREATE INDEX knowledge_articles_status ON knowledge_articles (status, updated_at);

CREATE TABLE knowledge_article_models (
    article_id TEXT NOT NULL REFERENCES knowledge_articles (id),
    model_id   TEXT NOT NULL REFERENCES device_models (id),
    PRIMARY KEY (article_id, model_id)
);
CREATE INDEX knowledge_article_models_model ON knowledge_article_models (model_id);

CREATE TABLE knowledge_article_tags (
    article_id TEXT NOT NULL REFERENCES knowledge_articles (id),
    tag        TEXT NOT NULL,
    PRIMARY KEY (article_id, tag)
);
CREATE INDEX knowledge_article_tags_tag ON knowledge_article_tags (tag);
