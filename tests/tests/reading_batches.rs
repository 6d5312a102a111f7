//! Meter readings of concurrent requests are added together on PostgreSQL (`EntryBatch`): one
//! statement and one commit, while each entry still moves its device's version only from the
//! version its own checks read and gets its own answer. A transaction holding one device's row
//! keeps a first batch waiting while the next one gathers.
#![expect(clippy::unwrap_used, reason = "tests")]

mod postgres {
    use std::sync::{Arc, mpsc};
    use std::thread::JoinHandle;
    use std::time::{Duration, Instant};

    use chrono::{NaiveDate, Utc};
    use diesel::RunQueryDsl;
    use diesel::sql_types::{BigInt, Text};
    use fleetdesk_domain::events::EventKind;
    use fleetdesk_domain::identity::StaffRole;
    use fleetdesk_domain::readings::{ReadingKind, ReadingSource};
    use fleetdesk_persistence::devices::ReadingRow;
    use fleetdesk_persistence::entry_batch::EntryBatch;
    use fleetdesk_persistence::events::NewEvent;
    use fleetdesk_persistence::labels::Stored;
    use fleetdesk_persistence::{Db, DbError, PoolOptions, new_id};
    use fleetdesk_tests::{Backend, TestServer};
    use serde_json::json;

    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }

    fn count(db: &Db, query: &str) -> i64 {
        let row: Count = diesel::sql_query(query)
            .get_result(&mut **db.conn().unwrap())
            .unwrap();
        row.n
    }

    /// Holds device `id`'s row locked in a transaction of its own until the sender is used.
    fn lock_device(db: &Db, id: &str) -> (mpsc::Sender<()>, JoinHandle<()>) {
        let (locked_tx, locked) = mpsc::channel::<()>();
        let (release_tx, release) = mpsc::channel::<()>();
        let (db, id) = (db.clone(), id.to_owned());
        let holder = std::thread::spawn(move || {
            let mut conn = db.conn().unwrap();
            fleetdesk_persistence::write(&mut conn, |c| -> Result<(), DbError> {
                diesel::sql_query("SELECT id FROM devices WHERE id = $1 FOR UPDATE")
                    .bind::<Text, _>(&id)
                    .execute(c)?;
                locked_tx.send(()).unwrap();
                release.recv().unwrap();
                Ok(())
            })
            .unwrap();
        });
        locked.recv_timeout(Duration::from_secs(10)).unwrap();
        (release_tx, holder)
    }

    fn until(what: &str, done: impl Fn() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !done() {
            assert!(Instant::now() < deadline, "never: {what}");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits until a batch's statement waits for a row lock another transaction holds.
    fn a_batch_waits_for_a_lock(db: &Db) {
        until("the first batch waits for the lock", || {
            count(
                db,
                "SELECT count(*) AS n FROM pg_stat_activity \
                 WHERE wait_event_type = 'Lock' AND query LIKE '%entries_version%'",
            ) > 0
        });
    }

    /// Adds a reading of `device` decided on `version`, in a thread of its own.
    fn add(
        db: &Db,
        batch: &Arc<EntryBatch>,
        device: &str,
        version: i64,
        user: &str,
        day: NaiveDate,
    ) -> JoinHandle<Result<bool, DbError>> {
        let (db, batch) = (db.clone(), batch.clone());
        let row = ReadingRow {
            id: new_id(),
            device_id: device.to_owned(),
            kind: Stored(ReadingKind::Reading),
            local_day: day,
            meter_values: r#"{"black":2000}"#.to_owned(),
            source: Stored(ReadingSource::Customer),
            correction_kind: None,
            final_values: None,
            reason: None,
            flagged: false,
            recorded_by: user.to_owned(),
            recorded_at: Utc::now().naive_utc(),
        };
        std::thread::spawn(move || {
            let event = NewEvent {
                kind: EventKind::MeterReadingAccepted,
                account_id: None,
                subject_type: "device",
                subject_id: &row.device_id,
                device_id: Some(&row.device_id),
                dealer_id: None,
                actor_id: Some(&row.recorded_by),
                staff_only: false,
                payload: json!({ "reading_id": row.id }),
                at: Utc::now(),
            };
            batch.add(&db, version, &row, event)
        })
    }

    /// A customer-service user's id and `n` devices of one model with a black meter.
    async fn devices(s: &TestServer, n: usize) -> (String, Vec<String>) {
        let cs = s.staff_user(StaffRole::CustomerService).await;
        let user = s.get("/api/v1/me", &cs.token).await.1["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let account = s.create_account(&cs.token, "C-BATCH", "S-BATCH").await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let site = s
            .create_site(&cs.token, &account, "HQ", "Europe/Stockholm")
            .await;
        let model = s.create_model(&cs.token, "Batch 60", 60, &["black"]).await;
        let mut d = Vec::new();
        for n in 0..n {
            let device = s
                .create_device(&cs.token, &account, &site, &model, &format!("BATCH-{n}"))
                .await;
            d.push(device["id"].as_str().unwrap().to_owned());
        }
        (user, d)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn entries_wait_for_their_batch_without_a_connection() {
        let s = TestServer::start(Backend::Postgres).await;
        let (user, d) = devices(&s, 5).await;
        let today = Utc::now().date_naive();
        // A pool of two: one for the batch that waits for a lock, one to spare.
        let small = Db::open(
            &s.database_url,
            &PoolOptions {
                max_size: 2,
                acquire_timeout: Duration::from_secs(2),
                ..PoolOptions::default()
            },
        )
        .unwrap();
        let batch = Arc::new(EntryBatch::new(1));
        let (release, holder) = lock_device(&s.db, &d[0]);
        let first = add(&small, &batch, &d[0], 0, &user, today);
        a_batch_waits_for_a_lock(&s.db);
        let waiting: Vec<_> = d[1..]
            .iter()
            .map(|device| add(&small, &batch, device, 0, &user, today))
            .collect();
        until("four entries wait", || batch.waiting() == 4);
        // Four requests wait and one writes, on a pool of two: the spare is still free.
        drop(small.conn().expect("a connection while entries wait"));
        release.send(()).unwrap();
        holder.join().unwrap();
        assert!(first.join().unwrap().unwrap());
        for added in waiting {
            assert!(added.join().unwrap().unwrap());
        }
        let ids: Vec<String> = d[1..].iter().map(|id| format!("'{id}'")).collect();
        assert_eq!(
            count(
                &s.db,
                &format!(
                    "SELECT count(DISTINCT txid) AS n FROM events \
                     WHERE kind = 'meter_reading.accepted' AND device_id IN ({})",
                    ids.join(", ")
                ),
            ),
            1,
            "the four that waited are added in one batch"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn entries_that_wait_together_are_added_in_one_statement_each_answered_alone() {
        let s = TestServer::start(Backend::Postgres).await;
        let (user, d) = devices(&s, 9).await;
        let db = s.db.clone();
        let today = Utc::now().date_naive();
        let version = |id: &str| {
            count(
                &db,
                &format!("SELECT entries_version AS n FROM devices WHERE id = '{id}'"),
            )
        };
        let readings = |id: &str| {
            count(
                &db,
                &format!("SELECT count(*) AS n FROM meter_readings WHERE device_id = '{id}'"),
            )
        };
        let events = |id: &str| {
            count(
                &db,
                &format!(
                    "SELECT count(*) AS n FROM events WHERE kind = 'meter_reading.accepted' AND device_id = '{id}'"
                ),
            )
        };
        let batches = |ids: &[&String]| {
            let ids: Vec<String> = ids.iter().map(|id| format!("'{id}'")).collect();
            count(
                &db,
                &format!(
                    "SELECT count(DISTINCT txid) AS n FROM events WHERE kind = 'meter_reading.accepted' AND device_id IN ({})",
                    ids.join(", ")
                ),
            )
        };
        diesel::sql_query(format!(
            "UPDATE devices SET status = 'removed' WHERE id = '{}'",
            d[4]
        ))
        .execute(&mut **db.conn().unwrap())
        .unwrap();
        // One writer: a batch waiting for a lock holds back the next, which gathers meanwhile.
        let batch = Arc::new(EntryBatch::new(1));

        // A first entry waits for device 0's row; meanwhile five gather behind it: a fresh
        // one, one decided on a version long gone, two decided on one version of a device,
        // and one of a removed device.
        let (release, holder) = lock_device(&db, &d[0]);
        let first = add(&db, &batch, &d[0], 0, &user, today);
        a_batch_waits_for_a_lock(&db);
        let fresh = add(&db, &batch, &d[1], 0, &user, today);
        let stale = add(&db, &batch, &d[2], 7, &user, today);
        let twins = [
            add(&db, &batch, &d[3], 0, &user, today),
            add(&db, &batch, &d[3], 0, &user, today),
        ];
        let removed = add(&db, &batch, &d[4], 0, &user, today);
        until("five entries wait", || batch.waiting() == 5);
        release.send(()).unwrap();
        holder.join().unwrap();

        assert!(first.join().unwrap().unwrap());
        assert!(fresh.join().unwrap().unwrap());
        assert!(
            !stale.join().unwrap().unwrap(),
            "decided on a version long gone"
        );
        let twins: Vec<bool> = twins
            .into_iter()
            .map(|t| t.join().unwrap().unwrap())
            .collect();
        assert_eq!(twins.iter().filter(|added| **added).count(), 1, "{twins:?}");
        assert!(!removed.join().unwrap().unwrap(), "the device was removed");
        for (device, added) in [(&d[0], 1), (&d[1], 1), (&d[2], 0), (&d[3], 1), (&d[4], 0)] {
            assert_eq!(readings(device), added, "readings of {device}");
            assert_eq!(events(device), added, "events of {device}");
            assert_eq!(version(device), added, "the entries version of {device}");
        }
        assert_eq!(
            batches(&[&d[1], &d[3]]),
            1,
            "the second batch commits as one"
        );
        assert_eq!(
            batches(&[&d[0], &d[1]]),
            2,
            "the first batch committed before"
        );

        // A batch one of whose entries breaks a rule of the database (a reading of the day
        // written without the version) fails as a whole; each entry is then added alone and
        // gets its own answer.
        diesel::sql_query(format!(
            "INSERT INTO meter_readings (id, device_id, kind, local_day, meter_values, source, flagged, recorded_by, recorded_at) \
             VALUES ('{}', '{}', 'reading', CURRENT_DATE, '{{\"black\":1000}}', 'customer', FALSE, '{user}', now())",
            new_id(), d[6]
        ))
        .execute(&mut **db.conn().unwrap())
        .unwrap();
        let (release, holder) = lock_device(&db, &d[5]);
        let first = add(&db, &batch, &d[5], 0, &user, today);
        a_batch_waits_for_a_lock(&db);
        let twice_today = add(&db, &batch, &d[6], 0, &user, today);
        let others = [
            add(&db, &batch, &d[7], 0, &user, today),
            add(&db, &batch, &d[8], 0, &user, today),
        ];
        until("three entries wait", || batch.waiting() == 3);
        release.send(()).unwrap();
        holder.join().unwrap();

        assert!(first.join().unwrap().unwrap());
        match twice_today.join().unwrap() {
            Err(DbError::UniqueViolation(what)) => assert!(what.contains("once_a_day"), "{what}"),
            other => panic!("expected the once-a-day rule, got {other:?}"),
        }
        for other in others {
            assert!(other.join().unwrap().unwrap());
        }
        for (device, added) in [(&d[6], 0), (&d[7], 1), (&d[8], 1)] {
            assert_eq!(events(device), added, "events of {device}");
            assert_eq!(version(device), added, "the entries version of {device}");
        }
        assert_eq!(readings(&d[6]), 1, "only the reading written beside");
    }
}
