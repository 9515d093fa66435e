//! Users and API keys in SQL.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use orgbase_domain::change::snapshot::user_linkage;
use orgbase_domain::change::{ChangeEntry, Operation, Snapshot, Version, Write};
use orgbase_domain::query::{FieldValue, PageRequest};
use orgbase_domain::time::{self, Timestamp};
use orgbase_domain::user::email_key;
use orgbase_domain::{
    ApiKey, ApiKeyId, Constraint, Error, Page, Position, ResourceType, Result, Role, User, UserId,
    UserPatch,
};

use crate::changes;
use crate::columns::utc;
use crate::connection::AnyConnection;
use crate::errors::{TxError, from_diesel};
use crate::schema::{api_keys, users};

#[derive(Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = users, treat_none_as_null = true)]
pub struct UserRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub email_key: String,
    pub role: String,
    pub created_at: NaiveDateTime,
    pub version: i64,
}

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = api_keys)]
pub struct ApiKeyRow {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub prefix: String,
    pub secret_hash: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub version: i64,
}

impl From<&User> for UserRow {
    fn from(user: &User) -> Self {
        Self {
            id: user.id.to_string(),
            name: user.name.clone(),
            email: user.email.clone(),
            email_key: user.email_key(),
            role: user.role.as_str().to_owned(),
            created_at: user.created_at.naive_utc(),
            version: to_i64(user.version),
        }
    }
}

impl TryFrom<UserRow> for User {
    type Error = Error;

    fn try_from(row: UserRow) -> Result<Self> {
        let corrupt =
            |what: &str| Error::Backend(format!("user {} has an unreadable {what}", row.id));
        Ok(User {
            id: row.id.parse().map_err(|_| corrupt("id"))?,
            role: Role::parse(&row.role).ok_or_else(|| corrupt("role"))?,
            name: row.name,
            email: row.email,
            created_at: utc(row.created_at),
            version: u64::try_from(row.version).unwrap_or(0),
        })
    }
}

impl From<&ApiKey> for ApiKeyRow {
    fn from(key: &ApiKey) -> Self {
        Self {
            id: key.id.to_string(),
            user_id: key.user_id.to_string(),
            name: key.name.clone(),
            prefix: key.prefix.clone(),
            secret_hash: key.secret_hash.clone(),
            created_at: key.created_at.naive_utc(),
            last_used_at: key.last_used_at.map(|t| t.naive_utc()),
            version: to_i64(key.version),
        }
    }
}

impl TryFrom<ApiKeyRow> for ApiKey {
    type Error = Error;

    fn try_from(row: ApiKeyRow) -> Result<Self> {
        let corrupt =
            |what: &str| Error::Backend(format!("API key {} has an unreadable {what}", row.id));
        Ok(ApiKey {
            id: row.id.parse().map_err(|_| corrupt("id"))?,
            user_id: row.user_id.parse().map_err(|_| corrupt("user id"))?,
            name: row.name,
            prefix: row.prefix,
            secret_hash: row.secret_hash,
            created_at: utc(row.created_at),
            last_used_at: row.last_used_at.map(utc),
            version: u64::try_from(row.version).unwrap_or(0),
        })
    }
}

pub(crate) fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A page of rows listed oldest first, by `(created_at, id)`: by offset, or, for a keyset
/// page, bounded by positions whose one value is `created_at` (these tables are small, so
/// the plain OR form of the bounds is fine). `$scoped` makes the boxed, filtered table.
macro_rules! oldest_first {
    ($conn:expr, $scoped:expr, $table:ident, $row:ty, $page:expr) => {
        oldest_first!($conn, $scoped, $table, $row, $page, created_at)
    };
    // `$at`: the time column the list is ordered by (then the id).
    ($conn:expr, $scoped:expr, $table:ident, $row:ty, $page:expr, $at:ident) => {{
        let page: &PageRequest = $page;
        let total: i64 = $scoped().count().get_result($conn).map_err(from_diesel)?;
        let mut rows = $scoped();
        let keyset = page.keyset.as_ref();
        let backwards = keyset.is_some_and(|k| k.is_backwards());
        if let Some(after) = keyset.and_then(|k| k.after.as_ref()) {
            let (at, id) = oldest_first_position(after)?;
            rows = rows.filter(
                $table::$at
                    .gt(at)
                    .or($table::$at.eq(at).and($table::id.gt(id))),
            );
        }
        if let Some(before) = keyset.and_then(|k| k.before.as_ref()) {
            let (at, id) = oldest_first_position(before)?;
            rows = rows.filter(
                $table::$at
                    .lt(at)
                    .or($table::$at.eq(at).and($table::id.lt(id))),
            );
        }
        rows = if backwards {
            rows.order(($table::$at.desc(), $table::id.desc()))
        } else {
            rows.order(($table::$at.asc(), $table::id.asc()))
        };
        let total = u64::try_from(total).unwrap_or(0);
        let mut loaded: Vec<$row> = rows
            .limit(to_i64(page.rows_to_read(true)))
            .offset(to_i64(page.offset()))
            .select(<$row>::as_select())
            .load($conn)
            .map_err(from_diesel)?;
        let (has_next, has_previous) = page.settle(&mut loaded, Some(total));
        Page {
            items: loaded
                .into_iter()
                .map(TryFrom::try_from)
                .collect::<Result<Vec<_>>>()?,
            total: Some(total),
            has_next,
            has_previous,
        }
    }};
}

pub(crate) use oldest_first;

/// A position in an oldest-first list: its `created_at` and id.
pub(crate) fn oldest_first_position(position: &Position) -> Result<(NaiveDateTime, String)> {
    match position.values.as_slice() {
        [FieldValue::DateTime(Some(at))] => {
            Ok((at.naive_utc(), position.id.hyphenated().to_string()))
        }
        other => Err(Error::Backend(format!(
            "{other:?} is not a position in an oldest-first list"
        ))),
    }
}

pub fn insert_user(
    conn: &mut AnyConnection,
    user: &User,
    actor: Option<UserId>,
) -> Result<Version> {
    let version = conn.transaction::<_, TxError, _>(|conn| {
        let entry = ChangeEntry::created(
            ResourceType::Users,
            user.id,
            &Snapshot::user(user),
            time::now(),
            actor,
        );
        let version = changes::record(conn, Some(entry))?;
        diesel::insert_into(users::table)
            .values(UserRow::from(&User {
                version,
                ..user.clone()
            }))
            .execute(conn)?;
        Ok(version)
    })?;
    Ok(version)
}

pub fn get_user(conn: &mut AnyConnection, id: UserId) -> Result<User> {
    users::table
        .find(id.to_string())
        .select(UserRow::as_select())
        .get_result(conn)
        .optional()
        .map_err(from_diesel)?
        .ok_or_else(|| Error::user_not_found(id))?
        .try_into()
}

pub fn get_users(conn: &mut AnyConnection, ids: &[UserId]) -> Result<Vec<User>> {
    let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let rows: Vec<UserRow> = users::table
        .filter(users::id.eq_any(ids))
        .select(UserRow::as_select())
        .load(conn)
        .map_err(from_diesel)?;
    rows.into_iter().map(User::try_from).collect()
}

pub fn find_user_by_email(conn: &mut AnyConnection, email: &str) -> Result<Option<User>> {
    users::table
        .filter(users::email_key.eq(email_key(email)))
        .select(UserRow::as_select())
        .get_result(conn)
        .optional()
        .map_err(from_diesel)?
        .map(User::try_from)
        .transpose()
}

pub fn list_users(conn: &mut AnyConnection, page: PageRequest) -> Result<Page<User>> {
    Ok(oldest_first!(
        conn,
        || users::table.into_boxed(),
        users,
        UserRow,
        &page
    ))
}

/// Locks the admins and the target before the last-admin check: a no-op UPDATE takes their
/// row locks on PostgreSQL and the write lock on SQLite, so two concurrent demotions queue
/// and the second sees the first's result.
fn lock_admins_and(
    conn: &mut AnyConnection,
    id: &str,
) -> std::result::Result<(User, i64), TxError> {
    diesel::update(users::table.filter(users::role.eq("admin").or(users::id.eq(id))))
        .set(users::role.eq(users::role))
        .execute(conn)?;
    let row = users::table
        .find(id)
        .select(UserRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(|| {
            TxError::Domain(Error::NotFound {
                resource: "user",
                id: id.to_owned(),
            })
        })?;
    let user = User::try_from(row).map_err(TxError::Domain)?;
    let admins: i64 = users::table
        .filter(users::role.eq("admin"))
        .count()
        .get_result(conn)?;
    Ok((user, admins))
}

pub fn update_user(
    conn: &mut AnyConnection,
    id: UserId,
    patch: &UserPatch,
    write: Write,
) -> Result<User> {
    let id_text = id.to_string();
    let user = conn.transaction::<_, TxError, _>(|conn| {
        let (mut user, admins) = lock_admins_and(conn, &id_text)?;
        if !write.admits(user.version) {
            return Err(TxError::Domain(Error::PreconditionFailed));
        }
        if patch.demotes(&user) && admins <= 1 {
            return Err(TxError::Domain(Error::Conflict(Constraint::LastAdmin)));
        }
        let before = Snapshot::user(&user);
        if patch.apply(&mut user) {
            let entry = ChangeEntry::updated(
                ResourceType::Users,
                id,
                &before,
                &Snapshot::user(&user),
                time::now(),
                write.actor,
            );
            user.version = changes::record(conn, entry)?;
            diesel::update(users::table.find(&id_text))
                .set(UserRow::from(&user))
                .execute(conn)?;
        }
        Ok(user)
    })?;
    Ok(user)
}

pub fn delete_user(
    conn: &mut AnyConnection,
    id: UserId,
    reassign_to: Option<UserId>,
    write: Write,
) -> Result<()> {
    use crate::schema::organizations;
    let id_text = id.to_string();
    conn.transaction::<_, TxError, _>(|conn| {
        let (user, admins) = lock_admins_and(conn, &id_text)?;
        if !write.admits(user.version) {
            return Err(TxError::Domain(Error::PreconditionFailed));
        }
        if user.role == Role::Admin && admins <= 1 {
            return Err(TxError::Domain(Error::Conflict(Constraint::LastAdmin)));
        }
        // Every organization the deletion writes (a new owner, or a creator or updater set to
        // null), locked in id order, so the entries name exactly the rows then updated.
        let referencing = || {
            organizations::table
                .filter(
                    organizations::owner_id
                        .eq(&id_text)
                        .or(organizations::creator_id.eq(&id_text))
                        .or(organizations::updater_id.eq(&id_text)),
                )
                .order(organizations::id)
                .select((organizations::id, organizations::owner_id))
        };
        let touched: Vec<(String, Option<String>)> = match conn {
            AnyConnection::Postgresql(pg) => referencing().for_update().load(pg)?,
            AnyConnection::Sqlite(sqlite) => referencing().load(sqlite)?,
        };
        let owned: Vec<&String> = touched
            .iter()
            .filter(|(_, owner)| owner.as_deref() == Some(id_text.as_str()))
            .map(|(org, _)| org)
            .collect();
        let keys: Vec<String> = api_keys::table
            .filter(api_keys::user_id.eq(&id_text))
            .order(api_keys::id)
            .select(api_keys::id)
            .load(conn)?;
        let owned_contacts = crate::contacts::owned_by(conn, &id_text)?;
        let mut heir_id = None;
        if !owned.is_empty() || !owned_contacts.is_empty() {
            let Some(heir) = reassign_to.filter(|heir| *heir != id) else {
                return Err(TxError::Domain(match reassign_to {
                    None => Error::Conflict(Constraint::UserOwnsOrganizations),
                    Some(heir) => Error::user_not_found(heir),
                }));
            };
            let heir_text = heir.to_string();
            let heirs: i64 = users::table
                .filter(users::id.eq(&heir_text))
                .count()
                .get_result(conn)?;
            if heirs == 0 {
                return Err(TxError::Domain(Error::user_not_found(heir)));
            }
            heir_id = Some(heir);
        }
        let now = time::now();
        let owner_change = serde_json::json!({
            "from": user_linkage(Some(id)),
            "to": user_linkage(heir_id),
        });
        let mut entries: Vec<ChangeEntry> = owned
            .iter()
            .map(|org| ChangeEntry {
                operation: Operation::Update,
                resource_type: ResourceType::Organizations,
                resource_id: (*org).clone(),
                changed_at: now,
                actor: write.actor,
                changes: [("owner".to_owned(), owner_change.clone())]
                    .into_iter()
                    .collect(),
            })
            .collect();
        entries.extend(owned_contacts.iter().map(|contact| {
            ChangeEntry {
                operation: Operation::Update,
                resource_type: ResourceType::Contacts,
                resource_id: contact.clone(),
                changed_at: now,
                actor: write.actor,
                changes: [("owner".to_owned(), owner_change.clone())]
                    .into_iter()
                    .collect(),
            }
        }));
        entries.extend(
            keys.iter()
                .map(|key| ChangeEntry::deleted(ResourceType::ApiKeys, key, now, write.actor)),
        );
        entries.push(ChangeEntry::deleted(
            ResourceType::Users,
            id,
            now,
            write.actor,
        ));
        changes::append_all(conn, &entries)?;
        // Every organization this write changes takes one new version.
        let version = to_i64(changes::version(conn)?);
        if let Some(heir) = heir_id {
            diesel::update(organizations::table.filter(organizations::owner_id.eq(&id_text)))
                .set((
                    organizations::owner_id.eq(Some(heir.to_string())),
                    organizations::version.eq(version),
                ))
                .execute(conn)?;
        }
        let ids: Vec<&String> = touched.iter().map(|(org, _)| org).collect();
        diesel::update(organizations::table.filter(organizations::id.eq_any(ids)))
            .set(organizations::version.eq(version))
            .execute(conn)?;
        crate::contacts::forget_user(conn, &id_text, heir_id, version)?;
        crate::tasks::unassign(conn, &id_text, now, write.actor)?;
        // Keys go with their user (ON DELETE CASCADE); creator and updater are set to null.
        diesel::delete(users::table.find(&id_text)).execute(conn)?;
        Ok(())
    })?;
    Ok(())
}

pub fn count_users(conn: &mut AnyConnection) -> Result<u64> {
    let total: i64 = users::table.count().get_result(conn).map_err(from_diesel)?;
    Ok(u64::try_from(total).unwrap_or(0))
}

pub fn insert_api_key(
    conn: &mut AnyConnection,
    key: &ApiKey,
    actor: Option<UserId>,
) -> Result<Version> {
    let inserted = conn.transaction::<_, TxError, _>(|conn| {
        let entry = ChangeEntry::created(
            ResourceType::ApiKeys,
            key.id,
            &Snapshot::api_key(key),
            time::now(),
            actor,
        );
        let version = changes::record(conn, Some(entry))?;
        diesel::insert_into(api_keys::table)
            .values(ApiKeyRow::from(&ApiKey {
                version,
                ..key.clone()
            }))
            .execute(conn)?;
        Ok(version)
    });
    match inserted {
        Ok(version) => Ok(version),
        // The one foreign key of api_keys: the user.
        Err(TxError::Diesel(DieselError::DatabaseError(
            DatabaseErrorKind::ForeignKeyViolation,
            _,
        ))) => Err(Error::user_not_found(key.user_id)),
        Err(other) => Err(Error::from(other)),
    }
}

pub fn get_api_key(conn: &mut AnyConnection, id: ApiKeyId) -> Result<ApiKey> {
    api_keys::table
        .find(id.to_string())
        .select(ApiKeyRow::as_select())
        .get_result(conn)
        .optional()
        .map_err(from_diesel)?
        .ok_or_else(|| Error::api_key_not_found(id))?
        .try_into()
}

pub fn list_api_keys(
    conn: &mut AnyConnection,
    user: Option<UserId>,
    page: PageRequest,
) -> Result<Page<ApiKey>> {
    let scoped = || {
        let mut query = api_keys::table.into_boxed();
        if let Some(user) = user {
            query = query.filter(api_keys::user_id.eq(user.to_string()));
        }
        query
    };
    Ok(oldest_first!(conn, scoped, api_keys, ApiKeyRow, &page))
}

pub fn delete_api_key(conn: &mut AnyConnection, id: ApiKeyId, write: Write) -> Result<()> {
    let id_text = id.to_string();
    conn.transaction::<_, TxError, _>(|conn| {
        // Write first, to hold the row while its version is compared.
        let touched = diesel::update(api_keys::table.find(&id_text))
            .set(api_keys::id.eq(api_keys::id))
            .execute(conn)?;
        let version: Option<i64> = api_keys::table
            .find(&id_text)
            .select(api_keys::version)
            .get_result(conn)
            .optional()?;
        let (Some(version), 1) = (version, touched) else {
            return Err(TxError::Domain(Error::api_key_not_found(id)));
        };
        if !write.admits(u64::try_from(version).unwrap_or(0)) {
            return Err(TxError::Domain(Error::PreconditionFailed));
        }
        changes::append_all(
            conn,
            &[ChangeEntry::deleted(
                ResourceType::ApiKeys,
                id,
                time::now(),
                write.actor,
            )],
        )?;
        diesel::delete(api_keys::table.find(&id_text)).execute(conn)?;
        Ok(())
    })?;
    Ok(())
}

pub fn find_api_keys_by_prefix(
    conn: &mut AnyConnection,
    prefix: &str,
) -> Result<Vec<(ApiKey, User)>> {
    let rows: Vec<(ApiKeyRow, UserRow)> = api_keys::table
        .inner_join(users::table)
        .filter(api_keys::prefix.eq(prefix))
        .select((ApiKeyRow::as_select(), UserRow::as_select()))
        .load(conn)
        .map_err(from_diesel)?;
    rows.into_iter()
        .map(|(key, user)| Ok((ApiKey::try_from(key)?, User::try_from(user)?)))
        .collect()
}

pub fn touch_api_key(conn: &mut AnyConnection, id: ApiKeyId, at: Timestamp) -> Result<()> {
    let touched = diesel::update(api_keys::table.find(id.to_string()))
        .set(api_keys::last_used_at.eq(Some(at.naive_utc())))
        .execute(conn)
        .map_err(from_diesel)?;
    if touched == 0 {
        return Err(Error::api_key_not_found(id));
    }
    Ok(())
}
