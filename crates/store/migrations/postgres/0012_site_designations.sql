-- A site's pilot or demonstration designation (national, provincial or
-- city, as the domain names them) and the year it was given; each change
-- is in the audit log.
ALTER TABLE sites ADD COLUMN designation TEXT;
ALTER TABLE sites ADD COLUMN designation_year BIGINT;
CREATE INDEX sites_designation ON sites (designation, region_path);
