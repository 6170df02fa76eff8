-- Region codes of the rollups compare with regions.code, which uses the
-- database's collation: with "C" here, a join or IN (SELECT code FROM
-- regions ...) could not use the rollups' primary key (PostgreSQL
-- compared under regions.code's collation and scanned the whole table).
-- Periods and months keep "C": they are compared by range.
ALTER TABLE region_figures ALTER COLUMN region_code TYPE TEXT COLLATE "default";
ALTER TABLE active_months ALTER COLUMN region_code TYPE TEXT COLLATE "default";
