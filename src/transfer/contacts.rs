//! `orgbase export --type contacts` and `orgbase import --type contacts`: contacts with their
//! attributes and owner, and (in NDJSON) their memberships as relationship linkage:
//! `"relationships": {"organizations": {"data": [{"type": "organizations", "id": …,
//! "meta": {"role": …}}]}}`. Import matches a row to a stored contact by id, else by e-mail
//! address, and changes it in place; re-running a file changes nothing. The contacts' custom
//! fields (`c_…`) are columns and attributes as organizations' are: they must be defined
//! (`resource_type` `contacts`) before a CSV import; an NDJSON export writes their
//! definitions first, which its import defines. A row that names a field sets or clears its
//! value, leaving the fields it does not name alone. Contacts are a CRM's
//! thousands, not millions: rows are written one at a time, each its own transaction.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;

use anyhow::{Context, anyhow};
use orgbase_domain::attributes::{CONTACT_ATTRIBUTES, read_new_contact};
use orgbase_domain::query::MAX_PAGE_SIZE;
use orgbase_domain::service::memberships_where;
use orgbase_domain::{
    Condition, Contact, ContactId, ContactPatch, CustomFields, CustomResourceType, Error, Field,
    Filter, ListQuery, MembershipPatch, MembershipRole, NewMembership, Operand, Operator,
    OrganizationId, PageRequest, SortKey, Store, UserId, Write as Writer, time,
};
use serde_json::{Map, Value, json};

use super::format::{Column, Format, OWNER_ID, cell};

/// Every contact in id order, a page at a time, with its memberships.
fn each_contact(
    store: &dyn Store,
    mut write: impl FnMut(&Contact, &[(OrganizationId, MembershipRole)]) -> anyhow::Result<()>,
) -> anyhow::Result<u64> {
    let mut query = ListQuery {
        sort: vec![SortKey::ascending(Field::Id)],
        page: PageRequest::numbered(1, MAX_PAGE_SIZE),
        with_total: false,
        ..ListQuery::default()
    };
    let mut written = 0;
    loop {
        let page = store.list_contacts(&query)?;
        let ids: Vec<String> = page.items.iter().map(|c| c.id.to_string()).collect();
        let mut memberships: HashMap<ContactId, Vec<(OrganizationId, MembershipRole)>> =
            HashMap::new();
        if !ids.is_empty() {
            let of_page = Filter::parse(Field::Contact, Operator::In, &ids.join(","))
                .map_err(|why| anyhow!(why))?;
            for m in memberships_where(store, vec![of_page])? {
                memberships
                    .entry(m.contact_id)
                    .or_default()
                    .push((m.organization_id, m.role));
            }
        }
        for contact in &page.items {
            let mut of_contact = memberships.remove(&contact.id).unwrap_or_default();
            of_contact.sort();
            write(contact, &of_contact)?;
        }
        written += page.items.len() as u64;
        let (Some(last), true) = (page.items.last(), page.has_next) else {
            break;
        };
        query.filters = vec![Filter {
            field: Field::Id,
            condition: Condition::Gt(Operand::Id(last.id.as_uuid())),
        }];
    }
    Ok(written)
}

/// A contact's attributes as the API shows them (custom fields too), and `owner_id`.
fn attributes(contact: &Contact, fields: &CustomFields) -> Map<String, Value> {
    let mut map: Map<String, Value> = orgbase_domain::change::snapshot::contact_attributes(contact)
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect();
    for (field, value) in fields.shown(&contact.custom, |_| true) {
        map.insert(field.identifier.clone(), value);
    }
    map.insert(
        OWNER_ID.to_owned(),
        json!(contact.owner_id.map(|id| id.to_string())),
    );
    map
}

pub fn export(store: &dyn Store, format: Format, output: Option<&PathBuf>) -> anyhow::Result<()> {
    let sink: Box<dyn Write> = match output {
        Some(path) => Box::new(
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = BufWriter::new(sink);
    let fields = store.list_custom_fields()?.of(CustomResourceType::Contacts);
    let written = match format {
        Format::Ndjson => {
            for field in fields.iter() {
                serde_json::to_writer(&mut out, &super::export::definition(field))?;
                out.write_all(b"\n")?;
            }
            each_contact(store, |contact, memberships| {
                let linkage: Vec<Value> = memberships
                .iter()
                .map(|(org, role)| {
                    json!({"type": "organizations", "id": org.to_string(), "meta": {"role": role.as_str()}})
                })
                .collect();
                let line = json!({
                    "type": "contacts",
                    "id": contact.id.to_string(),
                    "attributes": attributes(contact, &fields),
                    "relationships": { "organizations": { "data": linkage } },
                });
                serde_json::to_writer(&mut out, &line)?;
                Ok(out.write_all(b"\n")?)
            })?
        }
        Format::Csv => {
            let mut csv = csv::Writer::from_writer(&mut out);
            let header: Vec<&str> = std::iter::once("id")
                .chain(CONTACT_ATTRIBUTES.iter().map(|a| a.name))
                .chain(fields.identifiers())
                .chain(std::iter::once(OWNER_ID))
                .collect();
            csv.write_record(&header)?;
            let written = each_contact(store, |contact, _| {
                let attributes = attributes(contact, &fields);
                let record = std::iter::once(contact.id.to_string()).chain(
                    header[1..]
                        .iter()
                        .map(|name| attributes.get(*name).map(cell).unwrap_or_default()),
                );
                Ok(csv.write_record(record)?)
            })?;
            csv.flush()?;
            written
        }
    };
    out.flush()?;
    tracing::info!(contacts = written, "export written");
    Ok(())
}

/// One row of a contacts file: its id, attributes, and the memberships it lists (`None` when
/// the row says nothing of them, as CSV rows never do).
#[derive(Debug, Clone)]
struct Row {
    id: Option<ContactId>,
    attributes: Map<String, Value>,
    memberships: Option<Vec<(OrganizationId, MembershipRole)>>,
}

/// A line of a contacts file: a contact, or (NDJSON only, as exports write them first) a
/// contacts custom field's definition.
#[derive(Debug, Clone)]
enum Line {
    Contact(Row),
    Field(Option<orgbase_domain::CustomFieldId>, Map<String, Value>),
}

fn ndjson_row(text: &str) -> Result<Line, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Object(mut object) = value else {
        return Err("is not a JSON object".to_owned());
    };
    match object.get("type") {
        Some(Value::String(kind)) if kind == "contacts" => {}
        Some(Value::String(kind)) if kind == "custom_fields" => return field_line(object),
        None => {}
        Some(other) => {
            return Err(format!(
                "type: must be \"contacts\" or \"custom_fields\", not {other}"
            ));
        }
    }
    let id = parse_id(object.get("id"))?;
    let attributes = match object.remove("attributes") {
        Some(Value::Object(attributes)) => attributes,
        None => Map::new(),
        Some(_) => return Err("attributes: must be an object".to_owned()),
    };
    let memberships = match object
        .get("relationships")
        .and_then(|r| r.pointer("/organizations/data"))
    {
        None => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let at = format!("relationships.organizations.data[{i}]");
                    let org = item
                        .get("id")
                        .and_then(Value::as_str)
                        .and_then(|id| id.parse().ok())
                        .filter(|_| {
                            item.get("type").and_then(Value::as_str) == Some("organizations")
                        })
                        .ok_or_else(|| {
                            format!("{at}: must be {{\"type\": \"organizations\", \"id\": …}}")
                        })?;
                    let role = match item.pointer("/meta/role") {
                        None => MembershipRole::default(),
                        Some(role) => {
                            role.as_str()
                                .and_then(MembershipRole::parse)
                                .ok_or_else(|| {
                                    format!(
                                        "{at}.meta.role: must be one of {}",
                                        MembershipRole::NAMES.join(", ")
                                    )
                                })?
                        }
                    };
                    Ok((org, role))
                })
                .collect::<Result<_, String>>()?,
        ),
        Some(_) => return Err("relationships.organizations.data: must be an array".to_owned()),
    };
    Ok(Line::Contact(Row {
        id,
        attributes,
        memberships,
    }))
}

/// A custom field definition line, which must define a contacts field.
fn field_line(mut object: Map<String, Value>) -> Result<Line, String> {
    let id = match object.get("id") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(
            text.parse()
                .map_err(|_| format!("id: {text:?} is not a UUID"))?,
        ),
        Some(other) => return Err(format!("id: must be a UUID string, not {other}")),
    };
    let attributes = match object.remove("attributes") {
        Some(Value::Object(attributes)) => attributes,
        _ => return Err("attributes: must be an object".to_owned()),
    };
    if attributes.get("resource_type") != Some(&json!("contacts")) {
        return Err(
            "a custom field in a contacts file must have resource_type \"contacts\"".to_owned(),
        );
    }
    Ok(Line::Field(id, attributes))
}

fn parse_id(value: Option<&Value>) -> Result<Option<ContactId>, String> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if text.is_empty() => Ok(None),
        Some(Value::String(text)) => text
            .parse()
            .map(Some)
            .map_err(|_| format!("id: {text:?} is not a UUID")),
        Some(other) => Err(format!("id: must be a string, not {other}")),
    }
}

/// CSV rows: a header of attribute names; an empty cell is null.
fn csv_rows(
    reader: impl std::io::Read,
    fields: &CustomFields,
) -> anyhow::Result<Vec<(u64, Result<Line, String>)>> {
    let mut csv = csv::Reader::from_reader(reader);
    let header: Vec<String> = csv.headers()?.iter().map(str::to_owned).collect();
    let mut rows = Vec::new();
    for record in csv.records() {
        let record = record?;
        let line = record.position().map_or(0, csv::Position::line);
        let mut id = None;
        let mut attributes = Map::new();
        for (name, cell) in header.iter().zip(record.iter()) {
            let value = match Column::custom(name, fields) {
                Some(column) => column.read(cell),
                None if cell.is_empty() => Value::Null,
                None => Value::from(cell),
            };
            if name == "id" {
                id = Some(value);
            } else {
                attributes.insert(name.clone(), value);
            }
        }
        let row = parse_id(id.as_ref()).map(|id| {
            Line::Contact(Row {
                id,
                attributes,
                memberships: None,
            })
        });
        rows.push((line, row));
    }
    Ok(rows)
}

/// What a contacts import did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub failed: u64,
    /// Memberships added or whose role changed.
    pub memberships: u64,
    /// Custom fields the file defined.
    pub fields_defined: u64,
}

pub fn import(
    store: &dyn Store,
    file: &PathBuf,
    format: Option<Format>,
    owner: Option<&str>,
) -> anyhow::Result<Tally> {
    let format = format.or_else(|| Format::of_path(file)).ok_or_else(|| {
        anyhow!(
            "cannot tell the format of {} from its extension; use --format csv or --format ndjson",
            file.display()
        )
    })?;
    let actor = match owner {
        Some(email) => Some(
            store
                .find_user_by_email(email)?
                .ok_or_else(|| anyhow!("--owner: no user has the e-mail address {email}"))?
                .id,
        ),
        None => None,
    };
    let reader = BufReader::new(
        File::open(file).with_context(|| format!("cannot open {}", file.display()))?,
    );
    let contact_fields = |store: &dyn Store| -> orgbase_domain::Result<CustomFields> {
        Ok(store.list_custom_fields()?.of(CustomResourceType::Contacts))
    };
    let mut fields = contact_fields(store)?;
    let rows: Vec<(u64, Result<Line, String>)> = match format {
        Format::Csv => csv_rows(reader, &fields)?,
        Format::Ndjson => reader
            .lines()
            .zip(1..)
            .filter_map(|(line, number)| match line {
                Err(error) => Some((number, Err(format!("cannot read this line: {error}")))),
                Ok(text) if text.trim().is_empty() => None,
                Ok(text) => Some((number, ndjson_row(&text))),
            })
            .collect(),
    };
    let mut tally = Tally::default();
    for (line, row) in rows {
        let row = match row {
            Ok(Line::Field(id, attributes)) => {
                match super::import::define_field(store, id, &attributes) {
                    Ok(defined) => {
                        tally.fields_defined += u64::from(defined);
                        fields = contact_fields(store)?;
                    }
                    Err(reason) => {
                        tally.failed += 1;
                        eprintln!("{}:{line}: {reason}", file.display());
                    }
                }
                continue;
            }
            Ok(Line::Contact(row)) => Ok(row),
            Err(reason) => Err(reason),
        };
        match row.and_then(|row| import_row(store, row, actor, &fields)) {
            Ok((outcome, memberships)) => {
                match outcome {
                    Outcome::Created => tally.created += 1,
                    Outcome::Updated => tally.updated += 1,
                    Outcome::Unchanged => tally.unchanged += 1,
                }
                tally.memberships += memberships;
            }
            Err(reason) => {
                tally.failed += 1;
                eprintln!("{}:{line}: {reason}", file.display());
            }
        }
    }
    println!(
        "{} contacts: {} created, {} updated, {} unchanged, {} failed; {} memberships added or changed{}",
        tally.created + tally.updated + tally.unchanged + tally.failed,
        tally.created,
        tally.updated,
        tally.unchanged,
        tally.failed,
        tally.memberships,
        match tally.fields_defined {
            0 => String::new(),
            n => format!("; {n} custom fields defined"),
        },
    );
    match tally.failed {
        0 => Ok(tally),
        n => Err(anyhow!("{n} rows failed (listed above)")),
    }
}

/// Why a store call failed, as a row's report says it.
fn reason(error: Error) -> String {
    match error {
        Error::Invalid(errors) => errors
            .0
            .iter()
            .map(|e| format!("{}: {}", e.pointer.trim_start_matches('/'), e.detail))
            .collect::<Vec<_>>()
            .join("; "),
        Error::Conflict(orgbase_domain::Constraint::ContactEmail) => {
            "email: another contact already has this address".to_owned()
        }
        Error::Conflict(orgbase_domain::Constraint::CustomValue(_)) => {
            "another contact holds this value of a unique custom field".to_owned()
        }
        other => other.to_string(),
    }
}

/// What a row did to its contact.
#[derive(Debug, Clone, Copy)]
enum Outcome {
    Created,
    Updated,
    Unchanged,
}

fn import_row(
    store: &dyn Store,
    mut row: Row,
    actor: Option<UserId>,
    fields: &CustomFields,
) -> Result<(Outcome, u64), String> {
    let owner = match row.attributes.remove(OWNER_ID) {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(id)) => Some(Some(
            id.parse::<UserId>()
                .map_err(|_| format!("{OWNER_ID}: {id:?} is not a UUID"))?,
        )),
        Some(other) => return Err(format!("{OWNER_ID}: must be a user id, not {other}")),
    };
    let mut new =
        read_new_contact(&row.attributes, row.id, fields).map_err(|e| reason(Error::Invalid(e)))?;
    new.actor = actor;
    if let Some(owner) = owner {
        new.owner_id = owner;
        new.owner_given = true;
    }
    // The organizations first, so a row naming one that is not there writes nothing (a
    // transaction per row would cost the in-memory store a copy of everything per row).
    for (org, _) in row.memberships.iter().flatten() {
        store.get_organization(*org).map_err(reason)?;
    }
    let existing = match row.id.map(|id| store.get_contact(id)) {
        Some(Ok(contact)) => Some(contact),
        Some(Err(Error::NotFound { .. })) | None => match &new.email {
            Some(email) => by_email(store, email).map_err(reason)?,
            None => None,
        },
        Some(Err(other)) => return Err(reason(other)),
    };
    let contact = match existing {
        Some(stored) => {
            let patch = ContactPatch {
                name: Some(new.name.clone()),
                email: Some(new.email.clone()),
                phone: Some(new.phone.clone()),
                title: Some(new.title.clone()),
                notes: Some(new.notes.clone()),
                // The fields the row names: set, or cleared by an empty value.
                custom: fields
                    .iter()
                    .filter(|f| row.attributes.contains_key(&f.identifier))
                    .map(|f| (f.id, new.custom.get(&f.id).cloned()))
                    .collect(),
                owner_id: owner,
                actor,
                ..ContactPatch::default()
            };
            let updated = store
                .update_contact(stored.id, &patch, time::now(), Writer::by(actor))
                .map_err(reason)?;
            let outcome = if updated.version == stored.version {
                Outcome::Unchanged
            } else {
                Outcome::Updated
            };
            (updated, outcome)
        }
        None => {
            let mut contact = new.to_contact(time::now());
            contact.version = store.insert_contact(&contact).map_err(reason)?;
            (contact, Outcome::Created)
        }
    };
    let (contact, outcome) = contact;
    let memberships = match row.memberships {
        Some(memberships) => join(store, &contact, &memberships, actor).map_err(reason)?,
        None => 0,
    };
    Ok((outcome, memberships))
}

/// The contact whose address is `email`, ignoring case.
fn by_email(store: &dyn Store, email: &str) -> orgbase_domain::Result<Option<Contact>> {
    let filter = Filter::parse(Field::Email, Operator::Eq, email.trim()).map_err(Error::Backend)?;
    let page = store.list_contacts(&ListQuery {
        filters: vec![filter],
        page: PageRequest::numbered(1, 2),
        with_total: false,
        ..ListQuery::default()
    })?;
    let key = orgbase_domain::contact::email_key(email);
    Ok(page
        .items
        .into_iter()
        .find(|c| c.email_key().as_deref() == Some(key.as_str())))
}

/// Makes the contact a member of each organization listed, with the role given; memberships
/// the file does not list are left alone. Returns how many it added or changed.
fn join(
    store: &dyn Store,
    contact: &Contact,
    memberships: &[(OrganizationId, MembershipRole)],
    actor: Option<UserId>,
) -> orgbase_domain::Result<u64> {
    let of_contact = Filter::parse(Field::Contact, Operator::Eq, &contact.id.to_string())
        .map_err(Error::Backend)?;
    let current: HashMap<OrganizationId, orgbase_domain::Membership> =
        memberships_where(store, vec![of_contact])?
            .into_iter()
            .map(|m| (m.organization_id, m))
            .collect();
    let mut changed = 0;
    for (org, role) in memberships {
        match current.get(org) {
            Some(m) if m.role == *role => {}
            Some(m) => {
                let patch = MembershipPatch {
                    role: Some(*role),
                    actor,
                    ..MembershipPatch::default()
                };
                store.update_membership(m.id, &patch, time::now(), Writer::by(actor))?;
                changed += 1;
            }
            None => {
                let membership = NewMembership {
                    role: *role,
                    ..NewMembership::new(*org, contact.id)
                }
                .to_membership(time::now());
                store.insert_membership(&membership, actor)?;
                changed += 1;
            }
        }
    }
    Ok(changed)
}
