//! The knowledge base: staff write articles (Markdown, the models they apply to, tags, draft
//! or published); every signed-in customer user searches and reads the published ones.

use super::Routes;
use actix_web::http::header;
use actix_web::{HttpResponse, get, post, put, web};
use chrono::{DateTime, Utc};
use fleetdesk_domain::identity::Principal;
use fleetdesk_domain::knowledge::{self as rules, Searchable};
use fleetdesk_domain::knowledge::{ArticleStatus, Language};
use fleetdesk_domain::policy::Action;
use fleetdesk_persistence::knowledge::{self as repo, Article, ArticleFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::knowledge::{self as app_knowledge, NewArticle};
use crate::auth::{Authenticated, authorize_unscoped};
use crate::error::{ApiError, Problem, Text};
use crate::formats::TagText;
use crate::http::{PageParams, encode_cursor};
use crate::json::Json;
use crate::labels::{self, ArticleStatusName, LanguageName};
use crate::page::{Listed, Page};
use crate::state::{State, blocking};

pub fn routes(cfg: &mut impl Routes) {
    cfg.service(search_articles)
        .service(get_article)
        .service(create_article)
        .service(update_article);
}

/// Drafts are for staff only.
fn sees_drafts(who: &Principal) -> bool {
    who.staff_role.is_some()
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct KnowledgeArticle {
    pub id: String,
    pub title: String,
    /// Markdown.
    pub body: String,
    #[schema(value_type = ArticleStatusName)]
    pub status: ArticleStatus,
    #[schema(value_type = LanguageName)]
    pub language: Language,
    /// The device models it applies to; none: every model.
    pub model_ids: Vec<String>,
    pub tags: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
}

impl From<Article> for KnowledgeArticle {
    fn from(a: Article) -> Self {
        let r = a.row;
        Self {
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
            published_at: r.published_at.map(|t| t.and_utc()),
            id: r.id,
            title: r.title,
            body: r.body,
            status: *r.status,
            language: *r.language,
            model_ids: a.model_ids,
            tags: a.tags,
        }
    }
}

/// One search hit.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ArticleHit {
    pub id: String,
    pub title: String,
    /// The body's beginning, up to 280 characters.
    pub excerpt: String,
    #[schema(value_type = ArticleStatusName)]
    pub status: ArticleStatus,
    #[schema(value_type = LanguageName)]
    pub language: Language,
    pub model_ids: Vec<String>,
    pub tags: Vec<String>,
    pub updated_at: DateTime<Utc>,
    /// How well it answers the words searched (higher first); 0 without words.
    pub score: u32,
}

impl Listed for ArticleHit {
    const PAGE: &'static str = "ArticlePage";
}

pub type ArticlePage = Page<ArticleHit>;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArticleQuery {
    /// Words to find (all of them, in title, tags or body; a word matches the words it
    /// begins). Results come most relevant first.
    pub q: Option<String>,
    /// A device model's id: the articles that apply to it.
    pub model: Option<String>,
    #[param(value_type = Option<TagText>)]
    pub tag: Option<String>,
    /// Staff; others see published articles only.
    #[param(value_type = Option<ArticleStatusName>)]
    pub status: Option<String>,
    /// Only articles in this language.
    #[param(value_type = Option<LanguageName>)]
    pub language: Option<String>,
}

/// Searches the knowledge base: by words (most relevant first; without words, most recently
/// updated first), by model and by tag. Articles in the caller's language come first (the
/// language saved with `PATCH /me`, else `Accept-Language`). Customers see published
/// articles, staff drafts too.
#[utoipa::path(
    tag = "knowledge",
    params(ArticleQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ArticlePage),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/knowledge/articles")]
async fn search_articles(
    state: State,
    req: actix_web::HttpRequest,
    caller: Authenticated,
    q: web::Query<ArticleQuery>,
    page: web::Query<PageParams>,
) -> Result<web::Json<ArticlePage>, ApiError> {
    let who = caller.principal(&state).await?;
    authorize_unscoped(&who, Action::ReadKnowledge)?;
    let (limit, after) = page.resolve()?;
    // The position is an offset in the ranking; one this API did not issue is past the end.
    let offset = after.map_or(0, |a| a.parse::<usize>().unwrap_or(usize::MAX));
    let q = q.into_inner();
    let asked = labels::parse_opt("status", q.status.as_deref())?;
    let status = match asked {
        None if sees_drafts(&who) => None,
        None | Some(ArticleStatus::Published) => Some(ArticleStatus::Published),
        Some(draft) if sees_drafts(&who) => Some(draft),
        Some(_) => return Err(ApiError::forbidden()),
    };
    let tag = q
        .tag
        .as_deref()
        .map(|t| rules::parse_tags(&[t.to_owned()]))
        .transpose()?
        .and_then(|mut t| t.pop());
    let terms = rules::search_terms(q.q.as_deref().unwrap_or_default());
    let filter = ArticleFilter {
        status,
        model_id: q.model,
        tag,
        language: labels::parse_opt("language", q.language.as_deref())?,
    };
    let accepted = req
        .headers()
        .get(actix_web::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(rules::accepted_language);
    let state = state.into_inner();
    let user_id = who.user_id.clone();
    let (candidates, saved) = blocking(move || {
        Ok(state.db.read(|c| {
            let saved = fleetdesk_persistence::identity::language_of(c, &user_id)?;
            Ok::<_, fleetdesk_persistence::DbError>((repo::candidates(c, &filter)?, saved))
        })?)
    })
    .await?;
    // The caller's language: the one they saved, else the one their request accepts.
    let preferred = saved.or(accepted);
    // Ranked in memory: candidates come most recently updated first, and the sort is stable.
    let mut hits: Vec<(u32, Article)> = candidates
        .into_iter()
        .filter_map(|a| {
            let score = rules::relevance(
                &terms,
                Searchable {
                    title: &a.row.title,
                    tags: &a.tags,
                    body: &a.row.body,
                },
            )?;
            Some((score, a))
        })
        .collect();
    // Articles in the caller's language first, each group most relevant first.
    hits.sort_by_key(|(score, a)| {
        (
            preferred.is_some_and(|l| *a.row.language != l),
            std::cmp::Reverse(*score),
        )
    });
    let limit = usize::try_from(limit).unwrap_or(1);
    let next = offset.saturating_add(limit);
    let next_cursor = (hits.len() > next).then(|| encode_cursor(&next.to_string()));
    let items = hits
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|(score, a)| ArticleHit {
            excerpt: a.row.body.chars().take(280).collect(),
            updated_at: a.row.updated_at.and_utc(),
            id: a.row.id,
            title: a.row.title,
            status: *a.row.status,
            language: *a.row.language,
            model_ids: a.model_ids,
            tags: a.tags,
            score,
        })
        .collect();
    Ok(web::Json(ArticlePage { items, next_cursor }))
}

/// One article; a draft is found by staff only.
#[utoipa::path(
    tag = "knowledge",
    params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = KnowledgeArticle),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/knowledge/articles/{id}")]
async fn get_article(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<web::Json<KnowledgeArticle>, ApiError> {
    let who = caller.principal(&state).await?;
    authorize_unscoped(&who, Action::ReadKnowledge)?;
    let drafts = sees_drafts(&who);
    let state = state.into_inner();
    let article = blocking(move || {
        state
            .db
            .read(|c| repo::find_article(c, &id))?
            .filter(|a| drafts || a.row.status == ArticleStatus::Published)
            .ok_or_else(ApiError::not_found)
    })
    .await?;
    Ok(web::Json(article.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ArticleInput {
    #[schema(example = "Streaks after a toner change")]
    pub title: String,
    /// Markdown, up to 50,000 characters.
    #[schema(example = "Shake the new cartridge five times before fitting it.")]
    pub body: String,
    /// The device models it applies to; none: every model.
    #[serde(default)]
    pub model_ids: Vec<String>,
    #[serde(default)]
    #[schema(value_type = Vec<TagText>, max_items = 20, example = json!(["toner", "print-quality"]))]
    pub tags: Vec<String>,
    #[schema(value_type = ArticleStatusName, example = "published")]
    pub status: String,
    /// The language it is written in; `en` unless given.
    #[schema(value_type = Option<LanguageName>, example = "sv")]
    pub language: Option<String>,
}

fn check(input: ArticleInput) -> Result<NewArticle, ApiError> {
    let status = labels::parse("status", &input.status)?;
    let language =
        labels::parse_opt("language", input.language.as_deref())?.unwrap_or(Language::En);
    let mut model_ids = input.model_ids;
    model_ids.sort();
    model_ids.dedup();
    if model_ids.len() > 50 {
        return Err(ApiError::invalid_field(
            "model_ids",
            Text::key("invalid-most-50-models"),
        ));
    }
    Ok(NewArticle {
        title: rules::parse_title(&input.title)?,
        body: rules::parse_body(&input.body)?,
        tags: rules::parse_tags(&input.tags)?,
        model_ids,
        status,
        language,
    })
}

/// Writes an article (customer service, call center).
#[utoipa::path(
    tag = "knowledge",
    request_body = ArticleInput,
    params(("Idempotency-Key" = Option<String>, Header)),
    security(("bearer" = [])),
    responses(
        (status = 201, body = KnowledgeArticle, headers(("Location" = String))),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/knowledge/articles")]
async fn create_article(
    state: State,
    caller: Authenticated,
    body: Json<ArticleInput>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.principal(&state).await?;
    authorize_unscoped(&who, Action::WriteKnowledge)?;
    let input = check(body.into_inner())?;
    let state = state.into_inner();
    let actor = who.user_id.clone();
    let article = blocking(move || {
        state
            .db
            .write(|c| app_knowledge::create(c, &actor, input, state.config.clock.now()))
    })
    .await?;
    let view = KnowledgeArticle::from(article);
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/knowledge/articles/{}", view.id),
        ))
        .json(view))
}

/// Replaces an article's title, body, models, tags and status (customer service, call
/// center); publishing stamps the first publication.
#[utoipa::path(
    tag = "knowledge",
    params(("id" = String, Path)),
    request_body = ArticleInput,
    security(("bearer" = [])),
    responses(
        (status = 200, body = KnowledgeArticle),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/knowledge/articles/{id}")]
async fn update_article(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    body: Json<ArticleInput>,
) -> Result<web::Json<KnowledgeArticle>, ApiError> {
    let who = caller.principal(&state).await?;
    authorize_unscoped(&who, Action::WriteKnowledge)?;
    let input = check(body.into_inner())?;
    let state = state.into_inner();
    let actor = who.user_id.clone();
    let article = blocking(move || {
        state
            .db
            .write(|c| app_knowledge::update(c, &actor, &id, input, state.config.clock.now()))
    })
    .await?;
    Ok(web::Json(article.into()))
}
