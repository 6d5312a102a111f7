//! The scope matrix: two accounts, every customer role in each, every endpoint so far. No
//! user ever reads or changes the other account's objects (404), and within their own
//! account each role gets exactly the actions of the role table (403 for the rest).
#![expect(clippy::unwrap_used, reason = "tests")]

use fleetdesk_domain::identity::{CustomerRole, StaffRole};
use fleetdesk_tests::{Backend, PASSWORD, StatusCode, TestServer, both_backends};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(every_role_reaches_exactly_its_own_scope);

/// The objects of one account that the calls act on; fresh for every caller, because
/// allowed calls consume them (a removed member, a decided request).
struct Fixture {
    account: String,
    site: String,
    member: String,
    invitation: String,
    request_to_approve: String,
    request_to_reject: String,
}

async fn fixture(s: &TestServer, cs: &str, account: &str, number: &str, n: usize) -> Fixture {
    let (_, sites) = s
        .get(&format!("/api/v1/accounts/{account}/sites"), cs)
        .await;
    let site = sites["items"][0]["id"].as_str().unwrap().to_owned();
    let member_token = s.customer(account, CustomerRole::KnowledgeUser).await;
    let (_, me) = s.get("/api/v1/me", &member_token).await;
    let (_, invitation) = s
        .post(
            &format!("/api/v1/accounts/{account}/invitations"),
            cs,
            json!({"email": format!("inv{n}-{number}@scope.test"), "role": "device-manager"}),
        )
        .await;
    let mut requests = Vec::new();
    for k in 0..2 {
        let email = format!("req{n}-{k}-{number}@scope.test").to_lowercase();
        let body = json!({"email": email, "password": PASSWORD, "display_name": "Requester", "customer_account_number": number});
        s.send(Method::POST, "/api/v1/auth/register", None, Some(body))
            .await;
        let (_, list) = s
            .get(
                &format!("/api/v1/accounts/{account}/join-requests?status=pending&limit=200"),
                cs,
            )
            .await;
        let id = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["email"] == email)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        requests.push(id);
    }
    Fixture {
        account: account.to_owned(),
        site,
        member: me["id"].as_str().unwrap().to_owned(),
        invitation: invitation["id"].as_str().unwrap().to_owned(),
        request_to_reject: requests.pop().unwrap(),
        request_to_approve: requests.pop().unwrap(),
    }
}

/// What a call does, in the words of the role table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    ReadAccount,
    ChangeAccount,
    ReadSites,
    AddSite,
    ManageMembers,
}

fn calls(f: &Fixture, n: usize) -> Vec<(Kind, Method, String, Option<Value>)> {
    let a = &f.account;
    let site = json!({"name": format!("Site {n}"), "time_zone": "Europe/Oslo",
        "address": {"line1": "Karl Johans gate 1", "postal_code": "0154", "city": "Oslo", "country": "NO"}});
    vec![
        (
            Kind::ReadAccount,
            Method::GET,
            format!("/api/v1/accounts/{a}"),
            None,
        ),
        (
            Kind::ChangeAccount,
            Method::PATCH,
            format!("/api/v1/accounts/{a}"),
            Some(json!({"name": "Taken over"})),
        ),
        (
            Kind::ReadSites,
            Method::GET,
            format!("/api/v1/accounts/{a}/sites"),
            None,
        ),
        (
            Kind::ReadSites,
            Method::GET,
            format!("/api/v1/accounts/{a}/sites/{}", f.site),
            None,
        ),
        (
            Kind::AddSite,
            Method::POST,
            format!("/api/v1/accounts/{a}/sites"),
            Some(site),
        ),
        (
            Kind::ManageMembers,
            Method::GET,
            format!("/api/v1/accounts/{a}/members"),
            None,
        ),
        (
            Kind::ManageMembers,
            Method::PATCH,
            format!("/api/v1/accounts/{a}/members/{}", f.member),
            Some(json!({"role": "stock-manager"})),
        ),
        (
            Kind::ManageMembers,
            Method::GET,
            format!("/api/v1/accounts/{a}/invitations"),
            None,
        ),
        (
            Kind::ManageMembers,
            Method::GET,
            format!("/api/v1/accounts/{a}/invitations/{}", f.invitation),
            None,
        ),
        (
            Kind::ManageMembers,
            Method::POST,
            format!("/api/v1/accounts/{a}/invitations"),
            Some(json!({"email": format!("new{n}@scope.test"), "role": "knowledge-user"})),
        ),
        (
            Kind::ManageMembers,
            Method::GET,
            format!("/api/v1/accounts/{a}/join-requests"),
            None,
        ),
        (
            Kind::ManageMembers,
            Method::POST,
            format!(
                "/api/v1/accounts/{a}/join-requests/{}/approve",
                f.request_to_approve
            ),
            Some(json!({"role": "knowledge-user"})),
        ),
        (
            Kind::ManageMembers,
            Method::POST,
            format!(
                "/api/v1/accounts/{a}/join-requests/{}/reject",
                f.request_to_reject
            ),
            Some(json!({})),
        ),
        (
            Kind::ManageMembers,
            Method::DELETE,
            format!("/api/v1/accounts/{a}/members/{}", f.member),
            None,
        ),
    ]
}

/// The role table of the domain, for the calls above, written out independently of the code.
fn allowed(role: CustomerRole, kind: Kind) -> bool {
    use CustomerRole::*;
    match kind {
        Kind::ReadAccount | Kind::ReadSites => role != KnowledgeUser,
        Kind::ManageMembers => role == Administrator,
        Kind::ChangeAccount | Kind::AddSite => false,
    }
}

async fn every_role_reaches_exactly_its_own_scope(b: Backend) {
    let s = TestServer::start(b).await;
    let cs = s.staff(StaffRole::CustomerService).await;
    let mut accounts = Vec::new();
    for number in ["C-5101", "C-5102"] {
        let account = s
            .create_account(&cs, number, &number.replace('C', "S"))
            .await;
        let id = account["id"].as_str().unwrap().to_owned();
        let site = json!({"name": "HQ", "time_zone": "Europe/Stockholm",
            "address": {"line1": "Kungsgatan 1", "postal_code": "111 43", "city": "Stockholm", "country": "SE"}});
        assert_eq!(
            s.post(&format!("/api/v1/accounts/{id}/sites"), &cs, site)
                .await
                .0,
            StatusCode::CREATED
        );
        accounts.push((id, number));
    }

    let mut n = 0;
    let mut checked = 0;
    for (own, own_number) in &accounts {
        for role in CustomerRole::ALL {
            let token = s.customer(own, *role).await;
            for (target, target_number) in &accounts {
                n += 1;
                let f = fixture(&s, &cs, target, target_number, n).await;
                for (kind, method, path, body) in calls(&f, n) {
                    let (status, answer) = s.send(method.clone(), &path, Some(&token), body).await;
                    let what =
                        format!("{role} of {own_number}: {method} {path} -> {status} {answer}");
                    match (target == own, allowed(*role, kind)) {
                        (true, true) => assert!(status.is_success(), "{what}"),
                        (true, false) => assert_eq!(status, StatusCode::FORBIDDEN, "{what}"),
                        (false, _) => assert_eq!(status, StatusCode::NOT_FOUND, "{what}"),
                    }
                    if !status.is_success() {
                        assert!(
                            answer.get("name").is_none() && answer.get("items").is_none(),
                            "no contents leak: {what}"
                        );
                    }
                    checked += 1;
                }
            }

            // Lists are scoped the same way: only the caller's own account, or 403.
            for path in ["/api/v1/accounts", "/api/v1/events?limit=200"] {
                let (status, list) = s.get(path, &token).await;
                if *role == CustomerRole::KnowledgeUser {
                    assert_eq!(status, StatusCode::FORBIDDEN, "{role} {path}");
                    continue;
                }
                assert_eq!(status, StatusCode::OK, "{role} {path}");
                let items = list["items"].as_array().unwrap();
                assert!(!items.is_empty());
                for item in items {
                    let account = item.get("account_id").unwrap_or(&item["id"]);
                    assert_eq!(account, own, "{role} {path} shows another account: {item}");
                }
            }
            // Staff-only actions are refused to every customer role.
            let (_, me) = s.get("/api/v1/me", &token).await;
            let id = me["id"].as_str().unwrap();
            let new_account = json!({"customer_account_number": "C-5199", "system_account_number": "S-5199", "name": "X"});
            for (method, path, body) in [
                (
                    Method::POST,
                    "/api/v1/accounts".to_owned(),
                    Some(new_account),
                ),
                (
                    Method::PATCH,
                    format!("/api/v1/users/{id}/email"),
                    Some(json!({"email": "else@scope.test"})),
                ),
                (
                    Method::POST,
                    format!("/api/v1/users/{id}/resend-confirmation"),
                    None,
                ),
            ] {
                let (status, _) = s.send(method.clone(), &path, Some(&token), body).await;
                assert_eq!(status, StatusCode::FORBIDDEN, "{role} {method} {path}");
            }
        }
    }
    assert_eq!(
        checked,
        2 * CustomerRole::ALL.len() * 2 * 14,
        "every role, both accounts, every call"
    );
}
