//! What the tests of the proxy, the simulator and the end-to-end suite share: an HTTP answer read whole, and the
//! simulator's control API under `/sim/`. Tests only: it panics, with the reason, on anything a test did not
//! expect, such as no answer at all.

use reqwest::header::HeaderMap;
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::Value;

/// An answer: its status, its headers and its JSON body (`Null` when there is none).
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Answer {
    /// The first detail's code of an error answer, such as `INVALID_OTP`; empty when there is none.
    pub fn detail(&self) -> &str {
        self.body["details"][0]["code"].as_str().unwrap_or_default()
    }
}

/// Sends `request` and reads its answer whole; a body that is not JSON fails the test.
pub async fn send(request: RequestBuilder) -> Answer {
    let response = request.send().await.expect("an answer");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("a body");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or_else(|_| panic!("a JSON body: {}", String::from_utf8_lossy(&bytes)))
    };
    Answer { status, headers, body }
}

/// Sends `request` and reads the JSON body of its success; anything else fails the test.
pub async fn json(request: RequestBuilder) -> Value {
    let answer = send(request).await;
    assert!(answer.status.is_success(), "{}: {}", answer.status, answer.body);
    answer.body
}

/// The control API of a simulator at `base` (its auth base URL), which tests use to seed users, move the clock,
/// inject faults and read what was sent.
#[derive(Clone)]
pub struct Control {
    base: String,
    http: reqwest::Client,
}

impl Control {
    pub fn at(base: &str) -> Self {
        Self { base: base.trim_end_matches('/').to_owned(), http: reqwest::Client::new() }
    }

    /// `{method} /sim/{path}` with an optional JSON body, answered whatever its status.
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        let mut request = self.http.request(method, format!("{}/sim/{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        send(request).await
    }

    /// `GET /sim/{path}`, read as JSON.
    pub async fn get(&self, path: &str) -> Value {
        json(self.http.get(format!("{}/sim/{path}", self.base))).await
    }

    /// `PUT /sim/{path}` with a JSON body, such as `faults`, `clock`, `policy` or `settings`.
    pub async fn put(&self, path: &str, body: Value) -> Value {
        json(self.http.put(format!("{}/sim/{path}", self.base)).json(&body)).await
    }

    /// `POST /sim/{path}` with a JSON body, such as `users` or `users/{id}/tokens`.
    pub async fn post(&self, path: &str, body: Value) -> Value {
        json(self.http.post(format!("{}/sim/{path}", self.base)).json(&body)).await
    }

    /// `DELETE /sim/{path}`, such as `tokens`.
    pub async fn delete(&self, path: &str) -> Answer {
        self.call(Method::DELETE, path, None).await
    }

    /// The codes the simulator has sent, oldest first; to `user` only when one is named.
    pub async fn outbox(&self, user: Option<&str>) -> Vec<Value> {
        let path = match user {
            Some(user) => format!("outbox?userId={user}"),
            None => "outbox".to_owned(),
        };
        self.get(&path).await.as_array().expect("the outbox is a list").clone()
    }

    /// A new user named `username`; returns the user's id.
    pub async fn new_user(&self, username: &str) -> String {
        let user = self.post("users", serde_json::json!({ "username": username })).await;
        user["id"].as_str().expect("a user id").to_owned()
    }

    /// The requests that the simulator has answered, oldest first.
    pub async fn requests(&self) -> Vec<Value> {
        self.get("requests").await.as_array().expect("the requests are a list").clone()
    }
}

/// Log lines written to memory, for a test that reads what the proxy logged: clones share the buffer.
#[derive(Clone, Default)]
pub struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Captured {
    /// Everything written so far, as text.
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().expect("the log buffer").clone()).expect("UTF-8 logs")
    }
}

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("the log buffer").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
