//! Looking up the names of webhook targets. A name is whatever a webhook's creator wrote, so
//! its nameserver may answer late or never: lookups run on a thread and runtime of their own
//! (an asynchronous stub resolver, no thread held while waiting), at most [`AT_ONCE`] at a
//! time, each given up after [`DEADLINE`]. Nothing the rest of the server needs — the threads
//! database work runs on above all — waits for a nameserver.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use hickory_resolver::config::{
    ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts,
};
use hickory_resolver::net::NetError;
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::{Resolver, TokioResolver};
use tokio::sync::Semaphore;

/// How long one lookup may take, its wait for a turn included.
pub const DEADLINE: Duration = Duration::from_secs(5);
/// Lookups under way at once; more wait for a turn (within their deadline).
pub const AT_ONCE: usize = 32;

/// Why a name has no addresses.
#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    #[error("{0}")]
    Unresolved(String),
    #[error("no answer within {} s", DEADLINE.as_secs())]
    NoAnswerInTime,
}

/// The resolver webhook targets are looked up with; cheap to clone.
#[derive(Clone)]
pub struct Names {
    inner: Arc<Inner>,
}

struct Inner {
    resolver: Arc<TokioResolver>,
    turns: Arc<Semaphore>,
    /// Where the lookups run.
    lookups: tokio::runtime::Handle,
    /// The runtime behind `lookups`, kept to be shut down; `None` only while being dropped.
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Dropping a runtime waits for its thread, which async code may not do.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Names {
    /// Looks names up at `nameservers`, or at the system's when there are none; the hosts
    /// file first either way.
    pub fn new(nameservers: &[std::net::SocketAddr]) -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .max_blocking_threads(1)
            .thread_name("fleetdesk-names")
            .enable_all()
            .build()?;
        let _entered = runtime.enter();
        let provider = TokioRuntimeProvider::default();
        let mut builder = if nameservers.is_empty() {
            Resolver::builder(provider.clone()).unwrap_or_else(|e| {
                log::warn!(
                    target: "fleetdesk::webhooks",
                    "the system's nameservers cannot be read ({e}): webhook targets resolve from the hosts file only"
                );
                Resolver::builder_with_config(ResolverConfig::from_name_servers(Vec::new()), provider)
            })
        } else {
            let servers = nameservers
                .iter()
                .map(|at| {
                    let connections = [ConnectionConfig::udp(), ConnectionConfig::tcp()]
                        .into_iter()
                        .map(|mut c| {
                            c.port = at.port();
                            c
                        })
                        .collect();
                    NameServerConfig::new(at.ip(), true, connections)
                })
                .collect();
            Resolver::builder_with_config(ResolverConfig::from_name_servers(servers), provider)
        };
        let options: &mut ResolverOpts = builder.options_mut();
        options.use_hosts_file = ResolveHosts::Always;
        // Two tries of each nameserver within the deadline.
        options.timeout = DEADLINE / 3;
        options.attempts = 2;
        let resolver = builder.build().map_err(std::io::Error::other)?;
        Ok(Self {
            inner: Arc::new(Inner {
                resolver: Arc::new(resolver),
                turns: Arc::new(Semaphore::new(AT_ONCE)),
                lookups: runtime.handle().clone(),
                runtime: Some(runtime),
            }),
        })
    }

    /// The addresses `host` resolves to (at least one).
    pub async fn lookup(&self, host: &str) -> Result<Vec<IpAddr>, LookupError> {
        let (resolver, turns, name) = (
            self.inner.resolver.clone(),
            self.inner.turns.clone(),
            host.to_owned(),
        );
        let lookup = self
            .inner
            .lookups
            .spawn(tokio::time::timeout(DEADLINE, async move {
                let _turn = turns
                    .acquire()
                    .await
                    .map_err(|e| LookupError::Unresolved(e.to_string()))?;
                let found = resolver
                    .lookup_ip(name.as_str())
                    .await
                    .map_err(|e| match e {
                        NetError::Timeout => LookupError::NoAnswerInTime,
                        e => LookupError::Unresolved(e.to_string()),
                    })?;
                let addrs: Vec<IpAddr> = found.iter().collect();
                if addrs.is_empty() {
                    return Err(LookupError::Unresolved(format!("{name} has no address")));
                }
                Ok(addrs)
            }));
        match lookup.await {
            Ok(Ok(found)) => found,
            Ok(Err(_elapsed)) => Err(LookupError::NoAnswerInTime),
            Err(e) => Err(LookupError::Unresolved(e.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(socket: &std::net::UdpSocket) -> Names {
        Names::new(&[socket.local_addr().unwrap()]).unwrap()
    }

    #[tokio::test]
    async fn a_silent_nameserver_is_given_up_on_at_the_deadline() {
        let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let names = at(&silent);
        let started = std::time::Instant::now();
        let e = names.lookup("hook.fleetdesk.test").await.unwrap_err();
        assert!(matches!(e, LookupError::NoAnswerInTime), "{e:?}");
        assert!(started.elapsed() < DEADLINE + Duration::from_secs(2));
    }

    #[tokio::test]
    async fn the_hosts_file_answers_before_any_nameserver() {
        let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let found = at(&silent).lookup("localhost").await.unwrap();
        assert!(found.iter().all(|ip| ip.is_loopback()), "{found:?}");
    }
}
