-- Store-wide settings. `rater_salt` is random per store: exported rater ids are hashes
-- of salt and name, stable for one store (so exports stay byte-identical) but not
-- reversible by hashing a list of likely names.
CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO settings (key, value) VALUES ('rater_salt', lower(hex(randomblob(16))));
