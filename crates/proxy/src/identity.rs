//! Who the person is. The browser never names the user: the proxy derives the PingOne user id from the person's
//! own access token (`bearer`), from a gateway's header vouched for by a shared secret (`header`), or, with the
//! embedded simulator only, from the demo user (`demo`).
//!
//! Every failure is the same 401 `UNAUTHENTICATED` to the browser; the reason goes to the log.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use subtle::ConstantTimeEq;
use tokio::sync::RwLock;

use crate::clock::Clock;
use crate::config::{Bearer, Gateway};
use crate::error::AppError;

/// Tokens signed with anything else are refused, `none` above all.
const ALLOWED_ALGORITHMS: [Algorithm; 2] = [Algorithm::RS256, Algorithm::ES256];
const JWKS_TIMEOUT: Duration = Duration::from_secs(5);

pub enum Authenticator {
    Demo { user_id: String },
    Bearer(BearerVerifier),
    Header { user_header: HeaderName, secret_header: HeaderName, secret: SecretString },
}

impl Authenticator {
    /// The gateway identity; `None` when a configured header name is not one (`Config::problems` says which).
    pub fn gateway(settings: &Gateway) -> Option<Self> {
        Some(Self::Header {
            user_header: HeaderName::try_from(settings.user_header.as_str()).ok()?,
            secret_header: HeaderName::try_from(settings.secret_header.as_str()).ok()?,
            secret: settings.secret.clone(),
        })
    }

    /// The PingOne user id of the person making this request.
    pub async fn user(&self, headers: &HeaderMap) -> Result<String, AppError> {
        let user = match self {
            Self::Demo { user_id } => Ok(user_id.clone()),
            Self::Bearer(verifier) => verifier.user(headers).await,
            Self::Header { user_header, secret_header, secret } => {
                gateway_user(headers, user_header, secret_header, secret)
            }
        };
        user.map_err(|reason| {
            tracing::info!(reason, "request refused as unauthenticated");
            AppError::Unauthenticated
        })
    }
}

/// The user a gateway names, when it also presents the shared secret, compared in constant time.
fn gateway_user(
    headers: &HeaderMap,
    user_header: &HeaderName,
    secret_header: &HeaderName,
    secret: &SecretString,
) -> Result<String, &'static str> {
    let presented = only(headers, secret_header).ok_or("no gateway secret, or two")?.as_bytes();
    if !bool::from(presented.ct_eq(secret.expose_secret().as_bytes())) {
        return Err("a wrong gateway secret");
    }
    let user = only(headers, user_header).and_then(|value| value.to_str().ok()).ok_or("no user header, or two")?;
    user_id(user)
}

/// The one value of `name`; `None` when there is none, or more than one: which of two would count is a question
/// that a forger could answer differently from the gateway.
fn only<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Option<&'a HeaderValue> {
    let mut values = headers.get_all(name).iter();
    match (values.next(), values.next()) {
        (Some(value), None) => Some(value),
        _ => None,
    }
}

/// PingOne user ids are UUIDs, which PingOne writes in lower case; anything else could reach another path
/// upstream.
fn user_id(candidate: &str) -> Result<String, &'static str> {
    match uuid::Uuid::try_parse(candidate) {
        Ok(id) if candidate.len() == 36 => Ok(id.hyphenated().to_string()),
        _ => Err("a user id that is not a UUID"),
    }
}

/// Verifies a person's access token against the environment's JWKS.
pub struct BearerVerifier {
    http: reqwest::Client,
    jwks_url: String,
    issuer: String,
    audience: String,
    leeway_seconds: u64,
    /// An unknown `kid` refetches the JWKS at most this often.
    refetch_interval: Duration,
    /// What the refetch interval is measured on.
    clock: Clock,
    keys: RwLock<KeyCache>,
    /// Held while the JWKS is fetched; only tokens whose key is unknown wait on it.
    fetching: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct KeyCache {
    keys: HashMap<String, (Algorithm, DecodingKey)>,
    fetched_at: Option<SystemTime>,
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
}

impl BearerVerifier {
    pub fn new(settings: &Bearer, clock: Clock) -> Self {
        let http = reqwest::Client::builder().timeout(JWKS_TIMEOUT).build().expect("a client with a timeout builds");
        Self {
            http,
            jwks_url: settings.jwks_url.clone(),
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            leeway_seconds: settings.leeway_seconds,
            refetch_interval: Duration::from_secs(settings.jwks_refetch_seconds),
            clock,
            keys: RwLock::new(KeyCache::default()),
            fetching: tokio::sync::Mutex::new(()),
        }
    }

    async fn user(&self, headers: &HeaderMap) -> Result<String, &'static str> {
        let token = only(headers, &header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .ok_or("no bearer token, or two")?;
        let header = jsonwebtoken::decode_header(token).map_err(|_| "an unreadable token header")?;
        if !ALLOWED_ALGORITHMS.contains(&header.alg) {
            return Err("a token algorithm that is not allowed");
        }
        // RFC 7515 §4.1.11: a token that names extensions it requires must be refused unless each is understood,
        // and this verifier understands none.
        if header.crit.is_some() {
            return Err("a token with critical header extensions");
        }
        let kid = header.kid.ok_or("a token without kid")?;
        let (algorithm, key) = self.key(&kid).await?;
        if algorithm != header.alg {
            return Err("a token whose algorithm does not match its key");
        }
        let mut validation = Validation::new(algorithm);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = self.leeway_seconds;
        let claims =
            jsonwebtoken::decode::<Claims>(token, &key, &validation).map_err(|_| "a token that does not verify")?;
        user_id(&claims.claims.sub)
    }

    /// The key for `kid`, refetching the JWKS when it is unknown and the last fetch is old enough. The cache is
    /// locked only to read it, to claim the refetch and to store what came: while the identity provider answers,
    /// every token with a known key is verified as usual. Tokens with unknown keys wait for the one fetch in flight,
    /// and then find their key if it brought it.
    async fn key(&self, kid: &str) -> Result<(Algorithm, DecodingKey), &'static str> {
        if let Some(found) = self.keys.read().await.keys.get(kid) {
            return Ok(found.clone());
        }
        let _one_fetch_at_a_time = self.fetching.lock().await;
        {
            let mut cache = self.keys.write().await;
            if let Some(found) = cache.keys.get(kid) {
                return Ok(found.clone());
            }
            let now = self.clock.time();
            if cache.fetched_at.is_some_and(|at| now.duration_since(at).unwrap_or_default() < self.refetch_interval) {
                return Err("an unknown kid, and the keys were fetched moments ago");
            }
            cache.fetched_at = Some(now);
        }
        // A failed fetch keeps the keys there are.
        let keys = self.fetch_keys().await?;
        tracing::info!(keys = keys.len(), "fetched the JWKS");
        let mut cache = self.keys.write().await;
        cache.keys = keys;
        cache.keys.get(kid).cloned().ok_or("an unknown kid")
    }

    /// The allowed keys that the JWKS publishes now, by `kid`.
    async fn fetch_keys(&self) -> Result<HashMap<String, (Algorithm, DecodingKey)>, &'static str> {
        let set: JwkSet = self
            .http
            .get(&self.jwks_url)
            .send()
            .await
            .map_err(|_| "the JWKS could not be fetched")?
            .json()
            .await
            .map_err(|_| "the JWKS is not readable")?;
        let allowed = |jwk: &Jwk| {
            let kid = jwk.common.key_id.clone()?;
            let algorithm = algorithm_of(jwk)?;
            let key = DecodingKey::from_jwk(jwk).ok()?;
            ALLOWED_ALGORITHMS.contains(&algorithm).then_some((kid, (algorithm, key)))
        };
        Ok(set.keys.iter().filter_map(allowed).collect())
    }
}

/// The key's `alg`, or, where the JWKS leaves it out (RFC 7517 makes it optional), the one algorithm allowed here
/// for its key type: RS256 for RSA, ES256 for EC keys on P-256.
fn algorithm_of(jwk: &Jwk) -> Option<Algorithm> {
    if let Some(alg) = jwk.common.key_algorithm {
        return Algorithm::try_from(alg).ok();
    }
    match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => Some(Algorithm::RS256),
        AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P256 => Some(Algorithm::ES256),
        _ => None,
    }
}
