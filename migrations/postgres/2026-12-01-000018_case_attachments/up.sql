-- Files attached to a case: a photo of an error screen, a log, a configuration page. The type
-- is the one the content showed; internal files are for staff only, like internal notes.
CREATE TABLE case_attachments (
    id           TEXT PRIMARY KEY,
    case_id      TEXT NOT NULL REFERENCES cases (id),
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL
        CHECK (content_type IN ('image/png', 'image/jpeg', 'application/pdf', 'text/plain')),
    size_bytes   BIGINT NOT NULL CHECK (size_bytes > 0),
    internal     BOOLEAN NOT NULL,
    uploaded_by  TEXT NOT NULL REFERENCES users (id),
    uploaded_at  TIMESTAMP NOT NULL,
    content      BYTEA NOT NULL
);
CREATE INDEX case_attachments_case ON case_attachments (case_id, id);
