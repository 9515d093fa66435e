//! The `/docs` page in a real browser: headless Chromium (Debian's `chromium`) loads it from
//! a running server with every host but the server unresolvable, and the page must render
//! every operation of the API description. That proves it works with no internet.
//!
//! Without Chromium the test is skipped with a reason, except under CI, where `.ci/run`
//! installs it and a skip would hide a broken page. Set `ORGBASE_DOCS_SCREENSHOT=FILE` to
//! also save a screenshot (the README's comes from here).

use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::client::request;
use crate::server::Server;

fn chromium() -> Option<PathBuf> {
    let candidates = ["chromium", "chromium-browser", "google-chrome"];
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| candidates.iter().map(move |name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// Runs headless Chromium on `url` with these extra arguments, allowing it a minute; returns
/// whether it succeeded and what it printed.
fn run_headless(browser: &PathBuf, url: &str, extra: &[&str]) -> (bool, String) {
    // A file, not a pipe: the DOM outgrows a pipe's buffer while we wait.
    let mut stdout = tempfile::tempfile().unwrap();
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            // Every name but the server's fails to resolve: the page must need nothing else.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            // Lets Swagger UI fetch the description and render before the DOM is taken.
            "--virtual-time-budget=20000",
            "--window-size=1280,1500",
        ])
        .args(extra)
        .arg(url)
        .stdout(stdout.try_clone().unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within a minute on {url}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut printed = String::new();
    stdout.seek(SeekFrom::Start(0)).unwrap();
    stdout.read_to_string(&mut printed).unwrap();
    (status.success(), printed)
}

#[test]
fn the_docs_page_renders_every_operation_in_a_browser_offline() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must check the docs page: install Debian's chromium"
        );
        eprintln!("skipping the browser check of /docs: no chromium on PATH");
        return;
    };
    let server = Server::start("memory:");
    let description = request(&server.address, "GET", "/openapi.json", None).body;
    let operations: Vec<(String, String)> = description["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| (method.to_uppercase(), path.clone()))
        })
        .collect();
    assert_eq!(operations.len(), 93);

    let url = format!("http://{}/docs/", server.address);
    let (succeeded, dom) = run_headless(&browser, &url, &["--dump-dom"]);
    assert!(succeeded, "chromium failed on {url}");
    assert!(dom.contains("class=\"title\">orgbase"), "{dom}");
    assert!(!dom.contains("Failed to load API definition"), "{dom}");
    for (method, path) in &operations {
        assert!(
            dom.contains(&format!("data-path=\"{path}\"")),
            "{method} {path} is not on the page"
        );
    }
    let rendered = dom.matches("class=\"opblock-summary-path\"").count();
    assert_eq!(rendered, operations.len(), "operations on the page");

    if let Some(file) = std::env::var_os("ORGBASE_DOCS_SCREENSHOT") {
        let file = std::path::absolute(PathBuf::from(file)).unwrap();
        let argument = format!("--screenshot={}", file.display());
        let (succeeded, _) = run_headless(&browser, &url, &[&argument]);
        assert!(succeeded && file.is_file(), "{file:?}");
    }
}
