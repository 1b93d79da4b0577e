package dev.selvedge.keys;

import dev.selvedge.port.ApiKeyStore.ApiKey;
import dev.selvedge.port.AuditLog;
import java.time.Instant;

/**
 * How a key change reads in the audit log, the same from {@code selvedge keys}, the server's first
 * run and {@code POST/DELETE /api/v1/keys}: the key's name and scope, never its token or hash.
 */
public final class KeyAudit {
  public static final String CREATE = "key.create";
  public static final String REVOKE = "key.revoke";

  private KeyAudit() {}

  /** {@code key:NAME scope SCOPE}. */
  public static String describe(ApiKey key) {
    return "key:" + key.name() + " scope " + key.scope().label();
  }

  /** A key created by {@code actor} on the machine {@code source}. */
  public static AuditLog.Event created(
      ApiKey key, String actor, String source, Instant at, String detail) {
    return new AuditLog.Event(
        0,
        at,
        actor,
        source,
        CREATE,
        null,
        null,
        null,
        null,
        null,
        null,
        describe(key),
        "done",
        null,
        detail);
  }

  /** The key, as it was before, revoked by {@code actor} on the machine {@code source}. */
  public static AuditLog.Event revoked(
      ApiKey key, String actor, String source, Instant at, String detail) {
    return new AuditLog.Event(
        0,
        at,
        actor,
        source,
        REVOKE,
        null,
        null,
        null,
        null,
        null,
        describe(key),
        "revoked",
        "done",
        null,
        detail);
  }
}
