package dev.selvedge.port;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The web UI's sign-in sessions, kept in the store so that every replica of the control plane knows
 * them. Only hashes are kept: the SHA-256 of the session's random token (the cookie) and the token
 * hash of the API key it was signed in with, so a revoked key ends its sessions at once.
 */
public interface UiSessionStore {

  /**
   * A session.
   *
   * @param tokenHash hex SHA-256 of the session token in the browser's cookie
   * @param keyHash the API key's {@link ApiKeyStore.ApiKey#tokenHash()}
   * @param lastSeenAt its last request (updated at most about once a minute)
   */
  record UiSession(String tokenHash, String keyHash, Instant createdAt, Instant lastSeenAt) {
    public UiSession {
      Objects.requireNonNull(tokenHash, "tokenHash");
      Objects.requireNonNull(keyHash, "keyHash");
      Objects.requireNonNull(createdAt, "createdAt");
      Objects.requireNonNull(lastSeenAt, "lastSeenAt");
    }
  }

  /** Stores a new session. */
  void create(UiSession session);

  /** The session whose token has this hash. */
  Optional<UiSession> find(String tokenHash);

  /** Notes a request of the session at {@code at}. */
  void touch(String tokenHash, Instant at);

  /** Ends a session; false when there was none. */
  boolean delete(String tokenHash);

  /**
   * Removes the sessions that ended: last seen before {@code idleBefore} or created before {@code
   * createdBefore}. Returns how many.
   */
  int deleteExpired(Instant idleBefore, Instant createdBefore);
}
