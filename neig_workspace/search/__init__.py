"""Full-text search: one index per searchable thing, the same Dutch behaviour on
PostgreSQL (tsvector, GIN) and SQLite (FTS5). text.py turns text and queries into index terms,
index.py keeps the index current, query.py finds what a reader may read."""
