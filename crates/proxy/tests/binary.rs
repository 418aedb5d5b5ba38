//! The `mfa-enroll-proxy` program: settings from TOML, environment and flags, `--check-config`, and a clean exit on
//! SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const PROXY: &str = env!("CARGO_BIN_EXE_mfa-enroll-proxy");

fn check(toml: &str, environment: &[(&str, &str)]) -> (bool, String) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let file = dir.path().join("proxy.toml");
    std::fs::write(&file, toml).expect("written");
    let mut command = Command::new(PROXY);
    command.arg("--config").arg(&file).arg("--check-config").env_remove("MFA_ENROLL_CLIENT_SECRET");
    for (name, value) in environment {
        command.env(name, value);
    }
    let output = command.output().expect("the proxy runs");
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), text)
}

const PINGONE: &str = r#"
allowed_types = ["TOTP", "SMS"]
[upstream]
kind = "pingone"
region = "eu"
environment_id = "abfba8f6-49eb-49f5-a5d9-80ad5c98f9f6"
client_id = "5f9c1bd7-2c3b-4c51-9a0e-6d1b0c2b7f10"
[identity]
mode = "bearer"
jwks_url = "https://auth.pingone.eu/abfba8f6-49eb-49f5-a5d9-80ad5c98f9f6/as/jwks"
issuer = "https://auth.pingone.eu/abfba8f6-49eb-49f5-a5d9-80ad5c98f9f6/as"
audience = "https://api.pingone.com"
"#;

#[test]
fn a_complete_pingone_configuration_checks_out_with_the_secret_from_the_environment() {
    let (valid, text) = check(PINGONE, &[("MFA_ENROLL_CLIENT_SECRET", "from-the-environment")]);
    assert!(valid, "{text}");
    assert!(text.contains("the configuration is valid"));
    let (valid, text) = check(PINGONE, &[]);
    assert!(!valid && text.contains("MFA_ENROLL_CLIENT_SECRET"), "{text}");
}

#[test]
fn the_secret_comes_from_a_file_too_but_never_from_a_flag() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let secret_file = dir.path().join("client-secret");
    std::fs::write(&secret_file, "from-a-file\n").expect("written");
    let with_file = PINGONE.replace("[identity]", &format!("client_secret_file = {secret_file:?}\n[identity]"));
    let (valid, text) = check(&with_file, &[]);
    assert!(valid, "{text}");
    let missing = PINGONE.replace("[identity]", "client_secret_file = \"/nonexistent/secret\"\n[identity]");
    let (valid, text) = check(&missing, &[]);
    assert!(!valid && text.contains("upstream.client_secret_file"), "{text}");

    let output = Command::new(PROXY).args(["--client-secret", "on-the-command-line", "--check-config"]).output();
    let output = output.expect("the proxy runs");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("unexpected argument"), "a secret flag is refused");
}

#[test]
fn every_problem_is_reported_and_a_secret_in_the_file_is_refused() {
    let toml = r#"
allowed_types = ["TOTP", "FAX"]
[upstream]
kind = "pingone"
region = "mars"
client_secret = "never-here"
[identity]
mode = "demo"
"#;
    let (valid, text) = check(toml, &[]);
    assert!(!valid);
    assert!(text.contains("client_secret"), "a secret in the file is an unknown field: {text}");
    let toml = r#"
allowed_types = ["TOTP", "FAX"]
frame_ancestors = "*; script-src *"
[upstream]
kind = "pingone"
region = "mars"
[identity]
mode = "demo"
"#;
    let (valid, text) = check(toml, &[]);
    assert!(!valid);
    for setting in [
        "allowed_types",
        "upstream.region",
        "upstream.environment_id",
        "upstream.client_id",
        "identity",
        "frame_ancestors",
    ] {
        assert!(text.contains(setting), "{setting} is not reported: {text}");
    }
}

#[test]
fn environment_variables_override_the_file() {
    let (valid, text) = check(PINGONE, &[("MFA_ENROLL_CLIENT_SECRET", "s"), ("MFA_ENROLL_IDENTITY__MODE", "header")]);
    assert!(!valid);
    assert!(text.contains("identity.user_header") && text.contains("MFA_ENROLL_GATEWAY_SECRET"), "{text}");
}

#[test]
fn the_demo_serves_and_stops_cleanly_on_sigterm() {
    let mut child = Command::new(PROXY)
        .args(["--listen", "127.0.0.1:0"])
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the proxy starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("the first line");
    let url = line.trim().rsplit(' ').next().expect("a URL").to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    let health = get_text(&format!("{url}healthz"));
    assert_eq!(health.as_deref(), Ok("ok"));
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill runs");
    assert!(status.success());
    assert!(child.wait().expect("the proxy exits").success(), "a clean exit on SIGTERM");
}

#[test]
fn a_closed_standard_output_does_not_stop_the_proxy() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
    let mut child = Command::new(PROXY)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the proxy starts");
    // A supervisor that stops reading before the proxy says where it listens.
    drop(child.stdout.take());
    let url = format!("http://127.0.0.1:{port}/healthz");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let health = loop {
        match get_text(&url) {
            Ok(health) => break health,
            Err(_) if std::time::Instant::now() < deadline => {
                assert!(child.try_wait().expect("its state").is_none(), "the proxy ended when its output closed");
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Err(error) => panic!("never served: {error}"),
        }
    };
    assert_eq!(health, "ok");
    child.kill().ok();
    child.wait().ok();
}

/// A GET on a runtime of its own, for a test that drives a child process.
fn get_text(url: &str) -> Result<String, String> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let response = reqwest::get(url).await.map_err(|e| e.to_string())?;
        response.text().await.map_err(|e| e.to_string())
    })
}
