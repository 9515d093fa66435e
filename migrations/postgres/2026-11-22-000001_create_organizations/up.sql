-- Text columns use the "C" collation so PostgreSQL orders strings byte-wise, exactly like
-- SQLite and the in-memory reference store. Ids are UUID text and times are UTC `timestamp`
-- because diesel's MultiConnection supports neither `uuid` nor `timestamptz`; lists, domains
-- and metadata are JSON text for the same reason.
CREATE TABLE organizations (
    id                TEXT COLLATE "C" PRIMARY KEY,
    name              TEXT COLLATE "C" NOT NULL,
    -- trimmed, lower-cased name: the UNIQUE index below makes names unique ignoring case
    name_key          TEXT COLLATE "C" NOT NULL,
    organization_type TEXT COLLATE "C",
    status            TEXT COLLATE "C" NOT NULL CHECK (status IN ('active', 'inactive')),
    description       TEXT COLLATE "C",
    website           TEXT COLLATE "C",
    email             TEXT COLLATE "C",
    phone             TEXT COLLATE "C",
    address           TEXT COLLATE "C",
    city              TEXT COLLATE "C",
    state             TEXT COLLATE "C",
    country           TEXT COLLATE "C",
    industry          TEXT COLLATE "C",
    company_size      BIGINT CHECK (company_size >= 0),
    domains           TEXT NOT NULL DEFAULT '[]',
    lists             TEXT NOT NULL DEFAULT '[]',
    metadata          TEXT,
    slug              TEXT COLLATE "C" NOT NULL,
    created_from      TEXT COLLATE "C" NOT NULL,
    last_contact_at   TIMESTAMP,
    archived_at       TIMESTAMP,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);

CREATE UNIQUE INDEX organizations_name_key_unique ON organizations (name_key);
CREATE UNIQUE INDEX organizations_slug_unique ON organizations (slug);
CREATE INDEX organizations_created_at_id ON organizations (created_at, id);
CREATE INDEX organizations_updated_at_id ON organizations (updated_at, id);

-- Membership indexes for filter[lists] and filter[domains]. The JSON columns above stay the
-- source for reading; these rows, written in the same transaction, make the lookups indexed.
-- Keys are lower-cased by orgbase (Unicode), so every backend folds case the same way.
CREATE TABLE organization_lists (
    list_key        TEXT COLLATE "C" NOT NULL,
    organization_id TEXT COLLATE "C" NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    PRIMARY KEY (list_key, organization_id)
);
CREATE INDEX organization_lists_organization ON organization_lists (organization_id);

CREATE TABLE organization_domains (
    domain          TEXT COLLATE "C" NOT NULL,
    organization_id TEXT COLLATE "C" NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    PRIMARY KEY (domain, organization_id)
);
CREATE INDEX organization_domains_organization ON organization_domains (organization_id);

-- Lists in the default order (not archived, oldest first) walk this index, skipped pages included.
CREATE INDEX organizations_live_created_at_id ON organizations (created_at, id) WHERE archived_at IS NULL;

-- meta.total of an unfiltered list, without counting a million rows per request: counts per
-- archive state kept by triggers, so every writer (orgbase, an import, hand-written SQL)
-- keeps them right. Sixteen stripes, chosen by the id's last hex digit, so concurrent
-- inserts do not all wait on one row lock. The triggers are per statement, over transition
-- tables: a row-level trigger would update a counter row once per inserted row, and a
-- million updates of one row in one transaction make the insert quadratic. An update
-- touches the counts only when a row's archive state changed. (TRUNCATE skips triggers.)
CREATE TABLE organization_counts (
    archived BOOLEAN NOT NULL,
    stripe   INTEGER NOT NULL,
    total    BIGINT NOT NULL,
    PRIMARY KEY (archived, stripe)
);
INSERT INTO organization_counts (archived, stripe, total)
SELECT archived, stripe, 0 FROM generate_series(0, 15) AS stripe, (VALUES (false), (true)) AS a (archived);

CREATE FUNCTION organization_count_stripe(id TEXT) RETURNS INTEGER
    LANGUAGE sql IMMUTABLE AS $$ SELECT abs(strpos('0123456789abcdef', right(id, 1)) - 1) % 16 $$;

CREATE FUNCTION organizations_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE organization_counts c SET total = c.total + d.n
    FROM (SELECT archived_at IS NOT NULL AS archived, organization_count_stripe(id) AS stripe, count(*) AS n
          FROM new_rows GROUP BY 1, 2) d
    WHERE c.archived = d.archived AND c.stripe = d.stripe;
    RETURN NULL;
END
$$;

CREATE FUNCTION organizations_count_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE organization_counts c SET total = c.total - d.n
    FROM (SELECT archived_at IS NOT NULL AS archived, organization_count_stripe(id) AS stripe, count(*) AS n
          FROM old_rows GROUP BY 1, 2) d
    WHERE c.archived = d.archived AND c.stripe = d.stripe;
    RETURN NULL;
END
$$;

CREATE FUNCTION organizations_count_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE organization_counts c SET total = c.total + d.n
    FROM (SELECT archived, stripe, sum(n) AS n
          FROM (SELECT archived_at IS NOT NULL AS archived, organization_count_stripe(id) AS stripe, 1 AS n FROM new_rows
                UNION ALL
                SELECT archived_at IS NOT NULL, organization_count_stripe(id), -1 FROM old_rows) AS changes
          GROUP BY 1, 2
          HAVING sum(n) <> 0) d
    WHERE c.archived = d.archived AND c.stripe = d.stripe;
    RETURN NULL;
END
$$;

CREATE TRIGGER organizations_count_insert AFTER INSERT ON organizations
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION organizations_count_inserted();
CREATE TRIGGER organizations_count_delete AFTER DELETE ON organizations
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION organizations_count_deleted();
CREATE TRIGGER organizations_count_update AFTER UPDATE ON organizations
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION organizations_count_updated();
