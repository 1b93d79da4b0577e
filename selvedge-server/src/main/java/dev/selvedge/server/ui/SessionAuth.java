package dev.selvedge.server.ui;

import dev.selvedge.keys.ApiKeys;
import dev.selvedge.port.ApiKeyStore;
import dev.selvedge.port.ApiKeyStore.ApiKey;
import dev.selvedge.port.UiSessionStore;
import dev.selvedge.port.UiSessionStore.UiSession;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

/**
 * The web UI's sign-in sessions: an API key pasted once becomes a random session token in an {@code
 * HttpOnly}, {@code SameSite=Strict} cookie; the store keeps only its SHA-256 and the key's token
 * hash, so sessions hold on every replica and a revoked key ends them on their next request. A
 * session ends {@link #IDLE} after its last request or {@link #ABSOLUTE} after sign-in, whichever
 * comes first. Forms that change anything carry {@link #csrfToken}, derived from the session token
 * (so it is per session and needs no storage).
 */
public final class SessionAuth {
  /** The cookie's name. */
  public static final String COOKIE = "selvedge_session";

  /** A session with no request for this long has ended. */
  public static final Duration IDLE = Duration.ofHours(2);

  /** A session ends this long after sign-in, however busy. */
  public static final Duration ABSOLUTE = Duration.ofHours(12);

  /** The form field (or {@code X-CSRF-Token} header) that carries the CSRF token. */
  public static final String CSRF_FIELD = "csrf";

  static final Duration TOUCH_EVERY = Duration.ofMinutes(1);
  private static final String RESOLVED = "selvedge.ui.session";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final UiSessionStore sessions;
  private final ApiKeyStore keys;
  private final Clock clock;

  /** A session found for a request: its key and its cookie's token. */
  record Signed(ApiKey key, String token) {
    @Override
    public String toString() {
      return "Signed[" + key.name() + "]";
    }
  }

  public SessionAuth(UiSessionStore sessions, ApiKeyStore keys, Clock clock) {
    this.sessions = sessions;
    this.keys = keys;
    this.clock = clock;
  }

  /**
   * The API key of the request's valid session: the hook by which the session cookie authenticates
   * the UI's pages (and the event stream). Empty without a cookie, for an unknown, ended or expired
   * session, and when the key was revoked (the session is then deleted).
   */
  public Optional<ApiKey> keyFor(Context ctx) {
    return signed(ctx).map(Signed::key);
  }

  Optional<Signed> signed(Context ctx) {
    Optional<Signed> cached = ctx.attribute(RESOLVED);
    if (cached != null) {
      return cached;
    }
    Optional<Signed> found = lookUp(ctx.cookie(COOKIE));
    ctx.attribute(RESOLVED, found);
    return found;
  }

  /**
   * Whether the session of {@code token} is still valid (not ended, expired or its key revoked):
   * the event stream asks it of an open UI stream now and then. An open live page counts as use of
   * its session, within the absolute lifetime.
   */
  public boolean stillSignedIn(String token) {
    return lookUp(token).isPresent();
  }

  private Optional<Signed> lookUp(String token) {
    if (token == null || token.isEmpty() || token.length() > 100) {
      return Optional.empty();
    }
    String hash = ApiKeys.hash(token);
    Optional<UiSession> session = sessions.find(hash);
    if (session.isEmpty()) {
      return Optional.empty();
    }
    UiSession s = session.get();
    Instant now = clock.instant();
    if (!now.isBefore(s.lastSeenAt().plus(IDLE)) || !now.isBefore(s.createdAt().plus(ABSOLUTE))) {
      sessions.delete(hash);
      return Optional.empty();
    }
    Optional<ApiKey> key = keys.findByHash(s.keyHash());
    if (key.isEmpty() || key.get().revoked()) {
      sessions.delete(hash);
      return Optional.empty();
    }
    if (!now.isBefore(s.lastSeenAt().plus(TOUCH_EVERY))) {
      sessions.touch(hash, now);
    }
    return Optional.of(new Signed(key.get(), token));
  }

  /** Starts a session for {@code key} and sets its cookie on the answer. */
  void signIn(Context ctx, ApiKey key) {
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    Instant now = clock.instant();
    sessions.deleteExpired(now.minus(IDLE), now.minus(ABSOLUTE));
    sessions.create(new UiSession(ApiKeys.hash(token), key.tokenHash(), now, now));
    setCookie(ctx, token, ABSOLUTE.toSeconds());
  }

  /** Ends the request's session (if any) and clears its cookie. */
  void signOut(Context ctx) {
    String token = ctx.cookie(COOKIE);
    if (token != null && !token.isEmpty() && token.length() <= 100) {
      sessions.delete(ApiKeys.hash(token));
    }
    setCookie(ctx, "", 0);
  }

  private static void setCookie(Context ctx, String value, long maxAge) {
    StringBuilder c = new StringBuilder(COOKIE).append('=').append(value);
    c.append("; Path=/; Max-Age=").append(maxAge).append("; HttpOnly; SameSite=Strict");
    if (ctx.req().isSecure()) {
      c.append("; Secure");
    }
    ctx.res().addHeader("Set-Cookie", c.toString());
  }

  /** The session's CSRF token: a hash of its session token, so only its holder can know it. */
  static String csrfToken(Signed signed) {
    return ApiKeys.hash("csrf:" + signed.token());
  }

  /**
   * Whether the request has a valid session and carries its CSRF token (form field {@value
   * #CSRF_FIELD} or header {@code X-CSRF-Token}): the check of every UI route that changes
   * anything.
   */
  public boolean csrfValid(Context ctx) {
    return signed(ctx).map(s -> csrfValid(ctx, s)).orElse(false);
  }

  /** Whether the request carries its session's CSRF token (form field or header). */
  static boolean csrfValid(Context ctx, Signed signed) {
    String given = ctx.header("X-CSRF-Token");
    if (given == null) {
      given = ctx.formParam(CSRF_FIELD);
    }
    return given != null
        && MessageDigest.isEqual(
            given.getBytes(StandardCharsets.UTF_8),
            csrfToken(signed).getBytes(StandardCharsets.UTF_8));
  }
}
