//! Callers this process has read, kept at the version they were read at.
//!
//! Every request still asks the database who its caller is, in its first statement: it sends
//! the `caller_version` it holds and the database answers with the caller's rows only when the
//! version has moved on (`identity::caller_since`). Triggers move a user's version on with
//! every change to what authorization reads of them, in the transaction that makes it
//! (migration 000029), so a change made through any process takes effect on the next request
//! in every other one. What this saves is the reading and parsing of the rows, not the
//! question.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use fleetdesk_persistence::identity::Caller;

/// Callers by user id, at the version each was read at.
#[derive(Debug)]
pub struct CallerCache {
    entries: Mutex<HashMap<String, Known>>,
    capacity: usize,
}

/// A caller as read at `version`.
pub type Known = (i64, Arc<Caller>);

impl CallerCache {
    /// A cache that holds at most `capacity` callers; when it is full the next new caller
    /// empties it (the callers of a busy process come back within a request each).
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: Mutex::default(),
            capacity,
        }
    }

    /// The caller `user_id` as last read here, if they were.
    pub fn get(&self, user_id: &str) -> Option<Known> {
        self.lock().get(user_id).cloned()
    }

    /// Keeps the caller `user_id` as read at `version`: what the database last said wins.
    pub fn keep(&self, user_id: &str, version: i64, caller: Arc<Caller>) {
        let mut entries = self.lock();
        if entries.len() >= self.capacity && !entries.contains_key(user_id) {
            entries.clear();
        }
        entries.insert(user_id.to_owned(), (version, caller));
    }

    /// Forgets `user_id` (they no longer exist).
    pub fn forget(&self, user_id: &str) {
        self.lock().remove(user_id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Known>> {
        // A panic while the map was held cannot leave it half-changed: each change is one
        // HashMap call.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fleetdesk_domain::identity::Principal;

    fn caller(user_id: &str) -> Arc<Caller> {
        Arc::new(Caller {
            principal: Arc::new(Principal {
                user_id: user_id.to_owned(),
                staff_role: None,
                dealer: None,
                memberships: Vec::new(),
                assigned_devices: Vec::new(),
                assigned_stock_locations: Vec::new(),
                scopes: None,
            }),
            signed_out_before: None,
            language: None,
        })
    }

    #[test]
    fn the_last_read_wins_and_a_full_cache_starts_again() {
        let cache = CallerCache::new(2);
        cache.keep("a", 3, caller("a"));
        cache.keep("a", 1, caller("a"));
        assert_eq!(cache.get("a").map(|k| k.0), Some(1));
        cache.keep("b", 0, caller("b"));
        cache.keep("b", 2, caller("b"));
        assert_eq!(cache.get("b").map(|k| k.0), Some(2));
        cache.keep("c", 0, caller("c"));
        assert!(cache.get("a").is_none() && cache.get("b").is_none());
        assert_eq!(cache.get("c").map(|k| k.0), Some(0));
        cache.forget("c");
        assert!(cache.get("c").is_none());
    }
}
