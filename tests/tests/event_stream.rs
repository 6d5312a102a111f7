//! `GET /api/v1/events/stream`: Server-Sent Events of the caller's feed — a client that
//! reconnects with `Last-Event-ID` misses nothing and sees nothing twice; a quiet stream
//! keeps alive; a removed member's stream ends.
#![expect(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use std::time::Duration;

use fleetdesk_domain::identity::{CustomerRole, StaffRole};
use fleetdesk_tests::{Backend, StatusCode, TestServer, both_backends};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(
    a_stream_resumed_with_last_event_id_misses_nothing,
    a_quiet_stream_keeps_alive_and_ends_when_its_member_is_removed,
);

/// One Server-Sent Events frame.
#[derive(Debug, Default)]
struct Frame {
    id: Option<i64>,
    event: Option<String>,
    data: Option<Value>,
    comment: Option<String>,
}

struct Stream {
    res: reqwest::Response,
    buffer: String,
}

impl Stream {
    async fn open(s: &TestServer, token: &str, last_event_id: Option<i64>) -> Self {
        let mut req = s
            .client
            .get(s.url("/api/v1/events/stream"))
            .bearer_auth(token)
            .header("accept", "text/event-stream");
        if let Some(id) = last_event_id {
            req = req.header("last-event-id", id.to_string());
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["content-type"], "text/event-stream");
        assert_eq!(res.headers()["cache-control"], "no-cache");
        Self {
            res,
            buffer: String::new(),
        }
    }

    /// The next frame; `None` when the server ended the stream.
    async fn next(&mut self) -> Option<Frame> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let text: String = self.buffer.drain(..end + 2).collect();
                let mut frame = Frame::default();
                for line in text.lines().filter(|l| !l.is_empty()) {
                    match line.split_once(':') {
                        Some(("", comment)) => frame.comment = Some(comment.trim().to_owned()),
                        Some(("id", v)) => frame.id = Some(v.trim().parse().unwrap()),
                        Some(("event", v)) => frame.event = Some(v.trim().to_owned()),
                        Some(("data", v)) => frame.data = Some(serde_json::from_str(v).unwrap()),
                        Some(("retry", _)) => frame.comment = Some("retry".to_owned()),
                        _ => panic!("not a Server-Sent Events line: {line:?}"),
                    }
                }
                return Some(frame);
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.res.chunk())
                .await
                .expect("the stream went silent")
                .unwrap()?;
            self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }

    /// Events until the one with id `last`, in order.
    async fn events_until(&mut self, last: i64) -> Vec<Frame> {
        let mut events = Vec::new();
        while events.last().and_then(|e: &Frame| e.id) != Some(last) {
            let frame = self.next().await.expect("the stream ended early");
            if frame.id.is_some() {
                events.push(frame);
            }
        }
        events
    }
}

/// The ids of every event of the caller's feed, in order.
async fn feed(s: &TestServer, token: &str) -> Vec<i64> {
    let (mut ids, mut after) = (Vec::new(), 0);
    loop {
        let (status, page) = s
            .get(&format!("/api/v1/events?after={after}&limit=200"), token)
            .await;
        assert_eq!(status, StatusCode::OK);
        let items = page["items"].as_array().unwrap();
        if items.is_empty() {
            return ids;
        }
        ids.extend(items.iter().map(|e| e["seq"].as_i64().unwrap()));
        after = page["next_after"].as_i64().unwrap();
    }
}

async fn reading(s: &TestServer, token: &str, device: &str) {
    let (status, body) = s
        .post(
            &format!("/api/v1/devices/{device}/meter-readings"),
            token,
            json!({"values": {"black": 500}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

async fn a_stream_resumed_with_last_event_id_misses_nothing(b: Backend) {
    let s = TestServer::start(b).await;
    let cs = s.staff(StaffRole::CustomerService).await;
    let account = s.create_account(&cs, "C-5100", "S-5100").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let site = s.create_site(&cs, &account, "HQ", "Europe/Stockholm").await;
    let model = s.create_model(&cs, "Matrix 40", 40, &["black"]).await;
    let mut devices = Vec::new();
    for serial in ["SSE-1", "SSE-2", "SSE-3", "SSE-4"] {
        devices.push(
            s.create_device(&cs, &account, &site, &model, serial).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let admin = s.customer(&account, CustomerRole::Administrator).await;

    // The stream from the start: what the feed held, then what happens while it is open.
    let mut first = Stream::open(&s, &admin, None).await;
    assert_eq!(
        first.next().await.unwrap().comment.as_deref(),
        Some("retry")
    );
    reading(&s, &admin, &devices[0]).await;
    reading(&s, &admin, &devices[1]).await;
    let so_far = feed(&s, &admin).await;
    let mut received = first.events_until(*so_far.last().unwrap()).await;
    drop(first);

    // While it is closed, more happens; a reconnect with Last-Event-ID picks up there.
    reading(&s, &admin, &devices[2]).await;
    s.create_site(&cs, &account, "Branch", "Europe/Stockholm")
        .await;
    let last_seen = received.last().unwrap().id.unwrap();
    let mut second = Stream::open(&s, &admin, Some(last_seen)).await;
    assert_eq!(
        second.next().await.unwrap().comment.as_deref(),
        Some("retry")
    );
    reading(&s, &admin, &devices[3]).await;
    let all = feed(&s, &admin).await;
    received.extend(second.events_until(*all.last().unwrap()).await);

    // Exactly the feed, in its order: nothing missed, nothing twice.
    let ids: Vec<i64> = received.iter().map(|f| f.id.unwrap()).collect();
    assert_eq!(ids, all);
    for frame in &received {
        let data = frame.data.as_ref().unwrap();
        assert_eq!(data["seq"].as_i64(), frame.id);
        assert_eq!(data["kind"].as_str(), frame.event.as_deref());
    }
    let readings = received
        .iter()
        .filter(|f| f.event.as_deref() == Some("meter_reading.accepted"))
        .count();
    assert_eq!(readings, 4);
    assert!(
        received
            .iter()
            .any(|f| f.event.as_deref() == Some("site.created"))
    );

    // A bad Last-Event-ID is refused before any stream starts.
    let res = s
        .client
        .get(s.url("/api/v1/events/stream"))
        .bearer_auth(&admin)
        .header("last-event-id", "yesterday")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

async fn a_quiet_stream_keeps_alive_and_ends_when_its_member_is_removed(b: Backend) {
    let s = TestServer::start_configured(b, |c| {
        c.event_stream.keep_alive = Duration::from_millis(300);
    })
    .await;
    let cs = s.staff(StaffRole::CustomerService).await;
    let account = s.create_account(&cs, "C-5200", "S-5200").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let admin = s.customer(&account, CustomerRole::Administrator).await;
    let manager = s.customer(&account, CustomerRole::DeviceManager).await;
    let (_, me) = s.get("/api/v1/me", &manager).await;
    let manager_id = me["id"].as_str().unwrap().to_owned();
    let latest = *feed(&s, &manager).await.last().unwrap_or(&0);

    let mut stream = Stream::open(&s, &manager, Some(latest)).await;
    assert_eq!(
        stream.next().await.unwrap().comment.as_deref(),
        Some("retry")
    );
    let quiet = stream.next().await.unwrap();
    assert_eq!(quiet.comment.as_deref(), Some("keep-alive"));
    assert!(quiet.id.is_none());

    let (status, _) = s
        .send(
            Method::DELETE,
            &format!("/api/v1/accounts/{account}/members/{manager_id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    loop {
        match stream.next().await {
            None => break,
            Some(frame) => assert!(frame.id.is_none(), "an event after removal: {frame:?}"),
        }
    }
    // Asked again, the answer is for who they are now: no account's events at all.
    let (status, page) = s.get("/api/v1/events", &manager).await;
    assert_eq!((status, page["items"].clone()), (StatusCode::OK, json!([])));

    // An API client streams with `events:read`, and without it is refused at once.
    let (status, with) = s
        .post(
            "/api/v1/api-clients",
            &admin,
            json!({"name": "Live board", "account_id": account, "scopes": ["events:read"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{with}");
    let (_, without) = s
        .post(
            "/api/v1/api-clients",
            &admin,
            json!({"name": "Meter collector", "account_id": account, "scopes": ["devices:read"]}),
        )
        .await;
    for (client, allowed) in [(with, true), (without, false)] {
        let res = s
            .client
            .post(s.url("/api/v1/oauth/token"))
            .basic_auth(
                client["client_id"].as_str().unwrap(),
                Some(client["client_secret"].as_str().unwrap()),
            )
            .header("content-type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials")
            .send()
            .await
            .unwrap();
        let token: Value = res.json().await.unwrap();
        let token = token["access_token"].as_str().unwrap();
        if allowed {
            let mut stream = Stream::open(&s, token, None).await;
            assert_eq!(
                stream.next().await.unwrap().comment.as_deref(),
                Some("retry")
            );
        } else {
            let (status, _) = s.get("/api/v1/events/stream", token).await;
            assert_eq!(status, StatusCode::FORBIDDEN);
        }
    }
}
