//! Webhooks against a real HTTP receiver on loopback: every event delivered in order through
//! failures, signatures verified here (with an HMAC of our own), secret rotation, pings, two
//! server processes delivering each delivery once, the retry window's end, and the address
//! checks outside development.
#![expect(clippy::unwrap_used, reason = "tests")]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use chrono::{TimeZone, Utc};
use fleetdesk_api::state::Clock;
use fleetdesk_domain::identity::{CustomerRole, StaffRole};
use fleetdesk_tests::{Backend, ServerProcess, StatusCode, TestServer, both_backends};
use hmac::{KeyInit, Mac};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(
    a_receiver_that_fails_three_times_gets_every_event_in_order_and_signed,
    two_server_processes_deliver_each_delivery_once,
    a_webhook_failing_for_the_whole_window_is_disabled_and_its_creator_mailed,
    outside_development_only_public_https_targets_are_reached,
    a_delivery_is_held_by_one_process_at_a_time,
    redirects_are_not_followed,
    names_that_never_resolve_hold_up_no_other_request,
);

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    delivery: String,
    event: String,
    signature: String,
    body: String,
    answered: u16,
}

/// A webhook receiver on loopback: it answers 500 to its first `fail_first` requests, then
/// 200, after `delay`; it keeps every request.
#[derive(Clone)]
struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    url: String,
    _server: actix_web::dev::ServerHandle,
}

impl Receiver {
    async fn start(fail_first: usize, delay: Duration) -> Self {
        Self::start_with(fail_first, delay, None).await
    }

    /// A receiver that answers every request with a redirect to `to`.
    async fn redirecting(to: &str) -> Self {
        Self::start_with(0, Duration::ZERO, Some(to.to_owned())).await
    }

    async fn start_with(fail_first: usize, delay: Duration, redirect: Option<String>) -> Self {
        let got: Arc<Mutex<Vec<Received>>> = Arc::default();
        let shared = got.clone();
        let server = HttpServer::new(move || {
            let got = shared.clone();
            let redirect = redirect.clone();
            App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                let (got, redirect) = (got.clone(), redirect.clone());
                async move {
                    tokio::time::sleep(delay).await;
                    let header = |name: &str| {
                        req.headers()
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_owned()
                    };
                    let mut got = got.lock().unwrap();
                    let answered = match redirect {
                        Some(_) => 307,
                        None if got.len() < fail_first => 500,
                        None => 200,
                    };
                    got.push(Received {
                        delivery: header("fleetdesk-delivery"),
                        event: header("fleetdesk-event"),
                        signature: header("fleetdesk-signature"),
                        body: String::from_utf8(body.to_vec()).unwrap(),
                        answered,
                    });
                    let mut answer = HttpResponse::build(
                        actix_web::http::StatusCode::from_u16(answered).unwrap(),
                    );
                    if let Some(to) = redirect {
                        answer.insert_header(("location", to));
                    }
                    answer.body("thanks")
                }
            }))
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .unwrap();
        let port = server.addrs()[0].port();
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            got,
            url: format!("http://127.0.0.1:{port}/hooks/fleetdesk"),
            _server: handle,
        }
    }

    fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits until `done` holds for what was received (at most 30 s).
    async fn wait_for(&self, what: &str, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        for _ in 0..600 {
            let got = self.received();
            if done(&got) {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{what}: received {:#?}", self.received());
    }
}

/// Verifies `Fleetdesk-Signature` as a receiver would: some `v1` is the HMAC-SHA256 of
/// "<t>.<body>" under `secret`, and `t` is within five minutes of now.
fn verifies(signature: &str, body: &str, secret: &str) -> bool {
    let mut t = None;
    let mut candidates = Vec::new();
    for part in signature.split(',') {
        match part.split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => candidates.push(v.to_owned()),
            _ => {}
        }
    }
    let Some(t) = t else { return false };
    if (Utc::now().timestamp() - t).abs() > 300 {
        return false;
    }
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    candidates.contains(&expected)
}

struct Setup {
    s: TestServer,
    cs: String,
    account: String,
    site: String,
    model: String,
    admin: String,
}

async fn setup(s: TestServer) -> Setup {
    let cs = s.staff(StaffRole::CustomerService).await;
    let account = s.create_account(&cs, "C-6100", "S-6100").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let site = s.create_site(&cs, &account, "HQ", "Europe/Stockholm").await;
    let model = s.create_model(&cs, "Matrix 40", 40, &["black"]).await;
    let admin = s.customer(&account, CustomerRole::Administrator).await;
    Setup {
        s,
        cs,
        account,
        site,
        model,
        admin,
    }
}

impl Setup {
    async fn device(&self, serial: &str) -> String {
        self.s
            .create_device(&self.cs, &self.account, &self.site, &self.model, serial)
            .await["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn reading(&self, device: &str) {
        let (status, body) = self
            .s
            .post(
                &format!("/api/v1/devices/{device}/meter-readings"),
                &self.admin,
                json!({"values": {"black": 100}}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }

    async fn webhook(&self, url: &str, events: Value) -> Value {
        let res = self
            .s
            .request(
                Method::POST,
                "/api/v1/webhooks",
                Some(&self.admin),
                Some(
                    json!({"url": url, "events": events, "account_id": self.account,
                    "description": "The print room's system"}),
                ),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        assert_eq!(res.headers()["cache-control"], "no-store");
        let hook: Value = res.json().await.unwrap();
        assert!(hook["secret"].as_str().unwrap().starts_with("whsec_"));
        hook
    }

    /// `path` as the admin reads it, read again (at most 10 s) until `done` holds of it: what
    /// the deliverer writes comes a moment after what the receiver sees. The last reading.
    async fn read_until(&self, path: &str, done: impl Fn(&Value) -> bool) -> Value {
        let mut body = Value::Null;
        for _ in 0..200 {
            let (status, now) = self.s.get(path, &self.admin).await;
            assert_eq!(status, StatusCode::OK, "{now}");
            body = now;
            if done(&body) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        body
    }

    /// The admin's events of `kinds`, in feed order.
    async fn feed_of(&self, kinds: &[&str]) -> Vec<Value> {
        let (_, page) = self.s.get("/api/v1/events?limit=200", &self.admin).await;
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| kinds.contains(&e["kind"].as_str().unwrap()))
            .cloned()
            .collect()
    }
}

async fn a_receiver_that_fails_three_times_gets_every_event_in_order_and_signed(b: Backend) {
    let t = setup(TestServer::start(b).await).await;
    let mut devices = Vec::new();
    for serial in ["WH-1", "WH-2", "WH-3", "WH-4", "WH-5"] {
        devices.push(t.device(serial).await);
    }
    let receiver = Receiver::start(3, Duration::ZERO).await;
    let kinds = ["meter_reading.accepted", "device.location_changed"];
    let hook = t.webhook(&receiver.url, json!(kinds)).await;
    let (id, secret) = (
        hook["id"].as_str().unwrap().to_owned(),
        hook["secret"].as_str().unwrap().to_owned(),
    );
    for device in &devices {
        t.reading(device).await;
    }
    let (status, _) =
        t.s.send(
            Method::PATCH,
            &format!("/api/v1/devices/{}/location", devices[0]),
            Some(&t.admin),
            Some(json!({"location": "Floor 3"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // Not subscribed to: never delivered.
    t.s.create_site(&t.cs, &t.account, "Annex", "Europe/Stockholm")
        .await;
    // Another account's reading: outside the owner's feed, never delivered.
    let other = t.s.create_account(&t.cs, "C-6101", "S-6101").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let other_site = t.s.create_site(&t.cs, &other, "Oslo", "Europe/Oslo").await;
    let foreign =
        t.s.create_device(&t.cs, &other, &other_site, &t.model, "WH-X")
            .await["id"]
            .as_str()
            .unwrap()
            .to_owned();
    let (status, _) =
        t.s.post(
            &format!("/api/v1/devices/{foreign}/meter-readings"),
            &t.cs,
            json!({"values": {"black": 100}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    let expected = t.feed_of(&kinds).await;
    assert_eq!(expected.len(), 6);
    let got = receiver
        .wait_for("six events after three failures", |got| {
            got.iter().filter(|r| r.answered == 200).count() == 6
        })
        .await;
    // The first event was tried until the receiver recovered; nothing overtook it.
    assert_eq!(got.len(), 9, "{got:#?}");
    assert!(got[..4].iter().all(|r| r.delivery == got[0].delivery));
    assert_eq!(
        got.iter().map(|r| r.answered).collect::<Vec<_>>(),
        [500, 500, 500, 200, 200, 200, 200, 200, 200]
    );
    let delivered: Vec<&Received> = got.iter().filter(|r| r.answered == 200).collect();
    let bodies: Vec<Value> = delivered
        .iter()
        .map(|r| serde_json::from_str(&r.body).unwrap())
        .collect();
    assert_eq!(
        bodies, expected,
        "every event, in feed order, as the feed shows it"
    );
    let mut ids: Vec<&str> = delivered.iter().map(|r| r.delivery.as_str()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 6, "one delivery id per event");
    for r in &got {
        assert!(verifies(&r.signature, &r.body, &secret), "{r:?}");
        assert!(!verifies(&r.signature, &r.body, "whsec_someone-else"));
        let body: Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(r.event, body["kind"].as_str().unwrap());
    }

    // The deliveries and every attempt, as the owner sees them: the last outcome is written
    // once its answer has come back to the deliverer, a moment after the receiver has it.
    let deliveries = t
        .read_until(&format!("/api/v1/webhooks/{id}/deliveries"), |d| {
            d.as_array()
                .is_some_and(|d| d.iter().all(|d| d["status"] == "delivered"))
        })
        .await;
    let deliveries = deliveries.as_array().unwrap();
    assert_eq!(deliveries.len(), 6);
    assert!(deliveries.iter().all(|d| d["status"] == "delivered"));
    let first = deliveries
        .iter()
        .find(|d| d["id"] == got[0].delivery.as_str())
        .unwrap();
    let statuses: Vec<i64> = first["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["response_status"].as_i64().unwrap())
        .collect();
    assert_eq!(statuses, [500, 500, 500, 200]);
    assert!(
        first["attempts"][0]["error"]
            .as_str()
            .unwrap()
            .contains("500")
    );
    assert_eq!(first["attempts"][3]["error"], Value::Null);

    // A ping; then a rotation: the next delivery carries both signatures.
    let (status, ping) =
        t.s.post(&format!("/api/v1/webhooks/{id}/ping"), &t.admin, json!({}))
            .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{ping}");
    let got = receiver
        .wait_for("the ping", |got| got.iter().any(|r| r.event == "ping"))
        .await;
    assert_eq!(got.last().unwrap().delivery, ping["id"].as_str().unwrap());
    let (status, rotated) =
        t.s.post(
            &format!("/api/v1/webhooks/{id}/secret"),
            &t.admin,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{rotated}");
    let new_secret = rotated["secret"].as_str().unwrap().to_owned();
    let device = t.device("WH-6").await;
    t.reading(&device).await;
    let got = receiver
        .wait_for("a delivery after the rotation", |got| got.len() == 11)
        .await;
    let last = got.last().unwrap();
    assert_eq!(last.signature.matches("v1=").count(), 2);
    assert!(verifies(&last.signature, &last.body, &new_secret));
    assert!(verifies(&last.signature, &last.body, &secret));

    // Redelivery: the same delivery id again.
    let (status, _) =
        t.s.post(
            &format!(
                "/api/v1/webhooks/{id}/deliveries/{}/redeliver",
                got[3].delivery
            ),
            &t.admin,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let got = receiver
        .wait_for("the redelivery", |got| got.len() == 12)
        .await;
    assert_eq!(got[11].delivery, got[3].delivery);
    assert_eq!(got[11].body, got[3].body);

    // Another account's administrator does not reach the webhook.
    let stranger = t.s.customer(&other, CustomerRole::Administrator).await;
    let (status, _) = t.s.get(&format!("/api/v1/webhooks/{id}"), &stranger).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) =
        t.s.get(&format!("/api/v1/webhooks/{id}/deliveries"), &stranger)
            .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn two_server_processes_deliver_each_delivery_once(b: Backend) {
    let t = setup(TestServer::start(b).await).await;
    let other = ServerProcess::start_with_env(
        &t.s.database_url,
        &[("FLEETDESK_ENV", "dev"), ("WEBHOOK_POLL_MS", "20")],
    )
    .await;
    let mut devices = Vec::new();
    for i in 0..12 {
        devices.push(t.device(&format!("TWO-{i}")).await);
    }
    // A slow receiver widens the window in which both processes look at the same delivery.
    let receiver = Receiver::start(0, Duration::from_millis(40)).await;
    t.webhook(&receiver.url, json!(["meter_reading.accepted"]))
        .await;
    for device in &devices {
        t.reading(device).await;
    }
    let got = receiver
        .wait_for("twelve deliveries", |got| got.len() >= 12)
        .await;
    // Time for a second delivery of anything to arrive, were there one.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got_now = receiver.received();
    assert_eq!(got_now.len(), 12, "{got:#?}");
    let mut ids: Vec<&str> = got_now.iter().map(|r| r.delivery.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 12, "each delivery once");
    let bodies: Vec<Value> = got_now
        .iter()
        .map(|r| serde_json::from_str(&r.body).unwrap())
        .collect();
    assert_eq!(bodies, t.feed_of(&["meter_reading.accepted"]).await);
    drop(other);
}

async fn a_webhook_failing_for_the_whole_window_is_disabled_and_its_creator_mailed(b: Backend) {
    let start = Utc.with_ymd_and_hms(2026, 6, 15, 9, 0, 0).unwrap();
    let clock = Clock::fixed(start);
    let c = clock.clone();
    let t = setup(TestServer::start_configured(b, move |config| config.clock = c).await).await;
    let (_, me) = t.s.get("/api/v1/me", &t.admin).await;
    let email = me["email"].as_str().unwrap().to_owned();
    let device = t.device("FAIL-1").await;
    let receiver = Receiver::start(usize::MAX, Duration::ZERO).await;
    let hook = t
        .webhook(&receiver.url, json!(["meter_reading.accepted"]))
        .await;
    let id = hook["id"].as_str().unwrap().to_owned();
    t.reading(&device).await;
    receiver
        .wait_for("a first attempt", |got| got.len() == 1)
        .await;
    // Recorded (with the clock the attempt saw) before the clock moves on.
    let list = t
        .read_until(&format!("/api/v1/webhooks/{id}/deliveries"), |list| {
            list[0]["attempts"].as_array().is_some_and(|a| a.len() == 1)
        })
        .await;
    if list[0]["attempts"].as_array().is_some_and(|a| a.len() == 1) {
        assert_eq!(list[0]["status"], "pending");
    }

    // The clock stands still: the retry waits for it. A day later, the last try fails too.
    clock.set(start + chrono::Duration::hours(24) + chrono::Duration::seconds(1));
    receiver
        .wait_for("the last attempt", |got| got.len() == 2)
        .await;
    let hook = t
        .read_until(&format!("/api/v1/webhooks/{id}"), |hook| {
            hook["active"] == false
        })
        .await;
    assert_eq!(hook["active"], false, "{hook}");
    assert!(
        hook["disabled_reason"]
            .as_str()
            .unwrap()
            .contains("failed for 24 hours")
    );
    let (_, deliveries) =
        t.s.get(&format!("/api/v1/webhooks/{id}/deliveries"), &t.admin)
            .await;
    assert_eq!(deliveries[0]["status"], "failed");
    assert_eq!(deliveries[0]["attempts"].as_array().unwrap().len(), 2);
    let mails = t.s.mails_to(&email).await;
    assert!(
        mails
            .iter()
            .any(|m| m.subject.contains("webhook was disabled") && m.body.contains(&id)),
        "{mails:?}"
    );
    // Disabled: nothing more is attempted, whatever happens.
    let second = t.device("FAIL-2").await;
    t.reading(&second).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.received().len(), 2);
}

async fn outside_development_only_public_https_targets_are_reached(b: Backend) {
    let t = setup(TestServer::start_configured(b, |c| c.dev_mode = false).await).await;
    for (url, why) in [
        ("http://93.184.215.14/hook", "must be https"),
        ("https://127.0.0.1/hook", "not a public address"),
        ("https://localhost/hook", "not a public address"),
        (
            "https://169.254.169.254/latest/meta-data",
            "not a public address",
        ),
        ("https://10.0.0.7/hook", "not a public address"),
        ("https://192.168.1.20/hook", "not a public address"),
        ("https://[::1]/hook", "not a public address"),
        ("https://[fd00:ec2::254]/hook", "not a public address"),
        ("https://[::ffff:127.0.0.1]/hook", "not a public address"),
        ("https://100.100.100.200/hook", "not a public address"),
        (
            "https://fleetdesk-no-such-host.invalid/hook",
            "cannot be resolved",
        ),
        ("ftp://93.184.215.14/hook", "must be https"),
    ] {
        let problem = t
            .s
            .expect_problem(
                Method::POST,
                "/api/v1/webhooks",
                Some(&t.admin),
                Some(json!({"url": url, "events": ["meter_reading.accepted"], "account_id": t.account})),
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
            )
            .await;
        assert_eq!(problem["errors"][0]["field"], "url");
        let message = problem["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(why), "{url}: {message}");
    }

    // Subscriptions whose names were public when checked and point inwards now (DNS
    // rebinding), written as such: every delivery is refused at connection time.
    let receiver = Receiver::start(0, Duration::ZERO).await;
    let port = receiver
        .url
        .split(':')
        .nth(2)
        .unwrap()
        .split('/')
        .next()
        .unwrap();
    let (_, me) = t.s.get("/api/v1/me", &t.admin).await;
    let admin_id = me["id"].as_str().unwrap().to_owned();
    let mut hooks = Vec::new();
    for url in [
        format!("https://127.0.0.1:{port}/hooks"),
        format!("https://localhost:{port}/hooks"),
    ] {
        let (db, account, admin_id) = (t.s.db.clone(), t.account.clone(), admin_id.clone());
        let id = tokio::task::spawn_blocking(move || {
            let mut conn = db.conn().unwrap();
            let now = Utc::now().naive_utc();
            let row = fleetdesk_persistence::webhooks::WebhookRow {
                id: fleetdesk_persistence::new_id(),
                account_id: Some(account),
                dealer_id: None,
                url,
                description: String::new(),
                event_kinds: "meter_reading.accepted".into(),
                created_by: admin_id,
                created_at: now,
                updated_at: now,
                active: true,
                disabled_reason: None,
                feed_cursor: fleetdesk_persistence::events::latest_seq(&mut conn).unwrap(),
                deliveries_made: 0,
            };
            fleetdesk_persistence::webhooks::insert_webhook(&mut conn, &row).unwrap();
            row.id
        })
        .await
        .unwrap();
        hooks.push(id);
    }
    let device = t.device("SSRF-1").await;
    t.reading(&device).await;
    for id in &hooks {
        let errors_of = |deliveries: &Value| -> Vec<String> {
            deliveries[0]["attempts"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|x| x["error"].as_str().unwrap_or_default().to_owned())
                        .collect()
                })
                .unwrap_or_default()
        };
        let deliveries = t
            .read_until(&format!("/api/v1/webhooks/{id}/deliveries"), |d| {
                !errors_of(d).is_empty()
            })
            .await;
        let errors = errors_of(&deliveries);
        assert!(
            errors
                .iter()
                .all(|e| e.contains("not a public address") || e.contains("no public address")),
            "{id}: {errors:?}"
        );
        assert!(!errors.is_empty(), "{id}: never attempted");
    }
    assert!(
        receiver.received().is_empty(),
        "a refused address was reached"
    );
}

/// The lease is what keeps two processes from attempting one delivery at once: of two that
/// ask at the same moment, one gets it; it is free again when its lease ends.
async fn a_delivery_is_held_by_one_process_at_a_time(b: Backend) {
    use fleetdesk_persistence::webhooks as repo;
    let t = setup(TestServer::start(b).await).await;
    let receiver = Receiver::start(0, Duration::ZERO).await;
    let hook = t
        .webhook(&receiver.url, json!(["meter_reading.accepted"]))
        .await;
    // A ping is a delivery like any other.
    let (_, ping) =
        t.s.post(
            &format!("/api/v1/webhooks/{}/ping", hook["id"].as_str().unwrap()),
            &t.admin,
            json!({}),
        )
        .await;
    receiver.wait_for("the ping", |got| got.len() == 1).await;
    // Paused, so that this server's own deliverer leaves it to the test.
    let (status, _) =
        t.s.patch(
            &format!("/api/v1/webhooks/{}", hook["id"].as_str().unwrap()),
            &t.admin,
            json!({"active": false}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (db, id) = (t.s.db.clone(), ping["id"].as_str().unwrap().to_owned());
    tokio::task::spawn_blocking(move || {
        let mut conn = db.conn().unwrap();
        let now = Utc::now();
        let until = now + chrono::Duration::seconds(30);
        // Delivered: not to be taken at all.
        assert!(!repo::lease(&mut conn, &id, now, until).unwrap());
        repo::requeue(&mut conn, &id, now).unwrap();
        assert!(repo::lease(&mut conn, &id, now, until).unwrap());
        assert!(!repo::lease(&mut conn, &id, now, until).unwrap());
        // Once the holder's lease ran out (it died), another process may take it.
        let later = until + chrono::Duration::seconds(1);
        assert!(repo::lease(&mut conn, &id, later, later + chrono::Duration::seconds(30)).unwrap());
    })
    .await
    .unwrap();
}

/// A receiver that answers with a redirect has not taken the delivery: the redirect's target
/// is never reached, and the attempt says why it failed.
async fn redirects_are_not_followed(b: Backend) {
    let t = setup(TestServer::start(b).await).await;
    let target = Receiver::start(0, Duration::ZERO).await;
    let redirecting = Receiver::redirecting(&target.url).await;
    let hook = t
        .webhook(&redirecting.url, json!(["meter_reading.accepted"]))
        .await;
    let device = t.device("REDIR-1").await;
    t.reading(&device).await;
    redirecting
        .wait_for("two attempts", |got| got.len() >= 2)
        .await;
    let (_, deliveries) =
        t.s.get(
            &format!(
                "/api/v1/webhooks/{}/deliveries",
                hook["id"].as_str().unwrap()
            ),
            &t.admin,
        )
        .await;
    let attempt = &deliveries[0]["attempts"][0];
    assert_eq!(attempt["response_status"], 307);
    assert!(
        attempt["error"]
            .as_str()
            .unwrap()
            .contains("redirects are not followed"),
        "{attempt}"
    );
    assert_eq!(deliveries[0]["status"], "pending");
    assert!(target.received().is_empty(), "the redirect was followed");
}

/// Checking a webhook's host waits on a nameserver; one that never answers (or an attacker's
/// names that it cannot answer) must not take what the rest of the server needs. More checks
/// than the server has threads for database work wait on a silent nameserver at once; a
/// request that needs the database is served while every one of them still waits, and each
/// check then ends as a name that cannot be resolved, having written nothing.
async fn names_that_never_resolve_hold_up_no_other_request(b: Backend) {
    // A nameserver that takes every question and answers none.
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let nameserver = silent.local_addr().unwrap();
    let t = setup(
        TestServer::start_configured(b, |c| {
            c.dev_mode = false;
            c.webhooks.nameservers = vec![nameserver];
        })
        .await,
    )
    .await;
    let answered = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let checks: Vec<_> = (0..24)
        .map(|i| {
            let (client, answered) = (t.s.client.clone(), answered.clone());
            let request = client
                .post(format!("{}/api/v1/webhooks", t.s.base))
                .bearer_auth(&t.admin)
                .json(
                    &json!({"url": format!("https://hook-{i}.fleetdesk.test/in"),
                    "events": ["meter_reading.accepted"], "account_id": t.account}),
                );
            tokio::spawn(async move {
                let res = request.send().await.unwrap();
                answered.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let status = res.status();
                (status, res.json::<Value>().await.unwrap())
            })
        })
        .collect();
    // Every check has reached its lookup (the server has read and authorised each).
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (status, hooks) = t.s.get("/api/v1/webhooks", &t.admin).await;
    assert_eq!(status, StatusCode::OK, "{hooks}");
    assert_eq!(
        answered.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "the list waited for the lookups to end"
    );
    for check in checks {
        let (status, problem) = check.await.unwrap();
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "url", "{problem}");
        let message = problem["errors"][0]["message"].as_str().unwrap();
        assert!(
            message.contains("cannot be resolved: its nameserver gave no answer within 5 s"),
            "{message}"
        );
    }
    let (_, hooks) = t.s.get("/api/v1/webhooks", &t.admin).await;
    assert_eq!(hooks.as_array().unwrap().len(), 0, "{hooks}");
    assert!(
        questions(&silent).iter().any(|q| contains(q, b"hook-0")),
        "the names were asked at the nameserver configured"
    );

    // Whoever may not subscribe never has the server ask a nameserver anything.
    let manager = t.s.customer(&t.account, CustomerRole::DeviceManager).await;
    t.s.expect_problem(
        Method::POST,
        "/api/v1/webhooks",
        Some(&manager),
        Some(json!({"url": "https://not-asked.fleetdesk.test/in",
            "events": ["meter_reading.accepted"], "account_id": t.account})),
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    t.s.expect_problem(
        Method::PATCH,
        "/api/v1/webhooks/any",
        Some(&manager),
        Some(json!({"url": "https://not-asked.fleetdesk.test/in"})),
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert!(
        !questions(&silent).iter().any(|q| contains(q, b"not-asked")),
        "a name was looked up for a caller who may not subscribe"
    );
}

/// The questions a nameserver socket has been sent and not yet read.
fn questions(socket: &std::net::UdpSocket) -> Vec<Vec<u8>> {
    socket.set_nonblocking(true).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 1500];
    while let Ok((n, _)) = socket.recv_from(&mut buf) {
        got.push(buf[..n].to_vec());
    }
    got
}

fn contains(datagram: &[u8], label: &[u8]) -> bool {
    datagram.windows(label.len()).any(|w| w == label)
}
