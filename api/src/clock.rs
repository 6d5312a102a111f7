//! The one source of "now".

use std::sync::{Arc, Mutex};

use chrono::{DateTime, SubsecRound, Utc};

/// The time the reading rules see. The system clock in every configuration read from the
/// environment; a fixed, movable one only where code builds the configuration (tests), so
/// that day boundaries can be shown. Clients never choose the time.
#[derive(Clone, Default)]
pub struct Clock(Option<Arc<Mutex<DateTime<Utc>>>>);

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Clock(fixed)"
        } else {
            "Clock(system)"
        })
    }
}

impl Clock {
    pub fn system() -> Self {
        Self(None)
    }

    pub fn fixed(at: DateTime<Utc>) -> Self {
        Self(Some(Arc::new(Mutex::new(at))))
    }

    /// Now, truncated to microseconds like every stored instant.
    pub fn now(&self) -> DateTime<Utc> {
        match &self.0 {
            None => Utc::now().trunc_subsecs(6),
            Some(t) => t
                .lock()
                .map_or_else(|_| Utc::now().trunc_subsecs(6), |t| t.trunc_subsecs(6)),
        }
    }

    /// Moves a fixed clock; the system clock cannot be moved.
    pub fn set(&self, at: DateTime<Utc>) {
        if let Some(t) = &self.0
            && let Ok(mut t) = t.lock()
        {
            *t = at;
        }
    }
}
