-- The open sign-in of a volunteer at an activity, which every check-in
-- claim looks up (the attendance writer's claim checks): a small index of
-- the open records only, instead of combining the volunteer and activity
-- indexes of every record.
CREATE INDEX service_records_open_pair ON service_records (volunteer_id, activity_id) WHERE is_open = TRUE;
