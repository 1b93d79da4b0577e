package dev.selvedge.port;

import java.time.Instant;

/**
 * The right to run one mutating operation on a project of an engine host until {@code expiresAt}.
 *
 * @param owner who holds it ({@code user@machine pid 1234}, a server node)
 * @param operation what it is doing ({@code apply}, {@code rollback}, {@code restart web})
 * @param token identifies this holding, so a renewal or release by an old holder whose lease
 *     expired and was taken over does nothing
 */
public record Lease(
    String host,
    String project,
    String owner,
    String operation,
    String token,
    Instant acquiredAt,
    Instant expiresAt) {}
