//! `orgbase import FILE`: reads rows, validates each like an API request would (and, with
//! `--match`, keys each by that attribute), and hands them to the store in batches ([`Store::import_organizations`]). A bad row is reported with
//! its line and does not stop the others; the summary line is always printed.

use std::fs::File;
use std::io::{BufRead, BufReader, IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Instant;

use anyhow::{Context, anyhow, bail};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use orgbase_domain::attributes::read_new_custom_field;
use orgbase_domain::import::{ImportOutcome, ImportRow};
use orgbase_domain::service::UpsertKey;
use orgbase_domain::{
    Constraint, CustomField, CustomFieldId, CustomFields, CustomResourceType, Error,
    OrganizationId, Store, UserId, time,
};
use serde_json::{Map, Value};

use super::csv_lines::{LineCounting, line_of};
use super::format::{Column, Format, OWNER_ID};

/// Rows per transaction: large enough that a commit is a small part of a batch's cost, small
/// enough that a failed batch redone row by row stays quick. Each commit writes every index
/// page the batch touched, and a filter index over 500 cities touches about 500 pages per
/// batch whatever its size: with the filter indexes, 500-row batches imported 15,600 rows/s
/// into SQLite and 2,000-row batches 24,600. A server writing beside an import waits up to
/// one batch (about 80 ms on SQLite) for its turn.
const BATCH_ROWS: usize = 2000;

#[derive(Debug)]
pub struct ImportOptions {
    pub file: PathBuf,
    pub format: Option<Format>,
    /// E-mail of the user who owns and creates new organizations.
    pub owner: Option<String>,
    /// Stop at the first failing row (rows are then written one at a time).
    pub strict: bool,
    /// `--match`: the attribute rows are matched by (`name` or a unique custom field's
    /// identifier) instead of their id, then name.
    pub match_by: Option<String>,
}

/// A row of the file, or why it could not be read.
type SourceRow = Result<Row, String>;

#[derive(Debug, PartialEq)]
enum Row {
    /// An organization's id, if the row gives one, and its attributes.
    Organization(Option<OrganizationId>, Map<String, Value>),
    /// A custom field definition (NDJSON only, as `orgbase export` writes them first): the
    /// fields the organizations after it use.
    CustomField(Option<CustomFieldId>, Map<String, Value>),
}

/// What an import did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub failed: u64,
    /// Custom fields the file defined.
    pub fields_defined: u64,
}

impl Tally {
    fn rows(&self) -> u64 {
        self.created + self.updated + self.unchanged + self.failed
    }
}

/// Runs the import; `Err` when the file cannot be read at all or any row failed.
pub fn run(store: &dyn Store, options: &ImportOptions) -> anyhow::Result<()> {
    let format = options
        .format
        .or_else(|| Format::of_path(&options.file))
        .ok_or_else(|| {
            anyhow!(
                "cannot tell the format of {} from its extension; use --format csv or --format ndjson",
                options.file.display()
            )
        })?;
    let owner = match &options.owner {
        Some(email) => Some(
            store
                .find_user_by_email(email)?
                .ok_or_else(|| anyhow!("--owner: no user has the e-mail address {email}"))?
                .id,
        ),
        None => None,
    };
    let file = File::open(&options.file)
        .with_context(|| format!("cannot open {}", options.file.display()))?;
    let bar = progress_bar(file.metadata().map(|m| m.len()).unwrap_or(0));
    let reader = BufReader::new(bar.wrap_read(file));
    let fields = store
        .list_custom_fields()?
        .of(CustomResourceType::Organizations);
    // An NDJSON file may define the field itself, before its rows; a CSV file cannot.
    if let Some(attribute) = &options.match_by
        && (format == Format::Csv || fields.by_identifier(attribute).is_some())
    {
        match_key(attribute, &fields).map_err(|reason| anyhow!("--match: {reason}"))?;
    }
    let rows: Box<dyn Iterator<Item = (u64, SourceRow)> + Send> = match format {
        Format::Csv => csv_rows(reader, &fields).map_err(|reason| anyhow!(reason))?,
        Format::Ndjson => Box::new(ndjson_rows(reader)),
    };

    let started = Instant::now();
    let mut importer = Importer {
        store,
        file: &options.file,
        bar: &bar,
        batch: Vec::new(),
        tally: Tally::default(),
    };
    let batch_rows = if options.strict { 1 } else { BATCH_ROWS };
    // Reading and validating run on their own thread while the store writes the previous
    // batch: on two cores that is most of a second core's work taken off the write path.
    let (sender, receiver) = mpsc::sync_channel::<Vec<(u64, Item)>>(2);
    std::thread::scope(|scope| {
        let reading = Reading {
            fields,
            owner,
            match_by: options.match_by.as_deref(),
        };
        scope.spawn(move || read_rows(store, rows, reading, batch_rows, &sender));
        'batches: for items in receiver.iter() {
            for (line, item) in items {
                match item {
                    Item::Row(row) => importer.batch.push((line, row)),
                    Item::FieldDefined => importer.tally.fields_defined += 1,
                    Item::Failed(reason) => importer.fail(line, &reason),
                }
                if importer.batch.len() >= batch_rows {
                    importer.flush();
                }
                if options.strict && importer.tally.failed > 0 {
                    // Dropping the receiver stops the reader at its next batch.
                    break 'batches;
                }
            }
        }
        drop(receiver);
    });
    importer.flush();
    bar.finish_and_clear();

    let tally = importer.tally;
    let seconds = started.elapsed().as_secs_f64();
    let defined = match tally.fields_defined {
        0 => String::new(),
        n => format!("; {n} custom fields defined"),
    };
    println!(
        "{} rows in {seconds:.1} s ({:.0} rows/s): {} created, {} updated, {} unchanged, {} failed{defined}",
        tally.rows(),
        tally.rows() as f64 / seconds.max(1e-9),
        tally.created,
        tally.updated,
        tally.unchanged,
        tally.failed,
    );
    match tally.failed {
        0 => Ok(()),
        _ if options.strict => {
            bail!("stopped at the first failing row (--strict); the rows before it are imported")
        }
        n => Err(anyhow!(
            "{n} of {} rows failed (listed above)",
            tally.rows()
        )),
    }
}

struct Importer<'a> {
    store: &'a dyn Store,
    file: &'a Path,
    bar: &'a ProgressBar,
    /// Read and valid rows waiting for the store, with their lines.
    batch: Vec<(u64, ImportRow)>,
    tally: Tally,
}

impl Importer<'_> {
    fn fail(&mut self, line: u64, reason: &str) {
        self.tally.failed += 1;
        let file = self.file.display();
        self.bar.suspend(|| eprintln!("{file}:{line}: {reason}"));
    }

    fn flush(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        let (lines, rows): (Vec<u64>, Vec<ImportRow>) =
            std::mem::take(&mut self.batch).into_iter().unzip();
        let outcomes = self.store.import_organizations(&rows, time::now());
        for (line, outcome) in lines.into_iter().zip(outcomes) {
            match outcome {
                ImportOutcome::Created(_) => self.tally.created += 1,
                ImportOutcome::Updated(_) => self.tally.updated += 1,
                ImportOutcome::Unchanged(_) => self.tally.unchanged += 1,
                ImportOutcome::Failed(error) => self.fail(line, &describe(&error)),
            }
        }
    }
}

/// What the reading thread made of one row.
// Nearly every item is a row: boxing it would allocate once per row to shrink the rare others.
#[allow(clippy::large_enum_variant)]
enum Item {
    Row(ImportRow),
    FieldDefined,
    Failed(String),
}

/// What every row is read with.
struct Reading<'a> {
    /// The custom fields defined so far.
    fields: CustomFields,
    owner: Option<UserId>,
    match_by: Option<&'a str>,
}

impl Reading<'_> {
    fn row(&self, id: Option<OrganizationId>, attributes: &Map<String, Value>) -> Item {
        let read =
            ImportRow::read(id, attributes, &self.fields, self.owner).map_err(Error::Invalid);
        let matched = match self.match_by {
            None => read,
            Some(attribute) => match match_key(attribute, &self.fields) {
                Ok(key) => {
                    read.and_then(|row| row.matched_by(key, attribute).map_err(Error::Invalid))
                }
                Err(reason) => return Item::Failed(format!("--match: {reason}")),
            },
        };
        match matched {
            Ok(row) => Item::Row(row),
            Err(error) => Item::Failed(describe(&error)),
        }
    }
}

/// `--match ATTRIBUTE` as the key rows are matched by.
fn match_key(attribute: &str, fields: &CustomFields) -> Result<UpsertKey, String> {
    if attribute == "name" {
        return Ok(UpsertKey::Name);
    }
    match fields.by_identifier(attribute) {
        Some(field) if field.unique => Ok(UpsertKey::Custom(field.id)),
        Some(field) => Err(format!(
            "{} is not a unique custom field; make it unique first (PATCH /custom_fields/{} with \"unique\": true)",
            field.identifier, field.id
        )),
        None => Err(format!(
            "{attribute:?} is neither `name` nor the identifier of a custom field"
        )),
    }
}

/// Reads and validates `rows`, sending them on in chunks of `chunk`; stops when the writer
/// hangs up. Field definitions are written here, so the rows after them are read with them.
fn read_rows(
    store: &dyn Store,
    rows: impl Iterator<Item = (u64, SourceRow)>,
    mut reading: Reading,
    chunk: usize,
    sender: &mpsc::SyncSender<Vec<(u64, Item)>>,
) {
    let mut items = Vec::with_capacity(chunk);
    for (line, row) in rows {
        let item = match row {
            Ok(Row::Organization(id, attributes)) => reading.row(id, &attributes),
            Ok(Row::CustomField(id, attributes)) => match define_field(store, id, &attributes) {
                Ok(false) => continue,
                Ok(true) => match store.list_custom_fields() {
                    Ok(now_defined) => {
                        reading.fields = now_defined.of(CustomResourceType::Organizations);
                        Item::FieldDefined
                    }
                    Err(error) => Item::Failed(error.to_string()),
                },
                Err(reason) => Item::Failed(reason),
            },
            Err(reason) => Item::Failed(reason),
        };
        items.push((line, item));
        if items.len() >= chunk && sender.send(std::mem::take(&mut items)).is_err() {
            return;
        }
    }
    let _ = sender.send(items);
}

/// Defines a custom field unless one with its identifier exists (on its resource type);
/// `Ok(false)` when it did with the same format (re-running a file), an error when the format
/// differs.
pub(super) fn define_field(
    store: &dyn Store,
    id: Option<CustomFieldId>,
    attributes: &Map<String, Value>,
) -> Result<bool, String> {
    let field = read_new_custom_field(attributes, id, time::now())
        .map_err(|e| describe(&Error::Invalid(e)))?;
    let existing = store.list_custom_fields().map_err(|e| e.to_string())?;
    let same_attribute = |f: &&CustomField| {
        f.identifier == field.identifier && f.resource_type == field.resource_type
    };
    match existing.iter().find(same_attribute) {
        Some(same) if same.format == field.format => Ok(false),
        Some(other) => Err(format!(
            "custom field {} exists with the format {}, not {}",
            other.identifier,
            other.format.as_str(),
            field.format.as_str()
        )),
        None => store
            .insert_custom_field(&field, None)
            .map(|_| true)
            .map_err(|e| describe(&e)),
    }
}

/// A bar over the file's bytes, on a terminal only.
fn progress_bar(bytes: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(bytes), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{bar:40} {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}",
    ) {
        bar.set_style(style);
    }
    bar
}

/// Why a row failed, in a sentence naming the attribute where there is one.
fn describe(error: &Error) -> String {
    match error {
        Error::Invalid(errors) => errors
            .0
            .iter()
            .map(|e| {
                let pointer = e.pointer.trim_start_matches('/');
                let attribute = pointer.split('/').next().unwrap_or_default();
                // Most details name their attribute already (`name` must not be null).
                if attribute.is_empty() || e.detail.contains(&format!("`{attribute}`")) {
                    e.detail.clone()
                } else {
                    format!("{pointer}: {}", e.detail)
                }
            })
            .collect::<Vec<_>>()
            .join("; "),
        Error::Conflict(Constraint::OrganizationName) => {
            "name: another organization has this name".to_owned()
        }
        Error::Conflict(Constraint::OrganizationSlug) => {
            "slug: another organization has this slug".to_owned()
        }
        Error::Conflict(Constraint::CustomValue(_)) => {
            "another organization holds this value of a unique custom field".to_owned()
        }
        Error::Conflict(Constraint::OrganizationId) => {
            "id: another organization has this id".to_owned()
        }
        other => other.to_string(),
    }
}

fn parse_id<T: std::str::FromStr>(value: &Value) -> Result<Option<T>, String> {
    match value {
        Value::Null => Ok(None),
        Value::String(text) if text.is_empty() => Ok(None),
        Value::String(text) => text
            .parse()
            .map(Some)
            .map_err(|_| format!("id: {text:?} is not a UUID")),
        other => Err(format!("id: must be a UUID string, not {other}")),
    }
}

fn csv_rows<'a>(
    reader: impl Read + Send + 'a,
    fields: &CustomFields,
) -> Result<Box<dyn Iterator<Item = (u64, SourceRow)> + Send + 'a>, String> {
    let (reader, lines) = LineCounting::new(reader);
    let mut csv = csv::ReaderBuilder::new().from_reader(reader);
    let header = csv
        .headers()
        .map_err(|e| format!("cannot read the header row: {e}"))?
        .clone();
    let mut columns: Vec<(String, Column)> = Vec::new();
    for name in header.iter().map(str::trim) {
        let column = Column::named(name, fields).ok_or_else(|| {
            format!("the header names {name:?}, which is neither an organization attribute nor a custom field identifier")
        })?;
        if columns.iter().any(|(seen, _)| seen == name) {
            return Err(format!("the header names {name:?} twice"));
        }
        columns.push((name.to_owned(), column));
    }
    Ok(Box::new(csv.into_records().map(move |record| {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                let line = line_of(&lines, error.position());
                return (line, Err(error.to_string()));
            }
        };
        let line = line_of(&lines, record.position());
        let mut id = None;
        let mut attributes = Map::new();
        for ((name, column), cell) in columns.iter().zip(record.iter()) {
            if *column == Column::Id {
                match parse_id(&Value::from(cell)) {
                    Ok(parsed) => id = parsed,
                    Err(reason) => return (line, Err(reason)),
                }
            } else {
                attributes.insert(name.clone(), column.read(cell));
            }
        }
        (line, Ok(Row::Organization(id, attributes)))
    })))
}

fn ndjson_rows(reader: impl BufRead) -> impl Iterator<Item = (u64, SourceRow)> {
    reader
        .lines()
        .zip(1..)
        .filter_map(|(line, number)| match line {
            Err(error) => Some((number, Err(format!("cannot read this line: {error}")))),
            Ok(text) if text.trim().is_empty() => None,
            Ok(text) => Some((number, ndjson_row(&text))),
        })
}

/// A JSON:API resource object, or a flat attribute object.
fn ndjson_row(text: &str) -> SourceRow {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Object(mut object) = value else {
        return Err("is not a JSON object".to_owned());
    };
    let id = object.get("id").cloned().unwrap_or(Value::Null);
    if !object.contains_key("attributes") && !object.contains_key("type") {
        object.remove("id");
        return Ok(Row::Organization(parse_id(&id)?, object));
    }
    let mut attributes = match object.remove("attributes") {
        Some(Value::Object(attributes)) => attributes,
        None => Map::new(),
        Some(_) => return Err("attributes: must be an object".to_owned()),
    };
    match object.get("type") {
        None => {}
        Some(Value::String(kind)) if kind == "organizations" => {}
        Some(Value::String(kind)) if kind == "custom_fields" => {
            return Ok(Row::CustomField(parse_id(&id)?, attributes));
        }
        Some(other) => {
            return Err(format!(
                "type: must be \"organizations\" or \"custom_fields\", not {other}"
            ));
        }
    }
    let id = parse_id(&id)?;
    // The owner may come as the relationship responses show.
    if let Some(owner) = object
        .get("relationships")
        .and_then(|r| r.get("owner"))
        .and_then(|o| o.get("data"))
    {
        let owner_id = match owner {
            Value::Null => Value::Null,
            linkage => linkage.get("id").cloned().unwrap_or(Value::Null),
        };
        attributes.insert(OWNER_ID.to_owned(), owner_id);
    }
    Ok(Row::Organization(id, attributes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ndjson_lines_are_resource_objects_or_flat_attributes() {
        let id = "0190a3c6-0000-7000-8000-000000000001";
        let owner = "0190a3c6-0000-7000-8000-000000000002";
        let resource = format!(
            r#"{{"type":"organizations","id":"{id}","attributes":{{"name":"Acme"}},"relationships":{{"owner":{{"data":{{"type":"users","id":"{owner}"}}}}}}}}"#
        );
        let object = |value: Value| match value {
            Value::Object(map) => map,
            _ => unreachable!(),
        };
        assert_eq!(
            ndjson_row(&resource).unwrap(),
            Row::Organization(
                Some(id.parse().unwrap()),
                object(json!({"name": "Acme", "owner_id": owner}))
            )
        );
        assert_eq!(
            ndjson_row(r#"{"name":"Flat","city":"Oslo"}"#).unwrap(),
            Row::Organization(None, object(json!({"name": "Flat", "city": "Oslo"})))
        );
        assert_eq!(
            ndjson_row(r#"{"type":"custom_fields","attributes":{"identifier":"c_arr"}}"#).unwrap(),
            Row::CustomField(None, object(json!({"identifier": "c_arr"})))
        );

        assert_eq!(ndjson_row("[1]").unwrap_err(), "is not a JSON object");
        assert!(
            ndjson_row(r#"{"type":"users","attributes":{}}"#)
                .unwrap_err()
                .starts_with("type:")
        );
        assert!(
            ndjson_row(r#"{"id":"nope","name":"x"}"#)
                .unwrap_err()
                .starts_with("id:")
        );
        assert!(ndjson_row("{oops").unwrap_err().starts_with("not JSON"));
    }
}
