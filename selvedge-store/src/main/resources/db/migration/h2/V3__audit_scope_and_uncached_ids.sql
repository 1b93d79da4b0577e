-- H2. Same version as ../postgresql; the identity settings are H2's only.
--
-- Identity columns draw from a sequence that H2 caches 32 values at a time; a process that ends
-- without closing the database (every CLI run sharing the file through AUTO_SERVER can) loses the
-- rest of its cache, so ids jumped by 32 between deployments. One write per id costs nothing here.
ALTER TABLE deployment ALTER COLUMN id SET NO CACHE;
ALTER TABLE audit_event ALTER COLUMN id SET NO CACHE;

-- Every change to a container is audited with where it was made: the engine endpoint, the project
-- and the service (null for the project as a whole), and how it went.
ALTER TABLE audit_event ADD COLUMN host VARCHAR(512);
ALTER TABLE audit_event ADD COLUMN project VARCHAR(255);
ALTER TABLE audit_event ADD COLUMN service VARCHAR(255);
ALTER TABLE audit_event ADD COLUMN outcome VARCHAR(32);

CREATE INDEX audit_event_host_project_id ON audit_event (host, project, id);
