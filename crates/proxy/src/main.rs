//! `mfa-enroll-proxy`: the token proxy as a program. With no upstream configured it runs the embedded simulator
//! and the demo identity, which is what `cargo xtask demo` starts.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use mfa_enroll_proxy::{Config, Proxy};

#[derive(Parser)]
#[command(version, about = "The mfa-enroll token proxy")]
struct Args {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The built widget site (Trunk's `dist/`) to serve at `/`.
    #[arg(long)]
    site: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> Result<(), String> {
    tracing_subscriber::fmt().json().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    let args = Args::parse();
    let config = Config { site_dir: args.site, ..Config::default() };
    let proxy = Proxy::start(config).await.map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    println!("mfa-enroll demo: open http://{address}/");
    println!("  acting as the demo user {}", proxy.demo_user_id().unwrap_or("-"));
    if let Some(url) = proxy.simulator_url() {
        println!("  embedded PingOne simulator: {url} (control API under /sim/)");
    }
    proxy.serve(listener, shutdown_signal()).await.map_err(|e| e.to_string())
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
