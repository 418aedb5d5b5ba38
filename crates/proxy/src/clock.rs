//! The proxy's clock: the system's, or one that a test sets and moves, so that no test waits on the wall clock for
//! what the clock decides (the rate limits' windows, the JWKS refetch interval).

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The time that the rate limits' windows and the JWKS refetch interval follow: the system's clock, or one that a
/// test sets and moves.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    /// `None` for the system clock; a set time otherwise.
    set: Option<Arc<Mutex<SystemTime>>>,
}

impl Clock {
    /// A clock that stands at `time` until [`Clock::advance`] moves it.
    pub fn set_at(time: SystemTime) -> Self {
        Self { set: Some(Arc::new(Mutex::new(time))) }
    }

    /// Moves a set clock forward; the system clock moves by itself.
    pub fn advance(&self, by: Duration) {
        if let Some(time) = &self.set {
            *time.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) += by;
        }
    }

    /// The time now.
    pub fn time(&self) -> SystemTime {
        match &self.set {
            Some(time) => *time.lock().unwrap_or_else(|poisoned| poisoned.into_inner()),
            None => SystemTime::now(),
        }
    }

    /// Whole seconds since the Unix epoch.
    pub(crate) fn now(&self) -> u64 {
        self.time().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs()
    }
}
