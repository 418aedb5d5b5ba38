//! `mfa-enroll-proxy`: the token proxy as a program. With no configuration it runs the embedded simulator and the
//! demo identity, which is what `cargo xtask demo` starts.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use mfa_enroll_proxy::{Config, Proxy};

#[derive(Parser)]
#[command(version, about = "The mfa-enroll token proxy")]
struct Args {
    /// A TOML settings file; `MFA_ENROLL_…` environment variables override it, and these flags override both.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// The address to listen on (default 127.0.0.1:8080).
    #[arg(long)]
    listen: Option<std::net::SocketAddr>,
    /// The built widget site (Trunk's `dist/`) to serve at `/`.
    #[arg(long)]
    site: Option<PathBuf>,
    /// Keep rate-limit counts in this Redis, shared by every replica.
    #[arg(long)]
    rate_limit_redis: Option<String>,
    /// Check the settings, report every problem, and exit.
    #[arg(long)]
    check_config: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Check the deployment against its PingOne tenant (URLs, worker credentials and role, device policy, MFA
    /// settings, identity), print each finding with its fix, and exit 0 only when every check holds.
    Doctor {
        /// A user who will use the widget: checks that the worker's role reaches them.
        #[arg(long)]
        user: Option<String>,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let loaded = Config::load(args.config.as_deref(), &|name| std::env::var(name).ok()).map(|mut config| {
        config.listen = args.listen.unwrap_or(config.listen);
        config.site_dir = args.site.or(config.site_dir);
        config.rate_limit_redis = args.rate_limit_redis.or(config.rate_limit_redis);
        config
    });
    let config = match loaded {
        Ok(config) if let Some(Command::Doctor { user }) = &args.command => {
            let findings = mfa_enroll_proxy::doctor::examine(&config, user.as_deref()).await;
            print!("{}", mfa_enroll_proxy::doctor::report(&findings));
            return if mfa_enroll_proxy::doctor::healthy(&findings) { ExitCode::SUCCESS } else { ExitCode::FAILURE };
        }
        Ok(config) if args.check_config => {
            let problems = config.problems();
            if !problems.is_empty() {
                return invalid(problems);
            }
            println!("the configuration is valid");
            return ExitCode::SUCCESS;
        }
        Ok(config) => config,
        Err(problems) => return invalid(problems),
    };
    tracing_subscriber::fmt().json().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    match serve(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}

fn invalid(problems: Vec<String>) -> ExitCode {
    eprintln!("invalid configuration:");
    for problem in problems {
        eprintln!("  {problem}");
    }
    ExitCode::FAILURE
}

async fn serve(config: Config) -> Result<(), String> {
    // Each connection is a file: the usual soft limit of 1024 is spent by a thousand idle sockets.
    let open_files =
        rlimit::increase_nofile_limit(u64::MAX).map_err(|e| format!("cannot raise the open-files limit: {e}"))?;
    let address = config.listen;
    let proxy = Proxy::start(config).await.map_err(|e| e.to_string())?;
    let listener =
        tokio::net::TcpListener::bind(address).await.map_err(|e| format!("cannot listen on {address}: {e}"))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let mut said = format!("mfa-enroll proxy: open http://{address}/\n  up to {open_files} open files\n");
    if let Some(user) = proxy.demo_user_id() {
        said += &format!("  acting as the demo user {user}\n");
    }
    if let Some(url) = proxy.simulator_url() {
        said += &format!("  embedded PingOne simulator: {url} (control API under /sim/)\n");
    }
    // Said once, for whoever reads it: a closed standard output (a supervisor that stopped reading) must not stop
    // the proxy, as `println!` would, with a panic.
    let mut stdout = std::io::stdout().lock();
    std::io::Write::write_all(&mut stdout, said.as_bytes()).and_then(|()| std::io::Write::flush(&mut stdout)).ok();
    drop(stdout);
    proxy.serve(listener, devices_api::server::shutdown_signal()).await.map_err(|e| e.to_string())
}
