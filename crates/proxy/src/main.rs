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
    /// Run the probes of PingOne's undocumented behaviours against the tenant with a disposable test user (who must
    /// have no devices), and write its answers, redacted, to a file that the simulator replays. Nothing is sent or
    /// charged (`testMode`), and everything made is removed.
    Record {
        /// The disposable test user's id.
        #[arg(long)]
        user: String,
        /// Where to write the recording (JSON).
        #[arg(long)]
        out: PathBuf,
        /// A second worker application without a role over the user, for the probe of PingOne's 403; its secret
        /// comes from `MFA_ENROLL_SECOND_CLIENT_SECRET`.
        #[arg(long)]
        second_client_id: Option<String>,
        /// Also probe what time ends (a sent code past its life, an authenticator app's secret past its 30
        /// minutes), waiting this many minutes: 31 covers PingOne's defaults.
        #[arg(long)]
        wait_minutes: Option<u64>,
        /// Also read the user's devices until the tenant answers 429 (at most 300 reads), to record its body.
        #[arg(long)]
        trip_rate_limit: bool,
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
        Ok(config)
            if let Some(Command::Record { user, out, second_client_id, wait_minutes, trip_rate_limit }) =
                &args.command =>
        {
            let second = second_client_id.as_ref().map(|client_id| mfa_enroll_proxy::record::SecondWorker {
                client_id: client_id.clone(),
                client_secret: std::env::var("MFA_ENROLL_SECOND_CLIENT_SECRET").unwrap_or_default(),
            });
            let probes = mfa_enroll_proxy::record::Probes {
                second: second.as_ref(),
                wait: wait_minutes.map(|minutes| std::time::Duration::from_secs(minutes * 60)),
                trip_rate_limit: *trip_rate_limit,
            };
            let sleep = async |duration| tokio::time::sleep(duration).await;
            let recorded = mfa_enroll_proxy::record::record(&config, user, &probes, sleep).await;
            let written = recorded.and_then(|recording| {
                let text = serde_json::to_string_pretty(&recording).map_err(|e| e.to_string())?;
                std::fs::write(out, text + "\n").map_err(|e| format!("cannot write {}: {e}", out.display()))
            });
            return match written {
                Ok(()) => {
                    println!("recorded to {}", out.display());
                    ExitCode::SUCCESS
                }
                Err(problem) => {
                    eprintln!("{problem}");
                    ExitCode::FAILURE
                }
            };
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
