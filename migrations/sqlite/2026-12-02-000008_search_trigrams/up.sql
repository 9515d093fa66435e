-- filter[q] by trigrams: an FTS5 index (trigram tokenizer, case folded, no positions) over the
-- searched text of every organization, so a search reads the organizations holding each of
-- the text's trigrams instead of scanning the table; the exact substring test then runs on
-- those alone (crates/orgbase-store-diesel/src/organizations/query/conditions.rs).
--
-- The index's content lives in organization_search, keyed by its own INTEGER PRIMARY KEY: the
-- rowid of organizations (which has a text key) may change under VACUUM, a key of our own
-- does not. Triggers keep both in step with organizations, in the writing transaction.
-- Domains are indexed from the organization's JSON list, as written.
CREATE TABLE organization_search (
    rowid           INTEGER PRIMARY KEY,
    organization_id TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    website         TEXT,
    email           TEXT,
    domains         TEXT,
    description     TEXT
);
CREATE VIRTUAL TABLE organization_search_index USING fts5(
    name, website, email, domains, description,
    content = 'organization_search', content_rowid = 'rowid',
    tokenize = 'trigram case_sensitive 0', detail = 'none'
);

CREATE TRIGGER organization_search_indexed AFTER INSERT ON organization_search BEGIN
    INSERT INTO organization_search_index (rowid, name, website, email, domains, description)
    VALUES (new.rowid, new.name, new.website, new.email, new.domains, new.description);
END;
CREATE TRIGGER organization_search_unindexed AFTER DELETE ON organization_search BEGIN
    INSERT INTO organization_search_index
        (organization_search_index, rowid, name, website, email, domains, description)
    VALUES ('delete', old.rowid, old.name, old.website, old.email, old.domains, old.description);
END;
CREATE TRIGGER organization_search_reindexed AFTER UPDATE ON organization_search BEGIN
    INSERT INTO organization_search_index
        (organization_search_index, rowid, name, website, email, domains, description)
    VALUES ('delete', old.rowid, old.name, old.website, old.email, old.domains, old.description);
    INSERT INTO organization_search_index (rowid, name, website, email, domains, description)
    VALUES (new.rowid, new.name, new.website, new.email, new.domains, new.description);
END;

CREATE TRIGGER organizations_searchable AFTER INSERT ON organizations BEGIN
    INSERT INTO organization_search (organization_id, name, website, email, domains, description)
    VALUES (new.id, new.name, new.website, new.email,
            (SELECT group_concat(value, char(10)) FROM json_each(new.domains)), new.description);
END;
CREATE TRIGGER organizations_search_changed
AFTER UPDATE OF name, website, email, domains, description ON organizations
WHEN old.name IS NOT new.name OR old.website IS NOT new.website OR old.email IS NOT new.email
  OR old.domains IS NOT new.domains OR old.description IS NOT new.description
BEGIN
    UPDATE organization_search
    SET name = new.name, website = new.website, email = new.email,
        domains = (SELECT group_concat(value, char(10)) FROM json_each(new.domains)),
        description = new.description
    WHERE organization_id = new.id;
END;
CREATE TRIGGER organizations_unsearchable AFTER DELETE ON organizations BEGIN
    DELETE FROM organization_search WHERE organization_id = old.id;
END;

INSERT INTO organization_search (organization_id, name, website, email, domains, description)
SELECT id, name, website, email,
       (SELECT group_concat(value, char(10)) FROM json_each(domains)), description
FROM organizations;
