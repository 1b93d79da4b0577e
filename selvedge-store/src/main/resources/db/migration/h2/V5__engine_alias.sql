-- H2. Same version and table as ../postgresql.
--
-- Deployments and audit events are kept under the engine's identity (docker-daemon:<ID>, the ID of
-- its /info) rather than the endpoint that reached it, as leases already were. Each engine seen
-- through an endpoint is one row: when it was first and last seen there. The first engine seen
-- through an endpoint is given the rows an earlier Selvedge kept under that endpoint string (how
-- many is recorded); that happens once per endpoint.
CREATE TABLE engine_alias (
    endpoint            VARCHAR(512) NOT NULL,
    identity            VARCHAR(512) NOT NULL,
    first_seen          TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    last_seen           TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    adopted_deployments INTEGER      NOT NULL,
    adopted_audit       INTEGER      NOT NULL,
    PRIMARY KEY (endpoint, identity)
);
