//! The reading reminders' background round: every server process looks for reminders due,
//! and the database makes sure each device is reminded once per period whichever process
//! comes first.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use chrono::{DateTime, Utc};
use fleetdesk_persistence::Db;
use fleetdesk_persistence::periods as repo;

use crate::app::periods::{closing_of, due_devices, remind_account};
use crate::config::Config;
use crate::error::ApiError;

/// Sends every reminder due at `now`, one account per transaction; returns the mails queued.
/// Only an account with devices due takes a write transaction (which looks again).
pub fn send_due(db: &Db, config: &Config, now: DateTime<Utc>) -> Result<usize, ApiError> {
    let days = config.reading_reminder_days;
    let accounts = db.read(repo::closing_days)?;
    let mut mails = 0;
    for (account_id, closing_day) in accounts {
        let closing = closing_of(closing_day);
        let due = db.read(|c| due_devices(c, &account_id, closing, days, now))?;
        if !due.is_empty() {
            mails += db.write(|c| remind_account(c, config, &account_id, closing, now))?;
        }
    }
    Ok(mails)
}

/// The background round; it stops when dropped.
pub struct Reminders {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Reminders {
    pub fn spawn(db: Db, config: Config) -> std::io::Result<Self> {
        let interval = config.reading_reminder_interval;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("fleetdesk-reminders".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    match send_due(&db, &config, config.clock.now()) {
                        Ok(0) => {}
                        Ok(n) => log::info!(target: "fleetdesk::reminders", "queued {n} reading reminder(s)"),
                        Err(e) => log::warn!(target: "fleetdesk::reminders", "reading reminders failed: {e}"),
                    }
                    // Wakes often enough to stop soon after being dropped.
                    let mut slept = Duration::ZERO;
                    while slept < interval && !flag.load(Ordering::Relaxed) {
                        let step = (interval - slept).min(Duration::from_millis(200));
                        std::thread::sleep(step);
                        slept += step;
                    }
                }
            })?;
        Ok(Self {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Reminders {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        drop(self.thread.take());
    }
}
