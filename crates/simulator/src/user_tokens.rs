//! Access tokens of users, as PingOne's authorization server would issue them after a sign-in: RS256 JWTs whose
//! `sub` is the user id, and the JWKS that verifies them. The proxy's bearer mode is tested against these.
//!
//! The signing key is checked in (`fixtures/user-token-key.pem`): it signs tokens for tests and demos only, and
//! nothing that trusts a real PingOne environment would accept it.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The id of the one signing key, as the JWKS and each token's header name it.
pub const KEY_ID: &str = "sim-user-tokens-1";
const SIGNING_KEY: &[u8] = include_bytes!("../fixtures/user-token-key.pem");
/// The public half of the signing key.
pub const JWKS: &str = include_str!("../fixtures/user-token-jwks.json");
/// The audience of a token unless the request names another, as for PingOne's own APIs.
pub const DEFAULT_AUDIENCE: &str = "https://api.pingone.com";

/// What a test may ask of a minted token; left out, each takes a valid value.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TokenRequest {
    pub audience: Option<String>,
    pub issuer: Option<String>,
    /// Seconds from now until `exp`; negative mints an expired token. Default 3600.
    pub expires_in_seconds: Option<i64>,
    /// Seconds from now until `nbf`; positive mints a token not valid yet. Default 0.
    pub not_before_seconds: Option<i64>,
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    iat: i64,
    nbf: i64,
    exp: i64,
    jti: String,
    env: &'a str,
}

/// Signs an access token for `user_id`; `issuer` is the environment's unless the request names another.
pub fn mint(
    user_id: &str,
    environment_id: &str,
    issuer: &str,
    now: OffsetDateTime,
    request: &TokenRequest,
) -> Result<String, String> {
    let key = EncodingKey::from_rsa_pem(SIGNING_KEY).map_err(|e| format!("the signing key does not load: {e}"))?;
    let now = now.unix_timestamp();
    let claims = Claims {
        iss: request.issuer.as_deref().unwrap_or(issuer),
        sub: user_id,
        aud: request.audience.as_deref().unwrap_or(DEFAULT_AUDIENCE),
        iat: now,
        nbf: now + request.not_before_seconds.unwrap_or(0),
        exp: now + request.expires_in_seconds.unwrap_or(3600),
        jti: uuid::Uuid::new_v4().to_string(),
        env: environment_id,
    };
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(KEY_ID.to_owned());
    jsonwebtoken::encode(&header, &claims, &key).map_err(|e| format!("the token does not sign: {e}"))
}
