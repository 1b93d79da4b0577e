-- H2. Same version as ../postgresql; only the type of long text differs (CLOB here).
--
-- Who holds a lease, as a process a machine can recognise (the kernel's boot id, the PID namespace,
-- the pid and its start time in clock ticks since boot), so a run on the same machine takes over at
-- once from a holder that died instead of waiting for the lease to expire; and which previous
-- containers the holder is putting back ({"service":{"parked":..,"name":..,"replacement":..,
-- "start":"true"}}), so the run that takes over finishes those restores first.
ALTER TABLE lease ADD COLUMN holder_boot_id VARCHAR(64);
ALTER TABLE lease ADD COLUMN holder_pid_ns VARCHAR(64);
ALTER TABLE lease ADD COLUMN holder_pid BIGINT;
ALTER TABLE lease ADD COLUMN holder_start BIGINT;
ALTER TABLE lease ADD COLUMN restoring CLOB;
