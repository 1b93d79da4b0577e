-- H2. Same version as ../postgresql; the append-only guard is a Java trigger here, PL/pgSQL there.
--
-- The audit log of the control plane and the CLI: every write request (allowed or refused), every
-- key change and every operation's outcome, with where it came from (the client's address, or the
-- CLI's machine), the fleet node, what the subject was before and became (short text: digests,
-- config hash, deployment ids; never a secret) and the request's id. Engine and project stay null
-- for what is not on an engine (key changes, retention runs).
ALTER TABLE audit_event ADD COLUMN source VARCHAR(255);
ALTER TABLE audit_event ADD COLUMN node VARCHAR(255);
ALTER TABLE audit_event ADD COLUMN before_value VARCHAR(1024);
ALTER TABLE audit_event ADD COLUMN after_value VARCHAR(1024);
ALTER TABLE audit_event ADD COLUMN request_id VARCHAR(64);
ALTER TABLE audit_event ALTER COLUMN outcome SET DATA TYPE VARCHAR(64);

-- The reader's filters, newest first.
CREATE INDEX audit_event_actor_id ON audit_event (actor, id);
CREATE INDEX audit_event_node_id ON audit_event (node, id);
CREATE INDEX audit_event_project_id ON audit_event (project, id);
CREATE INDEX audit_event_action_id ON audit_event (action, id);

-- Append-only: UPDATE and DELETE are refused by dev.selvedge.store.AuditAppendOnly (in the Selvedge
-- jar; a tool opening this file needs it on its class path). Two passes are let through while a row
-- of this table, inserted by the same transaction and deleted before it commits, names them:
-- 'retention' (deleting old events, itself audited) and 'rekey' (the one-time move of events kept
-- under an engine endpoint to the engine's identity, changing nothing but host).
CREATE TABLE audit_event_pass (
    purpose VARCHAR(16) NOT NULL
);

-- A table referring to audit_event makes H2 refuse TRUNCATE TABLE audit_event (which runs no
-- trigger). It never has rows.
CREATE TABLE audit_event_guard (
    event_id BIGINT NOT NULL REFERENCES audit_event (id)
);

CREATE TRIGGER audit_event_append_only BEFORE UPDATE, DELETE ON audit_event
    FOR EACH ROW CALL 'dev.selvedge.store.AuditAppendOnly';
