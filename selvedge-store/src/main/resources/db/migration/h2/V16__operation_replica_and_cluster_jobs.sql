-- H2. Same version as ../postgresql.
--
-- The replica that runs an operation (its poller's replica name, as in cluster_replica): a replica
-- starting, and every replica periodically, marks interrupted only the unfinished operations whose
-- replica is dead (no heartbeat for three periods); null for operations before V16.
ALTER TABLE operation ADD COLUMN replica VARCHAR(255);

-- Jobs run once per schedule across the replicas (audit and event retention, the cross-tenant
-- audit, ...): the replica whose lease is unexpired runs the job; last_run_at is when it last ran,
-- so a job due daily runs once a day whichever replica runs it. Times are the database's.
CREATE TABLE cluster_job (
    name        VARCHAR(255) PRIMARY KEY,
    holder      VARCHAR(255),
    lease_until TIMESTAMP(6) WITH TIME ZONE,
    last_run_at TIMESTAMP(6) WITH TIME ZONE
);
