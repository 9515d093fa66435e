//! Using orgbase's storage layer without HTTP: open a SQLite file, create organizations
//! through the domain service (with its slug and duplicate rules), and page through them.
//!
//! Run: `cargo run --example embedded_store -- /tmp/example.db`

use std::process::ExitCode;

use orgbase_domain::service::{self, Created};
use orgbase_domain::{Field, ListQuery, NewOrganization, PageRequest, SortKey, Store, time};
use orgbase_store_diesel::{DatabaseTarget, DieselStore, PoolOptions};

fn main() -> ExitCode {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "example.db".to_owned());
    match run(&path) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("embedded_store: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(path: &str) -> Result<(), String> {
    let store = DieselStore::open(DatabaseTarget::Sqlite(path.into()), &PoolOptions::default())
        .map_err(|e| e.to_string())?;
    store.run_migrations().map_err(|e| e.to_string())?;

    for name in ["Acme", "Globex", "Initech", "acme"] {
        // Like `POST /organizations?return_existing=true`: "acme" finds "Acme".
        match service::create_or_get_existing(&store, &NewOrganization::named(name), time::now())
            .map_err(|e| e.to_string())?
        {
            Created::New(org) => println!("created  {} ({})", org.name, org.slug),
            Created::Existing(org) => println!("existing {} ({})", org.name, org.id),
        }
    }

    let query = ListQuery {
        sort: vec![SortKey::descending(Field::Name)],
        page: PageRequest {
            number: 1,
            size: 2,
            keyset: None,
        },
        ..ListQuery::default()
    };
    let page = store
        .list_organizations(&query)
        .map_err(|e| e.to_string())?;
    println!(
        "{} organizations; first page by name, descending:",
        page.total.unwrap_or_default()
    );
    for org in page.items {
        println!("  {}", org.name);
    }
    Ok(())
}
