//! Browser front ends on other origins: CORS for the origins in `CORS_ALLOWED_ORIGINS` and no
//! CORS headers for any other — over HTTP, and in a real browser (headless Chromium) that
//! signs in with `fetch()` from a page on a listed origin and is refused on an unlisted one.
#![expect(clippy::unwrap_used, reason = "tests")]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;

use fleetdesk_domain::identity::StaffRole;
use fleetdesk_tests::{Backend, PASSWORD, StatusCode, TestServer, both_backends};
use reqwest::Method;

both_backends!(
    listed_origins_get_cors_headers_and_others_none,
    a_browser_page_on_a_listed_origin_signs_in_and_an_unlisted_one_is_refused,
);

const FRONT: &str = "https://portal.customer.test";

async fn listed_origins_get_cors_headers_and_others_none(b: Backend) {
    let s = TestServer::start_configured(b, |config| {
        config.cors_allowed_origins = vec![FRONT.to_owned()];
    })
    .await;
    let token = s.staff(StaffRole::CustomerService).await;
    let preflight = |origin: &'static str| {
        s.client
            .request(Method::OPTIONS, s.url("/api/v1/devices"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type, idempotency-key, accept-language",
            )
            .send()
    };
    let res = preflight(FRONT).await.unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    let h = res.headers();
    assert_eq!(h["access-control-allow-origin"], FRONT);
    let methods = h["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .to_owned();
    for m in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
        assert!(methods.contains(m), "{methods}");
    }
    let headers = h["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    for name in [
        "authorization",
        "content-type",
        "idempotency-key",
        "accept-language",
    ] {
        assert!(headers.contains(name), "{headers}");
    }
    assert_eq!(h["access-control-max-age"], "3600");

    // An answer, an error included, names the origin and exposes what a front end reads.
    for (token, expected) in [
        (Some(token.as_str()), StatusCode::OK),
        (None, StatusCode::UNAUTHORIZED),
    ] {
        let mut req = s.client.get(s.url("/api/v1/me")).header("origin", FRONT);
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), expected);
        assert_eq!(res.headers()["access-control-allow-origin"], FRONT);
        let exposed = res.headers()["access-control-expose-headers"]
            .to_str()
            .unwrap()
            .to_lowercase();
        for name in [
            "location",
            "retry-after",
            "idempotent-replayed",
            "x-request-id",
        ] {
            assert!(exposed.contains(name), "{exposed}");
        }
    }

    // Another origin gets no CORS headers, on the preflight or the request.
    let res = preflight("https://evil.test").await.unwrap();
    assert!(res.headers().get("access-control-allow-origin").is_none());
    let res = s
        .client
        .get(s.url("/api/v1/me"))
        .header("origin", "https://evil.test")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("access-control-allow-origin").is_none());

    // Without CORS_ALLOWED_ORIGINS, no origin gets any.
    let plain = TestServer::start(b).await;
    let res = plain
        .client
        .get(plain.url("/api/v1/me"))
        .header("origin", FRONT)
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("access-control-allow-origin").is_none());
}

/// A port for a page, and the page's origin.
fn page_origin() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    (listener, origin)
}

/// Serves `html` to every request on `listener`.
fn serve_page(listener: TcpListener, html: String) {
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{html}",
                html.len()
            );
            let _ = stream.write_all(response.as_bytes());
        }
    });
}

/// A page that signs in with `fetch()` and reads `/api/v1/me`, and says how it went.
fn sign_in_page(api: &str, email: &str) -> String {
    format!(
        r#"<!doctype html><html><body><p id="result">pending</p><script>
(async () => {{
  const out = document.getElementById("result");
  try {{
    const login = await fetch("{api}/api/v1/auth/login", {{
      method: "POST",
      headers: {{ "Content-Type": "application/json" }},
      body: JSON.stringify({{ email: "{email}", password: "{PASSWORD}" }}),
    }});
    const session = await login.json();
    const me = await fetch("{api}/api/v1/me", {{
      headers: {{ "Authorization": "Bearer " + session.access_token }},
    }});
    const body = await me.json();
    const id = me.headers.get("x-request-id") ? "exposed" : "hidden";
    out.textContent = `signed-in ${{me.status}} ${{body.email}} request-id:${{id}}`;
  }} catch (e) {{
    out.textContent = `refused ${{e.name}}: ${{e.message}}`;
  }}
}})();
</script></body></html>"#
    )
}

/// What headless Chromium shows of `url` once its scripts ran; `None` without Chromium
/// (outside CI; in CI it is required).
fn chromium_result(url: &str) -> Option<String> {
    let binary = Path::new("/usr/bin/chromium");
    if !binary.exists() {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "CI installs chromium for the browser test"
        );
        eprintln!("chromium is not installed; the browser test is skipped");
        return None;
    }
    let profile = std::env::temp_dir().join(format!("fleetdesk-chromium-{}", uuid::Uuid::now_v7()));
    let out = Command::new(binary)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=20000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(url)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&profile);
    let dom = String::from_utf8_lossy(&out.stdout);
    let start = dom.find("<p id=\"result\">")? + "<p id=\"result\">".len();
    let end = dom[start..].find("</p>")? + start;
    Some(dom[start..end].to_owned())
}

async fn a_browser_page_on_a_listed_origin_signs_in_and_an_unlisted_one_is_refused(b: Backend) {
    // The same page on two origins (two ports); only the first is listed.
    let (listed_port, listed) = page_origin();
    let (unlisted_port, unlisted) = page_origin();
    let allowed = listed.clone();
    let s = TestServer::start_configured(b, move |config| {
        config.cors_allowed_origins = vec![allowed];
    })
    .await;
    let email = s.staff_user(StaffRole::CustomerService).await.email;
    let page = sign_in_page(&s.base, &email);
    serve_page(listed_port, page.clone());
    serve_page(unlisted_port, page);

    let browse = |url: String| tokio::task::spawn_blocking(move || chromium_result(&url));
    let Some(on_listed) = browse(format!("{listed}/")).await.unwrap() else {
        return;
    };
    println!("browser on the listed origin {listed}: {on_listed}");
    assert_eq!(
        on_listed,
        format!("signed-in 200 {email} request-id:exposed")
    );
    let on_unlisted = browse(format!("{unlisted}/")).await.unwrap().unwrap();
    println!("browser on the unlisted origin {unlisted}: {on_unlisted}");
    assert_eq!(on_unlisted, "refused TypeError: Failed to fetch");
}
