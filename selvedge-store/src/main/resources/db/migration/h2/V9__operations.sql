-- H2. Same version as ../postgresql; only the type of long text differs (CLOB here).
-- The operations the control plane runs for API clients, recorded before they start: followed by
-- id, found again by (actor, idempotency key), marked interrupted at start-up when a server
-- stopped mid-operation. Steps and results are JSON text, already scrubbed of secrets.
CREATE TABLE operation (
    id              VARCHAR(64)  NOT NULL PRIMARY KEY,
    node            VARCHAR(255) NOT NULL,
    stack           VARCHAR(255) NOT NULL,
    service         VARCHAR(255),
    action          VARCHAR(32)  NOT NULL,
    state           VARCHAR(16)  NOT NULL,
    actor           VARCHAR(512) NOT NULL,
    request_id      VARCHAR(64),
    idempotency_key VARCHAR(255),
    body_hash       VARCHAR(64),
    created_at      TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    started_at      TIMESTAMP(6) WITH TIME ZONE,
    finished_at     TIMESTAMP(6) WITH TIME ZONE,
    steps           CLOB NOT NULL,
    result          CLOB,
    CONSTRAINT operation_idempotency UNIQUE (actor, idempotency_key)
);

CREATE INDEX operation_unfinished ON operation (state, node, stack);
