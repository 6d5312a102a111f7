//! Callers this process has read, kept at the version they were read at.
//!
//! Every request still asks the database who its caller is, in its first statement: it sends
//! the `caller_version` it holds and the database answers with the caller's rows only when the
//! version has moved on (`identity::CallerSince`). Triggers move a user's version on with
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
    kept: Mutex<Kept>,
    capacity: usize,
}

#[derive(Debug, Default)]
struct Kept {
    entries: HashMap<String, Known>,
    /// The rows of the callers kept ([`rows_of`]).
    rows: usize,
}

/// A caller as read at `version`.
pub type Known = (i64, Arc<Caller>);

/// What a caller weighs: their user row, memberships and assignments (a manager of whole sites
/// carries every device of them).
fn rows_of(caller: &Caller) -> usize {
    let who = &caller.principal;
    1 + who.memberships.len() + who.assigned_devices.len() + who.assigned_stock_locations.len()
}

impl CallerCache {
    /// A cache that holds callers of at most `capacity` rows in all (a row is a few dozen
    /// bytes); when a caller would not fit, it is emptied first (the callers of a busy process
    /// come back within a request each).
    pub fn new(capacity: usize) -> Self {
        Self {
            kept: Mutex::default(),
            capacity,
        }
    }

    /// The caller `user_id` as last read here, if they were.
    pub fn get(&self, user_id: &str) -> Option<Known> {
        self.lock().entries.get(user_id).cloned()
    }

    /// Keeps the caller `user_id` as read at `version`: what the database last said wins. A
    /// caller heavier than the whole capacity is not kept.
    pub fn keep(&self, user_id: &str, version: i64, caller: Arc<Caller>) {
        let rows = rows_of(&caller);
        let mut kept = self.lock();
        kept.forget(user_id);
        if rows > self.capacity {
            return;
        }
        if kept.rows + rows > self.capacity {
            kept.entries.clear();
            kept.rows = 0;
        }
        kept.rows += rows;
        kept.entries.insert(user_id.to_owned(), (version, caller));
    }

    /// Forgets `user_id` (they no longer exist).
    pub fn forget(&self, user_id: &str) {
        self.lock().forget(user_id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Kept> {
        // A panic while the map was held cannot leave it half-changed: a change is one HashMap
        // call and the sum beside it.
        self.kept.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Kept {
    fn forget(&mut self, user_id: &str) {
        if let Some((_, caller)) = self.entries.remove(user_id) {
            self.rows -= rows_of(&caller);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fleetdesk_domain::identity::Principal;

    fn caller(user_id: &str) -> Arc<Caller> {
        with_devices(user_id, 0)
    }

    fn with_devices(user_id: &str, devices: usize) -> Arc<Caller> {
        Arc::new(Caller {
            principal: Arc::new(Principal {
                user_id: user_id.to_owned(),
                staff_role: None,
                dealer: None,
                memberships: Vec::new(),
                assigned_devices: (0..devices)
                    .map(|i| ("a1".to_owned(), format!("d{i}")))
                    .collect(),
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

    #[test]
    fn callers_are_weighed_by_their_rows() {
        let cache = CallerCache::new(10);
        cache.keep("a", 0, with_devices("a", 4));
        cache.keep("b", 0, with_devices("b", 4));
        // 5 + 5 rows: full. Kept again lighter, "a" leaves room for "c".
        cache.keep("a", 1, with_devices("a", 1));
        cache.keep("c", 0, with_devices("c", 2));
        assert!(["a", "b", "c"].iter().all(|u| cache.get(u).is_some()));
        // 2 + 5 + 3 + 2 > 10: emptied first.
        cache.keep("d", 0, with_devices("d", 1));
        assert!(cache.get("a").is_none() && cache.get("b").is_none());
        assert!(cache.get("d").is_some());
        // Heavier than the whole cache: not kept, and nothing else lost.
        cache.keep("e", 0, with_devices("e", 10));
        assert!(cache.get("e").is_none() && cache.get("d").is_some());
    }
}
