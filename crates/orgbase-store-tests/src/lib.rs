//! The backend conformance suite.
//!
//! Every case is written once against [`Store`] and run for every backend through
//! [`conformance_suite!`]. A backend's test file calls the macro with a factory returning
//! `Option<Harness>`: `None` means "skipped", and the factory has said why (only allowed outside
//! CI; see [`require_in_ci`]).
//!
//! To add a case: write a `pub fn(&Arc<dyn Store>)` in a `cases` module and add its name to
//! the list in [`conformance_suite!`].

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use orgbase_domain::Store;

pub mod cases;
pub mod fixtures;

/// A store under test and what to do when the test ends (drop its database).
pub struct Harness {
    pub store: Arc<dyn Store>,
    cleanup: Option<Box<dyn FnOnce() + Send>>,
}

impl std::fmt::Debug for Harness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Harness")
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl Harness {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            cleanup: None,
        }
    }

    pub fn with_cleanup(store: Arc<dyn Store>, cleanup: impl FnOnce() + Send + 'static) -> Self {
        Self {
            store,
            cleanup: Some(Box::new(cleanup)),
        }
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(cleanup) = self.cleanup.take() {
            cleanup();
        }
    }
}

/// Whether this run is CI (`CI=true`), where no backend may be skipped.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Called by a factory that cannot reach its backend: fails the test in CI, otherwise prints
/// the reason (once per test binary) and returns `None` so the test is skipped.
pub fn require_in_ci<T>(reason: &str) -> Option<T> {
    static PRINTED: std::sync::Once = std::sync::Once::new();
    if in_ci() {
        panic!("CI=true, and this backend cannot be tested: {reason}");
    }
    // Straight to the stderr handle: libtest captures eprintln!, which would hide the reason.
    PRINTED.call_once(|| {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "\nSKIPPED (allowed outside CI only): {reason}\n"
        );
    });
    None
}

/// Expands to one `#[test]` per conformance case for the store `$make()` returns.
#[macro_export]
macro_rules! conformance_suite {
    ($make:expr) => {
        $crate::conformance_suite!(@cases $make;
            crud::create_then_get_round_trips_every_attribute,
            crud::get_of_unknown_id_is_not_found,
            crud::timestamps_keep_microseconds_and_old_dates,
            crud::find_by_name_ignores_case_and_surrounding_space,
            crud::patch_changes_only_given_members,
            crud::patch_that_changes_nothing_keeps_updated_at,
            crud::patch_with_other_read_only_value_is_invalid_and_changes_nothing,
            crud::patch_of_unknown_id_is_not_found,
            crud::delete_removes_and_frees_the_name,
            crud::delete_of_unknown_id_is_not_found,
            uniqueness::taken_id_is_an_id_conflict,
            uniqueness::same_name_ignoring_case_and_space_is_a_name_conflict,
            uniqueness::taken_slug_is_a_slug_conflict,
            uniqueness::rename_to_a_taken_name_is_a_conflict_and_changes_nothing,
            uniqueness::rename_frees_the_old_name,
            uniqueness::derived_slugs_are_numbered_when_taken,
            uniqueness::duplicate_names_copies_in_turn,
            concurrency::sixteen_threads_creating_one_name_make_one_row,
            concurrency::sixteen_threads_returning_existing_all_see_one_row,
            concurrency::concurrent_patches_of_one_record_lose_no_update,
            listing::pages_cover_every_row_once,
            listing::page_past_the_end_is_empty_with_the_total,
            listing::default_order_is_created_at_then_id,
            listing::ties_follow_the_last_keys_direction_across_pages,
            listing::sorts_by_name_ignoring_case_both_ways,
            listing::archived_are_hidden_unless_asked_for,
            listing::unfiltered_totals_follow_archive_restore_and_delete,
            listing::without_a_total_pages_still_say_whether_more_follow,
            cursors::keyset_pages_walk_every_order_forwards_and_backwards,
            cursors::keyset_pages_count_only_when_asked,
            cursors::a_walk_racing_writers_sees_every_survivor_once,
            accounts::users_and_keys_page_by_position_both_ways,
            filtering::text_operators_fold_case_and_respect_nulls,
            filtering::number_date_enum_and_id_operators,
            filtering::list_and_domain_membership,
            filtering::search_covers_name_website_email_domains_and_description,
            filtering::search_follows_updates_renames_and_deletes,
            filtering::filters_combine_with_archive_state_and_count,
            filtering::totals_bounded_by_one_time_are_exact,
            filtering::dense_and_sparse_filters_page_in_every_order,
            filtering::sorts_put_nulls_last_both_ways_and_break_ties_by_id,
            accounts::users_round_trip_and_emails_are_unique_ignoring_case,
            accounts::users_list_oldest_first_in_pages,
            accounts::user_patches_change_only_given_members,
            accounts::the_last_admin_cannot_be_demoted_or_deleted,
            accounts::two_admins_demoted_at_once_leave_one,
            accounts::api_keys_round_trip_list_by_user_and_revoke,
            accounts::keys_are_found_by_prefix_with_their_user,
            accounts::deleting_a_user_revokes_their_keys,
            accounts::touching_a_key_records_its_last_use,
            accounts::owners_must_exist_and_are_reassigned_before_deletion,
            accounts::users_are_fetched_by_ids_in_one_call,
            custom_fields::definitions_round_trip_list_in_order_and_change,
            custom_fields::every_format_round_trips_through_create_patch_get_and_list,
            custom_fields::values_are_checked_inside_the_write,
            custom_fields::removing_options_in_use_is_refused_with_the_number_of_holders,
            custom_fields::deleting_a_field_deletes_its_values,
            custom_fields::custom_filters_cover_each_format_with_missing_values,
            custom_fields::custom_sorts_put_missing_last_both_ways_and_break_ties_by_id,
            custom_fields::options_change_racing_value_writes_never_orphans_a_value,
            custom_fields::archiving_moves_custom_values_between_live_and_archived_lists,
            import::importing_twice_creates_once_and_then_changes_nothing,
            import::rows_match_by_id_else_by_name_and_update_in_place,
            import::a_bad_row_fails_alone,
            import::rows_colliding_in_one_batch_see_each_other,
            import::rows_match_by_a_unique_custom_field,
            import::racing_imports_matched_by_a_unique_field_make_one_organization_each,
            changes::organization_writes_append_exactly_their_changes,
            changes::duplicates_and_imports_append_one_entry_per_changed_record,
            changes::accounts_and_fields_append_their_entries_and_never_a_secret,
            changes::a_write_expecting_another_version_changes_nothing,
            changes::racing_writes_expecting_one_version_let_one_through,
            changes::a_reader_racing_eight_writers_skips_no_change,
            changes::the_feed_filters_and_pages_both_ways,
            changes::pruning_moves_the_mark_and_a_cursor_before_it_is_gone,
            atomic::the_work_is_kept_whole_with_its_entries,
            atomic::work_that_gives_up_keeps_nothing,
            atomic::a_failed_write_inside_undoes_only_itself,
            atomic::of_two_racing_transactions_that_collide_one_is_kept_whole,
            atomic::many_inserts_are_kept_together_or_not_at_all,
            atomic::batched_creates_end_as_one_by_one_creates_would,
            upsert::a_unique_value_is_held_once_ignoring_case,
            upsert::a_field_becomes_unique_only_while_its_values_are,
            upsert::upsert_creates_then_updates_by_name_and_by_unique_field,
            upsert::racing_upserts_of_one_key_make_one_organization,
            idempotency::a_key_runs_once_then_replays_its_answer,
            idempotency::an_unanswered_claim_is_released_or_ends_with_its_lease,
            idempotency::racing_retries_of_one_key_run_once,
            webhooks::webhooks_round_trip_and_log_their_configuration_only,
            webhooks::delivery_bookkeeping_yields_to_an_admins_change,
            webhooks::one_instance_at_a_time_holds_a_webhooks_lease,
            webhooks::racing_instances_get_one_lease,
            webhooks::rotating_the_secret_and_rewinding_are_versioned_but_not_logged,
            webhooks::the_deliveries_log_lists_a_webhooks_attempts_and_forgets_old_ones,
            contacts::contacts_round_trip_change_and_delete_with_their_entries,
            contacts::contact_emails_are_unique_ignoring_case_when_present,
            contacts::sixteen_threads_creating_one_email_make_one_contact,
            contacts::contact_owners_must_exist_and_go_with_their_users_deletion,
            contacts::contact_lists_filter_sort_search_and_page_as_the_reference,
            contact_custom_fields::contact_values_of_every_format_round_trip_with_their_entries,
            contact_custom_fields::contact_values_are_checked_inside_the_write,
            contact_custom_fields::identifiers_are_unique_within_a_resource_type,
            contact_custom_fields::unique_contact_values_options_and_deletion_count_contacts,
            contact_custom_fields::sixteen_threads_writing_one_unique_contact_value_make_one_holder,
            contact_custom_fields::contact_custom_filters_and_sorts_match_the_reference,
            memberships::memberships_round_trip_change_and_delete_with_their_entries,
            memberships::a_contact_is_a_member_once_and_both_ends_must_exist,
            memberships::sixteen_threads_adding_one_contact_make_one_membership,
            memberships::deleting_an_organization_or_a_contact_deletes_its_memberships_with_tombstones,
            memberships::membership_lists_filter_sort_and_page_as_the_reference,
            documents::documents_round_trip_move_and_delete_with_their_entries,
            documents::deleting_an_organization_deletes_its_documents_with_tombstones,
            documents::document_lists_filter_sort_and_page_as_the_reference,
            projects::projects_round_trip_keep_their_dates_in_order_and_move,
            projects::deleting_an_organization_deletes_its_projects_with_tombstones,
            projects::project_lists_filter_sort_and_page_as_the_reference,
            tasks::tasks_round_trip_complete_and_forget_their_assignee,
            tasks::deleting_an_organization_deletes_its_tasks_with_tombstones,
            tasks::task_lists_filter_sort_and_page_as_the_reference,
        );
    };
    (@cases $make:expr; $($module:ident :: $case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                let Some(harness) = ($make)() else { return };
                $crate::cases::$module::$case(&harness.store);
            }
        )*
    };
}
