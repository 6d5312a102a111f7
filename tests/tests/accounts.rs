//! Accounts and sites: who creates, who reads what, and the two views of an account.
#![expect(clippy::unwrap_used, reason = "tests")]

use fleetdesk_domain::identity::{CustomerRole, StaffRole};
use fleetdesk_tests::{Backend, StatusCode, TestServer, assert_problem, both_backends};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(
    staff_and_customers_get_different_account_views,
    customers_only_reach_their_own_account,
    accounts_are_found_by_either_number,
    account_numbers_are_unique_and_validated,
    only_customer_service_creates_and_changes_accounts,
    sites_are_validated_and_scoped,
    lists_are_paginated_with_a_cursor,
    the_main_contact_is_one_of_the_administrators,
    administrators_keep_their_account_details_current,
);

async fn staff_and_customers_get_different_account_views(b: Backend) {
    let s = TestServer::start(b).await;
    let cs = s.staff(StaffRole::CustomerService).await;
    let account = s.create_account(&cs, "C-1001", "S-1001").await;
    let id = account["id"].as_str().unwrap();
    assert_eq!(account["credit_rating"], "good");
    assert_eq!(account["payment_history"][0]["days_late"], 2);

    let (status, staff_view) = s.get(&format!("/api/v1/accounts/{id}"), &cs).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(staff_view["credit_rating"], "good");
    assert!(staff_view["payment_history"].is_array());
    assert_eq!(staff_view["view"], "staff", "the view names itself");
    // Other staff see what their work needs: numbers and name, no credit data.
    let tech = s.staff(StaffRole::Technician).await;
    let (status, tech_view) = s.get(&format!("/api/v1/accounts/{id}"), &tech).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tech_view["system_account_number"], "S-1001");
    assert!(tech_view.get("credit_rating").is_none(), "{tech_view}");
    assert_eq!(tech_view["view"], "customer");

    for role in [
        CustomerRole::Administrator,
        CustomerRole::DeviceManager,
        CustomerRole::StockManager,
    ] {
        let customer = s.customer(id, role).await;
        let (status, view) = s.get(&format!("/api/v1/accounts/{id}"), &customer).await;
        assert_eq!(status, StatusCode::OK, "{role}");
        assert_eq!(view["customer_account_number"], "C-1001");
        assert_eq!(view["system_account_number"], "S-1001");
        assert!(
            view.get("credit_rating").is_none(),
            "{role} must not see the credit rating: {view}"
        );
        assert!(
            view.get("payment_history").is_none(),
            "{role} must not see the payment history: {view}"
        );
        let (_, list) = s.get("/api/v1/accounts", &customer).await;
        assert!(list["items"][0].get("credit_rating").is_none());
    }
    // A knowledge user reads knowledge, nothing else.
    let reader = s.customer(id, CustomerRole::KnowledgeUser).await;
    s.expect_problem(
        Method::GET,
        &format!("/api/v1/accounts/{id}"),
        Some(&reader),
        None,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}

async fn customers_only_reach_their_own_account(b: Backend) {
    let s = TestServer::start(b).await;
    let cs = s.staff(StaffRole::CustomerService).await;
    let mine = s.create_account(&cs, "C-2001", "S-2001").await;
    let theirs = s.create_account(&cs, "C-2002", "S-2002").await;
    let (mine, theirs) = (mine["id"].as_str().unwrap(), theirs["id"].as_str().unwrap());
    let admin = s.customer(mine, CustomerRole::Administrator).await;

    let (_, list) = s.get("/api/v1/accounts", &admin).await;
    let ids: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![mine]);
    let (_, search) = s.get("/api/v1/accounts?number=C-2002", &admin).await;
    assert_eq!(
        search["items"],
        json!([]),
        "searching does not reach other accounts"
    );

    for path in [
        format!("/api/v1/accounts/{theirs}"),
        format!("/api/v1/accounts/{theirs}/sites"),
    ] {
        s.expect_problem(
            Method::GET,
            &path,
            Some(&admin),
            None,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
    s.expect_problem(
        Method::PATCH,
        &format!("/api/v1/accounts/{theirs}"),
        Some(&admin),
        Some(json!({"name": "x"})),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    s.expect_problem(
        Method::GET,
        "/api/v1/accounts/no-such-id",
        Some(&cs),
        None,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

async fn accounts_are_found_by_either_number(b: Backend) {
    let s = TestServer::start(b).await;
    let cs = s.staff(StaffRole::CustomerService).await;
    let a = s.create_account(&cs, "C-3001", "S-3001").await;
    s.create_account(&cs, "C-3002", "S-3002").await;
    for query in ["C-3001", "s-3001", " c-3001 "] {
        let (status, found) = s
            .get(
                &format!("/api/v1/accounts?number={}", query.replace(' ', "%20")),
                &cs,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let items = found["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{query}: {found}");
        assert_eq!(items[0]["id"], a["id"]);
    }
    let (_, none) = s.get("/api/v1/accounts?number=C-9999", &cs).await;
    assert_eq!(none["items"], json!([]));
}

async fn account_numbers_are_unique_and_validated(b: Backend) {
    let s = TestServer::start(b).await;
    let cs = s.staff(StaffRole::CustomerService).await;
    s.create_account(&cs, "C-4001", "S-4001").await;
    for (customer, system) in [("c-4001", "S-4999"), ("C-4999", "s-4001")] {
        let body = json!({"customer_account_number": customer, "system_account_number": system, "name": "Dup"});
        s.expect_problem(
            Method::POST,
            "/api/v1/accounts",
            Some(&cs),
            Some(body),
            StatusCode::CONFLICT,
            "account_number_taken",
        )
        .await;
    }
    let body = json!({"customer_account_number": "no spaces", "system_account_number": "S-4002", "name": "Bad"});
    let problem = s
        .expect_problem(
            Method::POST,
            "/api/v1/accounts",
            Some(&cs),
            Some(body),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    assert_eq!(problem["errors"][0]["field"], "customer_account_number");
    let body = json!({"customer_account_number": "C-4003", "system_account_number": "S-4003", "name": "Bad",
                      "payment_history": [{"invoice_number": "I", "due_on": "2026-01-01", "amount_minor": 1, "currency": "kr"}]});
    let problem = s
        .expect_problem(
            Method::POST,
            "/api/v1/accounts",
            Some(&cs),
            Some(body),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    assert_eq!(problem["errors"][0]["field"], "payment_history[0]");
    let (_, list) = s.get("/api/v1/accounts", &cs).await;
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        1,
        "refused requests create nothing"
    );
}

async fn only_customer_service_creates_and_changes_accounts(b: Backend) {
    let s = TestServer::start(b).await;
    let cs = s.staff(StaffRole::CustomerService).await;
    let account = s.create_account(&cs, "C-5001", "S-5001").await;
    let id = account["id"].as_str().unwrap();
    let body = json!({"customer_account_number": "C-5002", "system_account_number": "S-5002", "name": "X"});
    for role in [
        StaffRole::CallCenter,
        StaffRole::DispatchPlanner,
        StaffRole::Technician,
        StaffRole::WarrantyAdmin,
    ] {
        let token = s.staff(role).await;
        s.expect_problem(
            Method::POST,
            "/api/v1/accounts",
            Some(&token),
            Some(body.clone()),
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        s.expect_problem(
            Method::PATCH,
            &format!("/api/v1/accounts/{id}"),
            Some(&token),
            Some(json!({"name": "X"})),
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
    }
    let admin = s.customer(id, CustomerRole::Administrator).await;
    s.expect_problem(
        Method::POST,
        "/api/v1/accounts",
        Some(&admin),
        Some(body),
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    s.expect_problem(
        Method::PATCH,
        &format!("/api/v1/accounts/{id}"),
        Some(&admin),
        Some(json!({"name": "Mine now"})),
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    let (status, changed) = s
        .patch(
            &format!("/api/v1/accounts/{id}"),
            &cs,
            json!({"name": "Renamed AB", "credit_rating": null}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["name"], "Renamed AB");
    assert_eq!(changed["credit_rating"], serde_json::Value::Null);
    assert_eq!(
        changed["payment_history"], account["payment_history"],
        "absent fields stay"
    );
    let (_, view) = s.get(&format!("/api/v1/accounts/{id}"), &admin).await;
    assert_eq!(view["name"], "Renamed AB");
}

async fn sites_are_validated_and_scoped(b: Backend) {
    let s = TestServer::start(b).await;
    let cs = s.staff(StaffRole::CustomerService).await;
    let a = s.create_account(&cs, "C-6001", "S-6001").await;
    let other = s.create_account(&cs, "C-6002", "S-6002").await;
    let (a, other) = (a["id"].as_str().unwrap(), other["id"].as_str().unwrap());
    let site = |name: &str, tz: &str| {
        json!({"name": name, "time_zone": tz,
               "address": {"line1": "Kungsgatan 12", "postal_code": "111 43", "city": "Stockholm", "country": "se"}})
    };
    let res = s
        .request(
            Method::POST,
            &format!("/api/v1/accounts/{a}/sites"),
            Some(&cs),
            Some(site("HQ", "Europe/Stockholm")),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let created: serde_json::Value = res.json().await.unwrap();
    assert_eq!(created["address"]["country"], "SE");
    assert!(location.ends_with(created["id"].as_str().unwrap()));
    let (status, fetched) = s.get(&location, &cs).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetched, created);

    let problem = s
        .expect_problem(
            Method::POST,
            &format!("/api/v1/accounts/{a}/sites"),
            Some(&cs),
            Some(site("Branch", "Mars/Olympus")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    assert_eq!(problem["errors"][0]["field"], "time_zone");
    s.expect_problem(
        Method::POST,
        &format!("/api/v1/accounts/{a}/sites"),
        Some(&cs),
        Some(site("HQ", "Europe/Oslo")),
        StatusCode::CONFLICT,
        "site_name_taken",
    )
    .await;
    s.expect_problem(
        Method::POST,
        "/api/v1/accounts/nope/sites",
        Some(&cs),
        Some(site("X", "Europe/Oslo")),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    let manager = s.customer(a, CustomerRole::DeviceManager).await;
    let (status, sites) = s
        .get(&format!("/api/v1/accounts/{a}/sites"), &manager)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(sites["items"].as_array().unwrap().len(), 1);
    assert_eq!(sites["items"][0]["time_zone"], "Europe/Stockholm");
    s.expect_problem(
        Method::POST,
        &format!("/api/v1/accounts/{a}/sites"),
        Some(&manager),
        Some(site("Mine", "Europe/Oslo")),
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    s.expect_problem(
        Method::GET,
        &format!("/api/v1/accounts/{other}/sites"),
        Some(&manager),
        None,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let (status, _) = s.get(&location, &manager).await;
    assert_eq!(status, StatusCode::OK);
    let foreign = s.customer(other, CustomerRole::Administrator).await;
    s.expect_problem(
        Method::GET,
        &location,
        Some(&foreign),
        None,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

async fn lists_are_paginated_with_a_cursor(b: Backend) {
    let s = TestServer::start(b).await;
    let cs = s.staff(StaffRole::CustomerService).await;
    for i in 0..5 {
        s.create_account(&cs, &format!("C-70{i:02}"), &format!("S-70{i:02}"))
            .await;
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/accounts?limit=2".to_owned();
    loop {
        let (status, page) = s.get(&path, &cs).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(
            items
                .iter()
                .map(|a| a["customer_account_number"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/accounts?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, vec!["C-7000", "C-7001", "C-7002", "C-7003", "C-7004"]);
    for bad in ["limit=0", "limit=201", "cursor=bogus", "limit=abc"] {
        let res = s
            .request(
                Method::GET,
                &format!("/api/v1/accounts?{bad}"),
                Some(&cs),
                None,
            )
            .await;
        assert!(
            res.status() == StatusCode::UNPROCESSABLE_ENTITY
                || res.status() == StatusCode::BAD_REQUEST,
            "{bad}"
        );
        assert_eq!(
            res.headers()["content-type"],
            "application/problem+json",
            "{bad}"
        );
    }
}

/// An account names one of its administrators its main contact; every view of the account
/// shows who it is, and it is cleared when that person stops being an administrator.
async fn the_main_contact_is_one_of_the_administrators(b: Backend) {
    let s = TestServer::start(b).await;
    let cs = s.staff(StaffRole::CustomerService).await;
    let account = s.create_account(&cs, "C-1201", "S-1201").await;
    let id = account["id"].as_str().unwrap();
    assert_eq!(account["primary_contact"], Value::Null);
    let admin = s.customer(id, CustomerRole::Administrator).await;
    let second = s.customer(id, CustomerRole::Administrator).await;
    let manager = s.customer(id, CustomerRole::DeviceManager).await;
    let user_id = |token: String| {
        let s = &s;
        async move {
            s.get("/api/v1/me", &token).await.1["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let (second_id, manager_id) = (
        user_id(second.clone()).await,
        user_id(manager.clone()).await,
    );
    let path = format!("/api/v1/accounts/{id}/primary-contact");

    // Only an administrator can be it; only administrators and customer service name it.
    let res = s
        .request(
            Method::PUT,
            &path,
            Some(&admin),
            Some(json!({"user_id": manager_id})),
        )
        .await;
    assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let res = s
        .request(
            Method::PUT,
            &path,
            Some(&manager),
            Some(json!({"user_id": second_id})),
        )
        .await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let (status, named) = s
        .send(
            Method::PUT,
            &path,
            Some(&admin),
            Some(json!({"user_id": second_id})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{named}");
    assert_eq!(named["primary_contact"]["user_id"], second_id.as_str());
    assert!(
        named["primary_contact"]["email"]
            .as_str()
            .unwrap()
            .contains('@')
    );

    // Everyone who reads the account sees it: the member, and staff in the list.
    let (_, seen) = s.get(&format!("/api/v1/accounts/{id}"), &manager).await;
    assert_eq!(seen["primary_contact"]["user_id"], second_id.as_str());
    let (_, listed) = s.get("/api/v1/accounts?number=C-1201", &cs).await;
    assert_eq!(
        listed["items"][0]["primary_contact"]["user_id"],
        second_id.as_str()
    );

    // Demoted, they are no longer the contact.
    let (status, _) = s
        .send(
            Method::PATCH,
            &format!("/api/v1/accounts/{id}/members/{second_id}"),
            Some(&admin),
            Some(json!({"role": "device-manager"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, after) = s.get(&format!("/api/v1/accounts/{id}"), &cs).await;
    assert_eq!(after["primary_contact"], Value::Null, "{after}");
}

async fn administrators_keep_their_account_details_current(b: Backend) {
    let s = TestServer::start(b).await;
    let cs = s.staff(StaffRole::CustomerService).await;
    let account = s.create_account(&cs, "C-8800", "S-8800").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let admin = s.customer(&account, CustomerRole::Administrator).await;
    let manager = s.customer(&account, CustomerRole::DeviceManager).await;
    // The administrator adds a site, and one for the devices.
    let annex = s
        .create_site(&admin, &account, "Annex", "Europe/Stockholm")
        .await;
    let hq = s
        .create_site(&admin, &account, "HQ", "Europe/Stockholm")
        .await;
    let model = s.create_model(&cs, "Matrix 40", 40, &["black"]).await;
    s.create_device(&cs, &account, &hq, &model, "SITE-1").await;
    let site = |id: &str| format!("/api/v1/accounts/{account}/sites/{id}");

    // A new name, address and time zone.
    let (status, changed) = s
        .patch(
            &site(&annex),
            &admin,
            json!({"name": "Annex North", "time_zone": "Europe/Helsinki",
                "address": {"line1": "Norra vägen 2", "postal_code": "11122", "city": "Stockholm", "country": "SE"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["name"], "Annex North");
    assert_eq!(changed["time_zone"], "Europe/Helsinki");
    assert_eq!(changed["address"]["line1"], "Norra vägen 2");
    let (_, read) = s.get(&site(&annex), &admin).await;
    assert_eq!(read, changed);
    // Refusals change nothing: a name taken, a zone that is none, a role that may not,
    // another account's administrator.
    let (status, body) = s.patch(&site(&annex), &admin, json!({"name": "HQ"})).await;
    assert_eq!(
        (status, &body["code"]),
        (StatusCode::CONFLICT, &json!("site_name_taken"))
    );
    let (status, _) = s
        .patch(&site(&annex), &admin, json!({"time_zone": "Mars/Olympus"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = s
        .patch(&site(&annex), &manager, json!({"name": "Mine"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let other = s.create_account(&cs, "C-8801", "S-8801").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let stranger = s.customer(&other, CustomerRole::Administrator).await;
    let (status, _) = s
        .patch(&site(&annex), &stranger, json!({"name": "Ours"}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, unchanged) = s.get(&site(&annex), &admin).await;
    assert_eq!(unchanged, changed);

    // A site with devices stays; an empty one goes.
    let (status, body) = s.send(Method::DELETE, &site(&hq), Some(&admin), None).await;
    assert_eq!(
        (status, &body["code"]),
        (StatusCode::CONFLICT, &json!("site_has_devices"))
    );
    let (status, _) = s
        .send(Method::DELETE, &site(&annex), Some(&manager), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = s
        .send(Method::DELETE, &site(&annex), Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = s.get(&site(&annex), &admin).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, feed) = s.get("/api/v1/events?limit=200", &admin).await;
    let kinds: Vec<&str> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .filter(|k| k.starts_with("site."))
        .collect();
    assert_eq!(
        kinds,
        [
            "site.created",
            "site.created",
            "site.updated",
            "site.deleted"
        ]
    );

    // The invoicing contact: the administrators', shown to everyone who reads the account.
    let contact = format!("/api/v1/accounts/{account}/invoicing-contact");
    let invoices = json!({"name": "Accounts payable", "email": "Invoices@Nordic.example", "phone": "+46 8 123 456 78"});
    let (status, _) = s
        .send(
            Method::PUT,
            &contact,
            Some(&manager),
            Some(invoices.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for bad in [
        json!({"name": "Accounts payable", "email": "not an address"}),
        json!({"name": "  ", "email": "invoices@nordic.example"}),
        json!({"name": "Accounts payable", "email": "invoices@nordic.example", "phone": "call us"}),
    ] {
        let (status, body) = s.send(Method::PUT, &contact, Some(&admin), Some(bad)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
    let (_, before) = s.get(&format!("/api/v1/accounts/{account}"), &admin).await;
    assert_eq!(before["invoicing_contact"], Value::Null);
    let (status, view) = s
        .send(Method::PUT, &contact, Some(&admin), Some(invoices))
        .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    let expected = json!({"name": "Accounts payable", "email": "invoices@nordic.example", "phone": "+46 8 123 456 78"});
    assert_eq!(view["invoicing_contact"], expected);
    for reader in [&manager, &cs] {
        let (_, seen) = s.get(&format!("/api/v1/accounts/{account}"), reader).await;
        assert_eq!(seen["invoicing_contact"], expected);
    }
    let (_, feed) = s.get("/api/v1/events?limit=200", &manager).await;
    assert!(
        feed["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "account.updated"
                && e["payload"]["fields"] == json!(["invoicing_contact"]))
    );
}
