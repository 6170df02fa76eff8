//! Volunteer-service certificates rendered as PDF (work in progress).
