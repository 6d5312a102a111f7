-- The language an article is written in; searches filter on it.
ALTER TABLE knowledge_articles
    ADD COLUMN language TEXT NOT NULL DEFAULT 'en' CHECK (language IN ('sv', 'en'));
