CREATE TABLE IF NOT EXISTS note (
    id      INTEGER PRIMARY KEY,
    title   TEXT NOT NULL,
    body    TEXT,
    created TEXT NOT NULL DEFAULT (datetime('now'))
);
