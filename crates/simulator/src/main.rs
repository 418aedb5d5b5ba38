//! `pingone-simulator --listen 127.0.0.1:PORT [--fixture FILE]`: serves the simulator until Ctrl-C or SIGTERM.
//! Its first line on stdout is the `StartupInfo` JSON object, so that a script in any language can drive it.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use pingone_simulator::{Fixture, Simulator};

#[derive(Parser)]
#[command(version, about = "A local stand-in for the PingOne MFA devices API")]
struct Args {
    /// The address to listen on; loopback by default, as a simulator has no business on a network.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// A fixture file; the checked-in demo fixture when absent.
    #[arg(long)]
    fixture: Option<PathBuf>,
    /// Added to every answer on PingOne's routes, in milliseconds.
    #[arg(long)]
    latency_ms: Option<u64>,
    /// The share of requests, 0 to 1, answered with a 500.
    #[arg(long)]
    error_rate: Option<f64>,
    /// The share of requests, 0 to 1, whose connection is dropped.
    #[arg(long)]
    drop_rate: Option<f64>,
    /// Requests a second that one worker token may make before it gets 429s.
    #[arg(long)]
    requests_per_second: Option<u32>,
    /// How long new worker tokens live, in seconds.
    #[arg(long)]
    token_lifetime_seconds: Option<i64>,
    /// A tenant's answers as `mfa-enroll-proxy record` wrote them: the simulator answers as that tenant did where
    /// PingOne's documentation is silent.
    #[arg(long)]
    recording: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let args = Args::parse();
    let mut fixture = match &args.fixture {
        Some(path) => Fixture::from_file(path)?,
        None => Fixture::demo(),
    };
    let faults = &mut fixture.faults;
    faults.latency_ms = args.latency_ms.unwrap_or(faults.latency_ms);
    faults.error_rate = args.error_rate.unwrap_or(faults.error_rate);
    faults.drop_rate = args.drop_rate.unwrap_or(faults.drop_rate);
    faults.requests_per_second = args.requests_per_second.unwrap_or(faults.requests_per_second);
    faults.token_lifetime_seconds = args.token_lifetime_seconds.unwrap_or(faults.token_lifetime_seconds);
    if let Some(path) = &args.recording {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let recording =
            serde_json::from_str(&text).map_err(|e| format!("{} is not a recording: {e}", path.display()))?;
        fixture.variants = pingone_simulator::settings::Variants::from_recording(&recording);
    }
    let simulator =
        Simulator::new(fixture).map_err(|problems| format!("invalid fixture:\n  {}", problems.join("\n  ")))?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let info = simulator.startup_info(&format!("http://{address}"));
    println!("{}", serde_json::to_string(&info).map_err(|e| e.to_string())?);
    pingone_simulator::serve(listener, simulator, devices_api::server::shutdown_signal())
        .await
        .map_err(|e| e.to_string())
}
