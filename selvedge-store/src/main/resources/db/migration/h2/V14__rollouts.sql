-- Rollouts of one stack across the fleet in waves (docs/rollouts.md): each rollout under an
-- expiring lease of the process working on it, and every node's step with the deployment it
-- replaced. active_stack is the stack while the rollout is running or rolling back, else NULL:
-- its unique index keeps one active rollout per stack.
-- Same version in ../h2 and ../postgresql; only the type of long text differs.
CREATE TABLE rollout (
    id           VARCHAR(40)  PRIMARY KEY,
    stack        VARCHAR(200) NOT NULL,
    selector     VARCHAR(300) NOT NULL,
    waves        VARCHAR(200) NOT NULL,
    images       CLOB NOT NULL,
    gate_ms      BIGINT       NOT NULL,
    parallel_n   INTEGER      NOT NULL,
    forced       BOOLEAN      NOT NULL,
    state        VARCHAR(20)  NOT NULL,
    actor        VARCHAR(300) NOT NULL,
    created_at   TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    updated_at   TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    owner        VARCHAR(300),
    lease_until  TIMESTAMP(6) WITH TIME ZONE,
    reason       CLOB,
    failed_node  VARCHAR(200),
    active_stack VARCHAR(200)
);
CREATE UNIQUE INDEX rollout_one_active ON rollout (active_stack);
CREATE INDEX rollout_created ON rollout (created_at);

CREATE TABLE rollout_node (
    rollout_id  VARCHAR(40)  NOT NULL REFERENCES rollout (id) ON DELETE CASCADE,
    node        VARCHAR(200) NOT NULL,
    wave        INTEGER      NOT NULL,
    position    INTEGER      NOT NULL,
    step        VARCHAR(20)  NOT NULL,
    host        VARCHAR(300),
    previous    BIGINT,
    deployment  BIGINT,
    detail      CLOB,
    updated_at  TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    PRIMARY KEY (rollout_id, node)
);
