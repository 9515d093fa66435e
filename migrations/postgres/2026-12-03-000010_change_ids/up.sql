-- Entry ids come from record_versions, as versions do, so a write that changes one record
-- takes its new version and its entry's id in one INSERT … RETURNING (one round trip less).
-- Ids keep growing in insertion order, which numbering relies on: the sequence is first
-- moved past every id already given.
SELECT setval('record_versions', GREATEST(
    (SELECT last_value FROM record_versions),
    (SELECT COALESCE(max(id), 1) FROM changes)
));
ALTER TABLE changes ALTER COLUMN id SET DEFAULT nextval('record_versions');
DROP SEQUENCE changes_id_seq;
