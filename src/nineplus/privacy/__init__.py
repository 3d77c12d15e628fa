"""Privacy: erasure of a person everywhere (with a receipt), a person's own data as JSON and CSV, and
retention policies enforced by a scheduled purge (with a dry run)."""
