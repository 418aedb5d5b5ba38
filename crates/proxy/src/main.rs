//! `mfa-enroll-proxy`: the token proxy as a program. With no configuration it runs the embedded simulator and the
//! demo identity, which is what `cargo xtask demo` starts.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use mfa_enroll_proxy::Proxy;
use mfa_enroll_proxy::settings::Settings;

#[derive(Parser)]
#[command(version, about = "The mfa-enroll token proxy")]
struct Args {
    /// A TOML settings file; `MFA_ENROLL_…` environment variables override it, and these flags override both.
    #[arg(long)]
    config: Option<PathBuf>,
    /// The address to listen on (default 127.0.0.1:8080).
    #[arg(long)]
    listen: Option<String>,
    /// The built widget site (Trunk's `dist/`) to serve at `/`.
    #[arg(long)]
    site: Option<PathBuf>,
    /// Keep rate-limit counts in this Redis, shared by every replica.
    #[arg(long)]
    rate_limit_redis: Option<String>,
    /// Check the settings, report every problem, and exit.
    #[arg(long)]
    check_config: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let settings = Settings::load(args.config.as_deref()).map(|mut settings| {
        settings.listen = args.listen.unwrap_or(settings.listen);
        settings.site_dir = args.site.or(settings.site_dir);
        settings.rate_limit_redis = args.rate_limit_redis.or(settings.rate_limit_redis);
        settings
    });
    let checked = settings.and_then(|settings| {
        let listen = settings.listen.clone();
        let config = settings.into_config(&|name| std::env::var(name).ok())?;
        let address = listen
            .parse::<std::net::SocketAddr>()
            .map_err(|_| vec![format!("listen: `{listen}` is not an address")])?;
        Ok((config, address))
    });
    let (config, address) = match checked {
        Ok(checked) => checked,
        Err(problems) => {
            eprintln!("invalid configuration:");
            for problem in problems {
                eprintln!("  {problem}");
            }
            return ExitCode::FAILURE;
        }
    };
    if args.check_config {
        println!("the configuration is valid");
        return ExitCode::SUCCESS;
    }
    tracing_subscriber::fmt().json().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    match serve(config, address).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: mfa_enroll_proxy::Config, address: std::net::SocketAddr) -> Result<(), String> {
    let proxy = Proxy::start(config).await.map_err(|e| e.to_string())?;
    let listener =
        tokio::net::TcpListener::bind(address).await.map_err(|e| format!("cannot listen on {address}: {e}"))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    println!("mfa-enroll proxy: open http://{address}/");
    if let Some(user) = proxy.demo_user_id() {
        println!("  acting as the demo user {user}");
    }
    if let Some(url) = proxy.simulator_url() {
        println!("  embedded PingOne simulator: {url} (control API under /sim/)");
    }
    proxy.serve(listener, shutdown_signal()).await.map_err(|e| e.to_string())
}

/// Ctrl-C or SIGTERM: the server stops taking connections and lets in-flight requests finish.
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
