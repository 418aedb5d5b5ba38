//! `mfa-enroll-proxy doctor` against the simulator configured to fail each way that a real deployment can: each
//! failure is found, named, and given its fix, and the exit code is 0 only when every check holds.

mod support;

use std::process::Command;

use mfa_enroll_proxy::doctor::{Finding, Verdict, examine, healthy, report};
use mfa_enroll_proxy::{Bearer, Config, Identity, PingOne, TokenAuth, Upstream};
use pingone_simulator::StartupInfo;
use serde_json::json;
use testkit::Control;

fn config(info: &StartupInfo, change: impl FnOnce(&mut PingOne, &mut Bearer)) -> Config {
    let Upstream::PingOne(mut pingone) = support::upstream(info, TokenAuth::Basic) else { unreachable!() };
    let issuer = format!("{}/{}/as", info.auth_url, info.environment_id);
    let mut bearer = Bearer {
        jwks_url: format!("{issuer}/jwks"),
        issuer,
        audience: "https://api.pingone.com".into(),
        leeway_seconds: 30,
        jwks_refetch_seconds: 30,
    };
    change(&mut pingone, &mut bearer);
    Config { upstream: Upstream::PingOne(pingone), identity: Identity::Bearer(bearer), ..Config::default() }
}

/// The finding of `check`, which must be there.
fn finding<'a>(findings: &'a [Finding], check: &str) -> &'a Finding {
    findings.iter().find(|finding| finding.check == check).unwrap_or_else(|| panic!("no {check}: {findings:#?}"))
}

#[tokio::test]
async fn a_deployment_that_works_passes_every_check_and_says_what_it_found() {
    let info = support::standalone_simulator().await;
    let findings = examine(&config(&info, |_, _| {}), Some(&info.demo_user_id)).await;
    let text = report(&findings);
    assert!(healthy(&findings), "{text}");
    assert!(findings.iter().all(|finding| finding.verdict == Verdict::Ok), "{text}");
    for said in [
        "a worker token with CLIENT_SECRET_BASIC",
        "it reaches user",
        "pairs TOTP, SMS, VOICE, EMAIL, OATH_TOKEN",
        "up to 5 devices a person; voice extensions not kept",
        "1 key at",
        "every check holds",
    ] {
        assert!(text.contains(said), "{said} is not in\n{text}");
    }
}

#[tokio::test]
async fn wrong_credentials_and_the_wrong_auth_method_are_told_apart() {
    let info = support::standalone_simulator().await;
    let wrong_secret = config(&info, |pingone, _| pingone.client_secret = "not-the-secret".to_owned().into());
    let findings = examine(&wrong_secret, Some(&info.demo_user_id)).await;
    let credentials = finding(&findings, "worker credentials");
    assert_eq!(credentials.verdict, Verdict::Fail);
    assert!(credentials.fix.as_deref().is_some_and(|fix| fix.contains("client_id")), "{credentials:?}");
    assert!(!healthy(&findings));

    Control::at(&info.auth_url).put("access", json!({ "tokenAuthMethod": "CLIENT_SECRET_POST" })).await;
    let findings = examine(&config(&info, |_, _| {}), Some(&info.demo_user_id)).await;
    let credentials = finding(&findings, "worker credentials");
    assert_eq!(credentials.verdict, Verdict::Fail);
    assert!(credentials.found.contains("accepted with CLIENT_SECRET_POST"), "{credentials:?}");
    assert!(credentials.fix.as_deref().is_some_and(|fix| fix.contains("token_auth = \"post\"")), "{credentials:?}");
    let post = config(&info, |pingone, _| pingone.token_auth = TokenAuth::Post);
    assert!(healthy(&examine(&post, Some(&info.demo_user_id)).await));
}

#[tokio::test]
async fn a_worker_whose_role_does_not_reach_the_user_is_found_with_its_fix() {
    let info = support::standalone_simulator().await;
    let simulator = Control::at(&info.auth_url);
    simulator.put("access", json!({ "usersOutsideRole": [info.demo_user_id] })).await;
    let findings = examine(&config(&info, |_, _| {}), Some(&info.demo_user_id)).await;
    let role = finding(&findings, "worker's role");
    assert_eq!(role.verdict, Verdict::Fail, "{role:?}");
    assert!(role.found.contains("403 INSUFFICIENT_PERMISSIONS"), "{role:?}");
    assert!(role.fix.as_deref().is_some_and(|fix| fix.contains("Identity Data Admin")), "{role:?}");

    let stranger = examine(&config(&info, |_, _| {}), Some("00000000-0000-4000-8000-000000000000")).await;
    assert!(finding(&stranger, "worker's role").found.contains("(404)"));
    let nobody = examine(&config(&info, |_, _| {}), None).await;
    assert_eq!(finding(&nobody, "worker's role").verdict, Verdict::Warn, "not checked without --user");

    simulator.put("access", json!({ "workerReadsOnly": true })).await;
    let reader = examine(&config(&info, |_, _| {}), Some(&info.demo_user_id)).await;
    let role = finding(&reader, "worker's role");
    assert_eq!(role.verdict, Verdict::Fail, "a read-only role cannot enroll: {role:?}");
    assert!(role.found.contains("may not change them"), "{role:?}");
    simulator.put("access", json!({})).await;
    assert!(healthy(&examine(&config(&info, |_, _| {}), Some(&info.demo_user_id)).await), "fixed once reset");
}

#[tokio::test]
async fn the_policy_must_exist_and_pair_what_the_proxy_offers() {
    let info = support::standalone_simulator().await;
    let missing = config(&info, |pingone, _| pingone.policy_id = Some("6f1c7f38-0000-4000-8000-000000000000".into()));
    let findings = examine(&missing, None).await;
    assert_eq!(finding(&findings, "device policy").verdict, Verdict::Fail);
    assert!(finding(&findings, "device policy").found.contains("(404)"));

    let simulator = Control::at(&info.auth_url);
    simulator.put("policy", json!({ "totp": { "enabled": true } })).await;
    let findings = examine(&config(&info, |_, _| {}), None).await;
    let policy = finding(&findings, "device policy");
    assert_eq!(policy.verdict, Verdict::Warn, "{policy:?}");
    assert!(policy.found.contains("pairs TOTP, EMAIL, OATH_TOKEN, but not SMS, VOICE"), "{policy:?}");
    let unset = examine(&config(&info, |pingone, _| pingone.policy_id = None), None).await;
    assert_eq!(finding(&unset, "device policy").verdict, Verdict::Warn);
}

#[tokio::test]
async fn an_unreachable_tenant_and_a_wrong_identity_are_found() {
    let info = support::standalone_simulator().await;
    let Upstream::PingOne(unreachable) = support::unreachable_upstream() else { unreachable!() };
    let findings = examine(&config(&info, |pingone, _| *pingone = unreachable), None).await;
    assert_eq!(finding(&findings, "region and URLs").verdict, Verdict::Fail);
    assert!(finding(&findings, "region and URLs").fix.as_deref().is_some_and(|fix| fix.contains("region")));

    let no_keys = config(&info, |_, bearer| bearer.jwks_url = "http://127.0.0.1:9/jwks".into());
    let findings = examine(&no_keys, None).await;
    assert_eq!(finding(&findings, "identity").verdict, Verdict::Fail);
    let other_issuer = config(&info, |_, bearer| bearer.issuer = "https://auth.example.com/as".into());
    let findings = examine(&other_issuer, None).await;
    assert_eq!(finding(&findings, "identity").verdict, Verdict::Warn);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_exits_with_0_only_when_every_check_holds() {
    let info = support::standalone_simulator().await;
    let dir = std::env::temp_dir().join(format!("doctor-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a directory");
    let toml = format!(
        r#"
[upstream]
kind = "pingone"
api_url = "{api}"
auth_url = "{auth}"
environment_id = "{env}"
client_id = "{client}"
policy_id = "{policy}"
[identity]
mode = "bearer"
jwks_url = "{auth}/{env}/as/jwks"
issuer = "{auth}/{env}/as"
audience = "https://api.pingone.com"
"#,
        api = info.api_url,
        auth = info.auth_url,
        env = info.environment_id,
        client = info.client_id,
        policy = info.policy_id,
    );
    let file = dir.join("proxy.toml");
    std::fs::write(&file, toml).expect("written");
    // The doctor runs as a process of its own while the simulator answers on this test's runtime.
    let run = |secret: &str| {
        let mut doctor = Command::new(env!("CARGO_BIN_EXE_mfa-enroll-proxy"));
        doctor.args(["doctor", "--config"]).arg(&file).args(["--user", &info.demo_user_id]);
        doctor.env("MFA_ENROLL_CLIENT_SECRET", secret);
        tokio::task::spawn_blocking(move || doctor.output().expect("the doctor runs"))
    };
    let good = run(&info.client_secret).await.expect("ran");
    let text = String::from_utf8_lossy(&good.stdout).into_owned();
    assert!(good.status.success(), "{text}{}", String::from_utf8_lossy(&good.stderr));
    assert!(text.contains("every check holds"), "{text}");
    let bad = run("not-the-secret").await.expect("ran");
    let text = String::from_utf8_lossy(&bad.stdout).into_owned();
    assert_eq!(bad.status.code(), Some(1), "{text}");
    assert!(text.contains("FAIL worker credentials"), "{text}");
    assert!(!text.contains("not-the-secret") && !text.contains(&info.client_secret), "no secret is printed");
    std::fs::remove_dir_all(dir).ok();
}
