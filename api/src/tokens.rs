//! Access tokens: short-lived JWTs (HS256 with the configured secret), checked against the
//! injected clock.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use fleetdesk_domain::clients::{Scope, scope_list};

use crate::error::{ApiError, Text};

pub const ISSUER: &str = "fleetdesk";
pub const AUDIENCE: &str = "fleetdesk-api";

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// A user's id, or an API client's (which is also the id it acts under).
    pub sub: String,
    pub iat: i64,
    pub exp: i64,
    /// An API client's token (RFC 9068): its id, and the scopes granted, space-separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// Who a valid token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bearer {
    /// The user, or the API client, the token was issued to.
    pub subject: String,
    /// An API client's granted scopes; `None` for a person.
    pub scopes: Option<Vec<Scope>>,
    /// When the token was issued and when it expires (Unix seconds).
    pub issued: i64,
    pub expires: i64,
}

/// Signs and verifies access tokens (HS256 with the configured secret).
pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    /// The tokens verified lately, by their text (see [`Tokens::verify`]).
    verified: Mutex<HashMap<Box<str>, Bearer>>,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
}

/// At most this many verified tokens are remembered (a few hundred KiB at most).
const VERIFIED: usize = 512;

/// Seconds of clock skew forgiven at expiry.
const LEEWAY_SECS: i64 = 5;

impl Tokens {
    pub fn new(secret: &str, access_ttl: Duration, refresh_ttl: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        // Expiry is checked against the injected clock in `verify`, like every other "now".
        validation.validate_exp = false;
        Self {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            validation,
            verified: Mutex::default(),
            access_ttl,
            refresh_ttl,
        }
    }

    fn verified(&self) -> MutexGuard<'_, HashMap<Box<str>, Bearer>> {
        // The map is whole between any two of its calls.
        self.verified.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn issue_access(
        &self,
        user_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(String, DateTime<Utc>), ApiError> {
        self.issue(user_id, None, now)
    }

    /// An API client's access token, carrying the scopes granted.
    pub fn issue_client_access(
        &self,
        client_id: &str,
        scopes: &[Scope],
        now: DateTime<Utc>,
    ) -> Result<(String, DateTime<Utc>), ApiError> {
        self.issue(client_id, Some(scopes), now)
    }

    fn issue(
        &self,
        subject: &str,
        scopes: Option<&[Scope]>,
        now: DateTime<Utc>,
    ) -> Result<(String, DateTime<Utc>), ApiError> {
        let ttl =
            chrono::Duration::from_std(self.access_ttl).map_err(|e| ApiError::internal_from(e))?;
        let exp = now + ttl;
        let claims = Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: subject.into(),
            iat: now.timestamp(),
            exp: exp.timestamp(),
            client_id: scopes.map(|_| subject.to_owned()),
            scope: scopes.map(scope_list),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| ApiError::internal_from(format!("cannot sign a token: {e}")))?;
        Ok((token, exp))
    }

    /// Whom a token valid at `now` speaks for; any defect (signature, issuer, audience,
    /// expiry, algorithm, shape) is a 401.
    ///
    /// A token's signature, issuer, audience and shape are properties of its text under the
    /// one secret, so a text verified once is remembered (at most [`VERIFIED`] of them) and
    /// only its expiry is checked again: most requests come with a token seen before, and
    /// decoding it again was a tenth of the server's profile of requests for a device
    /// (docs/benchmarks.md). Only tokens that passed every check are remembered. Whether the subject may
    /// still act is not the token's to say: the caller is read for every request.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Bearer, ApiError> {
        let known = self.verified().get(token).cloned();
        if let Some(bearer) = known {
            if let Err(e) = unexpired(bearer.expires, now) {
                self.verified().remove(token);
                return Err(e);
            }
            return Ok(bearer);
        }
        let bearer = self.decode(token, now)?;
        let mut verified = self.verified();
        if verified.len() >= VERIFIED {
            verified.retain(|_, b| unexpired(b.expires, now).is_ok());
            if verified.len() >= VERIFIED {
                verified.clear();
            }
        }
        verified.insert(token.into(), bearer.clone());
        Ok(bearer)
    }

    /// Decodes `token` and checks it.
    fn decode(&self, token: &str, now: DateTime<Utc>) -> Result<Bearer, ApiError> {
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                let why = match e.kind() {
                    ErrorKind::ExpiredSignature => "detail-access-token-expired",
                    ErrorKind::InvalidSignature => "detail-access-token-signature",
                    ErrorKind::InvalidIssuer | ErrorKind::InvalidAudience => {
                        "detail-access-token-audience"
                    }
                    ErrorKind::InvalidAlgorithm => "detail-access-token-algorithm",
                    _ => "detail-access-token-malformed",
                };
                ApiError::unauthorized(Text::key(why))
            })?;
        unexpired(claims.exp, now)?;
        let scopes = match (claims.client_id, claims.scope) {
            (None, None) => None,
            (Some(client), Some(scope)) if client == claims.sub => Some(
                scope
                    .split(' ')
                    .filter(|s| !s.is_empty())
                    .map(Scope::parse)
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| {
                        ApiError::unauthorized(Text::key("detail-access-token-malformed"))
                    })?,
            ),
            _ => {
                return Err(ApiError::unauthorized(Text::key(
                    "detail-access-token-malformed",
                )));
            }
        };
        Ok(Bearer {
            subject: claims.sub,
            scopes,
            issued: claims.iat,
            expires: claims.exp,
        })
    }
}

/// A token expiring at `expires` (seconds since the epoch) is still good at `now`, within the
/// leeway; else the 401 that says so.
fn unexpired(expires: i64, now: DateTime<Utc>) -> Result<(), ApiError> {
    if expires + LEEWAY_SECS < now.timestamp() {
        return Err(ApiError::unauthorized(Text::key(
            "detail-access-token-expired",
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_other_secrets_fail() {
        let a = Tokens::new(
            "a".repeat(32).as_str(),
            Duration::from_secs(60),
            Duration::from_secs(60),
        );
        let b = Tokens::new(
            "b".repeat(32).as_str(),
            Duration::from_secs(60),
            Duration::from_secs(60),
        );
        let now = Utc::now();
        let (token, _) = a.issue_access("u1", now).unwrap();
        assert_eq!(a.verify(&token, now).unwrap().subject, "u1");
        assert_eq!(a.verify(&token, now).unwrap().scopes, None);
        let (client, _) = a
            .issue_client_access("k1", &[Scope::EventsRead, Scope::DispatchesWrite], now)
            .unwrap();
        let bearer = a.verify(&client, now).unwrap();
        assert_eq!(bearer.subject, "k1");
        assert_eq!(
            bearer.scopes,
            Some(vec![Scope::EventsRead, Scope::DispatchesWrite])
        );
        let (none, _) = a.issue_client_access("k1", &[], now).unwrap();
        assert_eq!(a.verify(&none, now).unwrap().scopes, Some(vec![]));
        assert!(b.verify(&token, now).is_err());
        assert!(
            a.verify(&token, now + chrono::Duration::seconds(66))
                .is_err()
        );
        let (old, _) = a
            .issue_access("u1", now - chrono::Duration::hours(1))
            .unwrap();
        assert!(a.verify(&old, now).is_err());
    }

    fn tokens(secret: char) -> Tokens {
        Tokens::new(
            secret.to_string().repeat(32).as_str(),
            Duration::from_secs(60),
            Duration::from_secs(60),
        )
    }

    #[test]
    fn a_remembered_token_still_expires() {
        let a = tokens('a');
        let now = Utc::now();
        let (token, _) = a.issue_access("u1", now).unwrap();
        assert_eq!(a.verify(&token, now).unwrap().subject, "u1");
        assert!(a.verified().contains_key(token.as_str()));
        // Within the leeway it is still good, from memory.
        let late = now + chrono::Duration::seconds(64);
        assert_eq!(a.verify(&token, late).unwrap().subject, "u1");
        let expired = a.verify(&token, now + chrono::Duration::seconds(66));
        assert_eq!(
            expired.unwrap_err().status,
            actix_web::http::StatusCode::UNAUTHORIZED
        );
        assert!(!a.verified().contains_key(token.as_str()));
        assert!(
            a.verify(&token, now + chrono::Duration::seconds(66))
                .is_err()
        );
    }

    #[test]
    fn only_tokens_that_pass_every_check_are_remembered() {
        let (a, b) = (tokens('a'), tokens('b'));
        let now = Utc::now();
        let (token, _) = b.issue_access("u1", now).unwrap();
        assert!(a.verify(&token, now).is_err());
        let (mine, _) = a.issue_access("u1", now).unwrap();
        let mut forged = mine.clone();
        let last = forged.pop().unwrap();
        forged.push(if last == 'A' { 'B' } else { 'A' });
        assert!(a.verify(&forged, now).is_err());
        let (old, _) = a
            .issue_access("u1", now - chrono::Duration::hours(1))
            .unwrap();
        assert!(a.verify(&old, now).is_err());
        assert!(a.verified().is_empty());
        // Refused again, not let through by an earlier answer.
        assert!(a.verify(&token, now).is_err());
        assert!(a.verify(&forged, now).is_err());
    }

    #[test]
    fn remembered_tokens_answer_as_decoded_ones_and_stay_few() {
        let a = tokens('a');
        let now = Utc::now();
        let (client, _) = a
            .issue_client_access("k1", &[Scope::EventsRead], now)
            .unwrap();
        let fresh = a.verify(&client, now).unwrap();
        assert_eq!(a.verify(&client, now).unwrap(), fresh);
        assert_eq!(a.decode(&client, now).unwrap(), fresh);
        let issued: Vec<String> = (0..VERIFIED + 10)
            .map(|i| a.issue_access(&format!("u{i}"), now).unwrap().0)
            .collect();
        for (i, token) in issued.iter().enumerate() {
            assert_eq!(a.verify(token, now).unwrap().subject, format!("u{i}"));
            assert!(a.verified().len() <= VERIFIED);
        }
        for (i, token) in issued.iter().enumerate() {
            assert_eq!(a.verify(token, now).unwrap().subject, format!("u{i}"));
        }
    }
}
