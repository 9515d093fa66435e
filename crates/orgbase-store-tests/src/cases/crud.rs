use std::sync::Arc;

use orgbase_domain::organization::ReadOnlyValue;
use orgbase_domain::slug::Slug;
use orgbase_domain::time;
use orgbase_domain::{Error, OrganizationId, OrganizationPatch, Store, Write};

use crate::fixtures::{at, full, insert_named};

pub fn create_then_get_round_trips_every_attribute(store: &Arc<dyn Store>) {
    let new = full("Acme Ünïcode, Inc.");
    let mut org = new.to_organization(new.slug.as_ref().unwrap(), time::now());
    org.version = store.insert_organization(&org).unwrap();
    assert_eq!(store.get_organization(org.id).unwrap(), org);
}

pub fn get_of_unknown_id_is_not_found(store: &Arc<dyn Store>) {
    let err = store
        .get_organization(OrganizationId::generate())
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::NotFound {
                resource: "organization",
                ..
            }
        ),
        "{err:?}"
    );
}

pub fn timestamps_keep_microseconds_and_old_dates(store: &Arc<dyn Store>) {
    let mut new = full("Old Timer");
    new.created_at = Some(at(1901, 1, 1, 1));
    new.updated_at = Some(at(2999, 12, 31, 999_999));
    new.details.last_contact_at = Some(at(1970, 1, 1, 0));
    new.details.archived_at = Some(at(2026, 6, 1, 10));
    let mut org = new.to_organization(&Slug::derive("old"), time::now());
    org.version = store.insert_organization(&org).unwrap();
    let got = store.get_organization(org.id).unwrap();
    assert_eq!(got.created_at, at(1901, 1, 1, 1));
    assert_eq!(got.updated_at, at(2999, 12, 31, 999_999));
    assert_eq!(got.details.last_contact_at, Some(at(1970, 1, 1, 0)));
    assert_eq!(got.details.archived_at, Some(at(2026, 6, 1, 10)));
}

pub fn find_by_name_ignores_case_and_surrounding_space(store: &Arc<dyn Store>) {
    let org = insert_named(&**store, "École Polytechnique", at(2020, 1, 1, 0));
    let found = store
        .find_organization_by_name("  éCOLE polytechnique ")
        .unwrap();
    assert_eq!(found.map(|o| o.id), Some(org.id));
    assert_eq!(
        store
            .find_organization_by_name("Ecole Polytechnique")
            .unwrap(),
        None
    );
}

pub fn patch_changes_only_given_members(store: &Arc<dyn Store>) {
    let new = full("Patchable");
    let mut org = new.to_organization(new.slug.as_ref().unwrap(), time::now());
    org.version = store.insert_organization(&org).unwrap();
    let now = time::now();
    let patch = OrganizationPatch {
        name: Some("Patched".into()),
        city: Some(Some("Namur".into())),
        website: Some(None),
        metadata: Some(None),
        company_size: Some(Some(0)),
        lists: Some(vec![]),
        unchanged: vec![ReadOnlyValue::CreatedAt(org.created_at)],
        ..OrganizationPatch::default()
    };
    let updated = store
        .update_organization(org.id, &patch, now, Write::default())
        .unwrap();
    let mut expected = org.clone();
    expected.name = "Patched".into();
    expected.details.city = Some("Namur".into());
    expected.details.website = None;
    expected.details.metadata = None;
    expected.details.company_size = Some(0);
    expected.details.lists = vec![];
    expected.updated_at = now;
    assert!(updated.version > org.version, "a change is a new version");
    expected.version = updated.version;
    assert_eq!(updated, expected);
    assert_eq!(store.get_organization(org.id).unwrap(), expected);
}

pub fn patch_that_changes_nothing_keeps_updated_at(store: &Arc<dyn Store>) {
    let org = insert_named(&**store, "Steady", at(2020, 1, 1, 0));
    // The client sends back what it read: same values, read-only ones included.
    let patch = OrganizationPatch {
        name: Some(org.name.clone()),
        city: Some(None),
        lists: Some(vec![]),
        unchanged: vec![ReadOnlyValue::UpdatedAt(org.updated_at)],
        ..OrganizationPatch::default()
    };
    let returned = store
        .update_organization(org.id, &patch, time::now(), Write::default())
        .unwrap();
    assert_eq!(returned, org);
    assert_eq!(store.get_organization(org.id).unwrap(), org);
}

pub fn patch_with_other_read_only_value_is_invalid_and_changes_nothing(store: &Arc<dyn Store>) {
    let org = insert_named(&**store, "Read Only", at(2020, 1, 1, 0));
    let patch = OrganizationPatch {
        city: Some(Some("Liège".into())),
        unchanged: vec![ReadOnlyValue::CreatedAt(at(2021, 1, 1, 0))],
        ..OrganizationPatch::default()
    };
    match store.update_organization(org.id, &patch, time::now(), Write::default()) {
        Err(Error::Invalid(errors)) => {
            assert_eq!(errors.0.len(), 1);
            assert_eq!(errors.0[0].pointer, "/created_at");
            assert_eq!(errors.0[0].code, "read_only");
        }
        other => panic!("expected a read_only error, got {other:?}"),
    }
    assert_eq!(store.get_organization(org.id).unwrap(), org);
}

pub fn patch_of_unknown_id_is_not_found(store: &Arc<dyn Store>) {
    let patch = OrganizationPatch {
        name: Some("Nobody".into()),
        ..OrganizationPatch::default()
    };
    let err = store
        .update_organization(
            OrganizationId::generate(),
            &patch,
            time::now(),
            Write::default(),
        )
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
}

pub fn delete_removes_and_frees_the_name(store: &Arc<dyn Store>) {
    let org = insert_named(&**store, "Short Lived", at(2020, 1, 1, 0));
    store.delete_organization(org.id, Write::default()).unwrap();
    assert!(matches!(
        store.get_organization(org.id),
        Err(Error::NotFound { .. })
    ));
    assert_eq!(
        store.find_organization_by_name("short lived").unwrap(),
        None
    );
    insert_named(&**store, "SHORT LIVED", at(2020, 1, 1, 0));
}

pub fn delete_of_unknown_id_is_not_found(store: &Arc<dyn Store>) {
    let err = store
        .delete_organization(OrganizationId::generate(), Write::default())
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
}
