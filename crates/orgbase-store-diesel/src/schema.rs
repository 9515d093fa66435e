// One schema for SQLite and PostgreSQL: the migrations in migrations/sqlite and
// migrations/postgres create the same columns with the same diesel types.

diesel::table! {
    organizations (id) {
        id -> Text,
        name -> Text,
        name_key -> Text,
        organization_type -> Nullable<Text>,
        status -> Text,
        description -> Nullable<Text>,
        website -> Nullable<Text>,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        address -> Nullable<Text>,
        city -> Nullable<Text>,
        state -> Nullable<Text>,
        country -> Nullable<Text>,
        industry -> Nullable<Text>,
        company_size -> Nullable<BigInt>,
        domains -> Text,
        lists -> Text,
        metadata -> Nullable<Text>,
        slug -> Text,
        created_from -> Text,
        last_contact_at -> Nullable<Timestamp>,
        archived_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        owner_id -> Nullable<Text>,
        creator_id -> Nullable<Text>,
        updater_id -> Nullable<Text>,
        version -> BigInt,
    }
}

diesel::table! {
    organization_lists (list_key, organization_id) {
        list_key -> Text,
        organization_id -> Text,
    }
}

diesel::table! {
    organization_domains (domain, organization_id) {
        domain -> Text,
        organization_id -> Text,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    organizations,
    organization_lists,
    organization_domains
);

diesel::table! {
    organization_counts (archived, stripe) {
        archived -> Bool,
        stripe -> Integer,
        total -> BigInt,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        name -> Text,
        email -> Text,
        email_key -> Text,
        role -> Text,
        created_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Text,
        user_id -> Text,
        name -> Text,
        prefix -> Text,
        secret_hash -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        version -> BigInt,
    }
}

diesel::joinable!(api_keys -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(users, api_keys);

diesel::allow_tables_to_appear_in_same_query!(organizations, users);

diesel::table! {
    custom_fields (id) {
        id -> Text,
        identifier -> Text,
        name -> Text,
        format -> Text,
        options -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        is_unique -> Bool,
        resource_type -> Text,
    }
}

diesel::table! {
    organization_custom_values (organization_id, field_id, position) {
        organization_id -> Text,
        field_id -> Text,
        position -> Integer,
        text_value -> Nullable<Text>,
        text_key -> Nullable<Text>,
        number_value -> Nullable<Double>,
        datetime_value -> Nullable<Timestamp>,
        boolean_value -> Nullable<Bool>,
        organization_archived -> Bool,
        unique_value -> Bool,
    }
}

diesel::joinable!(organization_custom_values -> custom_fields (field_id));
diesel::allow_tables_to_appear_in_same_query!(
    organizations,
    organization_custom_values,
    custom_fields
);

diesel::table! {
    changes (id) {
        id -> BigInt,
        sequence -> Nullable<BigInt>,
        operation -> Text,
        resource_type -> Text,
        resource_id -> Text,
        changed_at -> Timestamp,
        actor_id -> Nullable<Text>,
        diff -> Text,
    }
}

diesel::table! {
    change_log (id) {
        id -> Integer,
        last_sequence -> BigInt,
        pruned_through -> BigInt,
    }
}

diesel::table! {
    idempotency_keys (api_key_id, idempotency_key) {
        api_key_id -> Text,
        idempotency_key -> Text,
        fingerprint -> Text,
        claimed_at -> Timestamp,
        lease_until -> Timestamp,
        status -> Nullable<Integer>,
        response_headers -> Nullable<Text>,
        response_body -> Nullable<Text>,
    }
}

diesel::table! {
    webhooks (id) {
        id -> Text,
        url -> Text,
        description -> Nullable<Text>,
        events -> Text,
        active -> Bool,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        last_delivered_sequence -> BigInt,
        last_success_at -> Nullable<Timestamp>,
        last_failure_at -> Nullable<Timestamp>,
        consecutive_failures -> Integer,
        failing_since -> Nullable<Timestamp>,
        next_attempt_at -> Nullable<Timestamp>,
        disabled_reason -> Nullable<Text>,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        webhook_id -> Text,
        sequence -> BigInt,
        event_type -> Text,
        attempt -> Integer,
        status_code -> Nullable<Integer>,
        duration_ms -> BigInt,
        error -> Nullable<Text>,
        delivered_at -> Timestamp,
        next_attempt_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    contacts (id) {
        id -> Text,
        name -> Text,
        name_key -> Text,
        email -> Nullable<Text>,
        email_key -> Nullable<Text>,
        phone -> Nullable<Text>,
        title -> Nullable<Text>,
        notes -> Nullable<Text>,
        owner_id -> Nullable<Text>,
        creator_id -> Nullable<Text>,
        updater_id -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(contacts, users);

diesel::table! {
    contact_custom_values (contact_id, field_id, position) {
        contact_id -> Text,
        field_id -> Text,
        position -> Integer,
        text_value -> Nullable<Text>,
        text_key -> Nullable<Text>,
        number_value -> Nullable<Double>,
        datetime_value -> Nullable<Timestamp>,
        boolean_value -> Nullable<Bool>,
        unique_value -> Bool,
    }
}

diesel::joinable!(contact_custom_values -> custom_fields (field_id));
diesel::allow_tables_to_appear_in_same_query!(contacts, contact_custom_values, custom_fields);

diesel::table! {
    documents (id) {
        id -> Text,
        organization_id -> Text,
        title -> Text,
        url -> Nullable<Text>,
        content_type -> Nullable<Text>,
        size_bytes -> Nullable<BigInt>,
        description -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    projects (id) {
        id -> Text,
        organization_id -> Text,
        name -> Text,
        name_key -> Text,
        status -> Text,
        starts_on -> Nullable<Timestamp>,
        ends_on -> Nullable<Timestamp>,
        description -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    tasks (id) {
        id -> Text,
        organization_id -> Text,
        title -> Text,
        status -> Text,
        due_on -> Nullable<Timestamp>,
        completed_at -> Nullable<Timestamp>,
        description -> Nullable<Text>,
        assignee_id -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    memberships (id) {
        id -> Text,
        organization_id -> Text,
        contact_id -> Text,
        role -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}
