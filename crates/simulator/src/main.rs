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
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let args = Args::parse();
    let fixture = match &args.fixture {
        Some(path) => Fixture::from_file(path)?,
        None => Fixture::demo(),
    };
    let listener = tokio::net::TcpListener::bind(args.listen).await.map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let simulator = Simulator::new(fixture);
    let info = simulator.startup_info(&format!("http://{address}"));
    println!("{}", serde_json::to_string(&info).map_err(|e| e.to_string())?);
    pingone_simulator::serve(listener, simulator, shutdown_signal()).await.map_err(|e| e.to_string())
}

async fn shutdown_signal() {
    let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(signal) => signal,
        Err(_) => return tokio::signal::ctrl_c().await.unwrap_or(()),
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {},
        _ = terminate.recv() => {},
    }
}
