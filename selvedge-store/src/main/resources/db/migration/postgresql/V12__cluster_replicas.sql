-- PostgreSQL. Same version as ../h2.
--
-- The control-plane replicas sharing this database (GET /api/v1/cluster): each `serve` registers
-- at start under its poller's replica name, moves heartbeat_at on a schedule and deletes its row
-- on a clean stop; a row whose heartbeat is old is a replica that died (or is paused).
CREATE TABLE cluster_replica (
    id           VARCHAR(255) PRIMARY KEY,
    host         VARCHAR(255) NOT NULL,
    pid          BIGINT       NOT NULL,
    version      VARCHAR(64)  NOT NULL,
    started_at   TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    heartbeat_at TIMESTAMP(6) WITH TIME ZONE NOT NULL
);

-- The replica whose sweep wrote the node's state last (its claim's replica); null before V12 and
-- for sweeps without a claim (selvedge fleet status).
ALTER TABLE fleet_node ADD COLUMN swept_by VARCHAR(255);
