//! Knowledge articles with the device models they apply to and their tags.

use std::collections::BTreeMap;

use diesel::prelude::*;

use fleetdesk_domain::knowledge::{ArticleStatus, Language};

use crate::labels::Stored;
use crate::schema::{knowledge_article_models, knowledge_article_tags, knowledge_articles};
use crate::{Conn, DbResult};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = knowledge_articles, treat_none_as_null = true)]
pub struct ArticleRow {
    pub id: String,
    pub title: String,
    pub body: String,
    pub status: Stored<ArticleStatus>,
    pub created_by: String,
    pub created_at: chrono::NaiveDateTime,
    pub updated_by: String,
    pub updated_at: chrono::NaiveDateTime,
    pub published_at: Option<chrono::NaiveDateTime>,
    pub language: Stored<Language>,
}

/// An article with its models and tags, both sorted.
#[derive(Debug, Clone)]
pub struct Article {
    pub row: ArticleRow,
    pub model_ids: Vec<String>,
    pub tags: Vec<String>,
}

fn set_links(conn: &mut Conn, id: &str, model_ids: &[String], tags: &[String]) -> DbResult<()> {
    diesel::delete(
        knowledge_article_models::table.filter(knowledge_article_models::article_id.eq(id)),
    )
    .execute(conn)?;
    diesel::delete(knowledge_article_tags::table.filter(knowledge_article_tags::article_id.eq(id)))
        .execute(conn)?;
    for model_id in model_ids {
        diesel::insert_into(knowledge_article_models::table)
            .values((
                knowledge_article_models::article_id.eq(id),
                knowledge_article_models::model_id.eq(model_id),
            ))
            .execute(conn)?;
    }
    for tag in tags {
        diesel::insert_into(knowledge_article_tags::table)
            .values((
                knowledge_article_tags::article_id.eq(id),
                knowledge_article_tags::tag.eq(tag),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn insert_article(conn: &mut Conn, article: &Article) -> DbResult<()> {
    diesel::insert_into(knowledge_articles::table)
        .values(&article.row)
        .execute(conn)?;
    set_links(conn, &article.row.id, &article.model_ids, &article.tags)
}

pub fn update_article(conn: &mut Conn, article: &Article) -> DbResult<()> {
    diesel::update(knowledge_articles::table.find(&article.row.id))
        .set(&article.row)
        .execute(conn)?;
    set_links(conn, &article.row.id, &article.model_ids, &article.tags)
}

/// Adds their models and tags to `rows`, keeping the order.
fn with_links(conn: &mut Conn, rows: Vec<ArticleRow>) -> DbResult<Vec<Article>> {
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let mut models: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (article, model) in knowledge_article_models::table
        .filter(knowledge_article_models::article_id.eq_any(&ids))
        .order(knowledge_article_models::model_id.asc())
        .select((
            knowledge_article_models::article_id,
            knowledge_article_models::model_id,
        ))
        .load::<(String, String)>(conn)?
    {
        models.entry(article).or_default().push(model);
    }
    let mut tags: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (article, tag) in knowledge_article_tags::table
        .filter(knowledge_article_tags::article_id.eq_any(&ids))
        .order(knowledge_article_tags::tag.asc())
        .select((
            knowledge_article_tags::article_id,
            knowledge_article_tags::tag,
        ))
        .load::<(String, String)>(conn)?
    {
        tags.entry(article).or_default().push(tag);
    }
    Ok(rows
        .into_iter()
        .map(|row| Article {
            model_ids: models.remove(&row.id).unwrap_or_default(),
            tags: tags.remove(&row.id).unwrap_or_default(),
            row,
        })
        .collect())
}

pub fn find_article(conn: &mut Conn, id: &str) -> DbResult<Option<Article>> {
    let Some(row) = knowledge_articles::table
        .find(id)
        .select(ArticleRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    Ok(with_links(conn, vec![row])?.pop())
}

#[derive(Debug, Clone, Default)]
pub struct ArticleFilter {
    pub status: Option<ArticleStatus>,
    pub model_id: Option<String>,
    pub tag: Option<String>,
    pub language: Option<Language>,
}

/// The most articles one search ranks.
pub const SEARCH_CANDIDATES: i64 = 2000;

/// The articles a search ranks: those of the filter, most recently updated first.
pub fn candidates(conn: &mut Conn, filter: &ArticleFilter) -> DbResult<Vec<Article>> {
    let mut query = knowledge_articles::table
        .select(ArticleRow::as_select())
        .into_boxed();
    if let Some(v) = &filter.status {
        query = query.filter(knowledge_articles::status.eq(Stored(*v)));
    }
    if let Some(v) = &filter.language {
        query = query.filter(knowledge_articles::language.eq(Stored(*v)));
    }
    if let Some(v) = &filter.model_id {
        query = query.filter(
            knowledge_articles::id.eq_any(
                knowledge_article_models::table
                    .filter(knowledge_article_models::model_id.eq(v.clone()))
                    .select(knowledge_article_models::article_id),
            ),
        );
    }
    if let Some(v) = &filter.tag {
        query = query.filter(
            knowledge_articles::id.eq_any(
                knowledge_article_tags::table
                    .filter(knowledge_article_tags::tag.eq(v.clone()))
                    .select(knowledge_article_tags::article_id),
            ),
        );
    }
    let rows = query
        .order((
            knowledge_articles::updated_at.desc(),
            knowledge_articles::id.desc(),
        ))
        .limit(SEARCH_CANDIDATES)
        .load(conn)?;
    with_links(conn, rows)
}
