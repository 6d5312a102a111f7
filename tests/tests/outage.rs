//! The database goes away and comes back: requests get a quick 503 with Retry-After, never a
//! hang or a crash, and the server recovers by itself. PostgreSQL only: the test stops a
//! private cluster of its own, so other tests keep theirs.
#![expect(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod postgres {
    use std::path::{Path, PathBuf};
    use std::process::Command;
    use std::time::{Duration, Instant};

    use fleetdesk_domain::identity::StaffRole;
    use fleetdesk_tests::{Backend, StatusCode, TestDb, TestServer, assert_problem, test_config};
    use reqwest::Method;

    struct Cluster {
        dir: PathBuf,
        port: u16,
    }

    impl Cluster {
        fn script() -> PathBuf {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/pg-cluster")
        }

        fn start(&self) {
            let status = Command::new(Self::script())
                .args(["start", &self.dir.to_string_lossy(), &self.port.to_string()])
                .status()
                .expect("run scripts/pg-cluster");
            assert!(status.success(), "the private PostgreSQL cluster starts");
        }

        fn stop(&self) {
            let status = Command::new(Self::script())
                .args(["stop", &self.dir.to_string_lossy()])
                .status()
                .expect("run scripts/pg-cluster");
            assert!(status.success());
        }
    }

    impl Drop for Cluster {
        fn drop(&mut self) {
            let _ = Command::new(Self::script())
                .args(["stop", &self.dir.to_string_lossy()])
                .status();
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    fn free_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn database_outage_gives_503_quickly_then_recovers() {
        let cluster = Cluster {
            dir: Path::new(env!("CARGO_TARGET_TMPDIR"))
                .join(format!("pg-outage-{}", uuid::Uuid::now_v7().simple())),
            port: free_port(),
        };
        cluster.start();
        let url = format!("postgres://postgres@127.0.0.1:{}/postgres", cluster.port);
        let s =
            TestServer::start_with(Backend::Postgres, TestDb::External, test_config(&url)).await;
        let token = s.staff(StaffRole::CustomerService).await;
        assert_eq!(s.get("/api/v1/accounts", &token).await.0, StatusCode::OK);

        cluster.stop();
        for path in ["/api/v1/accounts", "/readyz"] {
            let started = Instant::now();
            let res = s.request(Method::GET, path, Some(&token), None).await;
            let elapsed = started.elapsed();
            assert_eq!(res.headers()["retry-after"], "2", "{path}");
            assert_problem(res, StatusCode::SERVICE_UNAVAILABLE, "database_unavailable").await;
            assert!(
                elapsed < Duration::from_secs(3),
                "{path} answered after {elapsed:?}"
            );
        }
        let (status, _) = s.send(Method::GET, "/healthz", None, None).await;
        assert_eq!(status, StatusCode::OK, "the process itself stays up");

        cluster.start();
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let (status, body) = s.get("/api/v1/accounts", &token).await;
            if status == StatusCode::OK {
                break;
            }
            assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
            assert!(Instant::now() < deadline, "the server did not recover");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let (status, _) = s.send(Method::GET, "/readyz", None, None).await;
        assert_eq!(status, StatusCode::OK);
    }
}
