//! What became of each create that a client named with an `Idempotency-Key`, so that sending it again never makes a
//! second device or sends a second message: kept per person and key, in this process or in the Redis that every
//! replica shares.
//!
//! A key is in one of three states. `InFlight`: a create with it is being sent now (a lease, so that a replica that
//! dies mid-create does not hold it for ever). `Made`: it made this device, whose answer can be read again.
//! `Sent`: a create with it went upstream and its answer is lost to the client or cannot be given again (an
//! authenticator app's secret), so a retry reconciles before anything else. A create whose failure is certain is
//! forgotten: its retry starts clean.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::clock::Clock;
use crate::error::AppError;

/// How long an outcome is kept: a retry comes within minutes; an hour covers a person who comes back to the tab.
const KEEP_FOR: Duration = Duration::from_secs(3600);
/// At most this many outcomes are kept in memory (a few hundred bytes each); creates are rate-limited per person
/// and per address, so only a crowd fills it, and a full store refuses new keys rather than grow.
const MAX_OUTCOMES: usize = 100_000;

/// What a create with one key came to, as a retry must act on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Outcome {
    /// Being sent now, by a request that holds it until `until` (seconds on the proxy's clock).
    InFlight { fingerprint: String, until: u64 },
    /// Sent, and its answer lost or not to be given again: a retry reconciles first.
    Sent { fingerprint: String },
    /// It made this device.
    Made { fingerprint: String, device_id: String },
}

impl Outcome {
    fn fingerprint(&self) -> &str {
        match self {
            Self::InFlight { fingerprint, .. } | Self::Sent { fingerprint } | Self::Made { fingerprint, .. } => {
                fingerprint
            }
        }
    }
}

/// What a request that names a key may do.
#[derive(Debug, PartialEq, Eq)]
pub enum Begin {
    /// The key is new: this request creates.
    Fresh,
    /// A create with this key went upstream and its outcome is unknown: this request reconciles, then creates.
    AfterLoss,
    /// The key made this device: its answer is read again.
    Made(String),
    /// Another request with this key is being served now.
    Busy,
    /// The key was used for a different request.
    Mismatch,
}

/// Sets a key that is absent and returns nothing, or returns what is there.
const REDIS_CLAIM: &str = "local held = redis.call('GET', KEYS[1]) if held then return held end \
    redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) return false";
/// Replaces what a key holds only if it still holds `ARGV[1]`.
const REDIS_REPLACE: &str = "if redis.call('GET', KEYS[1]) == ARGV[1] then \
    redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) return 1 end return 0";

/// The outcomes, in this process's memory or in a shared Redis (with this process's memory while it is out of
/// reach, as the rate limits fall back).
pub struct Outcomes {
    memory: Mutex<HashMap<String, (Outcome, u64)>>,
    redis: Option<redis::aio::ConnectionManager>,
    clock: Clock,
    /// How long a request may hold a key in flight: a create and its reconciliation.
    lease: Duration,
}

impl Outcomes {
    pub fn new(redis: Option<redis::aio::ConnectionManager>, clock: Clock, lease: Duration) -> Self {
        Self { memory: Mutex::new(HashMap::new()), redis, clock, lease }
    }

    /// Claims `key` of `user` for a create of the request whose fingerprint is `fingerprint`, and says what the
    /// request may do.
    pub async fn begin(&self, user: &str, key: &str, fingerprint: &str) -> Result<Begin, AppError> {
        let store_key = store_key(user, key);
        let now = self.clock.now();
        let claim = Outcome::InFlight { fingerprint: fingerprint.to_owned(), until: now + self.lease.as_secs() };
        let Some(held) = self.claim(&store_key, &claim).await? else { return Ok(Begin::Fresh) };
        if held.fingerprint() != fingerprint {
            return Ok(Begin::Mismatch);
        }
        match held {
            Outcome::Made { device_id, .. } => Ok(Begin::Made(device_id)),
            Outcome::InFlight { until, .. } if until > now => Ok(Begin::Busy),
            // Sent, or in flight past its lease: whoever held it is gone.
            held => match self.replace(&store_key, &held, &claim).await? {
                true => Ok(Begin::AfterLoss),
                false => Ok(Begin::Busy),
            },
        }
    }

    /// Records what the create with `key` came to.
    pub async fn finish(&self, user: &str, key: &str, outcome: Outcome) {
        let store_key = store_key(user, key);
        if let Some(connection) = &self.redis {
            let value = serde_json::to_string(&outcome).unwrap_or_default();
            let mut connection = connection.clone();
            let set: Result<(), _> = redis::cmd("SET")
                .arg(&store_key)
                .arg(value)
                .arg("EX")
                .arg(KEEP_FOR.as_secs())
                .query_async(&mut connection)
                .await;
            match set {
                Ok(()) => return,
                Err(error) => tracing::warn!(%error, "the outcome store is unavailable: kept in this replica"),
            }
        }
        let until = self.clock.now() + KEEP_FOR.as_secs();
        self.memory_map().insert(store_key, (outcome, until));
    }

    /// Forgets `key`: the create certainly did nothing, and a retry starts clean.
    pub async fn forget(&self, user: &str, key: &str) {
        let store_key = store_key(user, key);
        if let Some(connection) = &self.redis {
            let mut connection = connection.clone();
            let deleted: Result<(), _> = redis::cmd("DEL").arg(&store_key).query_async(&mut connection).await;
            if let Err(error) = deleted {
                tracing::warn!(%error, "the outcome store is unavailable: an outcome stays until it expires");
            }
        }
        self.memory_map().remove(&store_key);
    }

    /// Sets `key` to `claim` if it holds nothing, and returns what it held otherwise.
    async fn claim(&self, key: &str, claim: &Outcome) -> Result<Option<Outcome>, AppError> {
        if let Some(connection) = &self.redis {
            let mut connection = connection.clone();
            let value = serde_json::to_string(claim).unwrap_or_default();
            let held: Result<Option<String>, _> = redis::Script::new(REDIS_CLAIM)
                .key(key)
                .arg(value)
                .arg(KEEP_FOR.as_secs())
                .invoke_async(&mut connection)
                .await;
            match held {
                Ok(held) => return Ok(held.and_then(|held| serde_json::from_str(&held).ok())),
                Err(error) => tracing::warn!(%error, "the outcome store is unavailable: kept in this replica"),
            }
        }
        let now = self.clock.now();
        let mut outcomes = self.memory_map();
        if let Some((held, until)) = outcomes.get(key)
            && *until > now
        {
            return Ok(Some(held.clone()));
        }
        if outcomes.len() >= MAX_OUTCOMES {
            outcomes.retain(|_, (_, until)| *until > now);
            if outcomes.len() >= MAX_OUTCOMES {
                return Err(AppError::RequestLimited { retry_after_seconds: 60 });
            }
        }
        outcomes.insert(key.to_owned(), (claim.clone(), now + KEEP_FOR.as_secs()));
        Ok(None)
    }

    /// Sets `key` to `claim` only if it still holds `held`: of two retries that find the same lost create, one
    /// reconciles.
    async fn replace(&self, key: &str, held: &Outcome, claim: &Outcome) -> Result<bool, AppError> {
        if let Some(connection) = &self.redis {
            let mut connection = connection.clone();
            let replaced: Result<u32, _> = redis::Script::new(REDIS_REPLACE)
                .key(key)
                .arg(serde_json::to_string(held).unwrap_or_default())
                .arg(serde_json::to_string(claim).unwrap_or_default())
                .arg(KEEP_FOR.as_secs())
                .invoke_async(&mut connection)
                .await;
            match replaced {
                Ok(replaced) => return Ok(replaced == 1),
                Err(error) => tracing::warn!(%error, "the outcome store is unavailable: kept in this replica"),
            }
        }
        let mut outcomes = self.memory_map();
        match outcomes.get_mut(key) {
            Some((current, until)) if current == held => {
                *current = claim.clone();
                *until = self.clock.now() + KEEP_FOR.as_secs();
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    fn memory_map(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Outcome, u64)>> {
        self.memory.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Each person's keys are their own: another person's same key is another create.
fn store_key(user: &str, key: &str) -> String {
    format!("mfa-enroll:create:{user}:{key}")
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    fn outcomes() -> (Outcomes, Clock) {
        let clock = Clock::set_at(UNIX_EPOCH + Duration::from_secs(1_000_000));
        (Outcomes::new(None, clock.clone(), Duration::from_secs(30)), clock)
    }

    #[tokio::test]
    async fn a_key_is_claimed_once_and_its_device_read_again() {
        let (outcomes, _) = outcomes();
        assert_eq!(outcomes.begin("alice", "k1", "f").await.ok(), Some(Begin::Fresh));
        assert_eq!(outcomes.begin("alice", "k1", "f").await.ok(), Some(Begin::Busy), "in flight");
        assert_eq!(outcomes.begin("bob", "k1", "f").await.ok(), Some(Begin::Fresh), "another person's key");
        let made = Outcome::Made { fingerprint: "f".into(), device_id: "d1".into() };
        outcomes.finish("alice", "k1", made).await;
        assert_eq!(outcomes.begin("alice", "k1", "f").await.ok(), Some(Begin::Made("d1".into())));
        assert_eq!(outcomes.begin("alice", "k1", "other").await.ok(), Some(Begin::Mismatch));
    }

    #[tokio::test]
    async fn a_lost_create_is_reconciled_by_one_retry_and_a_dead_lease_is_taken_over() {
        let (outcomes, clock) = outcomes();
        assert_eq!(outcomes.begin("alice", "k1", "f").await.ok(), Some(Begin::Fresh));
        outcomes.finish("alice", "k1", Outcome::Sent { fingerprint: "f".into() }).await;
        assert_eq!(outcomes.begin("alice", "k1", "f").await.ok(), Some(Begin::AfterLoss));
        assert_eq!(outcomes.begin("alice", "k1", "f").await.ok(), Some(Begin::Busy), "the first retry holds it");
        clock.advance(Duration::from_secs(31));
        assert_eq!(outcomes.begin("alice", "k1", "f").await.ok(), Some(Begin::AfterLoss), "its holder is gone");
        outcomes.forget("alice", "k1").await;
        assert_eq!(outcomes.begin("alice", "k1", "f").await.ok(), Some(Begin::Fresh));
    }

    #[tokio::test]
    async fn an_outcome_expires() {
        let (outcomes, clock) = outcomes();
        outcomes.finish("alice", "k1", Outcome::Made { fingerprint: "f".into(), device_id: "d1".into() }).await;
        clock.advance(KEEP_FOR);
        assert_eq!(outcomes.begin("alice", "k1", "f").await.ok(), Some(Begin::Fresh));
    }
}
