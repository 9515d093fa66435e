use std::sync::Arc;

use orgbase_domain::slug::Slug;
use orgbase_domain::{Constraint, Error, NewOrganization, OrganizationPatch, Store, Write};
use orgbase_domain::{service, time};

use crate::fixtures::{at, insert_named};

fn conflict_of(result: orgbase_domain::Result<impl std::fmt::Debug>) -> Constraint {
    match result {
        Err(Error::Conflict(constraint)) => constraint,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

pub fn taken_id_is_an_id_conflict(store: &Arc<dyn Store>) {
    let first = insert_named(&**store, "First", at(2020, 1, 1, 0));
    let mut second =
        NewOrganization::named("Second").to_organization(&Slug::derive("second"), time::now());
    second.id = first.id;
    assert_eq!(
        conflict_of(store.insert_organization(&second)),
        Constraint::OrganizationId
    );
    assert_eq!(store.get_organization(first.id).unwrap(), first);
}

pub fn same_name_ignoring_case_and_space_is_a_name_conflict(store: &Arc<dyn Store>) {
    insert_named(&**store, "Acme", at(2020, 1, 1, 0));
    let twin =
        NewOrganization::named(" ACME ").to_organization(&Slug::derive("other-slug"), time::now());
    assert_eq!(
        conflict_of(store.insert_organization(&twin)),
        Constraint::OrganizationName
    );
    let page = store.list_organizations(&Default::default()).unwrap();
    assert_eq!(page.total, Some(1));
}

pub fn taken_slug_is_a_slug_conflict(store: &Arc<dyn Store>) {
    insert_named(&**store, "Acme", at(2020, 1, 1, 0));
    let other =
        NewOrganization::named("Another").to_organization(&Slug::derive("acme"), time::now());
    assert_eq!(
        conflict_of(store.insert_organization(&other)),
        Constraint::OrganizationSlug
    );
}

pub fn rename_to_a_taken_name_is_a_conflict_and_changes_nothing(store: &Arc<dyn Store>) {
    insert_named(&**store, "Taken", at(2020, 1, 1, 0));
    let org = insert_named(&**store, "Free", at(2020, 1, 1, 0));
    let patch = OrganizationPatch {
        name: Some("TAKEN".into()),
        city: Some(Some("Gent".into())),
        ..OrganizationPatch::default()
    };
    let result = store.update_organization(org.id, &patch, time::now(), Write::default());
    assert_eq!(conflict_of(result), Constraint::OrganizationName);
    assert_eq!(store.get_organization(org.id).unwrap(), org);
    let slug_patch = OrganizationPatch {
        slug: Some(Slug::parse("taken").unwrap()),
        ..OrganizationPatch::default()
    };
    let result = store.update_organization(org.id, &slug_patch, time::now(), Write::default());
    assert_eq!(conflict_of(result), Constraint::OrganizationSlug);
}

pub fn rename_frees_the_old_name(store: &Arc<dyn Store>) {
    let org = insert_named(&**store, "Old Name", at(2020, 1, 1, 0));
    let patch = OrganizationPatch {
        name: Some("New Name".into()),
        ..OrganizationPatch::default()
    };
    store
        .update_organization(org.id, &patch, time::now(), Write::default())
        .unwrap();
    assert_eq!(store.find_organization_by_name("old name").unwrap(), None);
    assert_eq!(
        store
            .find_organization_by_name("new name")
            .unwrap()
            .map(|o| o.id),
        Some(org.id)
    );
    service::create_organization(&**store, &NewOrganization::named("Old Name"), time::now())
        .unwrap();
}

pub fn derived_slugs_are_numbered_when_taken(store: &Arc<dyn Store>) {
    let now = time::now();
    let first =
        service::create_organization(&**store, &NewOrganization::named("Acme"), now).unwrap();
    let second =
        service::create_organization(&**store, &NewOrganization::named("Acme!"), now).unwrap();
    let third =
        service::create_organization(&**store, &NewOrganization::named("ACME?"), now).unwrap();
    assert_eq!(
        [first.slug, second.slug, third.slug],
        ["acme".to_owned(), "acme-2".to_owned(), "acme-3".to_owned()]
    );
}

pub fn duplicate_names_copies_in_turn(store: &Arc<dyn Store>) {
    let now = time::now();
    let source =
        service::create_organization(&**store, &crate::fixtures::full("Acme"), now).unwrap();
    let first =
        service::duplicate_organization(&**store, source.id, Write::default(), now).unwrap();
    let second =
        service::duplicate_organization(&**store, source.id, Write::default(), now).unwrap();
    assert_eq!(first.name, "Acme (copy)");
    assert_eq!(second.name, "Acme (copy 2)");
    assert_ne!(first.id, source.id);
    assert_ne!(first.slug, source.slug);
    assert_eq!(first.details.domains, source.details.domains);
    assert_eq!(first.details.lists, source.details.lists);
    assert_eq!(first.details.metadata, source.details.metadata);
    assert_eq!(first.details.website, source.details.website);
    assert_eq!(first.details.company_size, source.details.company_size);
    assert_eq!(first.created_from, "api");
    assert_eq!(first.created_at, now);
    assert_eq!(store.get_organization(second.id).unwrap(), second);
}
