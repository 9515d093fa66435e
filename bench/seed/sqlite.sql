-- Seeds :ROWS: organizations into a migrated orgbase SQLite database, deterministically.
-- 50 cities, 20 list segments, company sizes spread over 0..9999, one in ten inactive, one in
-- twenty archived, creation times 137 s apart from 2015. Values are written exactly as
-- orgbase writes them (lower-cased keys, diesel's timestamp text), plus the side tables.
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
BEGIN;
-- The benchmark's admin, who owns one organization in ten (filter[owner]); query-scale.sh
-- issues it a key.
INSERT INTO users (id, name, email, email_key, role, created_at)
VALUES ('00000000-0000-7000-a000-000000000001', 'Bench', 'bench@bench.example',
        'bench@bench.example', 'admin', '2015-01-01 00:00:00');
WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < :ROWS:)
INSERT INTO organizations (id, name, name_key, status, city, country, company_size, description,
                           domains, lists, slug, created_from, archived_at, created_at, updated_at,
                           owner_id)
SELECT printf('00000000-0000-7000-8000-%012x', i),
       'Org ' || i, 'org ' || i,
       CASE WHEN i % 10 = 0 THEN 'inactive' ELSE 'active' END,
       'City ' || (i % 50), 'Country ' || (i % 7),
       (i * 7919) % 10000,
       'Description of organization number ' || i,
       '["org' || i || '.example"]',
       '["Segment ' || (i % 20) || '"]',
       'org-' || i, 'import',
       CASE WHEN i % 20 = 0 THEN '2024-01-01 00:00:00' END,
       datetime('2015-01-01', '+' || (i * 137) || ' seconds'),
       datetime('2015-01-01', '+' || (i * 137) || ' seconds'),
       CASE WHEN i % 10 = 1 THEN '00000000-0000-7000-a000-000000000001' END
FROM seq;
INSERT INTO organization_lists (list_key, organization_id)
SELECT 'segment ' || (CAST(substr(name, 5) AS INTEGER) % 20), id FROM organizations;
INSERT INTO organization_domains (domain, organization_id)
SELECT 'org' || substr(name, 5) || '.example', id FROM organizations;
-- A custom number field, c_arr, held by nine organizations in ten, values spread over 0..999,999.
INSERT INTO custom_fields (id, identifier, name, format, options, created_at, updated_at)
VALUES ('00000000-0000-7000-9000-000000000001', 'c_arr', 'ARR', 'number', '[]',
        '2015-01-01 00:00:00', '2015-01-01 00:00:00');
WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < :ROWS:)
INSERT INTO organization_custom_values (organization_id, field_id, position, number_value)
SELECT printf('00000000-0000-7000-8000-%012x', i), '00000000-0000-7000-9000-000000000001', 0,
       (i * 104729) % 1000000
FROM seq WHERE i % 10 <> 0;
COMMIT;
ANALYZE;
