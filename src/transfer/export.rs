//! `orgbase export`: every organization (or those a filter selects), custom fields included,
//! written as it is read a page at a time in id order, so memory stays flat however large the
//! table. NDJSON starts with the custom field definitions, so it re-imports into an empty
//! database to the same data.

use anyhow::{Context, anyhow};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use orgbase_domain::attributes::ORGANIZATION_ATTRIBUTES;
use orgbase_domain::{
    ArchivedFilter, Condition, CustomFields, CustomResourceType, Field, Filter, ListQuery, Operand,
    Organization, PageRequest, SortKey, Store,
};
use orgbase_http::document::{FieldSet, OrganizationAttributes};
use orgbase_http::query::{Paging, QueryPairs, list_params};
use orgbase_http::state::DefinedFields;
use serde_json::{Value, json};

use super::format::{Format, OWNER_ID, cell};

/// Organizations read per query.
const PAGE_ROWS: u64 = 1000;

#[derive(Debug)]
pub struct ExportOptions {
    pub format: Format,
    /// Where to write; standard output without one.
    pub output: Option<PathBuf>,
    /// A query string in the API's filter language, e.g. `filter[status]=active`.
    pub filter: Option<String>,
}

/// The selection `--filter` asks for; archived organizations are included unless it says
/// `filter[archived]=…` itself.
fn selection(raw: Option<&str>, fields: &CustomFields) -> anyhow::Result<ListQuery> {
    let pairs = QueryPairs::parse(raw.unwrap_or(""));
    let defined = DefinedFields {
        organizations: std::sync::Arc::new(fields.clone()),
        ..DefinedFields::default()
    };
    let params = list_params(&pairs, &defined, &Paging::default()).map_err(|error| {
        let details: Vec<String> = error.errors.into_iter().map(|e| e.detail).collect();
        anyhow!("--filter: {}", details.join(" "))
    })?;
    let mut query = params.query;
    if !pairs.0.iter().any(|(name, _)| name == "filter[archived]") {
        query.archived = ArchivedFilter::Any;
    }
    query.sort = vec![SortKey::ascending(Field::Id)];
    query.with_total = false;
    query.page = PageRequest::numbered(1, PAGE_ROWS);
    Ok(query)
}

/// Calls `write` with each selected organization, in id order, one page in memory at a time.
fn each_organization(
    store: &dyn Store,
    query: &ListQuery,
    mut write: impl FnMut(&Organization) -> anyhow::Result<()>,
) -> anyhow::Result<u64> {
    let mut written = 0;
    let mut page_query = query.clone();
    loop {
        let page = store.list_organizations(&page_query)?;
        for org in &page.items {
            write(org)?;
        }
        written += page.items.len() as u64;
        let Some(last) = page.items.last() else {
            break;
        };
        if !page.has_next {
            break;
        }
        // Keyset paging: the next page starts after the last id, however deep it is.
        page_query.filters = query.filters.clone();
        page_query.filters.push(Filter {
            field: Field::Id,
            condition: Condition::Gt(Operand::Id(last.id.as_uuid())),
        });
    }
    Ok(written)
}

/// The attributes of one organization as export writes them: the response's attributes plus
/// `owner_id`.
fn attributes(org: &Organization, fields: &CustomFields) -> serde_json::Map<String, Value> {
    let rendered = serde_json::to_value(OrganizationAttributes {
        org,
        fields: &FieldSet::All,
        custom: fields,
    });
    let mut map = match rendered {
        Ok(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    map.insert(
        OWNER_ID.to_owned(),
        json!(org.details.owner_id.map(|id| id.to_string())),
    );
    map
}

/// A field's definition as an NDJSON line: what an import defines before the rows whose
/// values need it.
pub(super) fn definition(field: &orgbase_domain::CustomField) -> Value {
    json!({
        "type": "custom_fields",
        "id": field.id.to_string(),
        "attributes": {
            "resource_type": field.resource_type.as_str(),
            "identifier": field.identifier,
            "name": field.name,
            "format": field.format.as_str(),
            "options": if field.format.has_options() { json!(field.options) } else { Value::Null },
            "unique": field.unique,
        },
    })
}

pub fn run(store: &dyn Store, options: &ExportOptions) -> anyhow::Result<()> {
    let fields = store
        .list_custom_fields()?
        .of(CustomResourceType::Organizations);
    let query = selection(options.filter.as_deref(), &fields)?;
    let sink: Box<dyn Write> = match &options.output {
        Some(path) => Box::new(
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = BufWriter::new(sink);
    let io = |e: std::io::Error| anyhow::Error::new(e).context("cannot write the export");
    let written = match options.format {
        Format::Ndjson => {
            // The definitions first, so an empty database importing this file gets the fields
            // before the values that need them.
            for field in fields.iter() {
                serde_json::to_writer(&mut out, &definition(field))?;
                out.write_all(b"\n").map_err(io)?;
            }
            each_organization(store, &query, |org| {
                let line = json!({
                    "type": "organizations",
                    "id": org.id.to_string(),
                    "attributes": attributes(org, &fields),
                });
                serde_json::to_writer(&mut out, &line)?;
                out.write_all(b"\n").map_err(io)
            })?
        }
        Format::Csv => {
            let mut csv = csv::Writer::from_writer(&mut out);
            let header: Vec<&str> = std::iter::once("id")
                .chain(ORGANIZATION_ATTRIBUTES.iter().map(|a| a.name))
                .chain(std::iter::once(OWNER_ID))
                .chain(fields.iter().map(|f| f.identifier.as_str()))
                .collect();
            csv.write_record(&header)?;
            let written = each_organization(store, &query, |org| {
                let attributes = attributes(org, &fields);
                let record = std::iter::once(org.id.to_string()).chain(
                    header[1..]
                        .iter()
                        .map(|name| attributes.get(*name).map(cell).unwrap_or_default()),
                );
                Ok(csv.write_record(record)?)
            })?;
            csv.flush().map_err(io)?;
            written
        }
    };
    out.flush().map_err(io)?;
    tracing::info!(organizations = written, "export written");
    Ok(())
}
