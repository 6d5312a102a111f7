//! Sign-in: argon2id password hashes, short-lived JWT access tokens, rotating refresh tokens,
//! and the [`Authenticated`] extractor that turns a bearer token into a [`Principal`].

use std::sync::Arc;

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};
use argon2::password_hash::{
    self,
    phc::{Output, ParamsString, PasswordHash, Salt},
};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use fleetdesk_domain::identity::Principal;
use fleetdesk_domain::policy::{self, Action, CaseRef, Decision};
use fleetdesk_persistence::dealers::DispatchRow;
use fleetdesk_persistence::devices::DeviceRow;
use fleetdesk_persistence::identity::{self, Caller, CallerRead};
use fleetdesk_persistence::{Conn, Statements};
use sha2::{Digest, Sha256};

use crate::callers::{CallerCache, Known};
use crate::error::{ApiError, Text};
use crate::i18n::CallerLanguage;
use crate::state::{AppState, blocking};

pub use crate::tokens::{Bearer, Tokens};

/// argon2id, v19, at OWASP's recommended cost (19 MiB of memory, two passes).
fn argon2() -> Argon2<'static> {
    Argon2::default()
}

/// The memory one hash works in (19 MiB at the default cost), given back to the operating
/// system when dropped. Asked for with room for more than 32 MiB, so that the C allocator
/// maps it apart and unmaps it on drop: a freed mapping of 32 MiB or less raises the
/// allocator's threshold for mapping apart to its size, after which every thread that hashes
/// keeps a 19 MiB arena for good (a server grew by that much with each sign-in on another
/// thread). Only the blocks used are touched: the rest of the room costs address space only.
fn hash_memory(params: &Params) -> Vec<Block> {
    const MAPPED_APART: usize = (33 << 20) / std::mem::size_of::<Block>();
    let blocks = params.block_count();
    let mut memory = Vec::with_capacity(blocks.max(MAPPED_APART));
    memory.resize(blocks, Block::new());
    memory
}

/// The hash of `password` with `salt` under `argon2`, `len` bytes long, in memory of its own
/// ([`hash_memory`]).
fn hash_into(argon2: &Argon2<'_>, password: &str, salt: &[u8], len: usize) -> Option<Output> {
    let mut out = vec![0u8; len];
    let memory = hash_memory(argon2.params());
    argon2
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, memory)
        .ok()?;
    Output::new(&out).ok()
}

pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let fail =
        |e: &dyn std::fmt::Display| ApiError::internal_from(format!("cannot hash a password: {e}"));
    let argon2 = argon2();
    let salt = password_hash::try_generate_salt().map_err(|e| fail(&e))?;
    let hash = hash_into(&argon2, password, &salt, Params::DEFAULT_OUTPUT_LEN)
        .ok_or_else(|| fail(&"argon2 refused its input"))?;
    let phc = PasswordHash {
        algorithm: Algorithm::default().ident(),
        version: Some(Version::default().into()),
        params: ParamsString::try_from(argon2.params()).map_err(|e| fail(&e))?,
        salt: Some(Salt::new(&salt).map_err(|e| fail(&e))?),
        hash: Some(hash),
    };
    Ok(phc.to_string())
}

/// Whether `password` is the one `hash` (a PHC string) was made of; a hash that cannot be
/// read matches nothing. The comparison takes the same time however much of it matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    let Ok(phc) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&phc.salt, &phc.hash) else {
        return false;
    };
    let algorithm = Algorithm::try_from(phc.algorithm.as_str());
    let version = phc
        .version
        .map_or(Ok(Version::default()), Version::try_from);
    let (Ok(algorithm), Ok(version), Ok(params)) = (algorithm, version, Params::try_from(&phc))
    else {
        return false;
    };
    let argon2 = Argon2::new(algorithm, version, params);
    hash_into(&argon2, password, salt.as_ref(), expected.len())
        .is_some_and(|computed| &computed == expected)
}

/// A hash to verify against when the address is unknown, so a miss costs as much time as a hit.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password for unknown users").unwrap_or_default())
}

/// A new opaque secret token (refresh, confirmation, invitation) and the hash under which
/// it is stored; the token itself is never stored.
pub fn new_secret_token() -> Result<(String, String), ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| ApiError::internal_from(format!("no randomness: {e}")))?;
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    Ok((token, hash))
}

pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The bearer token of a request, if it carries one.
pub fn bearer(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(actix_web::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// The signed-in caller: a request whose bearer token is valid. Who the caller is (roles,
/// memberships, assignments) is asked of the database for every request — their version
/// alone while this process holds them at it (`crate::callers`) — so a removed user or a
/// changed membership takes effect at once: [`Authenticated::read`] and
/// [`Authenticated::write`] ask on the connection that does the request's work (one trip to a
/// blocking thread, one pooled connection); [`Authenticated::principal`] asks alone, for a
/// handler that needs the caller before its database work.
#[derive(Debug, Clone)]
pub struct Authenticated {
    bearer: Bearer,
    /// Where the caller's saved language goes once they are read, for the texts of the answer.
    language: CallerLanguage,
    /// The callers this process keeps, and the signed-in user as it last read them: the
    /// database then answers with their rows only if they changed since (see `crate::callers`).
    callers: Arc<CallerCache>,
    known: Option<Known>,
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(verified(req))
    }
}

fn verified(req: &HttpRequest) -> Result<Authenticated, ApiError> {
    let state = req
        .app_data::<web::Data<Arc<AppState>>>()
        .ok_or_else(ApiError::internal)?;
    let token = bearer(req)
        .ok_or_else(|| ApiError::unauthorized(Text::key("detail-bearer-token-required")))?;
    let now = state.config.clock.now();
    let bearer = state.tokens.verify(token, now)?;
    if bearer.scopes.is_some() {
        state.client_limiter.admit(&bearer.subject, now)?;
    }
    let language = req
        .extensions()
        .get::<CallerLanguage>()
        .cloned()
        .unwrap_or_default();
    let known = match bearer.scopes {
        None => state.callers.get(&bearer.subject),
        Some(_) => None,
    };
    Ok(Authenticated {
        bearer,
        language,
        callers: state.callers.clone(),
        known,
    })
}

impl Authenticated {
    /// When the caller's token expires.
    pub fn expires_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        chrono::DateTime::from_timestamp(self.bearer.expires, 0)
    }

    /// The caller as the database has them now, read on `c`: a user, or an API client as
    /// its creator's current role and its scopes allow.
    pub fn load(&self, c: &mut Conn) -> Result<Arc<Principal>, ApiError> {
        match &self.bearer.scopes {
            None => {
                let rows =
                    identity::load_caller_since(c, &self.bearer.subject, self.known_version())?;
                self.accept_rows(c, rows)
            }
            Some(scopes) => {
                crate::app::clients::principal(c, &self.bearer.subject, scopes).map(Arc::new)
            }
        }
    }

    /// The version of the signed-in user this process holds them at, if it does.
    fn known_version(&self) -> Option<i64> {
        self.known.as_ref().map(|(version, _)| *version)
    }

    /// The signed-in user from what a statement read of them ([`identity::CallerSince`]
    /// with [`Authenticated::known_version`]), on `c`: read whole if they changed since; a newly
    /// read caller is kept for the next request.
    fn caller_from(
        &self,
        c: &mut Conn,
        rows: identity::CallerRows,
    ) -> Result<Option<Arc<Caller>>, ApiError> {
        let user_id = &self.bearer.subject;
        let mut read = identity::read_caller(rows, self.known_version())?;
        if let CallerRead::Moved = read {
            let rows = identity::load_caller_since(c, user_id, None)?;
            read = identity::read_caller(rows, None)?;
        }
        Ok(match read {
            CallerRead::Gone => {
                self.callers.forget(user_id);
                None
            }
            CallerRead::Unchanged => self.known.as_ref().map(|(_, caller)| caller.clone()),
            // Not after a read without a version known.
            CallerRead::Moved => return Err(ApiError::internal()),
            CallerRead::Read(version, caller) => {
                let caller = Arc::new(caller);
                self.callers.keep(user_id, version, caller.clone());
                Some(caller)
            }
        })
    }

    /// The signed-in user as read: gone, or signed out since the token was issued, is 401.
    fn accept(&self, caller: Option<Arc<Caller>>) -> Result<Arc<Principal>, ApiError> {
        let caller = caller.ok_or_else(|| {
            ApiError::unauthorized(Text::key("detail-token-s-user-no-longer-exists"))
        })?;
        if let Some(language) = caller.language {
            self.language.set(language);
        }
        if caller
            .signed_out_before
            .is_some_and(|t| self.bearer.issued < t.timestamp())
        {
            return Err(ApiError::unauthorized(Text::key(
                "detail-sign-ended-password-changed-sign-again",
            )));
        }
        Ok(caller.principal.clone())
    }

    /// The caller, read on a connection of its own.
    pub async fn principal(&self, state: &Arc<AppState>) -> Result<Arc<Principal>, ApiError> {
        let (state, caller) = (state.clone(), self.clone());
        blocking(move || state.db.read(|c| caller.load(c))).await
    }

    /// Reads the caller and runs `f` with them on one pooled connection.
    pub async fn read<T: Send + 'static>(
        self,
        state: &Arc<AppState>,
        f: impl FnOnce(&mut Conn, &Principal) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        self.read_joined(state, move |c, me| {
            let who = me.load(c)?;
            f(c, &who)
        })
        .await
    }

    /// Reads the caller and runs `f` with them in one write transaction.
    pub async fn write<T: Send + 'static>(
        self,
        state: &Arc<AppState>,
        f: impl FnOnce(&mut Conn, &Principal) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        self.write_joined(state, move |c, me| {
            let who = me.load(c)?;
            f(c, &who)
        })
        .await
    }

    /// Runs `f` on one pooled connection; `f` reads the caller, along with its first query
    /// where it can (see [`Actor`]).
    pub async fn read_joined<T: Send + 'static>(
        self,
        state: &Arc<AppState>,
        f: impl FnOnce(&mut Conn, &Self) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        self.on_db(state, Work::Read, f).await
    }

    /// [`Authenticated::read_joined`] for an operation that adds meter entries, its writes
    /// each standing alone in one statement (see `Db::write_entries`).
    pub async fn write_entries_joined<T: Send + 'static>(
        self,
        state: &Arc<AppState>,
        f: impl FnOnce(&mut Statements<'_>, &Self) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let state = state.clone();
        blocking(move || state.db.write_entries(|c| f(c, &self))).await
    }

    /// [`Authenticated::read_joined`] in one write transaction.
    pub async fn write_joined<T: Send + 'static>(
        self,
        state: &Arc<AppState>,
        f: impl FnOnce(&mut Conn, &Self) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        self.on_db(state, Work::Write, f).await
    }

    /// Runs `f` in one blocking call on one pooled connection, as `work` says.
    async fn on_db<T: Send + 'static>(
        self,
        state: &Arc<AppState>,
        work: Work,
        f: impl FnOnce(&mut Conn, &Self) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let state = state.clone();
        blocking(move || {
            let run = |c: &mut Conn| f(c, &self);
            match work {
                Work::Read => state.db.read(run),
                Work::Write => state.db.write(run),
            }
        })
        .await
    }
}

/// How a request's work meets the database: `Db::read` or `Db::write`.
#[derive(Debug, Clone, Copy)]
enum Work {
    Read,
    Write,
}

/// Who acts in an operation, as far as it is known before the operation's first query: a
/// principal read already (`Arc<Principal>`: a handler that needed it first), or a
/// signed-in caller whose rows the first query reads along
/// ([`identity::CallerSince`]), which saves the request a round trip to the database.
pub trait Actor {
    /// The user whose rows the first query may read along, and the version they are known at
    /// already (see [`identity::CallerSince`]); `None`: use [`Actor::load`].
    fn joinable_user(&self) -> Option<(&str, Option<i64>)>;
    /// The principal from what the first query read for [`Actor::joinable_user`]; on `c`,
    /// the caller's rows are read when they changed since the version known.
    fn accept_rows(
        &self,
        c: &mut Conn,
        rows: identity::CallerRows,
    ) -> Result<Arc<Principal>, ApiError>;
    /// The principal, read on its own.
    fn load(&self, c: &mut Conn) -> Result<Arc<Principal>, ApiError>;
}

impl Actor for Arc<Principal> {
    fn joinable_user(&self) -> Option<(&str, Option<i64>)> {
        None
    }

    fn accept_rows(
        &self,
        _: &mut Conn,
        _: identity::CallerRows,
    ) -> Result<Arc<Principal>, ApiError> {
        Ok(self.clone())
    }

    fn load(&self, _: &mut Conn) -> Result<Arc<Principal>, ApiError> {
        Ok(self.clone())
    }
}

impl Actor for Authenticated {
    fn joinable_user(&self) -> Option<(&str, Option<i64>)> {
        // An API client's principal is its creator's, narrowed by its scopes: read on its own.
        self.bearer
            .scopes
            .is_none()
            .then(|| (self.bearer.subject.as_str(), self.known_version()))
    }

    fn accept_rows(
        &self,
        c: &mut Conn,
        rows: identity::CallerRows,
    ) -> Result<Arc<Principal>, ApiError> {
        if self.bearer.scopes.is_some() {
            return Err(ApiError::internal());
        }
        self.accept(self.caller_from(c, rows)?)
    }

    fn load(&self, c: &mut Conn) -> Result<Arc<Principal>, ApiError> {
        Authenticated::load(self, c)
    }
}

/// The policy's answer as an HTTP error: outside the caller's scope is 404, a role that may
/// never do this is 403.
pub fn authorize(
    who: &Principal,
    action: Action,
    account_id: Option<&str>,
) -> Result<(), ApiError> {
    allowed(policy::decide(who, action, account_id))
}

/// The policy's answer for one device: outside the caller's scope is 404.
pub fn authorize_device(
    who: &Principal,
    action: Action,
    device: &DeviceRow,
) -> Result<(), ApiError> {
    allowed(policy::decide_device(
        who,
        action,
        &device.account_id,
        &device.id,
    ))
}

/// The policy's answer for a case: outside the caller's scope is 404.
pub fn authorize_case(who: &Principal, action: Action, case: CaseRef<'_>) -> Result<(), ApiError> {
    allowed(policy::decide_case(who, action, case))
}

/// The policy's answer for an object of dealer `dealer_id` (`None`: of no dealer yet):
/// another dealer's object is 404.
pub fn authorize_dealer(
    who: &Principal,
    action: Action,
    dealer_id: Option<&str>,
) -> Result<(), ApiError> {
    allowed(policy::decide_dealer(who, action, dealer_id))
}

/// The policy's answer for a dispatch: another dealer's, or (technicians) one not assigned
/// to the caller, is 404.
pub fn authorize_dispatch(
    who: &Principal,
    action: Action,
    dispatch: &DispatchRow,
) -> Result<(), ApiError> {
    allowed(policy::decide_dispatch(
        who,
        action,
        dispatch.dealer_id.as_deref(),
        dispatch.assigned_technician_id.as_deref(),
    ))
}

/// The policy's answer for one stock location: outside the caller's scope is 404.
pub fn authorize_stock(
    who: &Principal,
    action: Action,
    account_id: &str,
    location_id: &str,
) -> Result<(), ApiError> {
    allowed(policy::decide_stock(who, action, account_id, location_id))
}

/// The policy's answer for an object of no account or dealer (a knowledge article).
pub fn authorize_unscoped(who: &Principal, action: Action) -> Result<(), ApiError> {
    allowed(policy::decide_unscoped(who, action))
}

/// A policy decision as the API answers it: 403 for a role that may never, 404 outside scope.
pub fn allowed(decision: Decision) -> Result<(), ApiError> {
    match decision {
        Decision::Allow => Ok(()),
        Decision::Forbidden => Err(ApiError::forbidden()),
        Decision::NotFound => Err(ApiError::not_found()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_with_the_right_secret() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterY", &hash));
        assert!(!verify_password("x", "not a hash"));
    }

    /// Hashes stored before (made by the library's own hasher, at any cost) still verify, and
    /// the library verifies ours: the same algorithm, parameters and encoding.
    #[test]
    fn hashes_agree_with_the_library_both_ways() {
        use argon2::password_hash::{CustomizedPasswordHasher, PasswordHasher, PasswordVerifier};
        let salt = password_hash::generate_salt();
        let theirs = PasswordHasher::<PasswordHash>::hash_password_with_salt(
            &Argon2::default(),
            b"stored long ago",
            &salt,
        )
        .unwrap()
        .to_string();
        assert!(verify_password("stored long ago", &theirs));
        assert!(!verify_password("stored long ago!", &theirs));

        let cheaper = Params::new(8 * 1024, 3, 1, None).unwrap();
        let other_cost = CustomizedPasswordHasher::<PasswordHash>::hash_password_customized(
            &Argon2::default(),
            b"other cost",
            &salt,
            Some("argon2i"),
            Some(0x10),
            cheaper,
        )
        .unwrap()
        .to_string();
        assert!(other_cost.starts_with("$argon2i$v=16$m=8192,t=3,p=1$"));
        assert!(verify_password("other cost", &other_cost));
        assert!(!verify_password("other cost ", &other_cost));

        let ours = hash_password("made here").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"made here", &parsed)
                .is_ok()
        );
        assert!(
            Argon2::default()
                .verify_password(b"made there", &parsed)
                .is_err()
        );
        // Another salt, another hash.
        assert_ne!(ours, hash_password("made here").unwrap());
    }
}
