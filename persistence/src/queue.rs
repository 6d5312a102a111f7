//! A lock that is handed to its waiters in the order they came: SQLite's writers queue here.
//! A plain mutex lets a newcomer take the lock before threads that have waited longer, which
//! under steady load leaves a few writers waiting many turns (the long tail of a write's time).

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};
use std::thread::{self, Thread, ThreadId};

#[derive(Default)]
pub struct FifoLock {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// The thread that holds the lock.
    holder: Option<ThreadId>,
    waiting: VecDeque<Thread>,
}

/// Holds the lock until dropped; then the longest waiter gets it.
pub struct Turn<'a> {
    lock: &'a FifoLock,
}

impl FifoLock {
    fn state(&self) -> MutexGuard<'_, State> {
        // The state is consistent at every unlock (no code between its changes can panic).
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for this thread's turn.
    pub fn lock(&self) -> Turn<'_> {
        let me = thread::current();
        let mut state = self.state();
        if state.holder.is_none() && state.waiting.is_empty() {
            state.holder = Some(me.id());
            return Turn { lock: self };
        }
        state.waiting.push_back(me.clone());
        while state.holder != Some(me.id()) {
            drop(state);
            // Unparked when handed the lock; a spurious wake finds the lock not ours yet.
            thread::park();
            state = self.state();
        }
        Turn { lock: self }
    }
}

impl Turn<'_> {
    /// Whether other threads wait for the lock.
    pub fn has_waiters(&self) -> bool {
        !self.lock.state().waiting.is_empty()
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        let mut state = self.lock.state();
        let next = state.waiting.pop_front();
        state.holder = next.as_ref().map(Thread::id);
        drop(state);
        if let Some(next) = next {
            next.unpark();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[test]
    fn waiters_get_the_lock_in_the_order_they_came() {
        let lock = Arc::new(FifoLock::default());
        let order = Arc::new(Mutex::new(Vec::new()));
        let first = lock.lock();
        let mut threads = Vec::new();
        for i in 0..8 {
            let (waiter, order) = (lock.clone(), order.clone());
            threads.push(thread::spawn(move || {
                let _turn = waiter.lock();
                order.lock().unwrap().push(i);
            }));
            // Each waiter queues before the next starts.
            while lock.state().waiting.len() < i + 1 {
                thread::sleep(Duration::from_millis(1));
            }
        }
        drop(first);
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(*order.lock().unwrap(), (0..8).collect::<Vec<_>>());
    }

    #[test]
    fn one_holder_at_a_time() {
        let lock = Arc::new(FifoLock::default());
        let inside = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (lock, inside) = (lock.clone(), inside.clone());
                thread::spawn(move || {
                    for _ in 0..500 {
                        let _turn = lock.lock();
                        assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0);
                        inside.fetch_sub(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert!(lock.state().holder.is_none());
    }
}
