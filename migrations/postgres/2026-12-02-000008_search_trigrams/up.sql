-- filter[q] by trigrams: pg_trgm GIN indexes, which serve `LIKE '%text%'`
-- (crates/orgbase-store-diesel/src/organizations/query/conditions.rs):
-- - one over the searched text of the organization in one expression (the name key, then the
--   website, e-mail and description, lower-cased, a newline between): one index to write per
--   organization instead of four, which cost the import more. Its pending list of new
--   entries may grow to 16 MB (4 by default) before an insert merges it, which measured
--   faster at import (within the machine's noise), at the cost of searches reading up to that
--   much unmerged list until autovacuum merges it. Even so the index costs the import about a
--   fifth (bench/README.md, "Issue 17, second step"): kept, for a search 27 times faster.
--   The search asks it for candidates and tests those exactly. The expression, not
--   `name_key` alone, also keeps the index out of plain lookups: pg_trgm's GIN serves `=` too,
--   and the import's prepared `name_key = ANY($1)`, planned generic on a young table, ran
--   through a trigram index on name_key at 176 rows/s;
-- - one on the domains' keys.
-- pg_trgm ships with PostgreSQL and is a trusted extension (13+): a database owner may create
-- it. Where the role may not, the migration still succeeds without the indexes and search
-- scans as before; a superuser's `CREATE EXTENSION pg_trgm` and these two statements turn it
-- on (docs/design.md, "Search by trigrams").
DO $$
BEGIN
    BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
    EXCEPTION WHEN insufficient_privilege OR undefined_file THEN
        RAISE NOTICE 'pg_trgm is not available (%): filter[q] will scan', SQLERRM;
    END;
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE INDEX organizations_searched_text ON organizations USING gin ((
            lower(name_key || chr(10) || coalesce(website, '') || chr(10) || coalesce(email, '')
                  || chr(10) || coalesce(description, ''))
        ) gin_trgm_ops) WITH (gin_pending_list_limit = 16384);
        CREATE INDEX organization_domains_search ON organization_domains USING gin (domain gin_trgm_ops);
    END IF;
END
$$;
