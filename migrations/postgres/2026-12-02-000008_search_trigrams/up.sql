-- filter[q] by trigrams: pg_trgm GIN indexes on each searched expression, which serve
-- `LIKE '%text%'` directly; the search combines them with a bitmap OR and joins the domains'
-- in by a UNION (crates/orgbase-store-diesel/src/organizations/query/conditions.rs).
-- pg_trgm ships with PostgreSQL and is a trusted extension (13+): a database owner may create
-- it. Where the role may not, the migration still succeeds without the indexes, and search
-- scans as before; `CREATE EXTENSION pg_trgm` by a superuser and re-creating these indexes
-- (see docs/design.md) turns it on.
DO $$
BEGIN
    BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
    EXCEPTION WHEN insufficient_privilege OR undefined_file THEN
        RAISE NOTICE 'pg_trgm is not available (%): filter[q] will scan', SQLERRM;
    END;
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE INDEX organizations_search_name ON organizations USING gin (name_key gin_trgm_ops);
        CREATE INDEX organizations_search_website ON organizations USING gin (lower(website) gin_trgm_ops);
        CREATE INDEX organizations_search_email ON organizations USING gin (lower(email) gin_trgm_ops);
        CREATE INDEX organizations_search_description ON organizations USING gin (lower(description) gin_trgm_ops);
        CREATE INDEX organization_domains_search ON organization_domains USING gin (domain gin_trgm_ops);
    END IF;
END
$$;
