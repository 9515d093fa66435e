CREATE SEQUENCE changes_id_seq OWNED BY changes.id;
SELECT setval('changes_id_seq', (SELECT COALESCE(max(id), 1) FROM changes));
ALTER TABLE changes ALTER COLUMN id SET DEFAULT nextval('changes_id_seq');
