//! What the proxy and the simulator share as servers, beyond the wire model: how a process is asked to stop.
//! Native only (the `server` feature); the widget never builds it.

/// Ctrl-C or SIGTERM: a server that awaits this stops taking connections and lets in-flight requests finish.
/// A signal that cannot be listened for never comes: the server does not stop for want of a handler.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => drop(signal.recv().await),
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
