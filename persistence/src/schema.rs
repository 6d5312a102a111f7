//! The diesel schema, shared by both backends (see `migrations/postgres` and `migrations/sqlite`).

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        password_hash -> Text,
        display_name -> Text,
        staff_role -> Nullable<Text>,
        email_confirmed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        dealer_id -> Nullable<Text>,
        dealer_role -> Nullable<Text>,
        language -> Nullable<Text>,
        signed_out_before -> Nullable<Timestamp>,
        caller_version -> BigInt,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Text,
        user_id -> Text,
        family_id -> Text,
        token_hash -> Text,
        issued_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    accounts (id) {
        id -> Text,
        customer_account_number -> Text,
        system_account_number -> Text,
        name -> Text,
        credit_rating -> Nullable<Text>,
        payment_history -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        primary_contact_id -> Nullable<Text>,
        reading_closing_day -> Nullable<Integer>,
        invoicing_contact_name -> Nullable<Text>,
        invoicing_contact_email -> Nullable<Text>,
        invoicing_contact_phone -> Nullable<Text>,
    }
}

diesel::table! {
    sites (id) {
        id -> Text,
        account_id -> Text,
        name -> Text,
        address_line1 -> Text,
        address_line2 -> Nullable<Text>,
        postal_code -> Text,
        city -> Text,
        country -> Text,
        time_zone -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    memberships (account_id, user_id) {
        account_id -> Text,
        user_id -> Text,
        role -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    events (seq) {
        seq -> BigInt,
        id -> Text,
        kind -> Text,
        account_id -> Nullable<Text>,
        subject_type -> Text,
        subject_id -> Text,
        actor_id -> Nullable<Text>,
        staff_only -> Bool,
        payload -> Text,
        occurred_at -> Timestamp,
        device_id -> Nullable<Text>,
        dealer_id -> Nullable<Text>,
        txid -> BigInt,
    }
}

diesel::table! {
    idempotency_keys (principal, key) {
        principal -> Text,
        key -> Text,
        request_hash -> Text,
        status -> Nullable<Integer>,
        content_type -> Nullable<Text>,
        location -> Nullable<Text>,
        body -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    dealers (id) {
        id -> Text,
        name -> Text,
        created_at -> Timestamp,
        contact_email -> Nullable<Text>,
    }
}

diesel::table! {
    email_tokens (id) {
        id -> Text,
        user_id -> Text,
        purpose -> Text,
        email -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        password_hash -> Nullable<Text>,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        recipient -> Text,
        subject -> Text,
        body -> Text,
        created_at -> Timestamp,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        sent_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        sensitive -> Bool,
        list_unsubscribe -> Nullable<Text>,
        language -> Nullable<Text>,
    }
}

diesel::table! {
    notification_opt_outs (user_id, kind) {
        user_id -> Text,
        kind -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    notifier_cursor (name) {
        name -> Text,
        feed_cursor -> BigInt,
    }
}

diesel::table! {
    invitations (id) {
        id -> Text,
        account_id -> Text,
        email -> Text,
        role -> Text,
        token_hash -> Text,
        invited_by -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        accepted_at -> Nullable<Timestamp>,
        accepted_by -> Nullable<Text>,
        revoked_at -> Nullable<Timestamp>,
        device_ids -> Nullable<Text>,
        stock_location_ids -> Nullable<Text>,
    }
}

diesel::table! {
    join_requests (id) {
        id -> Text,
        account_id -> Text,
        user_id -> Text,
        status -> Text,
        created_at -> Timestamp,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        granted_role -> Nullable<Text>,
        reason -> Nullable<Text>,
    }
}

diesel::table! {
    login_throttle (key) {
        key -> Text,
        failures -> Integer,
        window_started -> Timestamp,
        blocked_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    device_models (id) {
        id -> Text,
        name -> Text,
        large_format -> Bool,
        rated_units_per_minute -> Integer,
        meters -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    devices (id) {
        id -> Text,
        account_id -> Text,
        site_id -> Text,
        model_id -> Text,
        serial_number -> Text,
        location -> Text,
        install_date -> Date,
        warranty_end -> Date,
        meters -> Text,
        status -> Text,
        removal_requested_at -> Nullable<Timestamp>,
        removal_requested_by -> Nullable<Text>,
        removal_reason -> Nullable<Text>,
        removed_at -> Nullable<Timestamp>,
        removed_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        entries_version -> BigInt,
    }
}

diesel::table! {
    site_assignments (user_id, site_id) {
        account_id -> Text,
        user_id -> Text,
        site_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    device_assignments (user_id, device_id) {
        account_id -> Text,
        user_id -> Text,
        device_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    meter_readings (id) {
        id -> Text,
        device_id -> Text,
        kind -> Text,
        local_day -> Date,
        meter_values -> Text,
        source -> Text,
        correction_kind -> Nullable<Text>,
        final_values -> Nullable<Text>,
        reason -> Nullable<Text>,
        flagged -> Bool,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    reading_reminders (device_id, period) {
        device_id -> Text,
        period -> Text,
        sent_at -> Timestamp,
    }
}

diesel::table! {
    service_contracts (account_id, version) {
        account_id -> Text,
        version -> Integer,
        response_minutes -> Integer,
        time_zone -> Text,
        office_hours -> Text,
        holidays -> Text,
        created_at -> Timestamp,
        created_by -> Text,
    }
}

diesel::table! {
    cases (id) {
        id -> Text,
        account_id -> Text,
        device_id -> Nullable<Text>,
        category -> Text,
        summary -> Text,
        description -> Text,
        contact_name -> Text,
        contact_email -> Nullable<Text>,
        contact_phone -> Nullable<Text>,
        status -> Text,
        opened_by -> Text,
        opened_at -> Timestamp,
        contract_version -> Nullable<Integer>,
        clock_start -> Nullable<Timestamp>,
        response_deadline -> Nullable<Timestamp>,
        first_response_at -> Nullable<Timestamp>,
        first_response_by -> Nullable<Text>,
        assigned_technician_id -> Nullable<Text>,
        ended_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
        response_overdue_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    case_status_changes (id) {
        id -> Text,
        case_id -> Text,
        from_status -> Nullable<Text>,
        to_status -> Text,
        changed_by -> Text,
        changed_at -> Timestamp,
    }
}

diesel::table! {
    case_comments (id) {
        id -> Text,
        case_id -> Text,
        author_id -> Text,
        body -> Text,
        internal -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    case_attachments (id) {
        id -> Text,
        case_id -> Text,
        file_name -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        internal -> Bool,
        uploaded_by -> Text,
        uploaded_at -> Timestamp,
        content -> Binary,
    }
}

diesel::table! {
    registrations (id) {
        id -> Text,
        dealer_id -> Text,
        model_id -> Text,
        serial_number -> Text,
        device_id -> Nullable<Text>,
        warranty_marketing_program -> Bool,
        warranty_end -> Nullable<Date>,
        end_user_name -> Nullable<Text>,
        status -> Text,
        registered_by -> Text,
        registered_at -> Timestamp,
        ended_by -> Nullable<Text>,
        ended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    remedies (id) {
        id -> Text,
        problem_category -> Text,
        model_id -> Nullable<Text>,
        title -> Text,
        instructions -> Text,
        active -> Bool,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    calls (id) {
        id -> Text,
        serial_number -> Text,
        model_id -> Nullable<Text>,
        device_id -> Nullable<Text>,
        caller_name -> Text,
        caller_phone -> Nullable<Text>,
        caller_email -> Nullable<Text>,
        caller_company -> Nullable<Text>,
        site_address -> Nullable<Text>,
        reason -> Text,
        problem_category -> Nullable<Text>,
        problem -> Text,
        status -> Text,
        redirected_to -> Nullable<Text>,
        resolution -> Nullable<Text>,
        logged_by -> Text,
        called_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    call_remedies (id) {
        id -> Text,
        call_id -> Text,
        remedy_id -> Text,
        outcome -> Text,
        note -> Nullable<Text>,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    call_attempts (id) {
        id -> Text,
        call_id -> Text,
        description -> Text,
        outcome -> Text,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    dispatches (id) {
        id -> Text,
        call_id -> Text,
        route -> Text,
        dealer_id -> Nullable<Text>,
        registration_id -> Nullable<Text>,
        section1 -> Text,
        serial_number -> Text,
        warranty_end -> Nullable<Date>,
        in_warranty -> Nullable<Bool>,
        warranty_marketing_program -> Bool,
        status -> Text,
        assigned_technician_id -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
        accepted_by -> Nullable<Text>,
        accepted_at -> Nullable<Timestamp>,
        section2 -> Nullable<Text>,
        closed_out_by -> Nullable<Text>,
        closed_out_at -> Nullable<Timestamp>,
        labour_decision -> Nullable<Text>,
        labour_amount_minor -> Nullable<BigInt>,
        labour_currency -> Nullable<Text>,
        labour_reason -> Nullable<Text>,
        labour_decided_by -> Nullable<Text>,
        labour_decided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    warranty_claims (id) {
        id -> Text,
        dealer_id -> Text,
        dispatch_id -> Nullable<Text>,
        registration_id -> Nullable<Text>,
        serial_number -> Text,
        part_number -> Text,
        defect -> Text,
        failure_date -> Date,
        status -> Text,
        decision_reason -> Nullable<Text>,
        submitted_by -> Text,
        submitted_at -> Timestamp,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    dealer_invitations (id) {
        id -> Text,
        dealer_id -> Text,
        email -> Text,
        role -> Text,
        token_hash -> Text,
        invited_by -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        accepted_at -> Nullable<Timestamp>,
        accepted_by -> Nullable<Text>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    stock_locations (id) {
        id -> Text,
        account_id -> Text,
        name -> Text,
        shipping_instructions -> Nullable<Text>,
        address_line1 -> Text,
        address_line2 -> Nullable<Text>,
        postal_code -> Text,
        city -> Text,
        country -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    stock_levels (stock_location_id, part_number) {
        stock_location_id -> Text,
        part_number -> Text,
        description -> Text,
        on_hand -> Integer,
        reorder_point -> Integer,
        supply_threshold_percent -> Integer,
        order_quantity -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    stock_location_devices (device_id) {
        device_id -> Text,
        stock_location_id -> Text,
        linked_at -> Timestamp,
    }
}

diesel::table! {
    stock_assignments (user_id, stock_location_id) {
        account_id -> Text,
        user_id -> Text,
        stock_location_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    device_credentials (id) {
        id -> Text,
        account_id -> Text,
        device_id -> Nullable<Text>,
        name -> Text,
        token_hash -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    replenishment_orders (id) {
        id -> Text,
        account_id -> Text,
        stock_location_id -> Text,
        device_id -> Nullable<Text>,
        part_number -> Text,
        quantity -> Integer,
        reported_level_percent -> Nullable<Integer>,
        status -> Text,
        raised_at -> Timestamp,
        received_quantity -> Nullable<Integer>,
        received_by -> Nullable<Text>,
        received_at -> Nullable<Timestamp>,
        ordered_by -> Nullable<Text>,
        carrier -> Nullable<Text>,
        tracking_number -> Nullable<Text>,
        shipped_by -> Nullable<Text>,
        shipped_at -> Nullable<Timestamp>,
        cancelled_by -> Nullable<Text>,
        cancelled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    stock_movements (id) {
        id -> Text,
        stock_location_id -> Text,
        part_number -> Text,
        kind -> Text,
        quantity -> Integer,
        on_hand_after -> Integer,
        order_id -> Nullable<Text>,
        device_id -> Nullable<Text>,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    knowledge_articles (id) {
        id -> Text,
        title -> Text,
        body -> Text,
        status -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        updated_by -> Text,
        updated_at -> Timestamp,
        published_at -> Nullable<Timestamp>,
        language -> Text,
    }
}

diesel::table! {
    knowledge_article_models (article_id, model_id) {
        article_id -> Text,
        model_id -> Text,
    }
}

diesel::table! {
    knowledge_article_tags (article_id, tag) {
        article_id -> Text,
        tag -> Text,
    }
}

diesel::table! {
    api_clients (id) {
        id -> Text,
        name -> Text,
        account_id -> Nullable<Text>,
        dealer_id -> Nullable<Text>,
        scopes -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        revoked_by -> Nullable<Text>,
    }
}

diesel::table! {
    api_client_secrets (id) {
        id -> Text,
        client_id -> Text,
        secret_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhooks (id) {
        id -> Text,
        account_id -> Nullable<Text>,
        dealer_id -> Nullable<Text>,
        url -> Text,
        description -> Text,
        event_kinds -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        active -> Bool,
        disabled_reason -> Nullable<Text>,
        feed_cursor -> BigInt,
        deliveries_made -> BigInt,
    }
}

diesel::table! {
    webhook_secrets (id) {
        id -> Text,
        webhook_id -> Text,
        secret -> Text,
        created_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        webhook_id -> Text,
        event_seq -> Nullable<BigInt>,
        position -> BigInt,
        kind -> Text,
        payload -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        lease_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> Text,
        delivery_id -> Text,
        attempted_at -> Timestamp,
        response_status -> Nullable<Integer>,
        latency_ms -> BigInt,
        error -> Nullable<Text>,
    }
}

diesel::table! {
    password_resets (id) {
        id -> Text,
        user_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(devices -> device_models (model_id));
diesel::joinable!(cases -> devices (device_id));
diesel::joinable!(case_status_changes -> users (changed_by));
diesel::joinable!(case_comments -> users (author_id));
diesel::joinable!(case_attachments -> users (uploaded_by));
diesel::joinable!(registrations -> dealers (dealer_id));
diesel::joinable!(registrations -> device_models (model_id));
diesel::joinable!(call_remedies -> remedies (remedy_id));
diesel::joinable!(devices -> sites (site_id));
diesel::joinable!(devices -> accounts (account_id));
diesel::joinable!(meter_readings -> devices (device_id));
diesel::joinable!(device_assignments -> devices (device_id));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(email_tokens -> users (user_id));
diesel::joinable!(join_requests -> accounts (account_id));
diesel::joinable!(join_requests -> users (user_id));
diesel::joinable!(invitations -> accounts (account_id));
diesel::joinable!(sites -> accounts (account_id));
diesel::joinable!(knowledge_article_models -> knowledge_articles (article_id));
diesel::joinable!(knowledge_article_tags -> knowledge_articles (article_id));
diesel::joinable!(stock_levels -> stock_locations (stock_location_id));
diesel::joinable!(stock_location_devices -> stock_locations (stock_location_id));
diesel::joinable!(stock_assignments -> stock_locations (stock_location_id));
diesel::joinable!(replenishment_orders -> stock_locations (stock_location_id));
diesel::joinable!(memberships -> accounts (account_id));
diesel::joinable!(memberships -> users (user_id));

diesel::joinable!(api_client_secrets -> api_clients (client_id));
diesel::joinable!(webhook_secrets -> webhooks (webhook_id));
diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    notification_opt_outs,
    notifier_cursor,
    api_clients,
    api_client_secrets,
    webhooks,
    webhook_secrets,
    webhook_deliveries,
    webhook_attempts,
    password_resets,
    reading_reminders,
    case_attachments,
    refresh_tokens,
    accounts,
    sites,
    memberships,
    events,
    idempotency_keys,
    dealers,
    email_tokens,
    outbox,
    invitations,
    join_requests,
    login_throttle,
    device_models,
    devices,
    device_assignments,
    meter_readings,
    service_contracts,
    cases,
    case_status_changes,
    case_comments,
    registrations,
    remedies,
    calls,
    call_attempts,
    call_remedies,
    site_assignments,
    dispatches,
    warranty_claims,
    dealer_invitations,
    stock_locations,
    stock_levels,
    stock_location_devices,
    stock_assignments,
    device_credentials,
    replenishment_orders,
    stock_movements,
    knowledge_articles,
    knowledge_article_models,
    knowledge_article_tags,
);
