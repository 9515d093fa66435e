//! The first admin, and the `users` and `keys` subcommands: account work done straight on
//! the store, with the same validation as the API.

use anyhow::anyhow;
use orgbase_domain::attributes::{read_api_key_name, read_new_user};
use orgbase_domain::{ApiKey, Constraint, Error, Role, Secret, Store, User, UserId, time};
use serde_json::{Map, Value, json};

fn object(value: Value) -> Map<String, Value> {
    value.as_object().cloned().unwrap_or_default()
}

/// A domain error as the CLI says it: validation details joined, a taken e-mail in words.
fn explain(error: Error) -> anyhow::Error {
    anyhow!(match error {
        Error::Invalid(errors) => errors
            .0
            .iter()
            .map(|e| e.detail.clone())
            .collect::<Vec<_>>()
            .join("; "),
        Error::Conflict(Constraint::UserEmail) => {
            "a user with this e-mail address already exists".into()
        }
        other => return other.into(),
    })
}

/// With no users yet, creates an admin owning `ORGBASE_BOOTSTRAP_KEY`, or a new key printed
/// once on stderr (the only time it is shown).
pub fn ensure_first_admin(store: &dyn Store, chosen: Option<&str>) -> anyhow::Result<()> {
    if store.count_users().map_err(explain)? > 0 {
        return Ok(());
    }
    let admin = User {
        id: UserId::generate(),
        name: "Admin".into(),
        email: "admin@orgbase.invalid".into(),
        role: Role::Admin,
        created_at: time::now(),
        version: 0,
    };
    match store.insert_user(&admin, None) {
        Ok(_) => {}
        // Another instance starting at the same moment bootstrapped first.
        Err(Error::Conflict(Constraint::UserEmail)) => return Ok(()),
        Err(error) => return Err(explain(error)),
    }
    let (secret, generated) = match chosen.and_then(Secret::chosen) {
        Some(secret) => (secret, false),
        None => (Secret::generate()?, true),
    };
    let key = ApiKey::issue(admin.id, "bootstrap".into(), &secret, time::now());
    store.insert_api_key(&key, None).map_err(explain)?;
    if generated {
        eprintln!(
            "orgbase: created the first admin (admin@orgbase.invalid). Its API key, shown this once:\n\n    {}\n\nSend it as `Authorization: Token <key>`; create users and keys with it, then revoke it.",
            secret.expose()
        );
    } else {
        tracing::info!("created the first admin with the bootstrap key from the settings");
    }
    Ok(())
}

/// `orgbase users create`: prints the new user's id.
pub fn create_user(store: &dyn Store, name: &str, email: &str, role: &str) -> anyhow::Result<()> {
    let attributes = object(json!({ "name": name, "email": email, "role": role }));
    let user =
        read_new_user(&attributes, None, time::now()).map_err(|e| explain(Error::Invalid(e)))?;
    store.insert_user(&user, None).map_err(explain)?;
    println!("{}", user.id);
    Ok(())
}

/// `orgbase keys create`: prints the secret, once.
pub fn create_key(store: &dyn Store, email: &str, name: &str) -> anyhow::Result<()> {
    let name = read_api_key_name(&object(json!({ "name": name })))
        .map_err(|e| explain(Error::Invalid(e)))?;
    let user = store
        .find_user_by_email(email)
        .map_err(explain)?
        .ok_or_else(|| anyhow!("no user has the e-mail address {email:?}"))?;
    let secret = Secret::generate()?;
    store
        .insert_api_key(&ApiKey::issue(user.id, name, &secret, time::now()), None)
        .map_err(explain)?;
    println!("{}", secret.expose());
    eprintln!("orgbase: this is the only time the key is shown; store it now.");
    Ok(())
}
