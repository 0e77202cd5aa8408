"""Documents: records, versions, links and limits (the bytes live in `storage/`)."""
