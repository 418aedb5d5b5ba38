//! `cargo xtask soak [PEOPLE] [ROUNDS]`: many people enroll at once, round after round, through several replicas of the built proxy that share a
//! real `redis-server`, while the simulator fails calls, drops connections before and after their work, answers
//! slower than the proxy's timeout for a stretch, and ends and revokes worker tokens; Redis is killed and started
//! again in the middle. Then it counts, from the simulator's own devices and outbox against what each client
//! believes: lost, duplicated and half-made devices, messages per delivered enrollment, people refused by limits
//! they did not cause, and each replica's memory over the run.
//!
//! Each person acts as the widget does: one `Idempotency-Key` per create, sent again with the same create after no
//! answer or a failed one; a code typed once, sent again after no answer; a resend asked for by one in ten.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use testkit::Control;
use tokio::sync::Mutex;

const REPLICAS: usize = 3;
const GATEWAY_SECRET: &str = "soak-gateway-secret-0123456789abcdef";
const TYPES: [&str; 5] = ["SMS", "VOICE", "EMAIL", "TOTP", "OATH_TOKEN"];
/// The proxy gives up on PingOne after this long; the slow stretch answers later than it.
const PROXY_TIMEOUT_SECONDS: u64 = 2;
/// How many times a person tries one step before giving up, as a patient person would.
const ATTEMPTS: u32 = 12;
/// Every person enrolls every type once a round, a round starting every this long; the incidents happen in the
/// first three.
const ROUND_EVERY: Duration = Duration::from_secs(10);

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let people: usize = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(200);
    let rounds: usize = std::env::args().nth(2).and_then(|n| n.parse().ok()).unwrap_or(4);
    let proxy_binary = std::env::var("SOAK_PROXY").expect("SOAK_PROXY names the built proxy binary");
    let work = tempfile_dir();

    let simulator_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let simulator_url = format!("http://{}", simulator_listener.local_addr().expect("bound"));
    let simulator = pingone_simulator::Simulator::demo();
    let info = simulator.startup_info(&simulator_url);
    tokio::spawn(pingone_simulator::serve(simulator_listener, simulator, std::future::pending()));
    let control = Control::at(&simulator_url);

    let mut redis = Redis::start(&work);
    let config = work.join("proxy.toml");
    std::fs::write(&config, proxy_config(&info, &redis.url, rounds)).expect("the proxy's configuration is written");
    let mut replicas: Vec<Replica> = (0..REPLICAS).map(|_| Replica::start(&proxy_binary, &config, &info)).collect();
    let bases: Arc<Vec<String>> = Arc::new(replicas.iter().map(|replica| replica.base.clone()).collect());

    let mut persons = Vec::with_capacity(people);
    for index in 0..people {
        let user_id = control.new_user(&format!("soak-{index}")).await;
        let serial = format!("SOAK-{index:05}");
        let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ".to_owned();
        let token = json!({ "serialNumber": serial, "secret": secret, "tokenType": "HOTP", "digits": 6 });
        assert!(control.call(reqwest::Method::POST, "oath-tokens", Some(token)).await.status.is_success());
        persons.push(Person { index, user_id, token: (serial, secret), counter: Arc::default() });
    }
    control
        .put(
            "faults",
            json!({ "errorRate": 0.10, "dropRate": 0.025, "lostAnswerRate": 0.025,
                    "requestsPerSecond": 100_000, "tokenLifetimeSeconds": 20 }),
        )
        .await;

    println!("==> {people} people enroll at once through {REPLICAS} replicas, {rounds} rounds");
    let started = Instant::now();
    let memory = Arc::new(Mutex::new(Vec::<MemorySample>::new()));
    let pids: Vec<u32> = replicas.iter().map(|replica| replica.child.id()).collect();
    let sampler = tokio::spawn(sample_memory(pids, memory.clone(), started));
    let mut clients = tokio::task::JoinSet::new();
    for person in persons.clone() {
        let (bases, control) = (bases.clone(), control.clone());
        clients.spawn(async move {
            // Each person adds one method of every type, one after another, each starting from another type; then,
            // at the next round's start, removes them all and starts again. What the last round made stays, to be
            // counted.
            let mut outcomes = Vec::new();
            for round in 0..rounds {
                tokio::time::sleep_until((started + ROUND_EVERY * round as u32).into()).await;
                if round > 0 {
                    person.remove_everything(&bases).await;
                }
                for turn in 0..TYPES.len() {
                    let kind = TYPES[(person.index + turn) % TYPES.len()];
                    outcomes.push((round, person.enroll(kind, &bases, &control).await));
                }
            }
            (person.index, outcomes, rounds)
        });
    }

    // The incidents, while the enrollments run.
    tokio::time::sleep(Duration::from_secs(1)).await;
    println!("    {:>5.1} s: every worker token revoked", started.elapsed().as_secs_f64());
    assert!(control.delete("tokens").await.status.is_success());
    tokio::time::sleep_until((started + ROUND_EVERY).into()).await;
    println!("    {:>5.1} s: PingOne slower than the proxy's timeout, for 6 s", started.elapsed().as_secs_f64());
    let mut slow = control.get("faults").await;
    slow["lateAnswerMs"] = json!((PROXY_TIMEOUT_SECONDS + 1) * 1000);
    control.put("faults", slow.clone()).await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    slow["lateAnswerMs"] = json!(0);
    control.put("faults", slow).await;
    tokio::time::sleep_until((started + ROUND_EVERY * 2 + Duration::from_millis(500)).into()).await;
    println!("    {:>5.1} s: Redis killed, started again 2 s later", started.elapsed().as_secs_f64());
    redis.restart().await;

    let mut outcomes = Vec::new();
    let mut rounds = 0;
    while let Some((index, enrollments, person_rounds)) = clients.join_next().await.transpose().expect("a client ran") {
        rounds += person_rounds;
        outcomes.push((index, enrollments));
    }
    let took = started.elapsed();
    sampler.abort();
    control.put("faults", json!({ "requestsPerSecond": 100_000 })).await;

    let mut report = audit(&persons, &outcomes, &bases[0], &control).await;
    report.rounds = rounds;
    report.answers = std::mem::take(&mut *ANSWERS.lock().await);
    for base in bases.iter() {
        let metrics = reqwest::get(format!("{base}/metrics")).await.expect("metrics").text().await.unwrap_or_default();
        for line in metrics.lines().filter(|line| line.starts_with("mfa_proxy_reconciliations_total")) {
            let (labels, count) = line.rsplit_once(' ').unwrap_or_default();
            *report.reconciled.entry(labels.to_owned()).or_default() += count.parse::<u64>().unwrap_or(0);
        }
    }
    println!("\n## Soak ({people} people, {REPLICAS} replicas, {:.0} s)", took.as_secs_f64());
    println!(
        "Faults: 10% of PingOne's answers 500, 2.5% of connections dropped before the work and 2.5% after it, \
         answers later than the proxy's {PROXY_TIMEOUT_SECONDS} s timeout for 6 s, worker tokens living 20 s and \
         all revoked once, Redis killed (append-only file, fsync always) and started again."
    );
    report.print();
    let memory = memory.lock().await;
    println!("- memory of each replica (RSS, MiB) over the run:");
    for (at, sizes) in memory.iter() {
        let sizes: Vec<String> = sizes.iter().map(|kib| format!("{:.1}", *kib as f64 / 1024.0)).collect();
        println!("    {at:>5.1} s: {}", sizes.join(", "));
    }
    for replica in &mut replicas {
        replica.child.kill().ok();
        replica.child.wait().ok();
    }
    drop(redis);
    std::fs::remove_dir_all(&work).ok();
    if !report.goal_met() {
        eprintln!("the soak's goal was not met");
        std::process::exit(1);
    }
}

#[derive(Clone)]
struct Person {
    index: usize,
    user_id: String,
    /// The serial number and secret of the person's hardware token.
    token: (String, String),
    /// The token's next HOTP counter: each code that PingOne accepts moves it on.
    counter: Arc<std::sync::atomic::AtomicU64>,
}

/// What a person believes happened to one enrollment.
#[derive(Debug, Default)]
struct Outcome {
    kind: &'static str,
    /// The device the person activated, as they were told.
    enrolled: Option<String>,
    /// Resends the person asked for.
    resends: u32,
    /// Whether a rate limit ever refused the person.
    limited: bool,
    /// What stopped the person, if they gave up.
    gave_up: Option<String>,
}

/// One answer, or none.
struct Answer {
    status: Option<StatusCode>,
    body: Value,
}

impl Person {
    async fn enroll(&self, kind: &'static str, bases: &[String], control: &Control) -> Outcome {
        let mut outcome = Outcome { kind, ..Outcome::default() };
        let body = match kind {
            "SMS" | "VOICE" => json!({ "type": kind, "phone": format!("+1512555{:04}", self.index) }),
            "EMAIL" => json!({ "type": "EMAIL", "email": format!("person{}@example.com", self.index) }),
            "OATH_TOKEN" => json!({ "type": "OATH_TOKEN", "serialNumber": self.token.0 }),
            _ => json!({ "type": "TOTP" }),
        };
        let key = idempotency_key(self.index);
        let mut device = None;
        for attempt in 0..ATTEMPTS {
            let answer = self.send(bases, attempt, reqwest::Method::POST, "", Some(&key), Some(&body)).await;
            match answer.status {
                Some(StatusCode::CREATED) => {
                    device = Some(answer.body);
                    break;
                }
                Some(status) if status.is_client_error() && ![409, 429].contains(&status.as_u16()) => {
                    outcome.gave_up = Some(format!("create refused: {status} {}", answer.body));
                    return outcome;
                }
                status => outcome.limited |= status == Some(StatusCode::TOO_MANY_REQUESTS),
            }
            pause(attempt).await;
        }
        let Some(device) = device else {
            outcome.gave_up = Some("no device after every attempt".into());
            return outcome;
        };
        let device_id = device["id"].as_str().unwrap_or_default().to_owned();
        let delivered = matches!(kind, "SMS" | "VOICE" | "EMAIL");
        if delivered && self.index.is_multiple_of(10) {
            // One in ten asks for a new code once, and is sent one if PingOne carries it out.
            outcome.resends += 1;
            let path = format!("/{device_id}");
            let answer = self.send_resend(bases, &path).await;
            outcome.limited |= answer.status == Some(StatusCode::TOO_MANY_REQUESTS);
        }
        for attempt in 0..ATTEMPTS {
            let Some(code) = self.code(kind, &device, control).await else {
                pause(attempt).await;
                continue;
            };
            let activate = json!({ "otp": code });
            let path = format!("/{device_id}");
            let answer = self.send(bases, attempt, reqwest::Method::POST, &path, None, Some(&activate)).await;
            match answer.status {
                Some(StatusCode::OK) => return self.activated(outcome, device_id),
                status => outcome.limited |= status == Some(StatusCode::TOO_MANY_REQUESTS),
            }
            // No answer, or a refusal of a code that an earlier, lost answer already accepted: the list says.
            if self.status_of(bases, &device_id).await.as_deref() == Some("ACTIVE") {
                return self.activated(outcome, device_id);
            }
            pause(attempt).await;
        }
        // Giving up, as the widget's Cancel does: the pending device is removed.
        for attempt in 0..ATTEMPTS {
            let answer = self.send(bases, attempt, reqwest::Method::DELETE, &format!("/{device_id}"), None, None).await;
            if answer.status.is_some_and(|status| status.is_success() || status == StatusCode::NOT_FOUND) {
                break;
            }
            pause(attempt).await;
        }
        outcome.gave_up = Some("no activation after every attempt".into());
        outcome
    }

    fn activated(&self, mut outcome: Outcome, device_id: String) -> Outcome {
        if outcome.kind == "OATH_TOKEN" {
            self.counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        outcome.enrolled = Some(device_id);
        outcome
    }

    /// Removes every device of the person's, through the list, as a person starting over would.
    async fn remove_everything(&self, bases: &[String]) {
        for attempt in 0..ATTEMPTS {
            let list = self.send(bases, attempt, reqwest::Method::GET, "", None, None).await;
            let Some(devices) = list.body["_embedded"]["devices"].as_array().cloned() else {
                pause(attempt).await;
                continue;
            };
            if devices.is_empty() {
                return;
            }
            for device in devices {
                let path = format!("/{}", device["id"].as_str().unwrap_or_default());
                self.send(bases, attempt, reqwest::Method::DELETE, &path, None, None).await;
            }
            pause(attempt).await;
        }
    }

    /// The code that the person would type now: the newest message's, an authenticator app's, or the token's first.
    async fn code(&self, kind: &str, device: &Value, control: &Control) -> Option<String> {
        match kind {
            "TOTP" => Some(e2e::totp_now(device["secret"].as_str()?)),
            "OATH_TOKEN" => {
                Some(e2e::hotp_at(&self.token.1, self.counter.load(std::sync::atomic::Ordering::Relaxed), 6))
            }
            _ => {
                let sent = control.outbox(Some(&self.user_id)).await;
                let id = device["id"].as_str()?;
                sent.iter().rev().find(|message| message["deviceId"] == id)?["otp"].as_str().map(str::to_owned)
            }
        }
    }

    async fn status_of(&self, bases: &[String], device_id: &str) -> Option<String> {
        let list = self.send(bases, 0, reqwest::Method::GET, "", None, None).await;
        let devices = list.body["_embedded"]["devices"].as_array()?.clone();
        let device = devices.into_iter().find(|device| device["id"] == device_id)?;
        device["status"].as_str().map(str::to_owned)
    }

    async fn send_resend(&self, bases: &[String], path: &str) -> Answer {
        let base = &bases[self.index % bases.len()];
        let request = self
            .request(reqwest::Method::POST, &format!("{base}/api/devices{path}"))
            .header("Content-Type", devices_api_resend())
            .body("");
        answer(request.send().await).await
    }

    /// One request through a replica, chosen anew for each attempt as a balancer spreads them.
    async fn send(
        &self,
        bases: &[String],
        attempt: u32,
        method: reqwest::Method,
        path: &str,
        key: Option<&str>,
        body: Option<&Value>,
    ) -> Answer {
        let base = &bases[(self.index + attempt as usize) % bases.len()];
        let mut request = self.request(method, &format!("{base}/api/devices{path}"));
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        if let Some(body) = body {
            let content_type = match body.get("otp") {
                Some(_) => "application/vnd.pingidentity.device.activate+json",
                None => "application/json",
            };
            request = request.header("Content-Type", content_type).body(body.to_string());
        }
        answer(request.send().await).await
    }

    fn request(&self, method: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
        static HTTP: std::sync::LazyLock<reqwest::Client> = std::sync::LazyLock::new(|| {
            reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("a client")
        });
        HTTP.request(method, url)
            .header("x-user", &self.user_id)
            .header("x-secret", GATEWAY_SECRET)
            // Each person behind the balancer from an address of their own.
            .header("X-Forwarded-For", format!("10.1.{}.{}", self.index / 250, self.index % 250 + 1))
    }
}

fn devices_api_resend() -> &'static str {
    "application/vnd.pingidentity.device.sendActivationCode+json"
}

/// Every answer that a client saw, by status (0: none).
static ANSWERS: Mutex<BTreeMap<u16, usize>> = Mutex::const_new(BTreeMap::new());

async fn answer(sent: Result<reqwest::Response, reqwest::Error>) -> Answer {
    let status = sent.as_ref().map_or(0, |response| response.status().as_u16());
    *ANSWERS.lock().await.entry(status).or_default() += 1;
    match sent {
        Ok(response) => {
            let status = response.status();
            let body = response.json().await.unwrap_or(Value::Null);
            Answer { status: Some(status), body }
        }
        Err(_) => Answer { status: None, body: Value::Null },
    }
}

/// A person's wait before their next try: growing, up to a few seconds.
async fn pause(attempt: u32) {
    tokio::time::sleep(Duration::from_millis(250 * u64::from(attempt.min(8) + 1))).await;
}

/// An `Idempotency-Key` that is the person's own for this create.
fn idempotency_key(index: usize) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
    format!("soak-{index:06}-{nanos:x}")
}

#[derive(Default)]
struct Report {
    people: usize,
    /// Rounds of five enrollments, every person's together.
    rounds: usize,
    /// Every answer that a client saw, by status (0: none).
    answers: BTreeMap<u16, usize>,
    /// The replicas' reconciliations, by outcome.
    reconciled: BTreeMap<String, u64>,
    enrolled: usize,
    gave_up: BTreeMap<String, usize>,
    /// Enrollments completed in the rounds before the last, whose devices were removed when the next began.
    earlier_enrolled: usize,
    lost: usize,
    duplicated: usize,
    half_made: usize,
    delivered_enrolled: usize,
    messages: usize,
    resends: u32,
    excess_messages: usize,
    limited: usize,
}

impl Report {
    fn print(&self) {
        let gave_up = self.gave_up.values().sum::<usize>();
        let enrollments = self.rounds * TYPES.len();
        println!("- {} people, {} rounds of five enrollments ({enrollments} enrollments)", self.people, self.rounds);
        println!(
            "- completed: {} (the last round's {} counted against PingOne's devices); given up: {gave_up}",
            self.enrolled + self.earlier_enrolled,
            self.enrolled
        );
        let answers: Vec<String> = self.answers.iter().map(|(status, count)| format!("{status}: {count}")).collect();
        println!("- answers the clients saw, by status (0: no answer): {}", answers.join(", "));
        let reconciled: Vec<String> = self.reconciled.iter().map(|(what, count)| format!("{what} {count}")).collect();
        println!("- creates whose answer was lost, reconciled by the proxies: {}", reconciled.join(", "));
        for (why, count) in &self.gave_up {
            println!("    {count} gave up: {why}");
        }
        println!("- lost devices (a person told it was added, PingOne without it active): {}", self.lost);
        println!("- duplicated devices (more than one of a person's type): {}", self.duplicated);
        println!("- half-made devices (left waiting for activation): {}", self.half_made);
        println!(
            "- messages: {} for {} delivered enrollments and {} resends asked for; {:.3} a delivered enrollment; \
             {} more than asked for",
            self.messages,
            self.delivered_enrolled,
            self.resends,
            self.messages as f64 / self.delivered_enrolled.max(1) as f64,
            self.excess_messages
        );
        println!("- enrollments refused by a rate limit (each person far under every limit): {}", self.limited);
    }

    fn goal_met(&self) -> bool {
        self.lost == 0 && self.duplicated == 0 && self.half_made == 0 && self.excess_messages == 0 && self.limited == 0
    }
}

/// Counts what each person believes against what the simulator holds, with every fault cleared.
async fn audit(
    persons: &[Person],
    outcomes: &[(usize, Vec<(usize, Outcome)>)],
    base: &str,
    control: &Control,
) -> Report {
    let mut report = Report { people: persons.len(), ..Report::default() };
    let outbox = control.outbox(None).await;
    for (index, enrollments) in outcomes {
        let person = &persons[*index];
        let list = person.send(&[base.to_owned()], 0, reqwest::Method::GET, "", None, None).await;
        let devices = list.body["_embedded"]["devices"].as_array().cloned().unwrap_or_default();
        report.half_made += devices.iter().filter(|device| device["status"] == "ACTIVATION_REQUIRED").count();
        let messages = outbox.iter().filter(|message| message["userId"] == person.user_id.as_str()).count();
        report.messages += messages;
        let mut asked = 0;
        let last_round = enrollments.iter().map(|(round, _)| *round).max().unwrap_or(0);
        for (round, outcome) in enrollments {
            let delivered = matches!(outcome.kind, "SMS" | "VOICE" | "EMAIL");
            if delivered {
                asked += 1 + outcome.resends as usize;
            }
            report.resends += outcome.resends;
            report.limited += usize::from(outcome.limited);
            if *round != last_round {
                // Removed on purpose when the next round began.
                report.delivered_enrolled += usize::from(delivered && outcome.enrolled.is_some());
                report.earlier_enrolled += usize::from(outcome.enrolled.is_some());
                if let Some(why) = &outcome.gave_up {
                    *report.gave_up.entry(format!("{why} (an earlier round)")).or_default() += 1;
                }
                continue;
            }
            let of_kind = devices.iter().filter(|device| device["type"] == outcome.kind).count();
            report.duplicated += of_kind.saturating_sub(1);
            match (&outcome.enrolled, &outcome.gave_up) {
                (Some(id), _) => {
                    report.enrolled += 1;
                    let active =
                        devices.iter().any(|device| device["id"] == id.as_str() && device["status"] == "ACTIVE");
                    report.lost += usize::from(!active);
                    report.delivered_enrolled += usize::from(delivered);
                }
                (None, why) => *report.gave_up.entry(why.clone().unwrap_or_default()).or_default() += 1,
            }
        }
        report.excess_messages += messages.saturating_sub(asked);
    }
    report
}

/// The seconds since the start, and each replica's resident memory then, in KiB.
type MemorySample = (f64, Vec<u64>);

/// Each replica's resident memory every two seconds, in KiB.
async fn sample_memory(pids: Vec<u32>, samples: Arc<Mutex<Vec<MemorySample>>>, started: Instant) {
    loop {
        let sizes = pids.iter().map(|pid| resident_kib(*pid)).collect();
        samples.lock().await.push((started.elapsed().as_secs_f64(), sizes));
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

fn resident_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let line = status.lines().find(|line| line.starts_with("VmRSS:")).unwrap_or_default();
    line.split_whitespace().nth(1).and_then(|kib| kib.parse().ok()).unwrap_or(0)
}

fn proxy_config(info: &pingone_simulator::StartupInfo, redis: &str, rounds: usize) -> String {
    format!(
        r#"listen = "127.0.0.1:0"
trusted_proxies = ["127.0.0.1"]
rate_limit_redis = "{redis}"
[timeouts]
connect_seconds = 2
total_seconds = {PROXY_TIMEOUT_SECONDS}
# Room for the rounds that a person makes, each a create, an activation and a resend of each type, and a try
# again of each: a refusal is then one that the person did not cause.
[limits]
create = {{ per_user = {create}, per_address = {create}, window_seconds = 600 }}
create_phone = {{ per_user = {create_phone}, per_address = {create_phone}, window_seconds = 600 }}
activate = {{ per_user = {activate}, per_address = {activate}, window_seconds = 300 }}
resend = {{ per_user = {create}, per_address = {create}, window_seconds = 600 }}
read = {{ per_user = 1000, per_address = 1000, window_seconds = 60 }}
change = {{ per_user = 300, per_address = 300, window_seconds = 600 }}
[upstream]
kind = "pingone"
api_url = "{api}"
auth_url = "{auth}"
environment_id = "{environment}"
client_id = "{client}"
policy_id = "{policy}"
[identity]
mode = "header"
user_header = "x-user"
secret_header = "x-secret"
"#,
        api = info.api_url,
        auth = info.auth_url,
        environment = info.environment_id,
        client = info.client_id,
        policy = info.policy_id,
        create = 6 * rounds,
        create_phone = 4 * rounds,
        activate = 10 * rounds,
    )
}

/// One replica of the built proxy, as a child process.
struct Replica {
    child: Child,
    base: String,
}

impl Replica {
    fn start(binary: &str, config: &Path, info: &pingone_simulator::StartupInfo) -> Self {
        let mut child = Command::new(binary)
            .arg("--config")
            .arg(config)
            .env("MFA_ENROLL_CLIENT_SECRET", &info.client_secret)
            .env("MFA_ENROLL_GATEWAY_SECRET", GATEWAY_SECRET)
            .env("RUST_LOG", "error")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the proxy starts");
        let mut line = String::new();
        let mut stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
        stdout.read_line(&mut line).expect("its first line");
        // The rest is read as it comes.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        let base = line.trim().rsplit(' ').next().expect("a URL").trim_end_matches('/').to_owned();
        assert!(base.starts_with("http://127.0.0.1:"), "the proxy said: {line}");
        Self { child, base }
    }
}

/// A `redis-server` whose every write is on disk before it answers, so that a kill loses nothing.
struct Redis {
    child: Child,
    port: u16,
    dir: std::path::PathBuf,
    url: String,
}

impl Redis {
    fn start(work: &Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a port").port();
        let dir = work.join("redis");
        std::fs::create_dir_all(&dir).expect("a folder for Redis");
        let child = Self::spawn(port, &dir);
        Self { child, port, url: format!("redis://127.0.0.1:{port}/"), dir }
    }

    fn spawn(port: u16, dir: &Path) -> Child {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", ""])
            .args(["--appendonly", "yes", "--appendfsync", "always", "--dir"])
            .arg(dir)
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server runs; `cargo xtask setup` installs it");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        child
    }

    /// Kills the server without warning and starts it again on the same port and files, 2 s later.
    async fn restart(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
        tokio::time::sleep(Duration::from_secs(2)).await;
        // Waiting for its port blocks this worker thread: the other one serves the clients meanwhile.
        self.child = tokio::task::block_in_place(|| Self::spawn(self.port, &self.dir));
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("mfa-enroll-soak-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a working folder");
    dir
}
