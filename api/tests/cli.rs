//! The `fleetdesk` binary, run as an operator would.
#![expect(clippy::unwrap_used, reason = "tests")]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

struct Sandbox {
    dir: PathBuf,
}

impl Sandbox {
    fn new() -> Self {
        let dir =
            std::env::temp_dir().join(format!("fleetdesk-cli-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        Self { dir }
    }

    /// Runs `fleetdesk args…` in the sandbox with only the given environment.
    fn run(&self, args: &[&str], env: &[(&str, &str)], stdin: &str) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_fleetdesk"))
            .args(args)
            .current_dir(&self.dir)
            .env_clear()
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const ENV: &[(&str, &str)] = &[("JWT_SECRET", "a-production-secret-of-at-least-32-chars")];

#[test]
fn serve_refuses_to_start_without_a_secret() {
    let sandbox = Sandbox::new();
    let out = sandbox.run(&["serve"], &[], "");
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("JWT_SECRET"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn staff_add_reads_the_password_from_stdin() {
    let sandbox = Sandbox::new();
    let out = sandbox.run(
        &[
            "staff",
            "add",
            "--email",
            "Cs@Example.com",
            "--role",
            "customer-service",
        ],
        ENV,
        "a long enough password\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("added customer-service cs@example.com"));
    assert!(
        sandbox.dir.join("data/fleetdesk.db").exists(),
        "the default database is created under ./data"
    );

    let again = sandbox.run(
        &[
            "staff",
            "add",
            "--email",
            "cs@example.com",
            "--role",
            "technician",
        ],
        ENV,
        "another long password\n",
    );
    assert!(!again.status.success());
    assert!(text(&again.stderr).contains("exists already"));

    let weak = sandbox.run(
        &[
            "staff",
            "add",
            "--email",
            "t@example.com",
            "--role",
            "technician",
        ],
        ENV,
        "short\n",
    );
    assert!(!weak.status.success());
    // The registration rules: no common password, not the address.
    for password in ["password1234", "t.wilson@example.com rules"] {
        let refused = sandbox.run(
            &[
                "staff",
                "add",
                "--email",
                "t.wilson@example.com",
                "--role",
                "technician",
            ],
            ENV,
            &format!("{password}\n"),
        );
        assert!(!refused.status.success(), "{password} was accepted");
        assert!(
            text(&refused.stderr).contains("password"),
            "{}",
            text(&refused.stderr)
        );
    }
    let bad_role = sandbox.run(
        &["staff", "add", "--email", "t@example.com", "--role", "boss"],
        ENV,
        "a long enough password\n",
    );
    assert!(!bad_role.status.success());
    assert!(
        text(&bad_role.stderr).contains("customer-service"),
        "the error lists the roles"
    );
}

#[test]
fn demo_seed_is_idempotent_and_prints_sign_ins() {
    let sandbox = Sandbox::new();
    let refused = sandbox.run(&["demo-seed"], ENV, "");
    assert!(
        !refused.status.success(),
        "well-known passwords outside dev"
    );
    assert!(text(&refused.stderr).contains("FLEETDESK_ENV=dev"));
    assert!(
        !sandbox.dir.join("data/fleetdesk.db").exists(),
        "refused before touching a database"
    );
    let dev = &[("FLEETDESK_ENV", "dev")];
    let first = sandbox.run(&["demo-seed"], dev, "");
    assert!(first.status.success(), "{}", text(&first.stderr));
    let out = text(&first.stdout);
    assert!(out.contains("Loaded the demo data set"));
    assert!(out.contains("cs@fleetdesk.example") && out.contains("admin@nordicprint.example"));
    let second = sandbox.run(&["demo-seed"], dev, "");
    assert!(second.status.success());
    assert!(text(&second.stdout).contains("loaded already"));
}

#[test]
fn openapi_prints_the_contract_and_migrate_applies_once() {
    let sandbox = Sandbox::new();
    let out = sandbox.run(&["openapi"], &[], "");
    assert!(out.status.success());
    assert!(text(&out.stdout).starts_with("openapi: \"3.1.0\""));
    let first = sandbox.run(&["migrate"], ENV, "");
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(!text(&first.stdout).contains("applied 0"));
    let second = sandbox.run(&["migrate"], ENV, "");
    assert_eq!(text(&second.stdout).trim(), "applied 0 migration(s)");
}
