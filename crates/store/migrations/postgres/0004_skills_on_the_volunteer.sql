-- A volunteer's skills live only in volunteers.skills (';'-separated), where
-- they were already stored: the separate table cost every registration and
-- import one row, two index entries and a foreign-key check per skill, and
-- only the admins' skill filter read it, which now matches the list itself
-- within the region subtree being searched.
DROP TABLE volunteer_skills;
