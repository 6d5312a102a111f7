ALTER TABLE knowledge_articles DROP COLUMN language;
