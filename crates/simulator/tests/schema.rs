//! Every kind of answer the simulator gives on the devices API, successes and errors alike, validates against the
//! matching response schema of the OpenAPI description in `../shared/reference/pingone-mfa-openapi.yaml`.

mod support;

use std::path::PathBuf;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{REORDER, RESEND, Sim};

const DEVICES: &str = "/environments/{environmentID}/users/{userID}/devices";
const DEVICE: &str = "/environments/{environmentID}/users/{userID}/devices/{deviceID}";
const NICKNAME: &str = "/environments/{environmentID}/users/{userID}/devices/{deviceID}/nickname";

fn spec() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/pingone-mfa-openapi.yaml");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}; ../shared must sit beside the project", path.display()));
    serde_yaml::from_str(&text).expect("the OpenAPI description parses")
}

/// The schema for an answer: the operation's response for this status, or else for the same class of status
/// (the description lists 200 where PingOne answers 201 or 204, and no 415).
fn schema_for(spec: &Value, path: &str, method: &str, status: StatusCode) -> Value {
    let responses = &spec["paths"][path][method]["responses"];
    let declared = responses.as_object().unwrap_or_else(|| panic!("no responses for {method} {path}"));
    let code = status.as_str();
    let response = declared
        .get(code)
        .or_else(|| declared.iter().find(|(other, _)| other.starts_with(&code[..1])).map(|(_, response)| response))
        .unwrap_or_else(|| panic!("{method} {path} declares nothing like {code}"));
    // Successes are declared as `application/json: {}`: any JSON body.
    let schema = match &response["content"]["application/json"]["schema"] {
        Value::Null => Value::Bool(true),
        schema => schema.clone(),
    };
    // References resolve against the description's components, carried along in the root.
    json!({ "allOf": [schema], "components": spec["components"] })
}

#[tokio::test]
async fn every_kind_of_answer_matches_the_openapi_description() {
    let spec = spec();
    let sim = Sim::start().await;
    let mut checked = Vec::new();
    let mut check = |path: &str, method: &str, status: StatusCode, body: &Value| {
        let schema = schema_for(&spec, path, method, status);
        let validator = jsonschema::draft7::new(&schema).expect("the schema compiles");
        let problems: Vec<String> = validator.iter_errors(body).map(|error| error.to_string()).collect();
        assert!(problems.is_empty(), "{method} {path} {status}: {body} does not match: {problems:?}");
        checked.push(format!("{method} {status}"));
    };

    let created = sim.create(json!({ "type": "SMS", "phone": "+15125201234", "status": "ACTIVATION_REQUIRED" })).await;
    check(DEVICES, "post", created.status, &created.body);
    let id = created.body["id"].as_str().expect("an id").to_owned();
    let totp = sim.create(json!({ "type": "TOTP", "status": "ACTIVE" })).await;
    check(DEVICES, "post", totp.status, &totp.body);
    let refused = sim.create(json!({ "type": "SMS", "phone": "x" })).await;
    check(DEVICES, "post", refused.status, &refused.body);
    let list = sim.list("").await;
    check(DEVICES, "get", list.status, &list.body);
    let reordered =
        sim.call(Method::POST, "", Some(REORDER), Some(json!({ "order": [{ "id": totp.body["id"] }] }))).await;
    check(DEVICES, "post", reordered.status, &reordered.body);

    let read = sim.call(Method::GET, &format!("/{id}"), None, None).await;
    check(DEVICE, "get", read.status, &read.body);
    let wrong = sim.activate(&id, json!({ "otp": "00000000" })).await;
    check(DEVICE, "post", wrong.status, &wrong.body);
    let resent = sim.call(Method::POST, &format!("/{id}"), Some(RESEND), None).await;
    check(DEVICE, "post", resent.status, &resent.body);
    let code =
        sim.outbox().await.last().and_then(|message| message["otp"].as_str().map(str::to_owned)).expect("a code");
    let activated = sim.activate(&id, json!({ "otp": code })).await;
    check(DEVICE, "post", activated.status, &activated.body);
    let unsupported = sim.call(Method::POST, &format!("/{id}"), Some("text/plain"), None).await;
    check(DEVICE, "post", unsupported.status, &unsupported.body);
    let renamed = sim
        .call(Method::PUT, &format!("/{id}/nickname"), Some("application/json"), Some(json!({ "nickname": "Phone" })))
        .await;
    check(NICKNAME, "put", renamed.status, &renamed.body);
    let missing = sim.call(Method::DELETE, "/1c41a471-3195-4edf-90fd-f9283028ab1a", None, None).await;
    check(DEVICE, "delete", missing.status, &missing.body);
    let unauthenticated = Sim { token: "not-a-token".into(), ..sim };
    let refused = unauthenticated.list("").await;
    check(DEVICES, "get", refused.status, &refused.body);
    let sim = Sim { token: unauthenticated.new_token().await, ..unauthenticated };
    sim.control(Method::PUT, "faults", Some(json!({ "requestsPerSecond": 1 }))).await;
    let limited = loop {
        let answer = sim.list("").await;
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            break answer;
        }
    };
    check(DEVICES, "get", limited.status, &limited.body);
    assert_eq!(checked.len(), 14, "{checked:?}");
}

#[test]
fn an_answer_that_breaks_the_error_schema_is_caught() {
    let spec = spec();
    let schema = schema_for(&spec, DEVICES, "get", StatusCode::BAD_REQUEST);
    let validator = jsonschema::draft7::new(&schema).expect("the schema compiles");
    assert!(validator.is_valid(&json!({ "id": "x", "code": "INVALID_DATA", "message": "m" })));
    assert!(!validator.is_valid(&json!({ "id": 7, "code": "INVALID_DATA" })));
    assert!(!validator.is_valid(&json!({ "code": "X", "details": [{ "innerError": { "maximumValue": "five" } }] })));
}
