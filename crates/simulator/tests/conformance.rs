//! Replays each example request of PingOne's documentation pages in `../shared/reference/seeds/` against the
//! simulator: it must answer with the same status, and a body with the same fields of the same JSON types. Ids,
//! dates and the other values differ, and the pages' placeholders (`{{envID}}`, `{{phone}}`, …) are filled in
//! with the simulator's own.

mod support;

use std::path::PathBuf;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{Sim, hotp_at};

/// One documented example: the request as the page's curl command sends it, and the answer the page shows.
struct Example {
    page: String,
    path: String,
    content_type: String,
    body: String,
    status: u16,
    response: Value,
}

fn seeds_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/seeds");
    assert!(dir.is_dir(), "the seed pages are missing at {}: ../shared must sit beside the project", dir.display());
    dir
}

fn examples() -> Vec<Example> {
    let mut pages: Vec<PathBuf> = std::fs::read_dir(seeds_dir())
        .expect("the seeds folder")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "txt"))
        .collect();
    pages.sort();
    assert_eq!(pages.len(), 5, "five seed pages");
    pages.iter().map(parse).collect()
}

/// Reads the curl example and the example response of one page.
fn parse(page: &PathBuf) -> Example {
    let text = std::fs::read_to_string(page).expect("a readable page");
    let name = page.file_name().expect("a name").to_string_lossy().into_owned();
    let curl = text.find("curl --location").unwrap_or_else(|| panic!("{name} has no curl example"));
    let curl = &text[curl..];
    let url = between(curl, "--globoff '", "'").expect("the curl URL");
    let path = url.trim_start_matches("{{apiPath}}").trim_start_matches("/v1").to_owned();
    let content_type = between(curl, "--header 'Content-Type: ", "'").expect("the content type").to_owned();
    let body = between(curl, "--data '", "'").expect("the curl body").to_owned();
    let response_at = text.rfind("Example Response").expect("an example response");
    let response = &text[response_at..];
    let status_line = response
        .lines()
        .map(str::trim)
        .find(|line| line.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .expect("a status line");
    let status = status_line[..3].parse().expect("a status code");
    let json_start = response.find('{').expect("a JSON response");
    let response = serde_json::Deserializer::from_str(&response[json_start..])
        .into_iter::<Value>()
        .next()
        .expect("JSON")
        .expect("valid JSON");
    Example { page: name, path, content_type, body, status, response }
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let to = text[from..].find(end)? + from;
    Some(&text[from..to])
}

/// The fields of `documented` that `actual` lacks or has with another JSON type, and the fields it adds.
fn shape_differences(documented: &Value, actual: &Value, at: &str, found: &mut Vec<String>) {
    match (documented, actual) {
        (Value::Object(expected), Value::Object(got)) => {
            for (key, value) in expected {
                match got.get(key) {
                    Some(other) => shape_differences(value, other, &format!("{at}.{key}"), found),
                    None => found.push(format!("{at}.{key} is missing")),
                }
            }
            for key in got.keys().filter(|key| !expected.contains_key(*key)) {
                found.push(format!("{at}.{key} is not in the documented answer"));
            }
        }
        (Value::Array(expected), Value::Array(got)) => {
            if let (Some(first), Some(other)) = (expected.first(), got.first()) {
                shape_differences(first, other, &format!("{at}[0]"), found);
            }
        }
        (expected, got) if std::mem::discriminant(expected) != std::mem::discriminant(got) => {
            found.push(format!("{at} is {got} where the page shows {expected}"));
        }
        _ => {}
    }
}

#[tokio::test]
async fn every_documented_example_replays_with_the_same_status_and_shape() {
    let sim = Sim::start().await;
    // The pages' OATH token, and a drifted token whose activation asks for a resync as on the OATH page.
    let inventory = [
        json!({ "serialNumber": "23087347003972", "secret": "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "tokenType": "HOTP", "digits": 6 }),
        json!({ "serialNumber": "DRIFTED-0001", "secret": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "tokenType": "HOTP", "digits": 8 }),
    ];
    for token in inventory {
        assert_eq!(sim.control(Method::POST, "oath-tokens", Some(token)).await.status, StatusCode::CREATED);
    }
    let drifted = sim
        .create(json!({ "type": "OATH_TOKEN", "serialNumber": "DRIFTED-0001", "status": "ACTIVATION_REQUIRED" }))
        .await;
    let drifted_id = drifted.body["id"].as_str().expect("an id").to_owned();
    let drifted_code = hotp_at("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", 40, 8);

    let examples = examples();
    let mut failures = Vec::new();
    for example in &examples {
        let path = fill(&example.path, &sim, &drifted_id);
        let body = fill(&example.body, &sim, &drifted_id).replace("71053192", &drifted_code);
        let response = sim
            .http
            .post(format!("{}{path}", sim.info.api_url))
            .bearer_auth(&sim.token)
            .header("Content-Type", &example.content_type)
            .body(body)
            .send()
            .await
            .expect("an answer");
        let status = response.status().as_u16();
        let answer: Value = response.json().await.expect("a JSON answer");
        if status != example.status {
            failures
                .push(format!("{}: status {status} where the page shows {}: {answer}", example.page, example.status));
            continue;
        }
        let mut differences = Vec::new();
        shape_differences(&example.response, &answer, "", &mut differences);
        failures.extend(differences.into_iter().map(|difference| format!("{}: {difference}", example.page)));
    }
    assert!(failures.is_empty(), "the simulator differs from the documented examples:\n{}", failures.join("\n"));
}

/// The pages' placeholders, filled with the simulator's values.
fn fill(text: &str, sim: &Sim, device_id: &str) -> String {
    let mut filled = text
        .replace("{{envID}}", &sim.info.environment_id)
        .replace("{{deviceID}}", device_id)
        .replace("{{phone}}", "+15125550101")
        .replace("{{deviceAuthPolicyID}}", &sim.info.policy_id);
    for user in ["{{userID}}", "{{mfaUserID}}", "{{MFAUserID}}", "{{sharedUserID}}"] {
        filled = filled.replace(user, &sim.info.demo_user_id);
    }
    assert!(!filled.contains("{{"), "a placeholder is left in {filled}");
    filled
}

#[test]
fn the_seed_pages_are_read_as_documented() {
    let examples = examples();
    let statuses: Vec<u16> = examples.iter().map(|example| example.status).collect();
    assert_eq!(statuses, [201, 201, 400, 201, 201]);
    assert_eq!(examples[2].response["details"][0]["code"], "EXTRA_OTP_REQUIRED");
    assert_eq!(examples[2].content_type, "application/vnd.pingidentity.device.activate+json");
}
