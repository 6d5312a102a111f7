//! Access tokens: short-lived JWTs (HS256 with the configured secret), checked against the
//! injected clock.

use std::time::Duration;

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

pub const ISSUER: &str = "fleetdesk";
pub const AUDIENCE: &str = "fleetdesk-api";

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub iat: i64,
    pub exp: i64,
}

/// Signs and verifies access tokens (HS256 with the configured secret).
pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
}

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
            access_ttl,
            refresh_ttl,
        }
    }

    pub fn issue_access(
        &self,
        user_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(String, DateTime<Utc>), ApiError> {
        let ttl =
            chrono::Duration::from_std(self.access_ttl).map_err(|e| ApiError::internal_from(e))?;
        let exp = now + ttl;
        let claims = Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: user_id.into(),
            iat: now.timestamp(),
            exp: exp.timestamp(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| ApiError::internal_from(format!("cannot sign a token: {e}")))?;
        Ok((token, exp))
    }

    /// The user id of a token valid at `now`; any defect (signature, issuer, audience,
    /// expiry, algorithm, shape) is a 401.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<String, ApiError> {
        /// Seconds of clock skew forgiven at expiry.
        const LEEWAY_SECS: i64 = 5;
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                let why = match e.kind() {
                    ErrorKind::ExpiredSignature => "the access token has expired",
                    ErrorKind::InvalidSignature => "the access token's signature is invalid",
                    ErrorKind::InvalidIssuer | ErrorKind::InvalidAudience => {
                        "the access token is not for this API"
                    }
                    ErrorKind::InvalidAlgorithm => {
                        "the access token uses an algorithm this API does not accept"
                    }
                    _ => "the access token is malformed",
                };
                ApiError::unauthorized(why)
            })?;
        if claims.exp + LEEWAY_SECS < now.timestamp() {
            return Err(ApiError::unauthorized("the access token has expired"));
        }
        Ok(claims.sub)
    }
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
        assert_eq!(a.verify(&token, now).unwrap(), "u1");
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
}
