package dev.selvedge.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.selvedge.SelvedgeException;
import dev.selvedge.port.ApiKeyStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ApiKeysTest {
  /** The port in memory, counting the writes of last use. */
  static final class Keys implements ApiKeyStore {
    final List<ApiKey> keys = new ArrayList<>();
    int touches;

    @Override
    public ApiKey create(String name, Scope scope, String tokenHash, Instant at) {
      if (keys.stream().anyMatch(k -> k.name().equals(name))) {
        throw new SelvedgeException("an API key named '" + name + "' exists already");
      }
      ApiKey k = new ApiKey(keys.size() + 1, name, scope, tokenHash, at, null, null);
      keys.add(k);
      return k;
    }

    @Override
    public List<ApiKey> list() {
      return List.copyOf(keys);
    }

    @Override
    public Optional<ApiKey> findByHash(String tokenHash) {
      return keys.stream().filter(k -> k.tokenHash().equals(tokenHash)).findFirst();
    }

    @Override
    public boolean revoke(String name, Instant at) {
      for (int i = 0; i < keys.size(); i++) {
        ApiKey k = keys.get(i);
        if (k.name().equals(name) && !k.revoked()) {
          keys.set(
              i,
              new ApiKey(
                  k.id(), k.name(), k.scope(), k.tokenHash(), k.createdAt(), k.lastUsedAt(), at));
          return true;
        }
      }
      return false;
    }

    @Override
    public void touch(long id, Instant at) {
      touches++;
      for (int i = 0; i < keys.size(); i++) {
        ApiKey k = keys.get(i);
        if (k.id() == id) {
          keys.set(
              i,
              new ApiKey(
                  k.id(), k.name(), k.scope(), k.tokenHash(), k.createdAt(), at, k.revokedAt()));
        }
      }
    }

    @Override
    public long count() {
      return keys.size();
    }
  }

  private final Keys store = new Keys();
  private Instant now = Instant.parse("2026-01-01T00:00:00Z");
  private final Clock clock =
      new Clock() {
        @Override
        public Instant instant() {
          return now;
        }

        @Override
        public java.time.ZoneId getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
          return this;
        }
      };
  private final ApiKeys keys = new ApiKeys(store, clock);

  @Test
  void tokensAreRandomPrefixedAndOnlyTheirHashIsStored() {
    Set<String> tokens = new HashSet<>();
    for (int i = 0; i < 50; i++) {
      ApiKeys.Created c = keys.create("k" + i, ApiKeyStore.Scope.READ);
      assertThat(c.token()).matches("slv_[A-Za-z0-9_-]{43}");
      assertThat(c.key().tokenHash()).hasSize(64).isEqualTo(ApiKeys.hash(c.token()));
      assertThat(c.toString()).doesNotContain(c.token());
      tokens.add(c.token());
    }
    assertThat(tokens).hasSize(50);
    assertThat(store.keys).noneMatch(k -> tokens.stream().anyMatch(t -> k.toString().contains(t)));
  }

  @Test
  void firstRunMakesOneAdminKeyOnAnEmptyStoreOnly() {
    Optional<ApiKeys.Created> first = keys.firstRun();
    assertThat(first)
        .hasValueSatisfying(c -> assertThat(c.key().scope()).isEqualTo(ApiKeyStore.Scope.ADMIN));
    assertThat(keys.firstRun()).isEmpty();
    keys.revoke(ApiKeys.FIRST_ADMIN);
    assertThat(keys.firstRun()).as("a revoked key still counts: the owner chose").isEmpty();
  }

  @Test
  void authenticationNotesUseAtMostOnceAMinute() {
    String token = keys.create("ci", ApiKeyStore.Scope.OPERATE).token();
    assertThat(keys.authenticate(token)).isPresent();
    assertThat(keys.authenticate(token)).isPresent();
    assertThat(store.touches).isEqualTo(1);
    now = now.plus(Duration.ofSeconds(61));
    assertThat(keys.authenticate(token)).isPresent();
    assertThat(store.touches).isEqualTo(2);
  }

  @Test
  void malformedUnknownAndRevokedTokensAreRefused() {
    String token = keys.create("ci", ApiKeyStore.Scope.READ).token();
    assertThat(keys.authenticate(null)).isEmpty();
    assertThat(keys.authenticate("")).isEmpty();
    assertThat(keys.authenticate(token + "x")).isEmpty();
    assertThat(keys.authenticate("slv_" + "A".repeat(43))).isEmpty();
    keys.revoke("ci");
    assertThat(keys.authenticate(token)).isEmpty();
  }

  @Test
  void namesAreCheckedAndScopesOrdered() {
    assertThatThrownBy(() -> keys.create("has space", ApiKeyStore.Scope.READ))
        .hasMessageContaining("letters, digits");
    assertThatThrownBy(() -> keys.create("-x", ApiKeyStore.Scope.READ))
        .isInstanceOf(SelvedgeException.class);
    assertThat(ApiKeyStore.Scope.ADMIN.covers(ApiKeyStore.Scope.OPERATE)).isTrue();
    assertThat(ApiKeyStore.Scope.OPERATE.covers(ApiKeyStore.Scope.READ)).isTrue();
    assertThat(ApiKeyStore.Scope.READ.covers(ApiKeyStore.Scope.OPERATE)).isFalse();
    assertThat(ApiKeyStore.Scope.parse("operate")).isEqualTo(ApiKeyStore.Scope.OPERATE);
    assertThat(ApiKeyStore.Scope.parse("root")).isNull();
  }
}
