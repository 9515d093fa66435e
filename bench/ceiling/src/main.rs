//! The ceiling orgbase's benchmark compares against: the same framework and server settings
//! as `orgbase serve`, answering every GET with one fixed body (an organization document
//! orgbase itself rendered, so the bytes on the wire are the same) and nothing else: no
//! storage, no query parsing, no authentication. Whatever orgbase reaches is reported as a
//! share of what this reaches in the same run.
//!
//!   orgbase-bench-ceiling ADDRESS BODY_FILE

use std::process::ExitCode;

use actix_web::http::header;
use actix_web::{App, HttpResponse, HttpServer, web};

#[actix_web::main]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(address), Some(body_file)) = (args.next(), args.next()) else {
        eprintln!("usage: orgbase-bench-ceiling ADDRESS BODY_FILE");
        return ExitCode::from(2);
    };
    let body = match std::fs::read(&body_file) {
        Ok(body) => web::Bytes::from(body),
        Err(error) => {
            eprintln!("cannot read {body_file}: {error}");
            return ExitCode::FAILURE;
        }
    };
    let server = HttpServer::new(move || {
        let body = body.clone();
        App::new().default_service(web::to(move || {
            let body = body.clone();
            async move {
                HttpResponse::Ok()
                    .insert_header((header::CONTENT_TYPE, "application/vnd.api+json"))
                    .body(body)
            }
        }))
    })
    .bind(&address);
    let server = match server {
        Ok(server) => server,
        Err(error) => {
            eprintln!("cannot listen on {address}: {error}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!("listening on http://{address}");
    match server.run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}
