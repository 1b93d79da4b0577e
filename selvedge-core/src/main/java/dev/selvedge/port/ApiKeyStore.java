package dev.selvedge.port;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The control plane's API keys. Only a hash of each token is kept: a copy of the store gives no way
 * in. Shared by {@code selvedge keys} and {@code selvedge serve}, so a key created or revoked while
 * a server runs takes effect on its next request.
 */
public interface ApiKeyStore {

  /** What a key may do; each scope includes the ones before it: read &lt; operate &lt; admin. */
  enum Scope {
    READ,
    OPERATE,
    ADMIN;

    /** Whether a key of this scope may do what {@code needed} allows. */
    public boolean covers(Scope needed) {
      return compareTo(needed) >= 0;
    }

    /** As written on the command line and in answers: {@code read}, {@code operate}, ... */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The scope labelled {@code label}; null when none is. */
    public static Scope parse(String label) {
      for (Scope s : values()) {
        if (s.label().equals(label)) {
          return s;
        }
      }
      return null;
    }
  }

  /**
   * A stored key, without its token.
   *
   * @param tokenHash the hex SHA-256 of the token
   * @param lastUsedAt null: never used (updated at most about once a minute)
   * @param revokedAt null: not revoked
   */
  record ApiKey(
      long id,
      String name,
      Scope scope,
      String tokenHash,
      Instant createdAt,
      Instant lastUsedAt,
      Instant revokedAt) {
    public ApiKey {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(scope, "scope");
      Objects.requireNonNull(tokenHash, "tokenHash");
    }

    public boolean revoked() {
      return revokedAt != null;
    }
  }

  /**
   * Stores a new key.
   *
   * @throws dev.selvedge.SelvedgeException when a key of that name exists already (revoked or not)
   */
  ApiKey create(String name, Scope scope, String tokenHash, Instant at);

  /** Every key, revoked ones too, oldest first. */
  List<ApiKey> list();

  /** The key whose token has this hash, revoked or not. */
  Optional<ApiKey> findByHash(String tokenHash);

  /** Revokes the key named so; false when there is none or it was revoked already. */
  boolean revoke(String name, Instant at);

  /** Notes that the key was used at {@code at}. */
  void touch(long id, Instant at);

  /** How many keys exist, revoked ones too. */
  long count();
}
