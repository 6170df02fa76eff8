-- Loop figures that medians and "orders by state" need: for each of the
-- three waits (to dispatch, to an answer, to completion) how many fell in
-- each bucket of minutes (domain::loop_figures::BUCKET_BOUNDS), and how many
-- orders are now in each state (all-time rows; a day's row holds its moves).
ALTER TABLE order_figures ADD COLUMN dispatch_b0 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_figures ADD COLUMN dispatch_b1 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_figures ADD COLUMN dispatch_b2 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_figures ADD COLUMN dispatch_b3 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_figures ADD COLUMN dispatch_b4 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_figures ADD COLUMN dispatch_b5 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_figures ADD COLUMN dispatch_b6 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_figures ADD COLUMN dispatch_b7 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_figures ADD COLUMN dispatch_b8 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_figures ADD COLUMN dispatch_b9 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_figures ADD COLUMN answer_b0 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_figures ADD COLUMN answer_b1 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_figures ADD COLUMN answer_b2 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_figures ADD COLUMN answer_b3 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_figures ADD COLUMN answer_b4 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_figures ADD COLUMN answer_b5 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_figures ADD COLUMN answer_b6 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_figures ADD COLUMN answer_b7 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_figures ADD COLUMN answer_b8 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_figures ADD COLUMN answer_b9 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_figures ADD COLUMN complete_b0 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_figures ADD COLUMN complete_b1 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_figures ADD COLUMN complete_b2 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_figures ADD COLUMN complete_b3 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_figures ADD COLUMN complete_b4 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_figures ADD COLUMN complete_b5 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_figures ADD COLUMN complete_b6 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_figures ADD COLUMN complete_b7 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_figures ADD COLUMN complete_b8 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_figures ADD COLUMN complete_b9 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_figures ADD COLUMN state_ordered BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_figures ADD COLUMN state_dispatched BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_figures ADD COLUMN state_accepted BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_figures ADD COLUMN state_in_service BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_figures ADD COLUMN state_completed BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_figures ADD COLUMN state_evaluated BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_figures ADD COLUMN state_closed_unrated BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_figures ADD COLUMN state_cancelled BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_figures ADD COLUMN state_expired BIGINT NOT NULL DEFAULT 0;

-- Dispatch candidates look up the projects whose area is the order's region
-- or a region above it.
CREATE INDEX projects_area ON projects (area_code);

-- An activity that serves an order finds its order.
CREATE INDEX orders_activity ON orders (activity_id);
