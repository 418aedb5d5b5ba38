//! Where PingOne's documentation is silent, the simulator offers each plausible answer (its `variants`); the widget's
//! own reading of answers (its wire types, the default device, what a refused code means) is run here through the
//! real proxy against every one of them. No browser: the reading is the same Rust that the widget runs.

use devices_api::{DeviceList, ErrorBody};
use e2e::totp_at;
use mfa_enroll_proxy::{Config, Proxy};
use mfa_enroll_widget::error::ApiError;
use mfa_enroll_widget::flows::{CodeProblem, after_refusal, needs_device_read, problem_of};
use pingone_simulator::Fixture;
use pingone_simulator::settings::{CodeRefusal, Variants};
use reqwest::StatusCode;
use serde_json::{Value, json};
use testkit::Control;

const ACTIVATE: &str = "application/vnd.pingidentity.device.activate+json";
const RESEND: &str = "application/vnd.pingidentity.device.sendActivationCode+json";
const REORDER: &str = "application/vnd.pingidentity.devices.reorder+json";

struct Stack {
    api: String,
    sim: Control,
    http: reqwest::Client,
    user: String,
}

impl Stack {
    async fn start(variants: Variants) -> Self {
        let mut config = Config::default();
        let generous =
            mfa_enroll_proxy::Rate { per_user: 1000, per_address: 1000, window: std::time::Duration::from_secs(60) };
        config.limits = mfa_enroll_proxy::Limits {
            create: generous,
            create_phone: generous,
            activate: generous,
            resend: generous,
            read: generous,
            change: generous,
        };
        let proxy = Proxy::start(config).await.expect("the proxy starts");
        let sim = Control::at(proxy.simulator_url().expect("the embedded simulator"));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
        let api = format!("http://{}/api", listener.local_addr().expect("bound"));
        tokio::spawn(proxy.serve(listener, std::future::pending()));
        sim.put("variants", serde_json::to_value(variants).expect("JSON")).await;
        sim.put("settings", json!({ "maxAllowedDevices": 15 })).await;
        let user = Fixture::demo().demo_user_id;
        Self { api, sim, http: reqwest::Client::new(), user }
    }

    async fn send(&self, method: reqwest::Method, path: &str, body: Option<(&str, Value)>) -> testkit::Answer {
        let mut request = self.http.request(method, format!("{}{path}", self.api));
        if let Some((content_type, body)) = body {
            request = request.header("Content-Type", content_type).body(body.to_string());
        }
        testkit::send(request).await
    }

    /// The list as the widget reads it.
    async fn list(&self) -> DeviceList {
        let answer = self.send(reqwest::Method::GET, "/devices", None).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        serde_json::from_value(answer.body).expect("the widget reads every list")
    }

    async fn create(&self, body: Value) -> Value {
        let answer = self.send(reqwest::Method::POST, "/devices", Some(("application/json", body))).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
        answer.body
    }

    async fn last_code(&self) -> String {
        let outbox = self.sim.outbox(Some(&self.user)).await;
        outbox.last().expect("a code was sent")["otp"].as_str().expect("a code").to_owned()
    }

    /// An activation as the widget makes it: a refused code is followed by a read of the device.
    async fn activate(&self, device_id: &str, otp: &str) -> Result<devices_api::Device, ApiError> {
        let path = format!("/devices/{device_id}");
        let answer = self.send(reqwest::Method::POST, &path, Some((ACTIVATE, json!({ "otp": otp })))).await;
        if answer.status.is_success() {
            return Ok(serde_json::from_value(answer.body).expect("a device"));
        }
        let refused = match serde_json::from_value::<ErrorBody>(answer.body) {
            Ok(body) => ApiError::Server { status: answer.status.as_u16(), body },
            Err(_) => ApiError::Status(answer.status.as_u16()),
        };
        if !needs_device_read(&refused) {
            return Err(refused);
        }
        let device = self.list().await.embedded.devices.into_iter().find(|device| device.id == device_id);
        after_refusal(refused, device)
    }

    async fn enroll_email(&self, email: &str) -> String {
        let device = self.create(json!({ "type": "EMAIL", "email": email })).await;
        let id = device["id"].as_str().expect("an id").to_owned();
        self.activate(&id, &self.last_code().await).await.expect("activated");
        id
    }

    async fn seed(&self, body: Value) -> String {
        let seeded = self.sim.post(&format!("users/{}/devices", self.user), body).await;
        seeded["id"].as_str().expect("an id").to_owned()
    }

    async fn reorder(&self, ids: &[&str]) {
        let order: Vec<Value> = ids.iter().map(|id| json!({ "id": id })).collect();
        let answer = self.send(reqwest::Method::POST, "/devices", Some((REORDER, json!({ "order": order })))).await;
        assert!(answer.status.is_success(), "{}", answer.body);
    }
}

fn wrong(code: &str) -> String {
    code.chars().map(|digit| if digit == '9' { '0' } else { char::from(digit as u8 + 1) }).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widget_reads_every_variant_of_what_pingone_leaves_unsaid() {
    for (name, variants) in Variants::each() {
        let stack = Stack::start(variants).await;
        let detailed = variants.code_refusal == CodeRefusal::Detailed;

        // The default: the first activated, then the one the person picks, never a blocked one; every type listed.
        let first = stack.enroll_email("first@example.com").await;
        let second = stack.enroll_email("second@example.com").await;
        let blocked = stack.seed(json!({ "type": "MOBILE", "blocked": true })).await;
        for device_type in ["FIDO2", "WHATSAPP", "PINGID_DESKTOP_GEN2"] {
            stack.seed(json!({ "type": device_type })).await;
        }
        let list = stack.list().await;
        assert_eq!(list.embedded.devices.len(), 6, "{name}");
        assert_eq!(list.default_id(), Some(first.as_str()), "{name}: by activation time");
        stack.reorder(&[&second, &first]).await;
        assert_eq!(stack.list().await.default_id(), Some(second.as_str()), "{name}: the one picked");
        stack.reorder(&[&blocked, &first]).await;
        assert_eq!(stack.list().await.default_id(), Some(first.as_str()), "{name}: never a blocked one");

        // Wrong codes to a sent code: said as wrong, with the tries left only when the server says them.
        let pending = stack.create(json!({ "type": "EMAIL", "email": "third@example.com" })).await;
        let pending = pending["id"].as_str().expect("an id").to_owned();
        let code = stack.last_code().await;
        for left in [2, 1, 0] {
            let problem = problem_of(stack.activate(&pending, &wrong(&code)).await.expect_err("wrong"));
            let expected = match (detailed, left) {
                (true, 0) => CodeProblem::Expired,
                (true, left) => CodeProblem::Wrong { attempts_left: Some(left) },
                (false, _) => CodeProblem::Wrong { attempts_left: None },
            };
            assert_eq!(problem, expected, "{name}: {left} left");
        }
        let spent = problem_of(stack.activate(&pending, &code).await.expect_err("spent"));
        let expected = if detailed { CodeProblem::Expired } else { CodeProblem::Wrong { attempts_left: None } };
        assert_eq!(spent, expected, "{name}: the spent code");
        let resent = stack.send(reqwest::Method::POST, &format!("/devices/{pending}"), Some((RESEND, json!({})))).await;
        assert!(resent.status.is_success(), "{name}: {}", resent.body);
        stack.activate(&pending, &stack.last_code().await).await.expect("a new code activates");

        // An authenticator app locks for PingOne's 2 minutes: learned from the device, in every variant.
        let totp = stack.create(json!({ "type": "TOTP" })).await;
        let (totp, secret) = (totp["id"].as_str().expect("id"), totp["secret"].as_str().expect("secret"));
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("now").as_secs();
        for _ in 0..3 {
            stack.activate(totp, &totp_at(secret, now - 3600)).await.expect_err("stale");
        }
        let locked = problem_of(stack.activate(totp, &totp_at(secret, now)).await.expect_err("locked"));
        assert!(matches!(locked, CodeProblem::Locked { until: Some(_) }), "{name}: {locked:?}");

        // A code whose answer was lost, sent again: the device is active, whatever PingOne answers the second time.
        let lost = stack.create(json!({ "type": "EMAIL", "email": "fourth@example.com" })).await;
        let lost = lost["id"].as_str().expect("an id").to_owned();
        let code = stack.last_code().await;
        stack.sim.put("faults", json!({ "loseNext": 1 })).await;
        stack.activate(&lost, &code).await.expect_err("the answer is lost");
        let again = stack.activate(&lost, &code).await.expect("active after all");
        assert_eq!(again.status, devices_api::DeviceStatus::Active, "{name}");
    }
}
