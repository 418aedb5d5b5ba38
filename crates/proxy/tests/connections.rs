//! The built proxy as a child process, started under the usual open-files limit of 1024, against 1100 clients
//! that hold connections open: silent ones, ones that send half a request's head, and kept-alive ones that idle
//! after a request. Real requests are served meanwhile, and each held connection is closed once its head or its
//! next request is overdue (a one-second timeout here, configured short for the test). And the connection cap: past
//! it, a new connection waits until one is free.

use std::process::{Command, Stdio};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

mod support;

const PROXY: &str = env!("CARGO_BIN_EXE_mfa-enroll-proxy");
const HELD: usize = 1100;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_slow_and_idle_connections_neither_starve_real_requests_nor_outlast_their_timeout() {
    // This test holds as many sockets as the proxy does.
    rlimit::increase_nofile_limit(4 * HELD as u64).expect("the test's own open-files limit");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let settings = dir.path().join("proxy.toml");
    std::fs::write(&settings, "[connections]\nheader_read_timeout_seconds = 1\n").expect("the settings");
    let started = format!("ulimit -Sn 1024 && exec '{PROXY}' --listen 127.0.0.1:0 --config '{}'", settings.display());
    let mut proxy = tokio::process::Command::from({
        let mut command = Command::new("sh");
        command.args(["-c", &started]).env_remove("RUST_LOG").stdout(Stdio::piped()).stderr(Stdio::null());
        command
    })
    .kill_on_drop(true)
    .spawn()
    .expect("the proxy starts");
    let mut first_line = String::new();
    let stdout = proxy.stdout.take().expect("stdout");
    BufReader::new(stdout).read_line(&mut first_line).await.expect("the proxy says where it listens");
    let url = first_line.trim().rsplit(' ').next().expect("a URL").trim_end_matches('/').to_owned();
    let address = url.trim_start_matches("http://").to_owned();

    let mut held = Vec::with_capacity(HELD);
    for n in 0..HELD {
        let mut socket = TcpStream::connect(&address).await.expect("a connection");
        match n % 3 {
            0 => {}
            1 => socket.write_all(b"GET /healthz HTTP/1.1\r\nHost: proxy\r\n").await.expect("half a head"),
            _ => {
                socket.write_all(b"GET /healthz HTTP/1.1\r\nHost: proxy\r\n\r\n").await.expect("a request");
                let mut answer = [0; 1024];
                let read = socket.read(&mut answer).await.expect("an answer");
                assert!(answer[..read].starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&answer[..read]));
            }
        }
        held.push(socket);
    }

    let http = reqwest::Client::new();
    for _ in 0..8 {
        let health = http.get(format!("{url}/healthz")).timeout(Duration::from_secs(5)).send().await;
        let health = health.expect("an answer while a thousand connections are held");
        assert_eq!(health.text().await.expect("text"), "ok");
    }

    for (n, socket) in held.iter_mut().enumerate() {
        let mut rest = Vec::new();
        let closed = tokio::time::timeout(Duration::from_secs(10), socket.read_to_end(&mut rest)).await;
        assert!(closed.is_ok(), "held connection {n} is still open long after its timeout");
    }
    proxy.kill().await.expect("the proxy stops");
}

#[tokio::test]
async fn connections_past_the_cap_wait_until_one_is_free() {
    let connections =
        mfa_enroll_proxy::Connections { header_read_timeout: Duration::from_secs(30), max_connections: 3 };
    let proxy = support::start(mfa_enroll_proxy::Config { connections, ..mfa_enroll_proxy::Config::default() }).await;
    let address = proxy.base.trim_start_matches("http://").to_owned();
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(TcpStream::connect(&address).await.expect("a connection"));
    }
    let health = || proxy.http.get(format!("{}/healthz", proxy.base)).timeout(Duration::from_millis(700)).send();
    let waiting = health().await;
    assert!(waiting.is_err_and(|error| error.is_timeout()), "a fourth connection is not served while three are held");
    drop(held);
    let served = health().await.expect("served once the held connections are gone");
    assert_eq!(served.text().await.expect("text"), "ok");
}
