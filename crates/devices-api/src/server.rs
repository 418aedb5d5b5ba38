//! What the proxy and the simulator share as servers, beyond the wire model: how a process is asked to stop.
//! Native only (the `server` feature); the widget never builds it.

/// Ctrl-C or SIGTERM: a server that awaits this stops taking connections and lets in-flight requests finish.
pub async fn shutdown_signal() {
    let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(signal) => signal,
        Err(_) => return tokio::signal::ctrl_c().await.unwrap_or(()),
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {},
        _ = terminate.recv() => {},
    }
}
