//! What became of each create that a client named with an `Idempotency-Key`, so that sending it again never makes a
//! second device or sends a second message: kept per person and key, in this process or in the Redis that every
//! replica shares.
//!
//! A key is in one of three states. `InFlight`: a request holds it now, under a lease, so that a replica that dies
//! mid-create does not hold it for ever. `Made`: it made this device, whose answer can be read again. `Sent`: a create
//! with it went upstream and its answer is lost to the client or cannot be given again (an authenticator app's
//! secret), so a retry reconciles before anything else. A create whose failure is certain is forgotten: its retry
//! starts clean.
//!
//! Every change is a compare-and-set against what the request itself wrote (its [`Claim`], which names the request):
//! a request whose lease passed while it was still running cannot overwrite or remove the claim of the request that
//! took the key over.

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
    /// Held by the request named `by` until `until` (seconds on the proxy's clock).
    InFlight { fingerprint: String, until: u64, by: String },
    /// Sent at `sent_at` (seconds on the proxy's clock), its answer lost or not to be given again: a retry reconciles
    /// first, with what was made since then.
    Sent { fingerprint: String, sent_at: u64 },
    /// It made this device.
    Made { fingerprint: String, device_id: String },
}

impl Outcome {
    fn fingerprint(&self) -> &str {
        match self {
            Self::InFlight { fingerprint, .. } | Self::Sent { fingerprint, .. } | Self::Made { fingerprint, .. } => {
                fingerprint
            }
        }
    }
}

/// A key that one request holds, as it wrote it: only that request may finish or forget it.
pub struct Claim {
    store_key: String,
    written: String,
}

/// What a request that names a key may do.
pub enum Begin {
    /// The key is new: this request creates.
    Fresh(Claim),
    /// A create with this key was sent at this time and its outcome is unknown: this request reconciles, then
    /// creates.
    AfterLoss { claim: Claim, sent_at: u64 },
    /// The key made this device; `held` is what the store holds, for [`Outcomes::take_over`].
    Made { device_id: String, held: String },
    /// Another request with this key is being served now.
    Busy,
    /// The key was used for a different request.
    Mismatch,
}

/// Sets a key that is absent and returns nothing, or returns what it holds.
const REDIS_CLAIM: &str = "local held = redis.call('GET', KEYS[1]) if held then return held end \
    redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) return false";
/// Replaces what a key holds with `ARGV[2]`, or removes it when `ARGV[2]` is empty, only if it still holds `ARGV[1]`.
const REDIS_REPLACE: &str = "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end \
    if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) end \
    return 1";

/// The outcomes, in this process's memory or in a shared Redis (with this process's memory while it is out of
/// reach, as the rate limits fall back). Values are kept as the JSON text that was written, and compared as such.
pub struct Outcomes {
    memory: Mutex<HashMap<String, (String, u64)>>,
    redis: Option<redis::aio::ConnectionManager>,
    clock: Clock,
    /// How long a request may hold a key: a create, its reconciliation's list and removals, with their retries.
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
        let written = self.new_claim(fingerprint);
        let Some(held) = self.claim(&store_key, &written).await? else {
            return Ok(Begin::Fresh(Claim { store_key, written }));
        };
        // What cannot be read was written by something else: held, never taken over.
        let Ok(outcome) = serde_json::from_str::<Outcome>(&held) else { return Ok(Begin::Busy) };
        if outcome.fingerprint() != fingerprint {
            return Ok(Begin::Mismatch);
        }
        match outcome {
            Outcome::Made { device_id, .. } => Ok(Begin::Made { device_id, held }),
            Outcome::InFlight { until, .. } if until > self.clock.now() => Ok(Begin::Busy),
            // Sent, or in flight past its lease: whoever held it is gone.
            outcome => {
                let sent_at = match outcome {
                    Outcome::Sent { sent_at, .. } => sent_at,
                    _ => self.clock.now().saturating_sub(self.lease.as_secs()),
                };
                match self.replace(&store_key, &held, &written).await? {
                    true => Ok(Begin::AfterLoss { claim: Claim { store_key, written }, sent_at }),
                    false => Ok(Begin::Busy),
                }
            }
        }
    }

    /// Takes over a key that made a device which is gone or cannot be given again, if it still holds `held`: the
    /// create is made anew under the same key.
    pub async fn take_over(
        &self,
        user: &str,
        key: &str,
        held: &str,
        fingerprint: &str,
    ) -> Result<Option<Claim>, AppError> {
        let store_key = store_key(user, key);
        let written = self.new_claim(fingerprint);
        Ok(self.replace(&store_key, held, &written).await?.then_some(Claim { store_key, written }))
    }

    /// Records what the create of `claim` came to, unless another request has taken the key over meanwhile.
    pub async fn finish(&self, claim: Claim, outcome: &Outcome) {
        let outcome = serde_json::to_string(outcome).unwrap_or_default();
        self.settle(claim, &outcome).await;
    }

    /// Forgets the key of `claim`: the create certainly did nothing, and a retry starts clean.
    pub async fn forget(&self, claim: Claim) {
        self.settle(claim, "").await;
    }

    async fn settle(&self, claim: Claim, outcome: &str) {
        match self.replace(&claim.store_key, &claim.written, outcome).await {
            Ok(true) => {}
            _ => tracing::warn!("a create's key was taken over before it ended: its outcome is not kept"),
        }
    }

    /// A claim for a request of `fingerprint`, as written: it names the request, so that no other writes the same.
    fn new_claim(&self, fingerprint: &str) -> String {
        let claim = Outcome::InFlight {
            fingerprint: fingerprint.to_owned(),
            until: self.clock.now() + self.lease.as_secs(),
            by: uuid::Uuid::new_v4().to_string(),
        };
        serde_json::to_string(&claim).unwrap_or_default()
    }

    /// Sets `key` to `claim` if it holds nothing, and returns what it held otherwise.
    async fn claim(&self, key: &str, claim: &str) -> Result<Option<String>, AppError> {
        if let Some(connection) = &self.redis {
            let mut connection = connection.clone();
            let held: Result<Option<String>, _> = redis::Script::new(REDIS_CLAIM)
                .key(key)
                .arg(claim)
                .arg(KEEP_FOR.as_secs())
                .invoke_async(&mut connection)
                .await;
            match held {
                Ok(held) => return Ok(held),
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
                tracing::warn!("the outcome store is full: a create is refused");
                return Err(AppError::UpstreamUnavailable);
            }
        }
        outcomes.insert(key.to_owned(), (claim.to_owned(), now + KEEP_FOR.as_secs()));
        Ok(None)
    }

    /// Sets `key` to `new` (removes it when `new` is empty) only if it still holds `held`.
    async fn replace(&self, key: &str, held: &str, new: &str) -> Result<bool, AppError> {
        if let Some(connection) = &self.redis {
            let mut connection = connection.clone();
            let replaced: Result<u32, _> = redis::Script::new(REDIS_REPLACE)
                .key(key)
                .arg(held)
                .arg(new)
                .arg(KEEP_FOR.as_secs())
                .invoke_async(&mut connection)
                .await;
            match replaced {
                Ok(replaced) => return Ok(replaced == 1),
                Err(error) => tracing::warn!(%error, "the outcome store is unavailable: kept in this replica"),
            }
        }
        let mut outcomes = self.memory_map();
        if outcomes.get(key).is_none_or(|(current, _)| current != held) {
            return Ok(false);
        }
        match new {
            "" => outcomes.remove(key),
            new => outcomes.insert(key.to_owned(), (new.to_owned(), self.clock.now() + KEEP_FOR.as_secs())),
        };
        Ok(true)
    }

    fn memory_map(&self) -> std::sync::MutexGuard<'_, HashMap<String, (String, u64)>> {
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

    fn sent(at: u64) -> Outcome {
        Outcome::Sent { fingerprint: "f".into(), sent_at: at }
    }

    #[tokio::test]
    async fn a_key_is_claimed_once_and_its_device_read_again() {
        let (outcomes, _) = outcomes();
        let Ok(Begin::Fresh(claim)) = outcomes.begin("alice", "k1", "f").await else { panic!("a new key") };
        assert!(matches!(outcomes.begin("alice", "k1", "f").await, Ok(Begin::Busy)), "in flight");
        assert!(matches!(outcomes.begin("bob", "k1", "f").await, Ok(Begin::Fresh(_))), "another person's key");
        outcomes.finish(claim, &Outcome::Made { fingerprint: "f".into(), device_id: "d1".into() }).await;
        let Ok(Begin::Made { device_id, held }) = outcomes.begin("alice", "k1", "f").await else { panic!("made") };
        assert_eq!(device_id, "d1");
        assert!(matches!(outcomes.begin("alice", "k1", "other").await, Ok(Begin::Mismatch)));
        let taken = outcomes.take_over("alice", "k1", &held, "f").await.expect("the store answers");
        assert!(taken.is_some(), "the first retry takes a made key over");
        let again = outcomes.take_over("alice", "k1", &held, "f").await.expect("the store answers");
        assert!(again.is_none(), "and a second one, at the same time, does not");
    }

    #[tokio::test]
    async fn a_lost_create_is_reconciled_by_one_retry_and_a_dead_lease_is_taken_over() {
        let (outcomes, clock) = outcomes();
        let Ok(Begin::Fresh(claim)) = outcomes.begin("alice", "k1", "f").await else { panic!("a new key") };
        outcomes.finish(claim, &sent(999_990)).await;
        let Ok(Begin::AfterLoss { claim: retry, sent_at }) = outcomes.begin("alice", "k1", "f").await else {
            panic!("after a loss")
        };
        assert_eq!(sent_at, 999_990, "the retry reconciles with what was made since the lost create");
        assert!(matches!(outcomes.begin("alice", "k1", "f").await, Ok(Begin::Busy)), "the first retry holds it");
        clock.advance(Duration::from_secs(31));
        let Ok(Begin::AfterLoss { claim: late, .. }) = outcomes.begin("alice", "k1", "f").await else {
            panic!("its holder's lease has passed")
        };
        outcomes.forget(retry).await;
        assert!(matches!(outcomes.begin("alice", "k1", "f").await, Ok(Begin::Busy)), "the late holder's claim stays");
        outcomes.forget(late).await;
        assert!(matches!(outcomes.begin("alice", "k1", "f").await, Ok(Begin::Fresh(_))));
    }

    #[tokio::test]
    async fn an_outcome_expires_and_an_unreadable_one_is_held() {
        let (outcomes, clock) = outcomes();
        let Ok(Begin::Fresh(claim)) = outcomes.begin("alice", "k1", "f").await else { panic!("a new key") };
        outcomes.finish(claim, &Outcome::Made { fingerprint: "f".into(), device_id: "d1".into() }).await;
        clock.advance(KEEP_FOR);
        assert!(matches!(outcomes.begin("alice", "k1", "f").await, Ok(Begin::Fresh(_))));
        let until = clock.now() + 60;
        outcomes.memory_map().insert(store_key("alice", "k2"), ("{\"written\":\"elsewhere\"}".into(), until));
        assert!(matches!(outcomes.begin("alice", "k2", "f").await, Ok(Begin::Busy)));
    }
}
