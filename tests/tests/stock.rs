//! Consumable stock: supply-level reports raise one replenishment order however many arrive
//! at once, receipts and consumption move the stock (never below zero), stock managers reach
//! their assigned locations only, and a device credential opens nothing but its reports.
#![expect(clippy::unwrap_used, reason = "tests")]

use fleetdesk_domain::identity::{CustomerRole, StaffRole};
use fleetdesk_tests::{Backend, PASSWORD, StatusCode, TestServer, assert_problem, both_backends};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(
    twenty_low_toner_reports_at_once_raise_one_order,
    stock_managers_reach_only_their_assigned_locations,
    a_device_credential_opens_nothing_but_its_reports,
    a_stock_manager_orders_by_hand_and_follows_the_shipment,
);

struct Shop {
    s: TestServer,
    cs: String,
    account: String,
    admin: String,
    devices: Vec<String>,
    location: String,
}

/// An account with two devices, a stock location keeping TN-1 (5 on hand, reorder at 2,
/// orders of 4 when a device reports under 15 %), and the first device linked to it.
async fn shop(b: Backend) -> Shop {
    let s = TestServer::start(b).await;
    let cs = s.staff(StaffRole::CustomerService).await;
    let account = s.create_account(&cs, "C-7001", "S-7001").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let site = s.create_site(&cs, &account, "HQ", "Europe/Stockholm").await;
    let model = s.create_model(&cs, "Office 40", 40, &["black"]).await;
    let mut devices = Vec::new();
    for serial in ["ST-1", "ST-2"] {
        let device = s.create_device(&cs, &account, &site, &model, serial).await;
        devices.push(device["id"].as_str().unwrap().to_owned());
    }
    let admin = s.customer(&account, CustomerRole::Administrator).await;
    let location = new_location(&s, &admin, &account, "Print room").await;
    let (status, body) = s
        .send(
            Method::PUT,
            &format!("/api/v1/stock-locations/{location}/levels/tn-1"),
            Some(&admin),
            Some(
                json!({"description": "Black toner", "on_hand": 5, "reorder_point": 2,
                "supply_threshold_percent": 15, "order_quantity": 4}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = s
        .send(
            Method::PUT,
            &format!("/api/v1/stock-locations/{location}/devices"),
            Some(&admin),
            Some(json!({"device_ids": [devices[0]]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["device_ids"], json!([devices[0]]));
    Shop {
        s,
        cs,
        account,
        admin,
        devices,
        location,
    }
}

async fn new_location(s: &TestServer, token: &str, account: &str, name: &str) -> String {
    let (status, body) = s
        .post(
            &format!("/api/v1/accounts/{account}/stock-locations"),
            token,
            json!({"name": name, "shipping_instructions": "Loading dock, door 3",
                "address": {"line1": "Kungsgatan 12", "postal_code": "111 43", "city": "Stockholm", "country": "SE"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

async fn credential(shop: &Shop, device: Option<&str>) -> String {
    let (status, body) = shop
        .s
        .post(
            &format!("/api/v1/accounts/{}/device-credentials", shop.account),
            &shop.admin,
            json!({"name": "Monitoring agent", "device_id": device}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["token"].as_str().unwrap().to_owned()
}

async fn report(s: &TestServer, token: &str, device: &str, supplies: Value) -> (StatusCode, Value) {
    s.send(
        Method::POST,
        &format!("/api/v1/devices/{device}/supply-levels"),
        Some(token),
        Some(json!({ "supplies": supplies })),
    )
    .await
}

fn on_hand(location: &Value, part: &str) -> i64 {
    location["levels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["part_number"] == part)
        .unwrap()["on_hand"]
        .as_i64()
        .unwrap()
}

async fn twenty_low_toner_reports_at_once_raise_one_order(b: Backend) {
    let shop = shop(b).await;
    let s = &shop.s;
    let device = &shop.devices[0];
    let token = credential(&shop, Some(device)).await;

    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let (client, url, token) = (
            s.client.clone(),
            s.url(&format!("/api/v1/devices/{device}/supply-levels")),
            token.clone(),
        );
        tasks.spawn(async move {
            let res = client
                .post(url)
                .bearer_auth(token)
                .json(&json!({"supplies": [{"part_number": "TN-1", "level_percent": 9}]}))
                .send()
                .await
                .unwrap();
            (res.status(), res.json::<Value>().await.unwrap())
        });
    }
    let answers = tasks.join_all().await;
    let outcomes: Vec<&str> = answers
        .iter()
        .map(|(status, body)| {
            assert_eq!(*status, StatusCode::OK, "{body}");
            body["results"][0]["outcome"].as_str().unwrap()
        })
        .collect();
    assert_eq!(
        outcomes.iter().filter(|o| **o == "ordered").count(),
        1,
        "{outcomes:?}"
    );
    assert!(
        outcomes
            .iter()
            .all(|o| *o == "ordered" || *o == "order_open")
    );
    let order_ids: std::collections::BTreeSet<&str> = answers
        .iter()
        .map(|(_, body)| body["results"][0]["order_id"].as_str().unwrap())
        .collect();
    assert_eq!(order_ids.len(), 1, "every answer names the one order");
    let (_, orders) = s.get("/api/v1/replenishment-orders", &shop.admin).await;
    let orders = orders["items"].as_array().unwrap();
    assert_eq!(orders.len(), 1);
    assert_eq!(
        (
            &orders[0]["status"],
            &orders[0]["quantity"],
            &orders[0]["reported_level_percent"]
        ),
        (&json!("open"), &json!(4), &json!(9))
    );
    let order_id = orders[0]["id"].as_str().unwrap().to_owned();

    // Other outcomes: above the threshold, a consumable not kept, a device not linked.
    let (_, answer) = report(
        s,
        &token,
        device,
        json!([{"part_number": "TN-1", "level_percent": 15}, {"part_number": "DR-9", "level_percent": 1}]),
    )
    .await;
    let outcomes: Vec<&str> = answer["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, vec!["not_stocked", "above_threshold"]);
    let agent = credential(&shop, None).await;
    let (_, answer) = report(
        s,
        &agent,
        &shop.devices[1],
        json!([{"part_number": "TN-1", "level_percent": 1}]),
    )
    .await;
    assert_eq!(answer["results"][0]["outcome"], "not_linked");
    for bad in [
        json!([]),
        json!([{"part_number": "TN-1", "level_percent": 101}]),
        json!([{"part_number": "TN-1", "level_percent": 5}, {"part_number": "tn-1", "level_percent": 5}]),
    ] {
        let (status, body) = report(s, &token, device, bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }

    // Receipt: stock up by what arrived, the order closes, once.
    let receipt = format!("/api/v1/replenishment-orders/{order_id}/receipt");
    let (status, received) = s.post(&receipt, &shop.admin, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{received}");
    assert_eq!(
        (&received["status"], &received["received_quantity"]),
        (&json!("received"), &json!(4))
    );
    s.expect_problem(
        Method::POST,
        &receipt,
        Some(&shop.admin),
        Some(json!({})),
        StatusCode::CONFLICT,
        "order_closed",
    )
    .await;
    let location_path = format!("/api/v1/stock-locations/{}", shop.location);
    let (_, location) = s.get(&location_path, &shop.admin).await;
    assert_eq!(on_hand(&location, "TN-1"), 9, "5 + 4");

    // Closed, so the next low report raises a new order.
    let (_, answer) = report(
        s,
        &token,
        device,
        json!([{"part_number": "TN-1", "level_percent": 3}]),
    )
    .await;
    assert_eq!(answer["results"][0]["outcome"], "ordered");
    let second = answer["results"][0]["order_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, received) = s
        .post(
            &format!("/api/v1/replenishment-orders/{second}/receipt"),
            &shop.admin,
            json!({"quantity": 2}),
        )
        .await;
    assert_eq!(
        (status, &received["received_quantity"]),
        (StatusCode::OK, &json!(2))
    );

    // Consumption: down, never below zero; a refusal changes nothing.
    let consume = format!("{location_path}/consumption");
    let (status, level) = s
        .post(
            &consume,
            &shop.admin,
            json!({"part_number": "tn-1", "quantity": 3, "device_id": device}),
        )
        .await;
    assert_eq!(
        (status, &level["on_hand"]),
        (StatusCode::OK, &json!(8)),
        "{level}"
    );
    let problem = s
        .expect_problem(
            Method::POST,
            &consume,
            Some(&shop.admin),
            Some(json!({"part_number": "TN-1", "quantity": 9})),
            StatusCode::CONFLICT,
            "insufficient_stock",
        )
        .await;
    assert_eq!(problem["on_hand"], 8);
    for bad in [
        json!({"part_number": "TN-1", "quantity": 0}),
        json!({"part_number": "DR-9", "quantity": 1}),
        json!({"part_number": "TN-1", "quantity": 1, "device_id": shop.devices[1]}),
    ] {
        let (status, body) = s.post(&consume, &shop.admin, bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
    let (status, level) = s
        .post(
            &consume,
            &shop.admin,
            json!({"part_number": "TN-1", "quantity": 8}),
        )
        .await;
    assert_eq!((status, &level["on_hand"]), (StatusCode::OK, &json!(0)));
    assert_eq!(level["reorder"], true);

    // The history: the first count, two receipts, two uses (not the refused one), each with
    // the stock after it.
    let (_, history) = s
        .get(
            &format!("{location_path}/movements?part_number=tn-1"),
            &shop.admin,
        )
        .await;
    let moves: Vec<(&str, i64, i64)> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let n = |k: &str| m[k].as_i64().unwrap();
            (
                m["kind"].as_str().unwrap(),
                n("quantity"),
                n("on_hand_after"),
            )
        })
        .collect();
    assert_eq!(
        moves,
        vec![
            ("count", 5, 5),
            ("receipt", 4, 9),
            ("receipt", 2, 11),
            ("consumption", -3, 8),
            ("consumption", -8, 0)
        ]
    );

    let (_, feed) = s.get("/api/v1/events?limit=200", &shop.admin).await;
    let kinds: Vec<&str> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .filter(|k| k.starts_with("replenishment_order."))
        .collect();
    assert_eq!(
        kinds,
        vec![
            "replenishment_order.raised",
            "replenishment_order.received",
            "replenishment_order.raised",
            "replenishment_order.received"
        ]
    );
}

async fn stock_managers_reach_only_their_assigned_locations(b: Backend) {
    let shop = shop(b).await;
    let s = &shop.s;
    let other = new_location(s, &shop.admin, &shop.account, "Basement").await;
    let stock_manager = s.customer(&shop.account, CustomerRole::StockManager).await;
    let (_, me) = s.get("/api/v1/me", &stock_manager).await;
    let manager_id = me["id"].as_str().unwrap();
    let assign = format!(
        "/api/v1/accounts/{}/members/{manager_id}/stock-locations",
        shop.account
    );
    let (_, none) = s.get("/api/v1/stock-locations", &stock_manager).await;
    assert_eq!(none["items"], json!([]), "nothing until assigned");
    let (status, body) = s
        .send(
            Method::PUT,
            &assign,
            Some(&shop.admin),
            Some(json!({"stock_location_ids": [shop.location]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let (_, mine) = s.get("/api/v1/stock-locations", &stock_manager).await;
    let ids: Vec<&str> = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![shop.location.as_str()]);
    let (status, _) = s
        .post(
            &format!("/api/v1/stock-locations/{}/consumption", shop.location),
            &stock_manager,
            json!({"part_number": "TN-1", "quantity": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    for (method, path, body) in [
        (
            Method::GET,
            format!("/api/v1/stock-locations/{other}"),
            None,
        ),
        (
            Method::PATCH,
            format!("/api/v1/stock-locations/{other}"),
            Some(json!({"name": "Mine now"})),
        ),
        (
            Method::POST,
            format!("/api/v1/stock-locations/{other}/consumption"),
            Some(json!({"part_number": "TN-1", "quantity": 1})),
        ),
    ] {
        s.expect_problem(
            method,
            &path,
            Some(&stock_manager),
            body,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
    // Within its assignment a stock manager edits, but does not link devices or create.
    let (status, _) = s
        .send(
            Method::PUT,
            &format!("/api/v1/stock-locations/{}/devices", shop.location),
            Some(&stock_manager),
            Some(json!({"device_ids": []})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = s
        .post(
            &format!("/api/v1/accounts/{}/stock-locations", shop.account),
            &stock_manager,
            json!({"name": "X", "address": {"line1": "A", "postal_code": "1", "city": "B", "country": "SE"}}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Device managers without the stock role, and knowledge users, see no stock at all.
    for role in [CustomerRole::DeviceManager, CustomerRole::KnowledgeUser] {
        let token = s.customer(&shop.account, role).await;
        for path in [
            "/api/v1/stock-locations".to_owned(),
            "/api/v1/replenishment-orders".to_owned(),
            format!("/api/v1/stock-locations/{}", shop.location),
        ] {
            let (status, _) = s.get(&path, &token).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{role} {path}");
        }
    }
    let device_manager = s.customer(&shop.account, CustomerRole::DeviceManager).await;
    let (_, me) = s.get("/api/v1/me", &device_manager).await;
    let res = s
        .request(
            Method::PUT,
            &format!(
                "/api/v1/accounts/{}/members/{}/stock-locations",
                shop.account,
                me["id"].as_str().unwrap()
            ),
            Some(&shop.admin),
            Some(json!({"stock_location_ids": [shop.location]})),
        )
        .await;
    assert_problem(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "member_role_holds_no_stock_locations",
    )
    .await;

    // Another account's administrator: not found.
    let stranger_account = s.create_account(&shop.cs, "C-7002", "S-7002").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let stranger = s
        .customer(&stranger_account, CustomerRole::Administrator)
        .await;
    s.expect_problem(
        Method::GET,
        &format!("/api/v1/stock-locations/{}", shop.location),
        Some(&stranger),
        None,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let (_, theirs) = s.get("/api/v1/stock-locations", &stranger).await;
    assert_eq!(theirs["items"], json!([]));

    // An invitation can carry stock locations, assigned on acceptance.
    let (status, invitation) = s
        .post(
            &format!("/api/v1/accounts/{}/invitations", shop.account),
            &shop.admin,
            json!({"email": "siri@stock.test", "role": "stock-manager", "stock_location_ids": [other]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{invitation}");
    assert_eq!(invitation["stock_location_ids"], json!([other]));
    let token = s.token_mailed_to("siri@stock.test").await;
    let (status, joined) = s
        .send(
            Method::POST,
            "/api/v1/invitations/accept",
            None,
            Some(json!({"token": token, "password": PASSWORD, "display_name": "Siri Stock"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{joined}");
    let siri = s.login("siri@stock.test", PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, hers) = s.get("/api/v1/stock-locations", &siri).await;
    assert_eq!(hers["items"][0]["id"], other.as_str());
    assert_eq!(hers["items"].as_array().unwrap().len(), 1);
}

async fn a_device_credential_opens_nothing_but_its_reports(b: Backend) {
    let shop = shop(b).await;
    let s = &shop.s;
    let device = &shop.devices[0];
    let token = credential(&shop, Some(device)).await;
    let low = json!([{"part_number": "TN-1", "level_percent": 20}]);

    let (status, _) = report(s, &token, device, low.clone()).await;
    assert_eq!(status, StatusCode::OK);
    let location = format!("/api/v1/stock-locations/{}", shop.location);
    for (method, path, body) in [
        (Method::GET, "/api/v1/me".to_owned(), None),
        (Method::GET, format!("/api/v1/devices/{device}"), None),
        (
            Method::POST,
            format!("/api/v1/devices/{device}/meter-readings"),
            Some(json!({"values": {"black": 1}})),
        ),
        (
            Method::GET,
            format!("/api/v1/accounts/{}", shop.account),
            None,
        ),
        (Method::GET, "/api/v1/stock-locations".to_owned(), None),
        (Method::GET, location.clone(), None),
        (
            Method::POST,
            format!("{location}/consumption"),
            Some(json!({"part_number": "TN-1", "quantity": 1})),
        ),
        (Method::GET, "/api/v1/replenishment-orders".to_owned(), None),
        (
            Method::GET,
            format!("/api/v1/accounts/{}/device-credentials", shop.account),
            None,
        ),
        (Method::GET, "/api/v1/events".to_owned(), None),
    ] {
        let (status, answer) = s.send(method.clone(), &path, Some(&token), body).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{method} {path}: {answer}"
        );
    }
    // The credential reports for its own device only; people cannot report at all.
    let (status, _) = report(s, &token, &shop.devices[1], low.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    s.expect_problem(
        Method::POST,
        &format!("/api/v1/devices/{device}/supply-levels"),
        Some(&shop.admin),
        Some(json!({ "supplies": low })),
        StatusCode::UNAUTHORIZED,
        "device_credential_required",
    )
    .await;

    // Listed without its secret; revoked, it stops at once.
    let path = format!("/api/v1/accounts/{}/device-credentials", shop.account);
    let (_, list) = s.get(&path, &shop.admin).await;
    assert!(list[0].get("token").is_none(), "{list}");
    let id = list[0]["id"].as_str().unwrap();
    let res = s
        .request(
            Method::DELETE,
            &format!("{path}/{id}"),
            Some(&shop.admin),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let (status, _) = report(s, &token, device, low).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Who reports is checked before what is reported.
    let (status, _) = report(s, "fdd_not-issued", device, json!([])).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let stock_manager = s.customer(&shop.account, CustomerRole::StockManager).await;
    let (status, _) = s.get(&path, &stock_manager).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// A stock manager orders toner by hand for their location; a second order of the same part is
/// refused while the first is outstanding; customer service records the shipment, which the
/// stock manager sees; the receipt brings the stock up; an order not yet shipped can be
/// cancelled, a shipped one cannot.
async fn a_stock_manager_orders_by_hand_and_follows_the_shipment(b: Backend) {
    let shop = shop(b).await;
    let s = &shop.s;
    let manager = s
        .customer_user(&shop.account, CustomerRole::StockManager)
        .await;
    let stock_manager = manager.token.clone();
    let (_, me) = s.get("/api/v1/me", &stock_manager).await;
    let assign = format!(
        "/api/v1/accounts/{}/members/{}/stock-locations",
        shop.account,
        me["id"].as_str().unwrap()
    );
    let (status, _) = s
        .send(
            Method::PUT,
            &assign,
            Some(&shop.admin),
            Some(json!({"stock_location_ids": [shop.location]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let orders = format!("/api/v1/stock-locations/{}/orders", shop.location);

    let (status, unknown) = s
        .post(
            &orders,
            &stock_manager,
            json!({"part_number": "XX-9", "quantity": 1}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not stocked here: {unknown}"
    );
    let (status, order) = s
        .post(
            &orders,
            &stock_manager,
            json!({"part_number": "TN-1", "quantity": 6}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{order}");
    assert_eq!(
        (
            order["status"].as_str(),
            order["device_id"].as_str(),
            order["quantity"].as_i64()
        ),
        (Some("open"), None, Some(6))
    );
    assert_eq!(order["ordered_by"], me["id"]);
    let id = order["id"].as_str().unwrap().to_owned();

    let res = s
        .request(
            Method::POST,
            &orders,
            Some(&stock_manager),
            Some(json!({"part_number": "TN-1", "quantity": 2})),
        )
        .await;
    let problem = assert_problem(res, StatusCode::CONFLICT, "order_open").await;
    assert_eq!(problem["order_id"], id.as_str());

    // Only customer service records the shipment.
    let shipment = format!("/api/v1/replenishment-orders/{id}/shipment");
    let body = json!({"carrier": "PostNord", "tracking_number": "00370712345678901234"});
    let res = s
        .request(
            Method::POST,
            &shipment,
            Some(&stock_manager),
            Some(body.clone()),
        )
        .await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let (status, shipped) = s.post(&shipment, &shop.cs, body.clone()).await;
    assert_eq!(status, StatusCode::OK, "{shipped}");
    // The stock manager is not told of their own order, but of its shipment.
    s.notify().await;
    let told: Vec<String> = s
        .mails_to(&manager.email)
        .await
        .into_iter()
        .map(|m| m.subject)
        .collect();
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].starts_with("Replenishment shipped to "), "{told:?}");
    assert!(told[0].ends_with(": TN-1"), "{told:?}");
    let res = s
        .request(Method::POST, &shipment, Some(&shop.cs), Some(body))
        .await;
    assert_problem(res, StatusCode::CONFLICT, "order_closed").await;
    let (_, seen) = s
        .get(
            &format!(
                "/api/v1/replenishment-orders?stock_location_id={}",
                shop.location
            ),
            &stock_manager,
        )
        .await;
    let seen = &seen["items"][0];
    assert_eq!(
        (
            seen["status"].as_str(),
            seen["carrier"].as_str(),
            seen["tracking_number"].as_str()
        ),
        (
            Some("shipped"),
            Some("PostNord"),
            Some("00370712345678901234")
        )
    );
    // Shipped is still outstanding: no second order, and no cancelling it now.
    let res = s
        .request(
            Method::POST,
            &orders,
            Some(&stock_manager),
            Some(json!({"part_number": "TN-1", "quantity": 2})),
        )
        .await;
    assert_problem(res, StatusCode::CONFLICT, "order_open").await;
    let res = s
        .request(
            Method::POST,
            &format!("/api/v1/replenishment-orders/{id}/cancellation"),
            Some(&stock_manager),
            None,
        )
        .await;
    assert_problem(res, StatusCode::CONFLICT, "order_closed").await;

    let (status, received) = s
        .post(
            &format!("/api/v1/replenishment-orders/{id}/receipt"),
            &stock_manager,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{received}");
    assert_eq!(received["status"], "received");
    let (_, location) = s
        .get(
            &format!("/api/v1/stock-locations/{}", shop.location),
            &stock_manager,
        )
        .await;
    assert_eq!(location["levels"][0]["on_hand"], 11, "5 + 6: {location}");

    // A new order, cancelled before it ships; then another may be placed.
    let (_, again) = s
        .post(
            &orders,
            &stock_manager,
            json!({"part_number": "TN-1", "quantity": 2}),
        )
        .await;
    let again = again["id"].as_str().unwrap().to_owned();
    let (status, cancelled) = s
        .post(
            &format!("/api/v1/replenishment-orders/{again}/cancellation"),
            &stock_manager,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{cancelled}");
    assert_eq!(cancelled["status"], "cancelled");
    let (status, _) = s
        .post(
            &orders,
            &stock_manager,
            json!({"part_number": "TN-1", "quantity": 2}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
}
