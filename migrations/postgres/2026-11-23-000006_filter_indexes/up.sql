-- Filters on where an organization is and what it does are the ones CRM lists use most
-- (`filter[country]=…&sort=-company_size`). Text filters compare lower(column), so the indexes
-- are on that expression; archived_at follows, because every list leaves archived
-- organizations out unless asked, and then the count is answered from the index alone.
-- Other attributes stay unindexed: each index costs every write and the import.
CREATE INDEX organizations_country ON organizations (lower(country), archived_at);
CREATE INDEX organizations_city ON organizations (lower(city), archived_at);
CREATE INDEX organizations_industry ON organizations (lower(industry), archived_at);
