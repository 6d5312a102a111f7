DROP TABLE knowledge_article_tags;
DROP TABLE knowledge_article_models;
DROP TABLE knowledge_articles;
