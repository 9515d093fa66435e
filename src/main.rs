//! The `orgbase` binary: configuration, wiring, and the subcommands.

mod accounts;
mod cli;
mod config;
mod retention;
mod storage;
mod transfer;

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;

use actix_web::HttpServer;
use anyhow::{Context, bail};
use clap::Parser;
use orgbase_http::{AppState, BaseUrl};
use storage::Workload;
use tracing_subscriber::EnvFilter;

use crate::cli::{Cli, Command, KeysCommand, RecordType, UsersCommand};
use crate::config::Settings;

fn init_logging(directives: &str) {
    let filter = EnvFilter::try_new(directives).unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .init();
}

fn public_url(raw: Option<&str>) -> anyhow::Result<Option<BaseUrl>> {
    match raw {
        None | Some("") => Ok(None),
        Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
            Ok(Some(BaseUrl::new(url)))
        }
        Some(url) => bail!("ORGBASE_PUBLIC_URL must start with http:// or https://, not {url:?}"),
    }
}

/// With actix's default of one worker per core (two here), as many threads as the pool has
/// connections (16).
const BLOCKING_THREADS_PER_WORKER: usize = 8;

async fn serve(settings: &Settings) -> anyhow::Result<()> {
    let public_url = public_url(settings.public_url.as_deref())?;
    let url = settings.database_url.clone();
    let bootstrap_key = settings.bootstrap_key.clone();
    let store = actix_web::rt::task::spawn_blocking(move || {
        let store = storage::open(&url, Workload::Requests)?;
        accounts::ensure_first_admin(&*store, bootstrap_key.as_deref())?;
        anyhow::Ok(store)
    })
    .await??;
    retention::start(Arc::clone(&store), settings.changes_retention_days);
    let deliveries_store = Arc::clone(&store);
    let state = AppState {
        public_url: public_url.clone(),
        webhooks_allow_private: settings.webhooks_allow_private,
        pinger: Some(Arc::new(orgbase_webhooks::Deliverer::new(
            settings.webhooks_allow_private,
        ))),
        ..AppState::new(store)
    };
    let server = HttpServer::new(move || orgbase_http::app(state.clone()))
        // Storage calls run on each worker's blocking pool. actix allows 512 threads per
        // worker; more threads than pooled connections only wait for one, and each thread
        // that ever ran keeps its own malloc arena (RSS) and adds context switches.
        .worker_max_blocking_threads(BLOCKING_THREADS_PER_WORKER)
        .shutdown_timeout(10)
        .bind(&settings.bind)
        .with_context(|| format!("cannot listen on {}", settings.bind))?;
    // Links in deliveries, as in answers: the public URL, else the address listened on.
    let base = match (&public_url, server.addrs().first()) {
        (Some(public), _) => public.clone(),
        (None, Some(address)) => BaseUrl::new(&format!("http://{address}")),
        (None, None) => BaseUrl::new(&format!("http://{}", settings.bind)),
    };
    for address in server.addrs() {
        tracing::info!("listening on http://{address}");
    }
    // Deliveries run on threads of their own, with their own connections: never a request's.
    // A delivery cut off by the exit is sent again after the next start.
    let deliveries =
        orgbase_webhooks::start(deliveries_store, base, settings.webhooks_allow_private);
    // actix stops gracefully on SIGINT and SIGTERM: it stops accepting and lets requests finish.
    let served = server.run().await;
    deliveries.stop();
    Ok(served?)
}

fn migrate(settings: &Settings) -> anyhow::Result<()> {
    storage::open(&settings.database_url, Workload::Requests).map(drop)
}

#[actix_web::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::resolve(&cli, |name| std::env::var(name).ok()) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("orgbase: error: {error:#}");
            return ExitCode::FAILURE;
        }
    };
    init_logging(&settings.log);
    if let Some(file) = &settings.file {
        tracing::info!(file = %file.display(), "configuration file read");
    }
    let result = match cli.command {
        None | Some(Command::Serve) => serve(&settings).await,
        Some(Command::Migrate) => migrate(&settings),
        Some(Command::Import {
            kind: RecordType::Contacts,
            ref file,
            format,
            ref owner,
            strict: _,
            ref match_by,
        }) => match match_by {
            Some(_) => Err(anyhow::anyhow!(
                "--match applies to organizations; contacts are matched by id, then e-mail address"
            )),
            None => storage::open(&settings.database_url, Workload::Requests).and_then(|store| {
                transfer::contacts::import(&*store, file, format, owner.as_deref()).map(drop)
            }),
        },
        Some(Command::Export {
            kind: RecordType::Contacts,
            format,
            ref output,
            filter: Some(_),
        }) => {
            let _ = (format, output);
            Err(anyhow::anyhow!(
                "--filter applies to organizations; contacts are exported whole"
            ))
        }
        Some(Command::Export {
            kind: RecordType::Contacts,
            format,
            ref output,
            filter: None,
        }) => storage::open(&settings.database_url, Workload::Requests)
            .and_then(|store| transfer::contacts::export(&*store, format, output.as_ref())),
        Some(Command::Import {
            kind: RecordType::Organizations,
            ref file,
            format,
            ref owner,
            strict,
            ref match_by,
        }) => storage::open(&settings.database_url, Workload::Bulk).and_then(|store| {
            transfer::import::run(
                &*store,
                &transfer::import::ImportOptions {
                    file: file.clone(),
                    format,
                    owner: owner.clone(),
                    strict,
                    match_by: match_by.clone(),
                },
            )
        }),
        Some(Command::Export {
            kind: RecordType::Organizations,
            format,
            ref output,
            ref filter,
        }) => storage::open(&settings.database_url, Workload::Requests).and_then(|store| {
            transfer::export::run(
                &*store,
                &transfer::export::ExportOptions {
                    format,
                    output: output.clone(),
                    filter: filter.clone(),
                },
            )
        }),
        Some(Command::Users {
            action:
                UsersCommand::Create {
                    ref name,
                    ref email,
                    ref role,
                },
        }) => storage::open(&settings.database_url, Workload::Requests)
            .and_then(|store| accounts::create_user(&*store, name, email, role)),
        Some(Command::Keys {
            action: KeysCommand::Create { ref user, ref name },
        }) => storage::open(&settings.database_url, Workload::Requests)
            .and_then(|store| accounts::create_key(&*store, user, name)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // `{:#}` writes the whole chain: "cannot listen on …: Address already in use".
        Err(error) => {
            eprintln!("orgbase: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
