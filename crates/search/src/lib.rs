//! Full-text search of activities (work in progress).
