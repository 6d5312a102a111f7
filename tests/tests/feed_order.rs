//! The event feed stays in commit order while writers run side by side (PostgreSQL, where
//! several transactions write at once): one writer's transaction is held open after it
//! appended its event, others commit meanwhile without waiting for it, and a reader paging
//! with `?after=` meets every event exactly once — the held one included, when it commits.
#![expect(clippy::unwrap_used, reason = "tests")]

mod postgres {
    use std::sync::mpsc;
    use std::time::Duration;

    use chrono::Utc;
    use fleetdesk_domain::events::EventKind;
    use fleetdesk_domain::identity::StaffRole;
    use fleetdesk_persistence::events::{NewEvent, append};
    use fleetdesk_persistence::{DbError, write};
    use fleetdesk_tests::{Backend, StatusCode, TestServer};
    use serde_json::json;

    /// The feed from `after` as customer service: (the events' subject ids, next_after).
    async fn feed(s: &TestServer, token: &str, after: i64) -> (Vec<String>, i64) {
        let (status, page) = s
            .get(&format!("/api/v1/events?after={after}&limit=200"), token)
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let subjects = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["subject_id"].as_str().unwrap().to_owned())
            .collect();
        (subjects, page["next_after"].as_i64().unwrap())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_transaction_held_open_delays_the_feed_and_nothing_is_skipped() {
        let s = TestServer::start(Backend::Postgres).await;
        let cs = s.staff(StaffRole::CustomerService).await;
        let account = s.create_account(&cs, "C-HOLD", "S-HOLD").await;
        let account_id = account["id"].as_str().unwrap().to_owned();
        // Read to the end of what exists now.
        let mut start = 0;
        loop {
            let (items, next) = feed(&s, &cs, start).await;
            if items.is_empty() {
                break;
            }
            start = next;
        }

        // A writer appends its event, the way every change does, and holds its transaction.
        let (appended_tx, appended) = mpsc::channel::<()>();
        let (commit_tx, commit) = mpsc::channel::<()>();
        let db = s.db.clone();
        let held_account = account_id.clone();
        let writer = std::thread::spawn(move || {
            let mut conn = db.conn().unwrap();
            write(&mut conn, |c| -> Result<(), DbError> {
                append(
                    c,
                    NewEvent {
                        kind: EventKind::AccountUpdated,
                        account_id: Some(&held_account),
                        subject_type: "account",
                        subject_id: "held-writer",
                        device_id: None,
                        dealer_id: None,
                        actor_id: None,
                        staff_only: false,
                        payload: json!({}),
                        at: Utc::now(),
                    },
                )?;
                appended_tx.send(()).unwrap();
                commit.recv().unwrap();
                Ok(())
            })
            .unwrap();
        });
        appended.recv_timeout(Duration::from_secs(10)).unwrap();

        // Others commit meanwhile: no writer waits for another's transaction to end.
        let mut sites = Vec::new();
        for n in 0..3 {
            let site = tokio::time::timeout(
                Duration::from_secs(5),
                s.create_site(&cs, &account_id, &format!("Site {n}"), "Europe/Stockholm"),
            )
            .await
            .expect("a write commits while another transaction is open");
            sites.push(site);
        }

        // The feed shows nothing written after the open transaction began…
        let (seen, cursor) = feed(&s, &cs, start).await;
        assert!(
            seen.is_empty(),
            "events behind an open transaction are held back: {seen:?}"
        );
        assert_eq!(cursor, start);

        // …and once it commits, the held event and the later ones follow, each once, in
        // commit order of their transactions.
        commit_tx.send(()).unwrap();
        writer.join().unwrap();
        let (seen, _) = feed(&s, &cs, cursor).await;
        let expected: Vec<String> = std::iter::once("held-writer".to_owned())
            .chain(sites.iter().cloned())
            .collect();
        assert_eq!(seen, expected);
    }
}
