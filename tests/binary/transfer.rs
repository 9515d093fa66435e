//! `orgbase import` and `orgbase export` as a user runs them: exit codes, the lines that name
//! bad rows, the summary, `--strict`, `--owner`, and what lands in the database.

use std::path::Path;
use std::process::Output;

use serde_json::Value;

use crate::server::binary;

fn run(dir: &Path, args: &[&str]) -> Output {
    binary()
        .current_dir(dir)
        .args(args)
        .args(["--database-url", "sqlite://crm.db"])
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The summary line without its timing, e.g. `4 rows: 2 created, …`.
fn summary(output: &Output) -> String {
    let stdout = text(&output.stdout);
    let line = stdout.lines().last().unwrap_or_default().to_owned();
    let (rows, rest) = line.split_once(" in ").unwrap_or((&line, ""));
    let counts = rest.split_once("): ").map_or("", |(_, counts)| counts);
    format!("{rows}: {counts}")
}

/// The problem lines a run wrote (`FILE:LINE: reason`), without log lines.
fn problems(output: &Output) -> Vec<String> {
    text(&output.stderr)
        .lines()
        .filter(|l| l.starts_with("orgs.") || l.starts_with("orgbase: error"))
        .map(str::to_owned)
        .collect()
}

fn exported(dir: &Path) -> Vec<Value> {
    let output = run(dir, &["export"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    text(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

const CSV: &str = "\
name,city,lists,domains,company_size,metadata
Acme,Oslo,VIP;Prospects,acme.example,250,\"{\"\"source\"\":\"\"crm\"\"}\"
Globex,Paris,,globex.example,many,
,Nowhere,,,,
Initech,Austin,VIP,initech.example;initech.test,50,
";

#[test]
fn csv_import_reports_bad_rows_by_line_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("orgs.csv"), CSV).unwrap();
    let first = run(dir.path(), &["import", "orgs.csv"]);
    assert_eq!(first.status.code(), Some(1));
    assert_eq!(
        summary(&first),
        "4 rows: 2 created, 0 updated, 0 unchanged, 2 failed"
    );
    assert_eq!(
        problems(&first),
        [
            "orgs.csv:3: `company_size` must be an integer, not a string",
            "orgs.csv:4: `name` must not be null",
            "orgbase: error: 2 of 4 rows failed (listed above)",
        ]
    );
    let again = run(dir.path(), &["import", "orgs.csv"]);
    assert_eq!(
        summary(&again),
        "4 rows: 0 created, 0 updated, 2 unchanged, 2 failed"
    );

    let organizations = exported(dir.path());
    assert_eq!(organizations.len(), 2);
    let acme = &organizations
        .iter()
        .find(|o| o["attributes"]["name"] == "Acme")
        .unwrap()["attributes"];
    assert_eq!(acme["lists"], serde_json::json!(["VIP", "Prospects"]));
    assert_eq!(acme["metadata"], serde_json::json!({"source": "crm"}));
    assert_eq!(acme["company_size"], 250);
    assert_eq!(acme["created_from"], "import");
    assert_eq!(acme["owner_id"], Value::Null);

    // A changed row updates the organization it matches by name, ignoring case.
    std::fs::write(dir.path().join("orgs.csv"), "name,city\nACME,Bergen\n").unwrap();
    let changed = run(dir.path(), &["import", "orgs.csv"]);
    assert!(changed.status.success());
    assert_eq!(
        summary(&changed),
        "1 rows: 0 created, 1 updated, 0 unchanged, 0 failed"
    );
    assert_eq!(exported(dir.path()).len(), 2);
}

#[test]
fn bad_rows_are_reported_on_their_physical_line_with_lf_crlf_and_multiline_cells() {
    // Line 1 the header; Acme's quoted description spans lines 2 and 3; Globex (bad) is on
    // line 4; line 5 is blank; the nameless row (bad) is on line 7.
    let lf = "name,description,company_size\nAcme,\"Two\nlines\",1\nGlobex,,many\n\nInitech,,2\n,Nowhere,\n";
    for (endings, text) in [("\\n", lf.to_owned()), ("\\r\\n", lf.replace('\n', "\r\n"))] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("orgs.csv"), text).unwrap();
        let output = run(dir.path(), &["import", "orgs.csv"]);
        assert_eq!(
            problems(&output),
            [
                "orgs.csv:4: `company_size` must be an integer, not a string",
                "orgs.csv:7: `name` must not be null",
                "orgbase: error: 2 of 4 rows failed (listed above)",
            ],
            "{endings} line endings"
        );
        assert_eq!(
            summary(&output),
            "4 rows: 2 created, 0 updated, 0 unchanged, 2 failed",
            "{endings} line endings"
        );
    }
}

#[test]
fn strict_stops_at_the_first_bad_row() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("orgs.csv"), CSV).unwrap();
    let output = run(dir.path(), &["import", "--strict", "orgs.csv"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        summary(&output),
        "2 rows: 1 created, 0 updated, 0 unchanged, 1 failed"
    );
    let names: Vec<Value> = exported(dir.path())
        .into_iter()
        .map(|o| o["attributes"]["name"].clone())
        .collect();
    assert_eq!(names, ["Acme"]);
}

#[test]
fn owner_owns_new_rows_and_ndjson_takes_both_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let created = run(
        dir.path(),
        &[
            "users",
            "create",
            "--name",
            "Ada",
            "--email",
            "ada@crm.example",
            "--role",
            "member",
        ],
    );
    assert!(created.status.success(), "{}", text(&created.stderr));
    let ada = text(&created.stdout).trim().to_owned();
    std::fs::write(
        dir.path().join("orgs.ndjson"),
        "{\"type\":\"organizations\",\"attributes\":{\"name\":\"Hooli\",\"status\":\"inactive\"}}\n\
         \n\
         {\"name\":\"Pied Piper\",\"domains\":[\"piedpiper.example\"]}\n\
         {\"name\":\"Bad\",\"website\":\"not a url\"}\n",
    )
    .unwrap();
    let output = run(
        dir.path(),
        &["import", "orgs.ndjson", "--owner", "ada@crm.example"],
    );
    assert_eq!(
        summary(&output),
        "3 rows: 2 created, 0 updated, 0 unchanged, 1 failed"
    );
    assert!(
        problems(&output)[0].starts_with("orgs.ndjson:4: "),
        "{:?}",
        problems(&output)
    );
    for org in exported(dir.path()) {
        assert_eq!(org["attributes"]["owner_id"], ada.as_str(), "{org}");
    }

    let unknown = run(
        dir.path(),
        &["import", "orgs.ndjson", "--owner", "nobody@crm.example"],
    );
    assert_eq!(
        problems(&unknown),
        ["orgbase: error: --owner: no user has the e-mail address nobody@crm.example"]
    );
}

#[test]
fn match_pairs_rows_by_a_unique_custom_field() {
    let dir = tempfile::tempdir().unwrap();
    let field = "{\"type\":\"custom_fields\",\"attributes\":{\"identifier\":\"c_hubspot_id\",\"name\":\"HubSpot id\",\"format\":\"text\",\"unique\":true}}\n";
    std::fs::write(
        dir.path().join("orgs.ndjson"),
        format!(
            "{field}{{\"name\":\"Acme\",\"c_hubspot_id\":\"HS-1\",\"city\":\"Gent\"}}\n\
             {{\"name\":\"Globex\",\"c_hubspot_id\":\"HS-2\"}}\n\
             {{\"name\":\"Keyless\"}}\n"
        ),
    )
    .unwrap();
    let args = ["import", "--match", "c_hubspot_id", "orgs.ndjson"];
    let first = run(dir.path(), &args);
    assert_eq!(
        summary(&first),
        "3 rows: 2 created, 0 updated, 0 unchanged, 1 failed; 1 custom fields defined"
    );
    assert_eq!(
        problems(&first),
        [
            "orgs.ndjson:4: `c_hubspot_id` is required: the import matches rows by it (--match)",
            "orgbase: error: 1 of 3 rows failed (listed above)"
        ]
    );

    // The other system renamed a record: the value finds it, the name follows.
    std::fs::write(
        dir.path().join("orgs.csv"),
        "name,c_hubspot_id\nAcme Holdings,hs-1\nGlobex,HS-2\nInitech,HS-3\n",
    )
    .unwrap();
    let second = run(
        dir.path(),
        &["import", "--match", "c_hubspot_id", "orgs.csv"],
    );
    assert_eq!(
        summary(&second),
        "3 rows: 1 created, 1 updated, 1 unchanged, 0 failed"
    );
    let mut names: Vec<String> = exported(dir.path())
        .iter()
        .filter(|r| r["type"] == "organizations")
        .map(|o| o["attributes"]["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["Acme Holdings", "Globex", "Initech"]);

    for (attribute, expected) in [
        (
            "c_nothing",
            "orgbase: error: --match: \"c_nothing\" is neither `name` nor the identifier of a custom field",
        ),
        (
            "city",
            "orgbase: error: --match: \"city\" is neither `name` nor the identifier of a custom field",
        ),
    ] {
        let output = run(dir.path(), &["import", "--match", attribute, "orgs.csv"]);
        assert_eq!(output.status.code(), Some(1));
        assert_eq!(problems(&output), [expected]);
    }
    let by_name = run(dir.path(), &["import", "--match", "name", "orgs.csv"]);
    assert_eq!(
        summary(&by_name),
        "3 rows: 0 created, 0 updated, 3 unchanged, 0 failed"
    );
}

#[test]
fn files_that_cannot_be_read_stop_before_any_row() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("orgs.csv"), "name,colour\nAcme,red\n").unwrap();
    std::fs::write(dir.path().join("orgs.txt"), "name\nAcme\n").unwrap();
    for (args, expected) in [
        (
            &["import", "orgs.csv"][..],
            "orgbase: error: the header names \"colour\", which is neither an organization attribute nor a custom field identifier",
        ),
        (
            &["import", "orgs.txt"][..],
            "orgbase: error: cannot tell the format of orgs.txt from its extension; use --format csv or --format ndjson",
        ),
    ] {
        let output = run(dir.path(), args);
        assert_eq!(output.status.code(), Some(1));
        assert_eq!(problems(&output), [expected]);
    }
    let forced = run(dir.path(), &["import", "--format", "csv", "orgs.txt"]);
    assert_eq!(
        summary(&forced),
        "1 rows: 1 created, 0 updated, 0 unchanged, 0 failed"
    );
    assert_eq!(exported(dir.path()).len(), 1);
}

#[test]
fn export_filters_and_writes_csv_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("orgs.csv"),
        "name,status,lists,archived_at\nAcme,active,VIP,\nGlobex,inactive,VIP,\nInitech,active,,2026-01-01T00:00:00Z\n",
    )
    .unwrap();
    assert!(run(dir.path(), &["import", "orgs.csv"]).status.success());
    let output = run(
        dir.path(),
        &[
            "export",
            "--format",
            "csv",
            "--output",
            "out.csv",
            "--filter",
            "filter[lists]=vip&sort=name",
        ],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let csv = std::fs::read_to_string(dir.path().join("out.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(
        lines[0].starts_with("id,name,organization_type,status,"),
        "{}",
        lines[0]
    );
    assert!(lines[0].ends_with(",updated_at,owner_id"), "{}", lines[0]);
    assert_eq!(lines.len(), 3);
    let mut names: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["Acme", "Globex"]);
    // Archived organizations are exported unless the filter says otherwise.
    assert_eq!(exported(dir.path()).len(), 3);

    let bad = run(dir.path(), &["export", "--filter", "filter[colour]=red"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        problems(&bad)[0].starts_with("orgbase: error: --filter: "),
        "{:?}",
        problems(&bad)
    );
}

#[test]
fn contacts_import_with_their_memberships_and_export_them_as_linkage() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("orgs.csv"), "name\nAcme\n").unwrap();
    assert!(run(dir.path(), &["import", "orgs.csv"]).status.success());
    let acme = exported(dir.path())
        .into_iter()
        .find(|line| line["type"] == "organizations")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let people = format!(
        "{}\n{}\n",
        r#"{"type":"contacts","attributes":{"name":"Ada","email":"ada@example.com","title":"CTO"}}"#,
        format_args!(
            r#"{{"type":"contacts","id":"0190f5f4-0000-7000-8000-00000000b0b0","attributes":{{"name":"Bob"}},"relationships":{{"organizations":{{"data":[{{"type":"organizations","id":"{acme}","meta":{{"role":"billing"}}}}]}}}}}}"#
        ),
    );
    std::fs::write(dir.path().join("people.ndjson"), people).unwrap();
    let first = run(
        dir.path(),
        &["import", "--type", "contacts", "people.ndjson"],
    );
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert_eq!(
        text(&first.stdout).lines().last().unwrap(),
        "2 contacts: 2 created, 0 updated, 0 unchanged, 0 failed; 1 memberships added or changed"
    );
    let again = run(
        dir.path(),
        &["import", "--type", "contacts", "people.ndjson"],
    );
    assert_eq!(
        text(&again.stdout).lines().last().unwrap(),
        "2 contacts: 0 created, 0 updated, 2 unchanged, 0 failed; 0 memberships added or changed"
    );
    let output = run(dir.path(), &["export", "--type", "contacts"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let lines: Vec<Value> = text(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    let bob = lines
        .iter()
        .find(|l| l["attributes"]["name"] == "Bob")
        .unwrap();
    assert_eq!(
        bob["relationships"]["organizations"]["data"],
        serde_json::json!([{"type": "organizations", "id": acme, "meta": {"role": "billing"}}])
    );
    let refused = run(
        dir.path(),
        &[
            "import",
            "--type",
            "contacts",
            "--match",
            "name",
            "people.ndjson",
        ],
    );
    assert!(!refused.status.success());
    assert!(text(&refused.stderr).contains("--match applies to organizations"));
}
