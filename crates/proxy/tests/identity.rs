//! The proxy's identity modes against a simulator on 127.0.0.1 as a real upstream: a person's own bearer token,
//! verified against the JWKS, and a gateway's header with its shared secret, each with the attacks that must fail.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
mod support;

use mfa_enroll_proxy::{Bearer, Clock, Config, Identity, Proxy, TokenAuth};
use pingone_simulator::StartupInfo;
use reqwest::StatusCode;
use serde_json::{Value, json};
use testkit::Control;

const AUDIENCE: &str = "https://api.pingone.com";
const GATEWAY_SECRET: &str = "a-gateway-secret-of-at-least-32-characters";

struct Setup {
    proxy: String,
    info: StartupInfo,
    http: reqwest::Client,
}

async fn start(identity: impl FnOnce(&StartupInfo) -> Identity) -> Setup {
    start_on(Clock::default(), identity).await
}

/// A proxy whose clock is `clock`.
async fn start_on(clock: Clock, identity: impl FnOnce(&StartupInfo) -> Identity) -> Setup {
    let info = support::standalone_simulator().await;
    // The worker's credentials in the form, CLIENT_SECRET_POST; the other tests use Basic.
    let upstream = support::upstream(&info, TokenAuth::Post);
    let config = Config { upstream, identity: identity(&info), clock, ..Config::default() };
    let proxy = support::start(config).await;
    Setup { proxy: proxy.base, info, http: reqwest::Client::new() }
}

fn bearer(info: &StartupInfo) -> Identity {
    let issuer = format!("{}/{}/as", info.auth_url, info.environment_id);
    Identity::Bearer(Bearer {
        jwks_url: format!("{issuer}/jwks"),
        issuer,
        audience: AUDIENCE.into(),
        leeway_seconds: 30,
        jwks_refetch_seconds: 30,
    })
}

impl Setup {
    async fn mint(&self, user: &str, options: Value) -> String {
        let minted = Control::at(&self.info.auth_url).post(&format!("users/{user}/tokens"), options).await;
        minted["access_token"].as_str().expect("a token").to_owned()
    }

    async fn new_user(&self, username: &str) -> String {
        Control::at(&self.info.auth_url).new_user(username).await
    }

    async fn list_with_token(&self, token: &str) -> (StatusCode, Value) {
        let response =
            self.http.get(format!("{}/api/devices", self.proxy)).bearer_auth(token).send().await.expect("answer");
        (response.status(), response.json().await.expect("JSON"))
    }
}

/// A token signed with another key than the simulator's, as an attacker could make.
fn forged(claims: &Value, kid: &str) -> String {
    let key = EncodingKey::from_rsa_pem(include_bytes!("fixtures/other-signing-key.pem")).expect("the test key");
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.into());
    jsonwebtoken::encode(&header, claims, &key).expect("signed")
}

fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a payload");
    serde_json::from_slice(&data_encoding::BASE64URL_NOPAD.decode(payload.as_bytes()).expect("base64url"))
        .expect("JSON")
}

#[tokio::test]
async fn a_valid_token_reaches_its_own_users_devices_only() {
    let setup = start(bearer).await;
    let alice = setup.new_user("alice@example.com").await;
    let bob = setup.new_user("bob@example.com").await;
    let alice_token = setup.mint(&alice, json!({})).await;
    let created = setup
        .http
        .post(format!("{}/api/devices", setup.proxy))
        .bearer_auth(&alice_token)
        .json(&json!({ "type": "TOTP" }))
        .send()
        .await
        .expect("answer");
    assert_eq!(created.status(), StatusCode::CREATED);
    let (status, alices) = setup.list_with_token(&alice_token).await;
    assert_eq!((status, alices["_embedded"]["devices"].as_array().map(Vec::len)), (StatusCode::OK, Some(1)));
    let bob_token = setup.mint(&bob, json!({})).await;
    let (_, bobs) = setup.list_with_token(&bob_token).await;
    assert_eq!(bobs["_embedded"]["devices"], json!([]), "Bob sees none of Alice's devices");
}

#[tokio::test]
async fn every_bearer_attack_is_a_401() {
    let setup = start(bearer).await;
    let user = setup.info.demo_user_id.clone();
    let valid = setup.mint(&user, json!({})).await;
    let claims = claims_of(&valid);
    let none_token = {
        let header = data_encoding::BASE64URL_NOPAD.encode(br#"{"alg":"none","typ":"JWT","kid":"sim-user-tokens-1"}"#);
        let payload = data_encoding::BASE64URL_NOPAD.encode(claims.to_string().as_bytes());
        format!("{header}.{payload}.")
    };
    let hmac_token = {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some("sim-user-tokens-1".into());
        jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(b"guessable")).expect("signed")
    };
    let attacks = [
        ("alg none", none_token),
        ("HS256 with the RSA key's id", hmac_token),
        ("another key under the known kid", forged(&claims, "sim-user-tokens-1")),
        ("an unknown kid", forged(&claims, "attacker-key")),
        ("expired", setup.mint(&user, json!({ "expiresInSeconds": -600 })).await),
        ("not valid yet", setup.mint(&user, json!({ "notBeforeSeconds": 600 })).await),
        ("a wrong issuer", setup.mint(&user, json!({ "issuer": "https://evil.example/as" })).await),
        ("a wrong audience", setup.mint(&user, json!({ "audience": "https://other.example" })).await),
        ("a tampered subject", {
            let mut parts: Vec<String> = valid.split('.').map(str::to_owned).collect();
            let mut tampered = claims.clone();
            tampered["sub"] = json!("00000000-0000-4000-8000-000000000000");
            parts[1] = data_encoding::BASE64URL_NOPAD.encode(tampered.to_string().as_bytes());
            parts.join(".")
        }),
        ("garbage", "not.a.token".to_owned()),
    ];
    for (attack, token) in attacks {
        let (status, body) = setup.list_with_token(&token).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("UNAUTHENTICATED")), "{attack}");
    }
    let no_token = setup.http.get(format!("{}/api/devices", setup.proxy)).send().await.expect("answer");
    assert_eq!(no_token.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(setup.list_with_token(&valid).await.0, StatusCode::OK, "the valid token still works");
}

/// A portal's own identity provider on 127.0.0.1: it serves a JWKS that the test can change, as slowly as the
/// test asks, and counts fetches.
struct KeyServer {
    url: String,
    keys: Arc<Mutex<Value>>,
    fetches: Arc<AtomicUsize>,
    /// How long each answer waits before it is sent.
    delay: Arc<Mutex<Duration>>,
}

impl KeyServer {
    async fn start(keys: Value) -> Self {
        let (keys, fetches) = (Arc::new(Mutex::new(keys)), Arc::new(AtomicUsize::new(0)));
        let delay = Arc::new(Mutex::new(Duration::ZERO));
        let (served, counted, waited) = (keys.clone(), fetches.clone(), delay.clone());
        let app = axum::Router::new().route(
            "/jwks",
            axum::routing::get(move || {
                counted.fetch_add(1, Ordering::SeqCst);
                let body = served.lock().expect("the key set").clone();
                let delay = *waited.lock().expect("the delay");
                async move {
                    tokio::time::sleep(delay).await;
                    axum::Json(body)
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
        let url = format!("http://{}/jwks", listener.local_addr().expect("bound"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, keys, fetches, delay }
    }

    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

/// The portal's keys (`fixtures/portal-jwks.json`): `portal-rsa-1` (RS256) and `portal-ec-1`, an ES256 key that the
/// set publishes without `alg`, which RFC 7517 allows.
fn portal_keys(kids: &[&str]) -> Value {
    let all: Value = serde_json::from_str(include_str!("fixtures/portal-jwks.json")).expect("the key set");
    let keys: Vec<Value> = all["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .filter(|key| kids.contains(&key["kid"].as_str().unwrap_or("")))
        .cloned()
        .collect();
    json!({ "keys": keys })
}

fn portal_token(user: &str, kid: &str) -> String {
    portal_token_with(user, kid, |_| {})
}

/// A portal's token whose header `change` alters before it is signed.
fn portal_token_with(user: &str, kid: &str, change: impl FnOnce(&mut Header)) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_secs();
    let claims = json!({ "iss": PORTAL_ISSUER, "aud": AUDIENCE, "sub": user, "iat": now, "exp": now + 600 });
    let (algorithm, key) = match kid {
        "portal-ec-1" => (
            Algorithm::ES256,
            EncodingKey::from_ec_pem(include_bytes!("fixtures/es256-signing-key.pem")).expect("the EC key"),
        ),
        _ => (
            Algorithm::RS256,
            EncodingKey::from_rsa_pem(include_bytes!("fixtures/other-signing-key.pem")).expect("the RSA key"),
        ),
    };
    let mut header = Header::new(algorithm);
    header.kid = Some(kid.into());
    change(&mut header);
    jsonwebtoken::encode(&header, &claims, &key).expect("signed")
}

const PORTAL_ISSUER: &str = "https://login.portal.example/as";

/// The bearer identity of a portal whose identity provider is `keys`, with the default leeway and refetch interval.
fn portal_bearer(keys: &KeyServer) -> Identity {
    Identity::Bearer(Bearer {
        jwks_url: keys.url.clone(),
        issuer: PORTAL_ISSUER.into(),
        audience: AUDIENCE.into(),
        ..Bearer::default()
    })
}

#[tokio::test]
async fn es256_keys_verify_and_a_new_key_is_fetched_at_a_bounded_rate() {
    const REFETCH: Duration = Duration::from_secs(30);
    let keys = KeyServer::start(portal_keys(&["portal-rsa-1"])).await;
    let clock = Clock::set_at(SystemTime::now());
    let setup = start_on(clock.clone(), |_| {
        Identity::Bearer(Bearer {
            jwks_url: keys.url.clone(),
            issuer: PORTAL_ISSUER.into(),
            audience: AUDIENCE.into(),
            leeway_seconds: 30,
            jwks_refetch_seconds: REFETCH.as_secs(),
        })
    })
    .await;
    let user = setup.info.demo_user_id.clone();
    for _ in 0..3 {
        assert_eq!(setup.list_with_token(&portal_token(&user, "portal-rsa-1")).await.0, StatusCode::OK);
    }
    assert_eq!(keys.fetches(), 1, "the keys are fetched once and then cached");

    // The portal rotates in an ES256 key. Its first tokens come before the interval has passed: refused, and
    // neither they nor a flood of forged key ids reach the identity provider.
    *keys.keys.lock().expect("the key set") = portal_keys(&["portal-rsa-1", "portal-ec-1"]);
    assert_eq!(setup.list_with_token(&portal_token(&user, "portal-ec-1")).await.0, StatusCode::UNAUTHORIZED);
    for attempt in 0..20 {
        let forged = portal_token(&user, &format!("forged-{attempt}"));
        assert_eq!(setup.list_with_token(&forged).await.0, StatusCode::UNAUTHORIZED);
    }
    clock.advance(REFETCH - Duration::from_secs(1));
    assert_eq!(setup.list_with_token(&portal_token(&user, "portal-ec-1")).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(keys.fetches(), 1, "unknown key ids do not refetch within the interval");

    // Once the interval has passed, the next token with the new key fetches the keys again, once.
    clock.advance(Duration::from_secs(1));
    let (status, body) = setup.list_with_token(&portal_token(&user, "portal-ec-1")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["_embedded"]["devices"].is_array(), "{body}");
    assert_eq!(keys.fetches(), 2, "the new key was fetched once");
    assert_eq!(
        setup.list_with_token(&portal_token(&user, "portal-rsa-1")).await.0,
        StatusCode::OK,
        "the old key still works"
    );
    assert_eq!(setup.list_with_token(&portal_token(&user, "forged-again")).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(keys.fetches(), 2);
}

#[tokio::test]
async fn a_refetch_in_flight_holds_up_no_token_whose_key_is_known() {
    let keys = KeyServer::start(portal_keys(&["portal-rsa-1"])).await;
    let clock = Clock::set_at(SystemTime::now());
    let setup = start_on(clock.clone(), |_| portal_bearer(&keys)).await;
    let user = setup.info.demo_user_id.clone();
    assert_eq!(setup.list_with_token(&portal_token(&user, "portal-rsa-1")).await.0, StatusCode::OK);

    // The identity provider turns slow, and a token with an unknown key asks it for the keys again.
    *keys.delay.lock().expect("the delay") = Duration::from_secs(3);
    clock.advance(Duration::from_secs(Bearer::default().jwks_refetch_seconds));
    let unknown = {
        let request = setup.http.get(format!("{}/api/devices", setup.proxy));
        tokio::spawn(request.bearer_auth(portal_token(&user, "rotated-in")).send())
    };
    for _ in 0..200 {
        if keys.fetches() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(keys.fetches(), 2, "the unknown key refetched the keys");
    assert_eq!(setup.list_with_token(&portal_token(&user, "portal-rsa-1")).await.0, StatusCode::OK);
    assert!(!unknown.is_finished(), "a token with a known key was verified while the refetch was still in flight");
    let refused = unknown.await.expect("the task").expect("an answer");
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn concurrent_tokens_with_a_new_key_share_one_fetch_and_are_all_accepted() {
    let keys = KeyServer::start(portal_keys(&["portal-rsa-1"])).await;
    *keys.delay.lock().expect("the delay") = Duration::from_millis(300);
    let setup = start(|_| portal_bearer(&keys)).await;
    let user = setup.info.demo_user_id.clone();
    // A widget asks for its configuration and its list at once, with a token whose key nobody has fetched yet.
    let requests: Vec<_> = (0..5)
        .map(|_| {
            let request = setup.http.get(format!("{}/api/devices", setup.proxy));
            tokio::spawn(request.bearer_auth(portal_token(&user, "portal-rsa-1")).send())
        })
        .collect();
    for request in requests {
        assert_eq!(request.await.expect("the task").expect("an answer").status(), StatusCode::OK);
    }
    assert_eq!(keys.fetches(), 1, "one fetch served them all");
}

#[tokio::test]
async fn a_gateway_header_counts_only_with_the_shared_secret() {
    let setup = start(|_| {
        Identity::Header(mfa_enroll_proxy::Gateway {
            user_header: "X-Authenticated-User".into(),
            secret_header: "X-Gateway-Secret".into(),
            secret: GATEWAY_SECRET.to_owned().into(),
            ..Default::default()
        })
    })
    .await;
    let user = setup.info.demo_user_id.clone();
    let list = |secret: Option<&'static str>, user: &str| {
        let mut request = setup.http.get(format!("{}/api/devices", setup.proxy)).header("X-Authenticated-User", user);
        if let Some(secret) = secret {
            request = request.header("X-Gateway-Secret", secret);
        }
        request.send()
    };
    assert_eq!(list(Some(GATEWAY_SECRET), &user).await.expect("answer").status(), StatusCode::OK);
    assert_eq!(list(None, &user).await.expect("answer").status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        list(Some("a-gateway-secret-of-at-least-32-characterz"), &user).await.expect("answer").status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        list(Some(GATEWAY_SECRET), "../../environments").await.expect("answer").status(),
        StatusCode::UNAUTHORIZED
    );

    // PingOne writes user ids in lower case and answers 404 for another case: the proxy writes them its way.
    let shouted = list(Some(GATEWAY_SECRET), &user.to_uppercase()).await.expect("answer");
    assert_eq!(shouted.status(), StatusCode::OK);

    // Two of either header: which one counts is a question that a forger could answer differently.
    let twice = |name: &str, first: &str, second: &str| {
        let request = setup.http.get(format!("{}/api/devices", setup.proxy));
        let request = [("X-Authenticated-User", user.as_str()), ("X-Gateway-Secret", GATEWAY_SECRET)]
            .into_iter()
            .filter(|(header, _)| *header != name)
            .fold(request, |request, (header, value)| request.header(header, value));
        request.header(name, first).header(name, second).send()
    };
    let two_users = twice("X-Authenticated-User", &user, "00000000-0000-4000-8000-000000000000");
    assert_eq!(two_users.await.expect("answer").status(), StatusCode::UNAUTHORIZED);
    let two_secrets = twice("X-Gateway-Secret", GATEWAY_SECRET, GATEWAY_SECRET);
    assert_eq!(two_secrets.await.expect("answer").status(), StatusCode::UNAUTHORIZED, "even two right ones");
}

#[tokio::test]
async fn a_token_that_requires_an_unknown_extension_is_refused() {
    let keys = KeyServer::start(portal_keys(&["portal-rsa-1"])).await;
    let setup = start(|_| portal_bearer(&keys)).await;
    let user = setup.info.demo_user_id.clone();
    assert_eq!(setup.list_with_token(&portal_token(&user, "portal-rsa-1")).await.0, StatusCode::OK);
    // RFC 7515 §4.1.11: extensions named in `crit` must be understood, or the token refused.
    let critical = portal_token_with(&user, "portal-rsa-1", |header| header.crit = Some(vec!["exp-x".into()]));
    assert_eq!(setup.list_with_token(&critical).await.0, StatusCode::UNAUTHORIZED);
    let two_tokens = setup
        .http
        .get(format!("{}/api/devices", setup.proxy))
        .header("Authorization", format!("Bearer {}", portal_token(&user, "portal-rsa-1")))
        .header("Authorization", format!("Bearer {}", portal_token(&user, "portal-rsa-1")));
    assert_eq!(two_tokens.send().await.expect("answer").status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn identity_settings_are_checked_before_start() {
    let config = Config {
        identity: Identity::Header(mfa_enroll_proxy::Gateway {
            user_header: "bad header".into(),
            secret_header: "X-S".into(),
            secret: "short".to_owned().into(),
            ..Default::default()
        }),
        ..Config::default()
    };
    let problems = Proxy::start(config).await.err().expect("refused").to_string();
    assert!(problems.contains("identity.user_header") && problems.contains("identity.secret"), "{problems}");
}
