//! Webhook subscriptions: created by an organisation's administrators (or an API client with
//! `webhooks:manage`), fanned out from the feed with the same scope rule, delivered by the
//! background deliverer (`crate::webhooks`).

use chrono::{DateTime, Utc};
use fleetdesk_domain::clients::{ClientOwner, decide_owned, narrow};
use fleetdesk_domain::events::{self as feed, EventKind};
use fleetdesk_domain::identity::Principal;
use fleetdesk_domain::policy::Action;
use fleetdesk_domain::webhooks::DeliveryStatus;
use fleetdesk_persistence::Conn;
use fleetdesk_persistence::clients as clients_repo;
use fleetdesk_persistence::identity as identity_repo;
use fleetdesk_persistence::labels::Stored;
use fleetdesk_persistence::webhooks::{
    self as repo, DeliveryRow, WebhookChanges, WebhookRow, WebhookSecretRow,
};
use serde_json::json;

use crate::app::clients::{OwnerRequest, owner_for};
use crate::app::feed::page_after;
use crate::auth;
use crate::error::ApiError;
use crate::i18n::Language;
use crate::mail::texts::WebhookDisabled;
use crate::mail::{self, texts};
use crate::views::Event;

/// The prefix of every signing secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// Events fanned out to one webhook in one transaction at most.
const FAN_OUT_BATCH: i64 = 200;

/// A webhook to create, as the request names it (its URL already checked).
#[derive(Debug, Clone)]
pub struct NewWebhook {
    pub url: String,
    pub kinds: Vec<EventKind>,
    pub description: String,
    pub owner: OwnerRequest,
}

/// The owner whose feed `who` may subscribe to, as the request names it. Checked before a
/// target's name is looked up (so that only who may subscribe has the server ask a
/// nameserver anything), and again where the webhook is created.
pub fn subscriber(who: &Principal, owner: OwnerRequest) -> Result<ClientOwner, ApiError> {
    let owner = owner_for(who, owner, Action::ManageWebhooks)?;
    // A webhook delivers the feed: whoever cannot read it has nothing to subscribe to.
    if !feed::may_read_feed(who) {
        return Err(ApiError::forbidden());
    }
    Ok(owner)
}

/// Refuses whoever manages no webhook at all: checked before a changed target's name is
/// looked up (whether they manage the one changed is checked where it changes).
pub fn may_manage_some(who: &Principal) -> Result<(), ApiError> {
    crate::app::clients::owner_filter(who, Action::ManageWebhooks).map(|_| ())
}

/// Creates a subscription with its first signing secret; returns it and the secret. It starts
/// at the feed's present: events from now on are delivered.
pub fn create(
    c: &mut Conn,
    who: &Principal,
    new: NewWebhook,
    now: DateTime<Utc>,
) -> Result<(WebhookRow, String), ApiError> {
    let owner = subscriber(who, new.owner)?;
    let (account_id, dealer_id) = match &owner {
        ClientOwner::Account(a) => (Some(a.clone()), None),
        ClientOwner::Dealer(d) => (None, Some(d.clone())),
        ClientOwner::Manufacturer => (None, None),
    };
    let row = WebhookRow {
        id: fleetdesk_persistence::new_id(),
        account_id,
        dealer_id,
        url: new.url,
        description: new.description,
        event_kinds: kind_list(&new.kinds),
        created_by: who.user_id.clone(),
        created_at: now.naive_utc(),
        updated_at: now.naive_utc(),
        active: true,
        disabled_reason: None,
        feed_cursor: fleetdesk_persistence::events::latest_seq(c)?,
        deliveries_made: 0,
    };
    repo::insert_webhook(c, &row)?;
    let secret = new_secret(c, &row.id, now)?;
    Ok((row, secret))
}

pub fn kind_list(kinds: &[EventKind]) -> String {
    let mut names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    names.join(" ")
}

/// A webhook the caller may manage; another organisation's does not exist for them.
pub fn find_managed(c: &mut Conn, who: &Principal, id: &str) -> Result<WebhookRow, ApiError> {
    let row = repo::find_webhook(c, id)?.ok_or_else(ApiError::not_found)?;
    let owner = ClientOwner::of(row.account_id.as_deref(), row.dealer_id.as_deref());
    auth::allowed(decide_owned(who, Action::ManageWebhooks, &owner))?;
    Ok(row)
}

/// Changes a webhook; enabling a disabled one clears why it was disabled.
pub fn update(
    c: &mut Conn,
    who: &Principal,
    id: &str,
    mut changes: WebhookChanges,
    now: DateTime<Utc>,
) -> Result<WebhookRow, ApiError> {
    let row = find_managed(c, who, id)?;
    if changes.active == Some(true) {
        changes.disabled_reason = Some(None);
    }
    changes.updated_at = Some(now.naive_utc());
    repo::update_webhook(c, &row.id, &changes)?;
    repo::find_webhook(c, &row.id)?.ok_or_else(ApiError::internal)
}

pub fn delete(c: &mut Conn, who: &Principal, id: &str) -> Result<(), ApiError> {
    let row = find_managed(c, who, id)?;
    repo::delete_webhook(c, &row.id)?;
    Ok(())
}

/// A new signing secret; the ones it had keep signing for `overlap`.
pub fn rotate_secret(
    c: &mut Conn,
    who: &Principal,
    id: &str,
    overlap: std::time::Duration,
    now: DateTime<Utc>,
) -> Result<(WebhookRow, String, DateTime<Utc>), ApiError> {
    let row = find_managed(c, who, id)?;
    let until = now + chrono::Duration::from_std(overlap).map_err(ApiError::internal_from)?;
    repo::expire_secrets(c, &row.id, until)?;
    let secret = new_secret(c, &row.id, now)?;
    Ok((row, secret, until))
}

/// Queues a ping: delivered at once, outside the order of events.
pub fn ping(
    c: &mut Conn,
    who: &Principal,
    id: &str,
    now: DateTime<Utc>,
) -> Result<DeliveryRow, ApiError> {
    let row = find_managed(c, who, id)?;
    let locked = repo::lock_webhook(c, &row.id)?.ok_or_else(ApiError::not_found)?;
    let payload = json!({
        "kind": "ping",
        "webhook_id": locked.id,
        "occurred_at": now,
    });
    let delivery = new_delivery(&locked, None, "ping", payload.to_string(), now);
    repo::insert_delivery(c, &delivery)?;
    repo::advance(
        c,
        &locked.id,
        locked.feed_cursor,
        locked.deliveries_made + 1,
    )?;
    Ok(delivery)
}

/// Puts a delivery back in line: it is attempted again as soon as it is first in its
/// webhook's order (with the same `Fleetdesk-Delivery`, so a receiver can tell).
pub fn redeliver(
    c: &mut Conn,
    who: &Principal,
    webhook_id: &str,
    delivery_id: &str,
    now: DateTime<Utc>,
) -> Result<DeliveryRow, ApiError> {
    let row = find_managed(c, who, webhook_id)?;
    let delivery = repo::find_delivery(c, &row.id, delivery_id)?.ok_or_else(ApiError::not_found)?;
    repo::requeue(c, &delivery.id, now)?;
    repo::find_delivery(c, &row.id, &delivery.id)?.ok_or_else(ApiError::internal)
}

fn new_delivery(
    webhook: &WebhookRow,
    event_seq: Option<i64>,
    kind: &str,
    payload: String,
    now: DateTime<Utc>,
) -> DeliveryRow {
    DeliveryRow {
        id: fleetdesk_persistence::new_id(),
        webhook_id: webhook.id.clone(),
        event_seq,
        position: webhook.deliveries_made,
        kind: kind.to_owned(),
        payload,
        status: Stored(DeliveryStatus::Pending),
        attempts: 0,
        next_attempt_at: now.naive_utc(),
        lease_until: None,
        created_at: now.naive_utc(),
        delivered_at: None,
    }
}

fn new_secret(c: &mut Conn, webhook_id: &str, now: DateTime<Utc>) -> Result<String, ApiError> {
    let (token, _) = auth::new_secret_token()?;
    let secret = format!("{SECRET_PREFIX}{token}");
    repo::insert_secret(
        c,
        &WebhookSecretRow {
            id: fleetdesk_persistence::new_id(),
            webhook_id: webhook_id.to_owned(),
            secret: secret.clone(),
            created_at: now.naive_utc(),
            expires_at: None,
        },
    )?;
    Ok(secret)
}

/// Whom a webhook's feed is read as: its creator now — a person with their role at its
/// owner, or an API client as its scopes and its own creator allow. `None` when that role is
/// gone (the creator removed, the client revoked).
fn reader(c: &mut Conn, webhook: &WebhookRow) -> Result<Option<Principal>, ApiError> {
    let owner = ClientOwner::of(webhook.account_id.as_deref(), webhook.dealer_id.as_deref());
    let creator = match clients_repo::find_client(c, &webhook.created_by)? {
        Some(client) => match crate::app::clients::principal(c, &client.id, &client.scopes()?) {
            Ok(who) => who,
            Err(e) if e.status == actix_web::http::StatusCode::UNAUTHORIZED => {
                return Ok(None);
            }
            Err(e) => return Err(e),
        },
        None => match identity_repo::load_principal(c, &webhook.created_by)? {
            Some(who) => who,
            None => return Ok(None),
        },
    };
    let scopes = creator.scopes.clone();
    let acting = creator.user_id.clone();
    Ok(narrow(creator, &acting, &owner, scopes).filter(feed::may_read_feed))
}

/// Moves one webhook's fan-out forward, in the caller's write transaction: the events after
/// its cursor that its reader may see and that it subscribes to become deliveries, in feed
/// order. The webhook's row is locked, so two server processes never fan out the same events;
/// `(webhook_id, event_seq)` is unique besides. Returns how many deliveries were made; a
/// webhook whose reader is gone is disabled and its creator mailed.
pub fn fan_out(c: &mut Conn, webhook_id: &str, now: DateTime<Utc>) -> Result<usize, ApiError> {
    let Some(webhook) = repo::lock_webhook(c, webhook_id)? else {
        return Ok(0);
    };
    if !webhook.active {
        return Ok(0);
    }
    let Some(who) = reader(c, &webhook)? else {
        disable(c, &webhook, &WebhookDisabled::CreatorGone, now)?;
        return Ok(0);
    };
    let (rows, scanned_to) = page_after(c, &who, webhook.feed_cursor, FAN_OUT_BATCH)?;
    let kinds: Vec<&str> = webhook.kinds().collect();
    let mut made = webhook.deliveries_made;
    let mut count = 0;
    for row in rows {
        if !kinds.contains(&row.kind.as_str()) {
            continue;
        }
        let (seq, kind) = (row.seq, row.kind.clone());
        let event = Event::try_from(row)?;
        let payload = serde_json::to_string(&event).map_err(ApiError::internal_from)?;
        let mut delivery = new_delivery(&webhook, Some(seq), &kind, payload, now);
        delivery.position = made;
        repo::insert_delivery(c, &delivery)?;
        made += 1;
        count += 1;
    }
    if scanned_to != webhook.feed_cursor || made != webhook.deliveries_made {
        repo::advance(c, &webhook.id, scanned_to, made)?;
    }
    Ok(count)
}

/// Disables a webhook and tells its creator (a person; for an API client, the person who made
/// the client) by mail, in the caller's transaction.
pub fn disable(
    c: &mut Conn,
    webhook: &WebhookRow,
    reason: &WebhookDisabled,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    // The webhook keeps the reason in English; its creator is told in their language.
    let stored = reason.text(Language::En);
    repo::update_webhook(
        c,
        &webhook.id,
        &WebhookChanges {
            active: Some(false),
            disabled_reason: Some(Some(stored.clone())),
            updated_at: Some(now.naive_utc()),
            ..WebhookChanges::default()
        },
    )?;
    let person = match clients_repo::find_client(c, &webhook.created_by)? {
        Some(client) => client.created_by,
        None => webhook.created_by.clone(),
    };
    if let Some(user) = identity_repo::find_user(c, &person)? {
        mail::enqueue(
            c,
            &user.email,
            texts::webhook_disabled(user.language(), &webhook.url, &webhook.id, reason),
            now,
        )?;
    }
    log::warn!(target: "fleetdesk::webhooks", "webhook {} disabled: {stored}", webhook.id);
    Ok(())
}
