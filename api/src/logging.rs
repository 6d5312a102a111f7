//! The log: one line per record, and every line written while serving a request carries
//! that request's id (`request_id=…`), in async code and on the blocking pool alike.

use std::cell::RefCell;
use std::future::Future;
use std::io::Write as _;

tokio::task_local! {
    static TASK_REQUEST_ID: String;
}

thread_local! {
    static THREAD_REQUEST_ID: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs `f` (a request's service future) with `id` as its request id.
pub async fn in_request<F: Future>(id: String, f: F) -> F::Output {
    TASK_REQUEST_ID.scope(id, f).await
}

/// The id of the request being served here, if any.
pub fn request_id() -> Option<String> {
    THREAD_REQUEST_ID
        .with(|id| id.borrow().clone())
        .or_else(|| TASK_REQUEST_ID.try_with(Clone::clone).ok())
}

/// Runs blocking `f` on this thread with `id` as its request id.
pub fn with_request_id<T>(id: Option<String>, f: impl FnOnce() -> T) -> T {
    let previous = THREAD_REQUEST_ID.with(|cell| cell.replace(id));
    let result = f();
    THREAD_REQUEST_ID.with(|cell| cell.replace(previous));
    result
}

/// The binary's logger: `RUST_LOG` filters (default `info`); lines carry the request id.
pub fn init() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"))
        .format(|buf, record| {
            let id = request_id()
                .map(|id| format!(" request_id={id}"))
                .unwrap_or_default();
            writeln!(
                buf,
                "[{} {} {}{id}] {}",
                buf.timestamp_millis(),
                record.level(),
                record.target(),
                record.args()
            )
        })
        .init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_blocking_pool_sees_the_request_id_and_forgets_it() {
        assert_eq!(request_id(), None);
        let seen = with_request_id(Some("r-1".into()), request_id);
        assert_eq!(seen.as_deref(), Some("r-1"));
        assert_eq!(request_id(), None);
    }

    #[actix_web::test]
    async fn async_code_sees_the_request_id() {
        let seen = in_request("r-2".into(), async { request_id() }).await;
        assert_eq!(seen.as_deref(), Some("r-2"));
        assert_eq!(request_id(), None);
    }
}
