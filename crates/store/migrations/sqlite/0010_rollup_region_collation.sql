-- PostgreSQL only (the rollups' region codes take the collation of
-- regions.code there); SQLite compares text bytewise everywhere.
SELECT 1;
