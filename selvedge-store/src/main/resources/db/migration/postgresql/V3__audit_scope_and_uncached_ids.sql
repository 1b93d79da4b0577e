-- PostgreSQL. Same version as ../h2, where identity sequences also stop caching ids; here they
-- cache one at a time already (CACHE 1 is PostgreSQL's default), so ids grow by one.

-- Every change to a container is audited with where it was made: the engine endpoint, the project
-- and the service (null for the project as a whole), and how it went.
ALTER TABLE audit_event ADD COLUMN host VARCHAR(512);
ALTER TABLE audit_event ADD COLUMN project VARCHAR(255);
ALTER TABLE audit_event ADD COLUMN service VARCHAR(255);
ALTER TABLE audit_event ADD COLUMN outcome VARCHAR(32);

CREATE INDEX audit_event_host_project_id ON audit_event (host, project, id);
