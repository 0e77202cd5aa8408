"""Data in and out: imports of list records from CSV/XLSX (dry run, batches, resume, undo)."""
