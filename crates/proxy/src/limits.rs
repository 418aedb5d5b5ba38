//! Rate limits on every `/api` route, each counted per user and per client address in fixed windows: tightly on
//! what costs money or guesses codes (creating devices, since SMS and voice send paid messages; activating them,
//! since each try is a guess at a code; resending codes), and generously on the rest (reading the list and the
//! configuration; renaming, removing and reordering), so that no one person can spend everyone's PingOne quota.
//!
//! A fixed-window counter is a few lines, and it is the same algorithm that a shared store runs with one atomic
//! `INCR` and `EXPIRE`, so replicas sharing a Redis and a single process limit alike.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::clock::Clock;
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
    /// Reading the list or the configuration.
    Read,
    /// Renaming, removing or reordering devices.
    Change,
}

/// How many of an action fit in a window, per user and per client address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rate {
    pub per_user: u32,
    pub per_address: u32,
    #[serde(rename = "window_seconds", with = "whole_seconds")]
    pub window: Duration,
}

/// The rate of each action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    pub create: Rate,
    pub create_phone: Rate,
    pub activate: Rate,
    pub resend: Rate,
    pub read: Rate,
    pub change: Rate,
}

impl Default for Limits {
    fn default() -> Self {
        let ten_minutes = Duration::from_secs(600);
        Self {
            create: Rate { per_user: 10, per_address: 50, window: ten_minutes },
            create_phone: Rate { per_user: 3, per_address: 10, window: ten_minutes },
            activate: Rate { per_user: 10, per_address: 50, window: Duration::from_secs(300) },
            resend: Rate { per_user: 3, per_address: 10, window: ten_minutes },
            // A widget reads twice on load and once after each change; a page of many people behind one address
            // reads many times that.
            read: Rate { per_user: 120, per_address: 1200, window: Duration::from_secs(60) },
            change: Rate { per_user: 60, per_address: 300, window: ten_minutes },
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
            Action::Read => self.read,
            Action::Change => self.change,
        }
    }

    /// Each rate with its setting's name.
    pub fn named(&self) -> [(&'static str, Rate); 6] {
        [
            ("create", self.create),
            ("create_phone", self.create_phone),
            ("activate", self.activate),
            ("resend", self.resend),
            ("read", self.read),
            ("change", self.change),
        ]
    }
}

/// Where the counts live: this process's memory, or a Redis that every replica shares.
pub enum Store {
    Memory(Arc<MemoryCounts>),
    /// A shared Redis, and this replica's own counts for reads and changes while the Redis cannot be reached.
    Redis {
        connection: redis::aio::ConnectionManager,
        fallback: Arc<MemoryCounts>,
    },
}

impl Action {
    /// Whether the action costs money or guesses a code: without shared counts, it does not go through.
    fn closes_without_store(self) -> bool {
        matches!(self, Self::Create | Self::CreatePhone | Self::Activate | Self::Resend)
    }
}

/// What one check counted, so that it can be given back when PingOne did not do the work.
pub struct Charge {
    action: Action,
    /// Each subject's key and the window (its end) it was counted in; empty when nothing can be given back.
    counted: Vec<(String, u64)>,
    /// Whether the counts were this replica's own, because the shared store could not be reached.
    local: bool,
}

/// Gives back one count, if the key is still in the window it was counted in.
const REDIS_REFUND: &str = "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('DECR', KEYS[1]) end \
    return 0";

/// Shards of the in-memory counts: requests for different subjects rarely wait on the same lock.
const SHARDS: usize = 16;
/// At most this many subjects are counted at once in memory (about a hundred bytes each): a flood of made-up
/// subjects cannot grow the proxy without end.
const MAX_SUBJECTS: usize = 500_000;
/// How long the proxy waits for its Redis before it counts without it.
const STORE_TIMEOUT: Duration = Duration::from_millis(500);
/// How often the counts of windows that have ended are dropped.
const SWEEP_EVERY: Duration = Duration::from_secs(10);

/// One subject's count in its current window.
struct Count {
    /// The second (on the limiter's clock) at which the window ends.
    ends: u64,
    count: u32,
}

/// The counts of this process: sharded, bounded, and swept on a timer of the windows that have ended, so that no
/// request ever scans them.
pub struct MemoryCounts {
    shards: [Mutex<HashMap<(Action, String), Count>>; SHARDS],
    hasher: std::hash::RandomState,
    /// Subjects counted in every shard together.
    subjects: AtomicUsize,
    capacity: usize,
}

impl MemoryCounts {
    fn new(capacity: usize) -> Self {
        Self {
            shards: std::array::from_fn(|_| Mutex::new(HashMap::new())),
            hasher: std::hash::RandomState::new(),
            subjects: AtomicUsize::new(0),
            capacity,
        }
    }

    /// Takes one back from `key`'s count, if it is still in the window that ends at `ends`.
    fn take_back(&self, key: &(Action, String), ends: u64) {
        let shard = &self.shards[self.hasher.hash_one(key) as usize % SHARDS];
        let mut counts = shard.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(count) = counts.get_mut(key).filter(|count| count.ends == ends) {
            count.count = count.count.saturating_sub(1);
        }
    }

    /// Adds one to `key`'s count in the window that ends at `ends`; `None` when the key is new and the store full.
    fn add(&self, key: (Action, String), now: u64, ends: u64) -> Option<u32> {
        let shard = &self.shards[self.hasher.hash_one(&key) as usize % SHARDS];
        let mut counts = shard.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if !counts.contains_key(&key) {
            if self.subjects.load(Ordering::Relaxed) >= self.capacity {
                return None;
            }
            self.subjects.fetch_add(1, Ordering::Relaxed);
        }
        let entry = counts.entry(key).or_insert(Count { ends, count: 0 });
        if entry.ends <= now {
            *entry = Count { ends, count: 0 };
        }
        entry.count += 1;
        Some(entry.count)
    }

    /// Drops the counts of windows that have ended by `now`.
    fn sweep(&self, now: u64) {
        for shard in &self.shards {
            let mut counts = shard.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let before = counts.len();
            counts.retain(|_, count| count.ends > now);
            self.subjects.fetch_sub(before - counts.len(), Ordering::Relaxed);
        }
    }

    /// How many subjects are counted now.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.subjects.load(Ordering::Relaxed)
    }
}

/// Sweeps `counts` every [`SWEEP_EVERY`] for as long as the limiter that holds them lives.
async fn sweep_on_a_timer(counts: std::sync::Weak<MemoryCounts>, clock: Clock) {
    let mut timer = tokio::time::interval(SWEEP_EVERY);
    loop {
        timer.tick().await;
        let Some(counts) = counts.upgrade() else { return };
        counts.sweep(clock.now());
    }
}

/// What an address counts as: an IPv4 address as itself (an IPv4-mapped IPv6 address too), an IPv6 address by its
/// /64, the smallest block that one subscriber is given, so that the addresses of one block count as one client.
fn address_subject(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => format!("{}/64", std::net::Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX))),
        },
    }
}

/// A connection to the Redis at `url` that the replicas share; the error says why it could not connect.
pub async fn connect(url: &str) -> Result<redis::aio::ConnectionManager, redis::RedisError> {
    // A store that answers slowly holds up every request: give up on it quickly, and try again on the next request,
    // rather than wait through a long reconnection.
    let fail_fast = redis::aio::ConnectionManagerConfig::new()
        .set_connection_timeout(Some(STORE_TIMEOUT))
        .set_response_timeout(Some(STORE_TIMEOUT))
        .set_number_of_retries(1)
        .set_max_delay(STORE_TIMEOUT);
    redis::aio::ConnectionManager::new_with_config(redis::Client::open(url)?, fail_fast).await
}

/// Counts one hit atomically and sets the key to expire with its window.
const REDIS_COUNT: &str = "local count = redis.call('INCR', KEYS[1]) \
    if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end return count";

pub struct Limiter {
    limits: Limits,
    store: Store,
    clock: Clock,
}

impl Limiter {
    /// A limiter whose counts are in this process's memory, swept on a timer; it must start within a Tokio runtime.
    pub fn in_memory(limits: Limits, clock: Clock) -> Self {
        Self::in_memory_for(limits, clock, MAX_SUBJECTS)
    }

    fn in_memory_for(limits: Limits, clock: Clock, capacity: usize) -> Self {
        let counts = Arc::new(MemoryCounts::new(capacity));
        tokio::spawn(sweep_on_a_timer(Arc::downgrade(&counts), clock.clone()));
        Self { limits, store: Store::Memory(counts), clock }
    }

    /// A limiter whose counts are in the Redis of `connection` (see [`connect`]), shared by every proxy that names
    /// it.
    pub fn redis(limits: Limits, clock: Clock, connection: redis::aio::ConnectionManager) -> Self {
        let fallback = Arc::new(MemoryCounts::new(MAX_SUBJECTS));
        tokio::spawn(sweep_on_a_timer(Arc::downgrade(&fallback), clock.clone()));
        Self { limits, store: Store::Redis { connection, fallback }, clock }
    }

    /// Counts one `action` for `user` from `address`; over either limit, a 429 that says when to try again. The
    /// windows are aligned to the clock, so that every replica counts in the same windows.
    ///
    /// The charge it returns is given back with [`Limiter::refund`] when PingOne certainly did not do the work.
    /// Without its Redis, the limiter stays closed to what costs money or guesses codes (a 502) and counts reads and
    /// changes in this replica alone, saying so in `fell_back`.
    pub async fn check(&self, action: Action, user: &str, address: IpAddr) -> Result<Charge, AppError> {
        let rate = self.limits.rate(action);
        let window = rate.window.as_secs().max(1);
        let now = self.clock.now();
        let ends = (now / window + 1) * window;
        let subjects = [
            (format!("user:{user}"), rate.per_user),
            (format!("address:{}", address_subject(address)), rate.per_address),
        ];
        let mut charge = Charge { action, counted: Vec::with_capacity(2), local: false };
        let mut over = false;
        for (subject, limit) in subjects {
            match self.count(&mut charge, subject, now, ends, window).await {
                Ok(count) => over |= count > limit,
                Err(refused) => {
                    self.refund(charge).await;
                    return Err(refused);
                }
            }
        }
        if over {
            // A refused request is not carried out, so it spends nothing: one person past their own limit does
            // not spend the allowance of everyone behind the same address.
            self.refund(charge).await;
            tracing::info!(?action, "rate limit reached");
            return Err(AppError::RequestLimited { retry_after_seconds: ends - now });
        }
        Ok(charge)
    }

    /// Gives back what `charge` counted: PingOne did not do the work, so nobody pays for it.
    pub async fn refund(&self, charge: Charge) {
        let Charge { action, counted, local } = charge;
        for (subject, ends) in counted {
            match &self.store {
                Store::Memory(counts) => counts.take_back(&(action, subject), ends),
                Store::Redis { fallback, .. } if local => fallback.take_back(&(action, subject), ends),
                Store::Redis { connection, .. } => {
                    let mut connection = connection.clone();
                    let key = redis_key(action, &subject, ends);
                    let refunded: Result<i64, _> =
                        redis::Script::new(REDIS_REFUND).key(key).invoke_async(&mut connection).await;
                    if let Err(error) = refunded {
                        tracing::warn!(%error, "a count could not be given back");
                    }
                }
            }
        }
    }

    /// Whether reads and changes are counted by this replica alone now, its Redis out of reach.
    pub fn fell_back(charge: &Charge) -> bool {
        charge.local
    }

    /// Adds one to the count of `subject` in the window that ends at `ends`, notes it in `charge`, and returns the
    /// new count.
    async fn count(
        &self,
        charge: &mut Charge,
        subject: String,
        now: u64,
        ends: u64,
        window: u64,
    ) -> Result<u32, AppError> {
        let action = charge.action;
        let count = match &self.store {
            Store::Memory(counts) => counts.add((action, subject.clone()), now, ends).ok_or_else(full)?,
            Store::Redis { connection, fallback } => {
                let mut connection = connection.clone();
                let counted: Result<u32, _> = redis::Script::new(REDIS_COUNT)
                    .key(redis_key(action, &subject, ends))
                    .arg(window)
                    .invoke_async(&mut connection)
                    .await;
                match counted {
                    Ok(count) => count,
                    // Closed, not open: without shared counts, nothing that costs money or guesses codes goes
                    // through.
                    Err(error) if action.closes_without_store() => {
                        tracing::error!(%error, ?action, "the rate-limit store is unavailable: refused");
                        return Err(AppError::UpstreamUnavailable);
                    }
                    Err(error) => {
                        tracing::warn!(%error, ?action, "the rate-limit store is unavailable: counted in this replica");
                        charge.local = true;
                        fallback.add((action, subject.clone()), now, ends).ok_or_else(full)?
                    }
                }
            }
        };
        charge.counted.push((subject, ends));
        Ok(count)
    }
}

/// A store full of made-up subjects lets no new one through until sweeps of ended windows free room: closed, not
/// open. The wait it says is one sweep's, the earliest that room can come.
fn full() -> AppError {
    tracing::warn!("the rate-limit counts are full");
    AppError::RequestLimited { retry_after_seconds: SWEEP_EVERY.as_secs() }
}

/// A count's key in Redis: the action, the subject and the window, by when it ends.
fn redis_key(action: Action, subject: &str, ends: u64) -> String {
    format!("mfa-enroll:limit:{action:?}:{subject}:{ends}")
}

/// A window written as a whole number of seconds.
mod whole_seconds {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(duration.as_secs())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        u64::deserialize(deserializer).map(Duration::from_secs)
    }
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use super::*;

    fn limiter(per_user: u32, per_address: u32) -> Limiter {
        let rate = Rate { per_user, per_address, window: Duration::from_secs(3600) };
        let limits =
            Limits { create: rate, create_phone: rate, activate: rate, resend: rate, read: rate, change: rate };
        Limiter::in_memory(limits, Clock::default())
    }

    #[tokio::test]
    async fn a_window_ends_on_the_clock_and_says_how_long_is_left() {
        let rate = Rate { per_user: 1, per_address: 10, window: Duration::from_secs(60) };
        let clock = Clock::set_at(UNIX_EPOCH + Duration::from_secs(60 * 1000 + 45));
        let limiter = Limiter::in_memory(Limits { activate: rate, ..Limits::default() }, clock.clone());
        let address = IpAddr::from([127, 0, 0, 1]);
        assert!(limiter.check(Action::Activate, "alice", address).await.is_ok());
        assert!(matches!(
            limiter.check(Action::Activate, "alice", address).await,
            Err(AppError::RequestLimited { retry_after_seconds: 15 })
        ));
        clock.advance(Duration::from_secs(14));
        assert!(limiter.check(Action::Activate, "alice", address).await.is_err(), "the same window");
        clock.advance(Duration::from_secs(1));
        assert!(limiter.check(Action::Activate, "alice", address).await.is_ok(), "a new window");
    }

    #[tokio::test]
    async fn each_user_has_their_own_count() {
        let limiter = limiter(2, 100);
        let address = IpAddr::from([127, 0, 0, 1]);
        assert!(limiter.check(Action::Activate, "alice", address).await.is_ok());
        assert!(limiter.check(Action::Activate, "alice", address).await.is_ok());
        assert!(matches!(
            limiter.check(Action::Activate, "alice", address).await,
            Err(AppError::RequestLimited { retry_after_seconds: 1..=3600 })
        ));
        assert!(limiter.check(Action::Activate, "bob", address).await.is_ok());
        assert!(limiter.check(Action::Resend, "alice", address).await.is_ok(), "actions are counted apart");
    }

    #[tokio::test]
    async fn the_addresses_of_one_ipv6_64_count_as_one_client() {
        let limiter = limiter(100, 2);
        let address = |text: &str| text.parse::<IpAddr>().expect("an address");
        assert!(limiter.check(Action::Create, "a", address("2001:db8:1:2::1")).await.is_ok());
        assert!(limiter.check(Action::Create, "b", address("2001:db8:1:2:ffff::9")).await.is_ok());
        assert!(limiter.check(Action::Create, "c", address("2001:db8:1:2::3")).await.is_err(), "the same /64");
        assert!(limiter.check(Action::Create, "d", address("2001:db8:1:3::1")).await.is_ok(), "the next /64");
        let mapped = address("::ffff:192.0.2.7");
        assert!(limiter.check(Action::Resend, "e", address("192.0.2.7")).await.is_ok());
        assert!(limiter.check(Action::Resend, "f", mapped).await.is_ok());
        assert!(limiter.check(Action::Resend, "g", mapped).await.is_err(), "an IPv4-mapped address is its IPv4 one");
    }

    #[tokio::test(start_paused = true)]
    async fn the_counts_of_ended_windows_are_swept_on_a_timer() {
        let rate = Rate { per_user: 5, per_address: 5_000, window: Duration::from_secs(60) };
        let clock = Clock::set_at(UNIX_EPOCH + Duration::from_secs(60 * 1000));
        let limiter = Limiter::in_memory(Limits { read: rate, ..Limits::default() }, clock.clone());
        let Store::Memory(counts) = &limiter.store else { panic!("in memory") };
        let address = IpAddr::from([192, 0, 2, 1]);
        for user in 0..1000 {
            assert!(limiter.check(Action::Read, &format!("user-{user}"), address).await.is_ok());
        }
        assert_eq!(counts.len(), 1001, "a thousand people and their one address");
        tokio::time::sleep(SWEEP_EVERY * 2).await;
        assert_eq!(counts.len(), 1001, "the window has not ended: nothing is swept");
        clock.advance(Duration::from_secs(60));
        tokio::time::sleep(SWEEP_EVERY * 2).await;
        assert_eq!(counts.len(), 0, "the ended window's counts are gone without a request");
    }

    #[tokio::test]
    async fn a_full_store_refuses_new_subjects_and_counts_known_ones() {
        let rate = Rate { per_user: 5, per_address: 5, window: Duration::from_secs(60) };
        let limits = Limits { read: rate, ..Limits::default() };
        let limiter = Limiter::in_memory_for(limits, Clock::set_at(UNIX_EPOCH), 4);
        let address = IpAddr::from([192, 0, 2, 1]);
        for user in ["a", "b", "c"] {
            assert!(limiter.check(Action::Read, user, address).await.is_ok());
        }
        assert!(matches!(
            limiter.check(Action::Read, "d", address).await,
            Err(AppError::RequestLimited { retry_after_seconds: 10 })
        ));
        assert!(limiter.check(Action::Read, "a", address).await.is_ok(), "a counted person is counted on");
    }

    #[tokio::test]
    async fn a_person_past_their_limit_spends_nothing_of_their_neighbours() {
        let limiter = limiter(1, 3);
        let address = IpAddr::from([192, 0, 2, 9]);
        assert!(limiter.check(Action::Read, "hammering", address).await.is_ok());
        for _ in 0..10 {
            assert!(limiter.check(Action::Read, "hammering", address).await.is_err());
        }
        assert!(limiter.check(Action::Read, "neighbour", address).await.is_ok(), "the refused reads spent nothing");
        assert!(limiter.check(Action::Read, "another", address).await.is_ok());
        assert!(
            limiter.check(Action::Read, "a-fourth", address).await.is_err(),
            "three carried out: the address is full"
        );
    }

    #[tokio::test]
    async fn one_address_is_limited_across_users() {
        let limiter = limiter(100, 2);
        let address = IpAddr::from([192, 0, 2, 7]);
        assert!(limiter.check(Action::CreatePhone, "a", address).await.is_ok());
        assert!(limiter.check(Action::CreatePhone, "b", address).await.is_ok());
        assert!(limiter.check(Action::CreatePhone, "c", address).await.is_err());
        assert!(limiter.check(Action::CreatePhone, "c", IpAddr::from([192, 0, 2, 8])).await.is_ok());
    }
}
