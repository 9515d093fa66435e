-- Lists, domains and metadata are JSON text: diesel's MultiConnection has no JSON type, and
-- both backends store exactly the same column types this way.
CREATE TABLE organizations (
    id                TEXT PRIMARY KEY NOT NULL,
    name              TEXT NOT NULL,
    -- trimmed, lower-cased name: the UNIQUE index below makes names unique ignoring case
    name_key          TEXT NOT NULL,
    organization_type TEXT,
    status            TEXT NOT NULL CHECK (status IN ('active', 'inactive')),
    description       TEXT,
    website           TEXT,
    email             TEXT,
    phone             TEXT,
    address           TEXT,
    city              TEXT,
    state             TEXT,
    country           TEXT,
    industry          TEXT,
    company_size      BIGINT CHECK (company_size >= 0),
    domains           TEXT NOT NULL DEFAULT '[]',
    lists             TEXT NOT NULL DEFAULT '[]',
    metadata          TEXT,
    slug              TEXT NOT NULL,
    created_from      TEXT NOT NULL,
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
    list_key        TEXT NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    PRIMARY KEY (list_key, organization_id)
);
CREATE INDEX organization_lists_organization ON organization_lists (organization_id);

CREATE TABLE organization_domains (
    domain          TEXT NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    PRIMARY KEY (domain, organization_id)
);
CREATE INDEX organization_domains_organization ON organization_domains (organization_id);

-- Lists in the default order (not archived, oldest first) walk this index, skipped pages included.
CREATE INDEX organizations_live_created_at_id ON organizations (created_at, id) WHERE archived_at IS NULL;

-- meta.total of an unfiltered list, without counting a million rows per request: counts per
-- archive state kept by triggers, so every writer (orgbase, an import, hand-written SQL)
-- keeps them right. Sixteen stripes, chosen by the id's last hex digit, so concurrent
-- inserts do not all wait on one row.
CREATE TABLE organization_counts (
    archived BOOLEAN NOT NULL,
    stripe   INTEGER NOT NULL,
    total    BIGINT NOT NULL,
    PRIMARY KEY (archived, stripe)
);
WITH RECURSIVE stripes(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM stripes WHERE n < 15)
INSERT INTO organization_counts (archived, stripe, total)
SELECT archived, n, 0 FROM stripes, (SELECT 0 AS archived UNION ALL SELECT 1);

CREATE TRIGGER organizations_count_insert AFTER INSERT ON organizations BEGIN
    UPDATE organization_counts SET total = total + 1
    WHERE archived = (NEW.archived_at IS NOT NULL)
      AND stripe = abs(instr('0123456789abcdef', substr(NEW.id, -1)) - 1) % 16;
END;

CREATE TRIGGER organizations_count_delete AFTER DELETE ON organizations BEGIN
    UPDATE organization_counts SET total = total - 1
    WHERE archived = (OLD.archived_at IS NOT NULL)
      AND stripe = abs(instr('0123456789abcdef', substr(OLD.id, -1)) - 1) % 16;
END;

CREATE TRIGGER organizations_count_archive AFTER UPDATE OF archived_at ON organizations
WHEN (OLD.archived_at IS NULL) != (NEW.archived_at IS NULL) BEGIN
    UPDATE organization_counts SET total = total - 1
    WHERE archived = (OLD.archived_at IS NOT NULL)
      AND stripe = abs(instr('0123456789abcdef', substr(OLD.id, -1)) - 1) % 16;
    UPDATE organization_counts SET total = total + 1
    WHERE archived = (NEW.archived_at IS NOT NULL)
      AND stripe = abs(instr('0123456789abcdef', substr(NEW.id, -1)) - 1) % 16;
END;
