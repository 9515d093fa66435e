-- Seeds :ROWS: organizations into a migrated orgbase PostgreSQL database; the same data as
-- seed/sqlite.sql.
BEGIN;
INSERT INTO users (id, name, email, email_key, role, created_at)
VALUES ('00000000-0000-7000-a000-000000000001', 'Bench', 'bench@bench.example',
        'bench@bench.example', 'admin', timestamp '2015-01-01');
INSERT INTO organizations (id, name, name_key, status, city, country, company_size, description,
                           domains, lists, slug, created_from, archived_at, created_at, updated_at,
                           owner_id)
SELECT '00000000-0000-7000-8000-' || lpad(to_hex(i), 12, '0'),
       'Org ' || i, 'org ' || i,
       CASE WHEN i % 10 = 0 THEN 'inactive' ELSE 'active' END,
       'City ' || (i % 50), 'Country ' || (i % 7),
       (i * 7919) % 10000,
       'Description of organization number ' || i,
       '["org' || i || '.example"]',
       '["Segment ' || (i % 20) || '"]',
       'org-' || i, 'import',
       CASE WHEN i % 20 = 0 THEN timestamp '2024-01-01 00:00:00' END,
       timestamp '2015-01-01' + i * 137 * interval '1 second',
       timestamp '2015-01-01' + i * 137 * interval '1 second',
       CASE WHEN i % 10 = 1 THEN '00000000-0000-7000-a000-000000000001' END
FROM generate_series(1::bigint, :ROWS:) AS i;
INSERT INTO organization_lists (list_key, organization_id)
SELECT 'segment ' || (substr(name, 5)::bigint % 20), id FROM organizations;
INSERT INTO organization_domains (domain, organization_id)
SELECT 'org' || substr(name, 5) || '.example', id FROM organizations;
-- A custom number field, c_arr, held by nine organizations in ten, values spread over 0..999,999.
INSERT INTO custom_fields (id, identifier, name, format, options, created_at, updated_at)
VALUES ('00000000-0000-7000-9000-000000000001', 'c_arr', 'ARR', 'number', '[]',
        timestamp '2015-01-01', timestamp '2015-01-01');
INSERT INTO organization_custom_values (organization_id, field_id, position, number_value)
SELECT '00000000-0000-7000-8000-' || lpad(to_hex(i), 12, '0'), '00000000-0000-7000-9000-000000000001', 0,
       (i * 104729) % 1000000
FROM generate_series(1::bigint, :ROWS:) AS i WHERE i % 10 <> 0;
COMMIT;
VACUUM ANALYZE;
