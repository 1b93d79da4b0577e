-- PostgreSQL. Same version as ../h2; the append-only guard is PL/pgSQL here, a Java trigger there.
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
ALTER TABLE audit_event ALTER COLUMN outcome TYPE VARCHAR(64);

-- The reader's filters, newest first.
CREATE INDEX audit_event_actor_id ON audit_event (actor, id);
CREATE INDEX audit_event_node_id ON audit_event (node, id);
CREATE INDEX audit_event_project_id ON audit_event (project, id);
CREATE INDEX audit_event_action_id ON audit_event (action, id);

-- Append-only: UPDATE, DELETE and TRUNCATE are refused, for the table's owner and superusers too
-- (triggers fire for them). Two passes are let through while a setting local to the transaction
-- names them (set_config(..., 'on', true), gone at commit or rollback):
-- selvedge.audit_retention lets DELETE through (old events, the run itself audited);
-- selvedge.audit_rekey lets an UPDATE through that changes nothing but host (the one-time move of
-- events kept under an engine endpoint to the engine's identity).
CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('selvedge.audit_retention', true) = 'on' THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' AND current_setting('selvedge.audit_rekey', true) = 'on'
            AND (to_jsonb(OLD) - 'host') = (to_jsonb(NEW) - 'host') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();

-- No grant either: whoever is not the table's owner may only insert and read. Run the server as a
-- role that does not own the table (see docs/operations.md): the owner can drop the trigger.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_event FROM PUBLIC;
