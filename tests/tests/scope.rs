//! The scope matrix: two accounts, every customer role in each, every account-, device-,
//! case- and stock-scoped endpoint so far. No user ever reads or changes the other account's objects
//! (404), and within their own account each role gets exactly the actions of the role table
//! (403 for the rest).
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
    device: String,
    device_manager: String,
    case: String,
    location: String,
    order: String,
}

async fn fixture(
    s: &TestServer,
    cs: &str,
    model: &str,
    account: &str,
    number: &str,
    n: usize,
) -> Fixture {
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
    let device = s
        .create_device(cs, account, &site, model, &format!("SC{n}"))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, case) = s
        .post(
            "/api/v1/cases",
            cs,
            json!({"device_id": device, "category": "fault", "summary": "Jams", "description": "Tray 2 jams."}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    let manager_token = s.customer(account, CustomerRole::DeviceManager).await;
    let (_, manager) = s.get("/api/v1/me", &manager_token).await;
    let (location, order) = stock(s, cs, account, &device, n).await;
    Fixture {
        location,
        order,
        case: case["id"].as_str().unwrap().to_owned(),
        device,
        device_manager: manager["id"].as_str().unwrap().to_owned(),
        account: account.to_owned(),
        site,
        member: me["id"].as_str().unwrap().to_owned(),
        invitation: invitation["id"].as_str().unwrap().to_owned(),
        request_to_reject: requests.pop().unwrap(),
        request_to_approve: requests.pop().unwrap(),
    }
}

/// A stock location keeping TN-1 with the device linked, and the order its low report raised.
async fn stock(
    s: &TestServer,
    cs: &str,
    account: &str,
    device: &str,
    n: usize,
) -> (String, String) {
    let (status, location) = s
        .post(
            &format!("/api/v1/accounts/{account}/stock-locations"),
            cs,
            json!({"name": format!("Loc {n}"),
                "address": {"line1": "Kungsgatan 1", "postal_code": "111 43", "city": "Stockholm", "country": "SE"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{location}");
    let l = location["id"].as_str().unwrap().to_owned();
    let level = json!({"description": "Toner", "on_hand": 10, "reorder_point": 2,
        "supply_threshold_percent": 15, "order_quantity": 2});
    for (path, body) in [
        (format!("/api/v1/stock-locations/{l}/levels/TN-1"), level),
        (
            format!("/api/v1/stock-locations/{l}/devices"),
            json!({"device_ids": [device]}),
        ),
    ] {
        let (status, body) = s.send(Method::PUT, &path, Some(cs), Some(body)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (_, credential) = s
        .post(
            &format!("/api/v1/accounts/{account}/device-credentials"),
            cs,
            json!({"name": "Agent", "device_id": device}),
        )
        .await;
    let (status, report) = s
        .send(
            Method::POST,
            &format!("/api/v1/devices/{device}/supply-levels"),
            credential["token"].as_str(),
            Some(json!({"supplies": [{"part_number": "TN-1", "level_percent": 5}]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let order = report["results"][0]["order_id"]
        .as_str()
        .unwrap()
        .to_owned();
    (l, order)
}

fn contract() -> Value {
    json!({"response_minutes": 480, "time_zone": "Europe/Stockholm",
        "office_hours": {"monday": [{"start": "08:00", "end": "17:00"}]}})
}

/// What a call does, in the words of the role table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    ReadAccount,
    ChangeAccount,
    ReadSites,
    /// Adding and changing sites: administrators (and customer service).
    ManageSites,
    ManageMembers,
    /// Reading and working on a device: administrators, and device managers on assigned devices.
    DeviceWork,
    AssignDevices,
    /// Customer service's device actions.
    StaffOnly,
    /// Reading a stock location: administrators, and stock managers on assigned ones.
    ReadStock,
    /// Editing stock, receipts, consumption: as reading.
    EditStock,
    /// Creating locations, linking devices, assigning, device credentials: administrators.
    StockAdmin,
}

fn calls(f: &Fixture, n: usize) -> Vec<(Kind, Method, String, Option<Value>)> {
    let a = &f.account;
    let d = &f.device;
    let new_device = json!({"model_id": "any", "serial_number": format!("NEW{n}"), "site_id": f.site, "location": "x",
        "install_date": "2025-01-01", "warranty_end": "2026-01-01"});
    let site = json!({"name": format!("Site {n}"), "time_zone": "Europe/Oslo",
        "address": {"line1": "Karl Johans gate 1", "postal_code": "0154", "city": "Oslo", "country": "NO"}});
    let c = &f.case;
    let l = &f.location;
    let new_location = json!({"name": format!("New {n}"),
        "address": {"line1": "Kungsgatan 1", "postal_code": "111 43", "city": "Stockholm", "country": "SE"}});
    let level = json!({"description": "Drum", "on_hand": 1, "reorder_point": 0,
        "supply_threshold_percent": 10, "order_quantity": 1});
    let new_case = json!({"device_id": d, "category": "consumables", "summary": "Toner", "description": "Low."});
    vec![
        (
            Kind::ReadStock,
            Method::GET,
            format!("/api/v1/stock-locations/{l}"),
            None,
        ),
        (
            Kind::ReadStock,
            Method::GET,
            format!("/api/v1/stock-locations/{l}/movements"),
            None,
        ),
        (
            Kind::EditStock,
            Method::PATCH,
            format!("/api/v1/stock-locations/{l}"),
            Some(json!({"name": format!("Loc {n} B")})),
        ),
        (
            Kind::EditStock,
            Method::PUT,
            format!("/api/v1/stock-locations/{l}/levels/DR-1"),
            Some(level),
        ),
        (
            Kind::EditStock,
            Method::POST,
            format!("/api/v1/stock-locations/{l}/consumption"),
            Some(json!({"part_number": "TN-1", "quantity": 1})),
        ),
        (
            Kind::EditStock,
            Method::POST,
            format!("/api/v1/replenishment-orders/{}/receipt", f.order),
            Some(json!({})),
        ),
        (
            Kind::StockAdmin,
            Method::PUT,
            format!("/api/v1/stock-locations/{l}/devices"),
            Some(json!({"device_ids": [d]})),
        ),
        (
            Kind::StockAdmin,
            Method::POST,
            format!("/api/v1/accounts/{a}/stock-locations"),
            Some(new_location),
        ),
        (
            Kind::StockAdmin,
            Method::PUT,
            format!("/api/v1/accounts/{a}/members/{}/stock-locations", f.member),
            Some(json!({"stock_location_ids": []})),
        ),
        (
            Kind::StockAdmin,
            Method::POST,
            format!("/api/v1/accounts/{a}/device-credentials"),
            Some(json!({"name": "Agent"})),
        ),
        (
            Kind::StockAdmin,
            Method::GET,
            format!("/api/v1/accounts/{a}/device-credentials"),
            None,
        ),
        (
            Kind::ReadAccount,
            Method::GET,
            format!("/api/v1/accounts/{a}/service-contract"),
            None,
        ),
        (
            Kind::DeviceWork,
            Method::POST,
            "/api/v1/cases".to_owned(),
            Some(new_case),
        ),
        (
            Kind::DeviceWork,
            Method::GET,
            format!("/api/v1/cases/{c}"),
            None,
        ),
        (
            Kind::DeviceWork,
            Method::GET,
            format!("/api/v1/cases/{c}/sla"),
            None,
        ),
        (
            Kind::DeviceWork,
            Method::POST,
            format!("/api/v1/cases/{c}/comments"),
            Some(json!({"body": "Still jamming."})),
        ),
        (
            Kind::StaffOnly,
            Method::POST,
            format!("/api/v1/cases/{c}/comments"),
            Some(json!({"body": "Internal", "internal": true})),
        ),
        (
            Kind::StaffOnly,
            Method::PUT,
            format!("/api/v1/cases/{c}/technician"),
            Some(json!({"technician_id": null})),
        ),
        (
            Kind::StaffOnly,
            Method::GET,
            format!("/api/v1/accounts/{a}/case-history"),
            None,
        ),
        (
            Kind::DeviceWork,
            Method::POST,
            format!("/api/v1/cases/{c}/transitions"),
            Some(json!({"to": "cancelled"})),
        ),
        (
            Kind::StaffOnly,
            Method::PUT,
            format!("/api/v1/accounts/{a}/service-contract"),
            Some(contract()),
        ),
        (
            Kind::DeviceWork,
            Method::GET,
            format!("/api/v1/devices/{d}"),
            None,
        ),
        (
            Kind::DeviceWork,
            Method::PATCH,
            format!("/api/v1/devices/{d}/location"),
            Some(json!({"location": "Moved"})),
        ),
        (
            Kind::DeviceWork,
            Method::POST,
            format!("/api/v1/devices/{d}/meter-readings"),
            Some(json!({"values": {"black": 10}})),
        ),
        (
            Kind::DeviceWork,
            Method::GET,
            format!("/api/v1/devices/{d}/meter-readings"),
            None,
        ),
        (
            Kind::DeviceWork,
            Method::GET,
            format!("/api/v1/devices/{d}/usage?from=2026-01-01&to=2026-12-31"),
            None,
        ),
        (
            Kind::DeviceWork,
            Method::POST,
            format!("/api/v1/devices/{d}/removal-requests"),
            Some(json!({"reason": "Gone"})),
        ),
        (
            Kind::AssignDevices,
            Method::PUT,
            format!("/api/v1/accounts/{a}/members/{}/devices", f.device_manager),
            Some(json!({"device_ids": [d]})),
        ),
        (
            Kind::StaffOnly,
            Method::POST,
            format!("/api/v1/devices/{d}/meter-readings/corrections"),
            Some(json!({"kind": "meter-reset", "reason": "x", "values": {"black": 0}})),
        ),
        (
            Kind::StaffOnly,
            Method::POST,
            format!("/api/v1/accounts/{a}/devices"),
            Some(new_device),
        ),
        (
            Kind::StaffOnly,
            Method::DELETE,
            format!("/api/v1/devices/{d}"),
            None,
        ),
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
            Kind::ManageSites,
            Method::POST,
            format!("/api/v1/accounts/{a}/sites"),
            Some(site),
        ),
        (
            Kind::ManageSites,
            Method::PATCH,
            format!("/api/v1/accounts/{a}/sites/{}", f.site),
            Some(json!({"name": format!("Renamed {n}")})),
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
        Kind::DeviceWork => matches!(role, Administrator | DeviceManager | DeviceAndStockManager),
        Kind::AssignDevices => role == Administrator,
        Kind::ReadStock | Kind::EditStock => {
            matches!(role, Administrator | StockManager | DeviceAndStockManager)
        }
        Kind::StockAdmin | Kind::ManageSites => role == Administrator,
        Kind::ChangeAccount | Kind::StaffOnly => false,
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
        let (status, _) = s
            .send(
                Method::PUT,
                &format!("/api/v1/accounts/{id}/service-contract"),
                Some(&cs),
                Some(contract()),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        accounts.push((id, number));
    }

    let model = s.create_model(&cs, "Scope 30", 30, &["black"]).await;
    let mut n = 0;
    let mut checked = 0;
    for (own, own_number) in &accounts {
        for role in CustomerRole::ALL {
            let token = s.customer(own, *role).await;
            let (_, me) = s.get("/api/v1/me", &token).await;
            let caller = me["id"].as_str().unwrap().to_owned();
            for (target, target_number) in &accounts {
                n += 1;
                let f = fixture(&s, &cs, &model, target, target_number, n).await;
                // A device manager works on the devices assigned to them.
                if target == own && fleetdesk_domain::policy::limited_to_assigned_devices(*role) {
                    let assign = format!("/api/v1/accounts/{own}/members/{caller}/devices");
                    let (status, _) = s
                        .send(
                            Method::PUT,
                            &assign,
                            Some(&cs),
                            Some(json!({"device_ids": [f.device]})),
                        )
                        .await;
                    assert_eq!(status, StatusCode::OK);
                }
                // A stock manager works on the stock locations assigned to them.
                if target == own && fleetdesk_domain::policy::limited_to_assigned_stock(*role) {
                    let assign = format!("/api/v1/accounts/{own}/members/{caller}/stock-locations");
                    let (status, body) = s
                        .send(
                            Method::PUT,
                            &assign,
                            Some(&cs),
                            Some(json!({"stock_location_ids": [f.location]})),
                        )
                        .await;
                    assert_eq!(status, StatusCode::OK, "{body}");
                }
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
            for (path, kind) in [
                ("/api/v1/accounts", Kind::ReadAccount),
                ("/api/v1/events?limit=200", Kind::ReadAccount),
                ("/api/v1/cases?limit=200", Kind::DeviceWork),
                ("/api/v1/stock-locations?limit=200", Kind::ReadStock),
                ("/api/v1/replenishment-orders?limit=200", Kind::ReadStock),
            ] {
                let (status, list) = s.get(path, &token).await;
                if !allowed(*role, kind) {
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
        2 * CustomerRole::ALL.len() * 2 * 46,
        "every role, both accounts, every call"
    );
}
