-- The web UI's sign-in sessions. Only the hex SHA-256 of a session token is kept (a copy of the
-- store signs no one in); a session names its API key by the key's token hash, so revoking the
-- key ends the session on its next request, on every replica.
CREATE TABLE ui_session (
    token_hash   VARCHAR(64)  NOT NULL PRIMARY KEY,
    key_hash     VARCHAR(64)  NOT NULL,
    created_at   TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    last_seen_at TIMESTAMP(6) WITH TIME ZONE NOT NULL
);
CREATE INDEX ui_session_key ON ui_session (key_hash);
