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
