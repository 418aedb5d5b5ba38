//! Rate limits on what costs money or guesses codes: creating devices (SMS and voice send paid messages),
//! activating them (each try is a guess at a code) and resending codes. Each is counted per user and per client
//! address in fixed windows.
//!
//! A fixed-window counter is a few lines, and it is the same algorithm that a shared store runs with one atomic
//! `INCR` and `EXPIRE`, so replicas and a single process limit alike.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::AppError;

/// What is limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Creating a device that sends no message: TOTP, email, OATH token.
    Create,
    /// Creating an SMS or voice device, which sends a paid message.
    CreatePhone,
    Activate,
    Resend,
}

/// How many of an action fit in a window, per user and per client address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub per_user: u32,
    pub per_address: u32,
    pub window: Duration,
}

/// The rate of each action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub create: Rate,
    pub create_phone: Rate,
    pub activate: Rate,
    pub resend: Rate,
}

impl Default for Limits {
    fn default() -> Self {
        let ten_minutes = Duration::from_secs(600);
        Self {
            create: Rate { per_user: 10, per_address: 50, window: ten_minutes },
            create_phone: Rate { per_user: 3, per_address: 10, window: ten_minutes },
            activate: Rate { per_user: 10, per_address: 50, window: Duration::from_secs(300) },
            resend: Rate { per_user: 3, per_address: 10, window: ten_minutes },
        }
    }
}

impl Limits {
    fn rate(&self, action: Action) -> Rate {
        match action {
            Action::Create => self.create,
            Action::CreatePhone => self.create_phone,
            Action::Activate => self.activate,
            Action::Resend => self.resend,
        }
    }
}

/// Counts in this process's memory.
pub struct Limiter {
    limits: Limits,
    /// Per action and subject, the current window's start and count.
    windows: Mutex<HashMap<(Action, String), (Instant, u32)>>,
}

impl Limiter {
    pub fn new(limits: Limits) -> Self {
        Self { limits, windows: Mutex::new(HashMap::new()) }
    }

    /// Counts one `action` for `user` from `address`; over either limit, a 429 that says when to try again.
    pub fn check(&self, action: Action, user: &str, address: IpAddr) -> Result<(), AppError> {
        let rate = self.limits.rate(action);
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if windows.len() > 100_000 {
            windows.retain(|(action, _), (start, _)| now.duration_since(*start) < self.limits.rate(*action).window);
        }
        let mut wait = None;
        for (subject, limit) in
            [(format!("user:{user}"), rate.per_user), (format!("address:{address}"), rate.per_address)]
        {
            let (start, count) = windows.entry((action, subject)).or_insert((now, 0));
            if now.duration_since(*start) >= rate.window {
                *start = now;
                *count = 0;
            }
            *count += 1;
            if *count > limit {
                let left = rate.window.saturating_sub(now.duration_since(*start));
                wait = wait.max(Some(left));
            }
        }
        match wait {
            Some(left) => {
                tracing::info!(?action, "rate limit reached");
                Err(AppError::RequestLimited { retry_after_seconds: left.as_secs().max(1) })
            }
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(per_user: u32, per_address: u32) -> Limiter {
        let rate = Rate { per_user, per_address, window: Duration::from_secs(60) };
        Limiter::new(Limits { create: rate, create_phone: rate, activate: rate, resend: rate })
    }

    #[test]
    fn each_user_has_their_own_count() {
        let limiter = limiter(2, 100);
        let address = IpAddr::from([127, 0, 0, 1]);
        assert!(limiter.check(Action::Activate, "alice", address).is_ok());
        assert!(limiter.check(Action::Activate, "alice", address).is_ok());
        assert!(matches!(
            limiter.check(Action::Activate, "alice", address),
            Err(AppError::RequestLimited { retry_after_seconds: 1..=60 })
        ));
        assert!(limiter.check(Action::Activate, "bob", address).is_ok());
        assert!(limiter.check(Action::Resend, "alice", address).is_ok(), "actions are counted apart");
    }

    #[test]
    fn one_address_is_limited_across_users() {
        let limiter = limiter(100, 2);
        let address = IpAddr::from([192, 0, 2, 7]);
        assert!(limiter.check(Action::CreatePhone, "a", address).is_ok());
        assert!(limiter.check(Action::CreatePhone, "b", address).is_ok());
        assert!(limiter.check(Action::CreatePhone, "c", address).is_err());
        assert!(limiter.check(Action::CreatePhone, "c", IpAddr::from([192, 0, 2, 8])).is_ok());
    }
}
