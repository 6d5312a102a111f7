//! The knowledge base: articles written by customer service and the call center.

use chrono::{DateTime, Utc};
use fleetdesk_domain::knowledge::{ArticleStatus, Language};
use fleetdesk_persistence::Conn;
use fleetdesk_persistence::knowledge::{self as repo, Article, ArticleRow};
use fleetdesk_persistence::labels::Stored;

use crate::error::{ApiError, Text};

/// An article as it is written, checked.
pub struct NewArticle {
    pub title: String,
    pub body: String,
    pub model_ids: Vec<String>,
    pub tags: Vec<String>,
    pub status: ArticleStatus,
    pub language: Language,
}

fn models_exist(c: &mut Conn, ids: &[String]) -> Result<(), ApiError> {
    let found = fleetdesk_persistence::devices::count_models(c, ids)?;
    if usize::try_from(found).unwrap_or(0) != ids.len() {
        return Err(ApiError::invalid_field(
            "model_ids",
            Text::key("invalid-no-such-device-model"),
        ));
    }
    Ok(())
}

/// Writes an article; it is published when its status says so.
pub fn create(
    c: &mut Conn,
    actor: &str,
    input: NewArticle,
    now: DateTime<Utc>,
) -> Result<Article, ApiError> {
    models_exist(c, &input.model_ids)?;
    let at = now.naive_utc();
    let article = Article {
        row: ArticleRow {
            id: fleetdesk_persistence::new_id(),
            published_at: (input.status == ArticleStatus::Published).then_some(at),
            title: input.title,
            body: input.body,
            status: Stored(input.status),
            language: Stored(input.language),
            created_by: actor.to_owned(),
            created_at: at,
            updated_by: actor.to_owned(),
            updated_at: at,
        },
        model_ids: input.model_ids,
        tags: input.tags,
    };
    repo::insert_article(c, &article)?;
    Ok(article)
}

/// Replaces an article's text, models, tags and status; it keeps its first publication time.
pub fn update(
    c: &mut Conn,
    actor: &str,
    id: &str,
    input: NewArticle,
    now: DateTime<Utc>,
) -> Result<Article, ApiError> {
    let existing = repo::find_article(c, id)?.ok_or_else(ApiError::not_found)?;
    models_exist(c, &input.model_ids)?;
    let at = now.naive_utc();
    let published_at = existing
        .row
        .published_at
        .or((input.status == ArticleStatus::Published).then_some(at));
    let article = Article {
        row: ArticleRow {
            title: input.title,
            body: input.body,
            status: Stored(input.status),
            language: Stored(input.language),
            updated_by: actor.to_owned(),
            updated_at: at,
            published_at,
            ..existing.row
        },
        model_ids: input.model_ids,
        tags: input.tags,
    };
    repo::update_article(c, &article)?;
    Ok(article)
}
