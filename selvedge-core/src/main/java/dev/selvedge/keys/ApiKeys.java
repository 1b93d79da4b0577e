package dev.selvedge.keys;

import dev.selvedge.SelvedgeException;
import dev.selvedge.port.ApiKeyStore;
import dev.selvedge.port.ApiKeyStore.ApiKey;
import dev.selvedge.port.ApiKeyStore.Scope;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * API keys, the one use case behind {@code selvedge keys} and the server's authentication: tokens
 * are 256 random bits, handed out once and stored only as their SHA-256 (a token has far too much
 * entropy for a slow hash to add anything), and compared in constant time.
 */
public final class ApiKeys {
  /** Every token starts so: recognisable in a leaked file, by secret scanners and by people. */
  public static final String PREFIX = "slv_";

  /** The name the first run's admin key gets. */
  public static final String FIRST_ADMIN = "admin";

  private static final int TOKEN_BYTES = 32;
  private static final Pattern TOKEN = Pattern.compile(Pattern.quote(PREFIX) + "[A-Za-z0-9_-]{43}");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,99}");

  /** A key's use is written back at most this often: not one write per request. */
  static final Duration TOUCH_EVERY = Duration.ofMinutes(1);

  private final ApiKeyStore store;
  private final Clock clock;
  private final SecureRandom random;

  public ApiKeys(ApiKeyStore store, Clock clock) {
    this(store, clock, new SecureRandom());
  }

  ApiKeys(ApiKeyStore store, Clock clock, SecureRandom random) {
    this.store = store;
    this.clock = clock;
    this.random = random;
  }

  /** A new key and its token: the only time the token exists outside its holder's hands. */
  public record Created(ApiKey key, String token) {
    @Override
    public String toString() {
      return "Created[" + key.name() + ", " + key.scope().label() + "]";
    }
  }

  /**
   * Creates a key.
   *
   * @throws SelvedgeException when the name is not a plain name or is taken
   */
  public Created create(String name, Scope scope) {
    if (!validName(name)) {
      throw new SelvedgeException(
          "API key name '"
              + name
              + "': use 1 to 100 letters, digits and . _ @ - (starting with a letter or digit)");
    }
    byte[] bytes = new byte[TOKEN_BYTES];
    random.nextBytes(bytes);
    String token = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    ApiKey key = store.create(name, scope, hash(token), clock.instant());
    return new Created(key, token);
  }

  /**
   * On a store with no key at all: creates an admin key named {@link #FIRST_ADMIN}, so a new user
   * can sign in at once. Empty when any key exists (revoked ones count: the owner chose).
   */
  public Optional<Created> firstRun() {
    if (store.count() > 0) {
      return Optional.empty();
    }
    return Optional.of(create(FIRST_ADMIN, Scope.ADMIN));
  }

  /**
   * The live key {@code token} belongs to; empty for a malformed, unknown or revoked token. Notes
   * the use (at most once a minute per key).
   */
  public Optional<ApiKey> authenticate(String token) {
    if (token == null || !TOKEN.matcher(token).matches()) {
      return Optional.empty();
    }
    String hash = hash(token);
    Optional<ApiKey> found = store.findByHash(hash);
    if (found.isEmpty()) {
      return Optional.empty();
    }
    ApiKey key = found.get();
    // The lookup found it by hash; the comparison that decides is the constant-time one.
    if (!MessageDigest.isEqual(
            key.tokenHash().getBytes(StandardCharsets.US_ASCII),
            hash.getBytes(StandardCharsets.US_ASCII))
        || key.revoked()) {
      return Optional.empty();
    }
    Instant now = clock.instant();
    if (key.lastUsedAt() == null || key.lastUsedAt().plus(TOUCH_EVERY).isBefore(now)) {
      store.touch(key.id(), now);
    }
    return Optional.of(key);
  }

  /** Every key (never a token), oldest first. */
  public List<ApiKey> list() {
    return store.list();
  }

  /**
   * Revokes the key named so.
   *
   * @throws SelvedgeException when there is no such key, or it was revoked already
   */
  public void revoke(String name) {
    if (!store.revoke(name, clock.instant())) {
      boolean exists = store.list().stream().anyMatch(k -> k.name().equals(name));
      throw new SelvedgeException(
          exists
              ? "the API key '" + name + "' is revoked already"
              : "there is no API key named '" + name + "' (selvedge keys list)");
    }
  }

  /** Whether {@code name} is a plain key name: 1 to 100 letters, digits and . _ @ -. */
  public static boolean validName(String name) {
    return name != null && NAME.matcher(name).matches();
  }

  /** The hex SHA-256 of a token: what the store keeps. */
  public static String hash(String token) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(sha.digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
