-- Hours delivered through the ordering loop: effective minutes of the
-- records of activities that serve orders, by the day served, added to the
-- figures of the order's site, region and organization with every change
-- of such a record's totals (store/src/statistics.rs).
ALTER TABLE order_figures ADD COLUMN served_minutes BIGINT NOT NULL DEFAULT 0;
