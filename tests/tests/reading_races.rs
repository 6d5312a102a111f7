//! A reading is decided on what the device's history was when it was read, and added only if
//! nothing came in between (PostgreSQL, where several transactions write at once and a reading
//! holds no lock across its round trips). Another writer's transaction is held open while a
//! reading is decided against the history before it: once that writer commits, the reading is
//! decided again on the new history.
#![expect(clippy::unwrap_used, reason = "tests")]

mod postgres {
    use std::sync::mpsc;
    use std::time::{Duration, Instant};

    use chrono::{TimeZone, Utc};
    use diesel::RunQueryDsl;
    use fleetdesk_api::app::{devices as app_devices, readings as app_readings};
    use fleetdesk_api::clock::Clock;
    use fleetdesk_api::error::ApiError;
    use fleetdesk_domain::identity::{CustomerRole, StaffRole};
    use fleetdesk_domain::readings::CorrectionKind;
    use fleetdesk_persistence::identity::load_principal;
    use fleetdesk_persistence::{Conn, Db, write};
    use fleetdesk_tests::{Backend, StatusCode, TestServer};
    use serde_json::{Value, json};

    /// Runs `change` in a transaction of its own on another connection, and holds the
    /// transaction open until the returned sender is used.
    fn hold(
        db: Db,
        change: impl FnOnce(&mut Conn) -> Result<(), ApiError> + Send + 'static,
    ) -> (mpsc::Sender<()>, std::thread::JoinHandle<()>) {
        let (done_tx, done) = mpsc::channel::<()>();
        let (commit_tx, commit) = mpsc::channel::<()>();
        let writer = std::thread::spawn(move || {
            let mut conn = db.conn().unwrap();
            write(&mut conn, |c| -> Result<(), ApiError> {
                change(c)?;
                done_tx.send(()).unwrap();
                commit.recv().unwrap();
                Ok(())
            })
            .unwrap();
        });
        done.recv_timeout(Duration::from_secs(10)).unwrap();
        (commit_tx, writer)
    }

    /// Waits until a statement of another session waits for a row lock.
    fn wait_for_a_lock_wait(db: &Db) {
        #[derive(diesel::QueryableByName)]
        struct Waiting {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let mut conn = db.conn().unwrap();
            let waiting: Waiting = diesel::sql_query(
                "SELECT count(*) AS n FROM pg_stat_activity \
                 WHERE wait_event_type = 'Lock' AND query LIKE '%entries_version%'",
            )
            .get_result(&mut **conn)
            .unwrap();
            if waiting.n > 0 {
                return;
            }
            assert!(Instant::now() < deadline, "the reading never waited");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Customer service (`cs_id`) corrects `device` to a true count of 5,000 at `at`, in a
    /// transaction held open (see [`hold`]).
    fn hold_correction(
        s: &TestServer,
        cs_id: String,
        device: &str,
        at: chrono::DateTime<Utc>,
    ) -> (mpsc::Sender<()>, std::thread::JoinHandle<()>) {
        let device = device.to_owned();
        hold(s.db.clone(), move |c| {
            let who = std::sync::Arc::new(load_principal(c, &cs_id)?.unwrap());
            let correction = app_readings::NewCorrection {
                kind: CorrectionKind::WrongEntry,
                values: [("black".to_owned(), Some(5000))].into(),
                final_values: Default::default(),
                reason: "The counter was read wrongly".to_owned(),
            };
            app_readings::correct(c, &who, &device, correction, at)?;
            Ok(())
        })
    }

    /// Sends a reading and, while it is under way, lets the held writer commit.
    async fn reading_while_held(
        s: &TestServer,
        token: &str,
        device: &str,
        black: i64,
        commit: mpsc::Sender<()>,
        writer: std::thread::JoinHandle<()>,
    ) -> (StatusCode, Value) {
        let request = s
            .client
            .post(s.url(&format!("/api/v1/devices/{device}/meter-readings")))
            .bearer_auth(token)
            .json(&json!({"values": {"black": black}}))
            .send();
        let db = s.db.clone();
        let release = tokio::task::spawn_blocking(move || {
            wait_for_a_lock_wait(&db);
            commit.send(()).unwrap();
            writer.join().unwrap();
        });
        let res = request.await.unwrap();
        release.await.unwrap();
        let status = res.status();
        (status, res.json().await.unwrap())
    }

    /// A server on a fixed clock, customer service's user id, an account's administrator
    /// (their token) and its devices (one per serial, of a model of 60 pages a minute).
    struct Setting {
        s: TestServer,
        clock: Clock,
        cs_id: String,
        admin: String,
        devices: Vec<String>,
    }

    /// The devices are read once at 1,000 at 9:00 on a day; the clock then moves on a day.
    async fn devices_read_once(serials: &[&str]) -> Setting {
        let day = Utc.with_ymd_and_hms(2026, 11, 10, 9, 0, 0).unwrap();
        let clock = Clock::fixed(day);
        let c = clock.clone();
        let s =
            TestServer::start_configured(Backend::Postgres, move |config| config.clock = c).await;
        let cs = s.staff_user(StaffRole::CustomerService).await;
        let cs_id = s.get("/api/v1/me", &cs.token).await.1["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let account = s.create_account(&cs.token, "C-RACE", "S-RACE").await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let site = s
            .create_site(&cs.token, &account, "HQ", "Europe/Stockholm")
            .await;
        let model = s.create_model(&cs.token, "Race 60", 60, &["black"]).await;
        let mut devices = Vec::new();
        for serial in serials {
            let device = s
                .create_device(&cs.token, &account, &site, &model, serial)
                .await;
            devices.push(device["id"].as_str().unwrap().to_owned());
        }
        let admin = s.customer(&account, CustomerRole::Administrator).await;
        for device in &devices {
            let (status, body) = s
                .post(
                    &format!("/api/v1/devices/{device}/meter-readings"),
                    &admin,
                    json!({"values": {"black": 1000}}),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
        }
        clock.set(day + chrono::Duration::days(1));
        Setting {
            s,
            clock,
            cs_id,
            admin,
            devices,
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_reading_is_decided_again_when_an_entry_or_the_removal_came_first() {
        let Setting {
            s,
            clock,
            cs_id,
            admin,
            devices,
        } = devices_read_once(&["RACE-1", "RACE-2"]).await;
        let now = clock.now();

        // Customer service corrects the first device to a true count of 5,000 and holds its
        // transaction; a reading of 3,000 (above the 1,000 it can see) waits for it, and is
        // then decided against the correction: lower than the count now on record.
        let cs_again = cs_id.clone();
        let (commit, writer) = hold_correction(&s, cs_id, &devices[0], now);
        let (status, problem) =
            reading_while_held(&s, &admin, &devices[0], 3000, commit, writer).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(problem["code"], "meter_reading_lower_than_previous");
        let (_, history) = s
            .get(
                &format!("/api/v1/devices/{}/meter-readings", devices[0]),
                &admin,
            )
            .await;
        let kinds: Vec<_> = history["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["correction", "reading"], "{history}");

        // The second device is removed in a transaction held open; a reading decided on the
        // active device waits for it, and is then refused: the removed device takes none.
        let device = devices[1].clone();
        let (commit, writer) = hold(s.db.clone(), move |c| {
            let who = std::sync::Arc::new(load_principal(c, &cs_again)?.unwrap());
            app_devices::remove(c, &who, &device, now)
        });
        let (status, problem) =
            reading_while_held(&s, &admin, &devices[1], 3000, commit, writer).await;
        assert_eq!(status, StatusCode::CONFLICT, "{problem}");
        assert_eq!(problem["code"], "device_removed");
        let (_, history) = s
            .get(
                &format!("/api/v1/devices/{}/meter-readings", devices[1]),
                &admin,
            )
            .await;
        assert_eq!(history["items"].as_array().unwrap().len(), 1, "{history}");
    }

    /// An entry decided again after another came first is recorded after it, whatever the
    /// time its request began with: the newest entry is the last one added, and a later
    /// reading is checked against it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_entry_decided_again_is_recorded_after_the_one_that_came_first() {
        let Setting {
            s,
            clock,
            cs_id,
            admin,
            devices,
        } = devices_read_once(&["RACE-1"]).await;
        let device = devices[0].clone();
        let readings = format!("/api/v1/devices/{device}/meter-readings");

        // A correction to 5,000 whose request began a minute after the reading's (another
        // process, or a request that took its time) commits while the reading of 5,050 waits:
        // the reading is decided again against the correction, and is the newest entry.
        let corrected_at = clock.now() + chrono::Duration::minutes(1);
        let (commit, writer) = hold_correction(&s, cs_id, &device, corrected_at);
        let (status, body) = reading_while_held(&s, &admin, &device, 5050, commit, writer).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let (_, history) = s.get(&readings, &admin).await;
        let entries: Vec<_> = history["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["kind"].as_str().unwrap(), e["values"]["black"].as_i64()))
            .collect();
        assert_eq!(
            entries,
            [
                ("reading", Some(5050)),
                ("correction", Some(5000)),
                ("reading", Some(1000))
            ],
            "newest first: {history}"
        );

        // The next day, a count below the 5,050 on record is refused.
        clock.set(clock.now() + chrono::Duration::days(1));
        let (status, problem) = s
            .post(&readings, &admin, json!({"values": {"black": 5020}}))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(problem["code"], "meter_reading_lower_than_previous");
    }
}
