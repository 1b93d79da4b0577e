package dev.selvedge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.json.TreeJson;
import dev.selvedge.port.AuditLog;
import dev.selvedge.port.Store;
import dev.selvedge.store.StoreConfig;
import dev.selvedge.store.Stores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code selvedge audit} and the audit of {@code selvedge keys}, in process, on an H2 file store:
 * formats, filters, paging, and no token in the log.
 */
class AuditCommandTest {
  @TempDir Path dir;
  private String url;
  private final Map<String, String> env =
      Map.of("SELVEDGE_ACTOR", "ana@laptop", "HOSTNAME", "laptop");

  @BeforeEach
  void seed() {
    url = "jdbc:h2:file:" + dir.resolve("store/selvedge") + ";AUTO_SERVER=TRUE";
    Instant now = Instant.now();
    try (Store store = Stores.open(new StoreConfig(url, null, null))) {
      for (int i = 0; i < 3; i++) {
        store
            .audit()
            .record(
                new AuditLog.Event(
                    0,
                    now.minus(Duration.ofHours(3 - i)),
                    "key:ops",
                    "10.1.2.3",
                    i == 2 ? "stack.apply" : "service.restart",
                    i == 0 ? "app-1" : "app-2",
                    "docker-daemon:AAAA",
                    "shop",
                    "web",
                    null,
                    "sha256:" + i,
                    "sha256:" + (i + 1),
                    "accepted 202",
                    "req-" + i,
                    ""));
      }
    }
  }

  private MainTest.Result selvedge(String... args) {
    String[] all = new String[args.length + 2];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--store";
    all[args.length + 1] = url;
    return MainTest.run(dir, env, all);
  }

  @Test
  void keyChangesAreAuditedWithTheCliActorAndMachineNeverTheToken() throws Exception {
    MainTest.Result created = selvedge("keys", "create", "--name", "ci", "--scope", "read");
    assertThat(created.code()).as(created.err()).isZero();
    String token = created.out().lines().reduce((a, b) -> b).orElseThrow();
    assertThat(token).startsWith("slv_");
    MainTest.Result revoked = selvedge("keys", "revoke", "ci");
    assertThat(revoked.code()).as(revoked.err()).isZero();

    MainTest.Result json = selvedge("audit", "--actor", "ana@laptop", "--format", "json");
    assertThat(json.code()).as(json.err()).isZero();
    var events = TreeJson.read(json.out().getBytes(StandardCharsets.UTF_8), null);
    assertThat(events.size()).isEqualTo(2);
    assertThat(events.get(0).path("action").asText()).isEqualTo("key.revoke");
    assertThat(events.get(0).path("before").asText()).isEqualTo("key:ci scope read");
    assertThat(events.get(1).path("action").asText()).isEqualTo("key.create");
    assertThat(events.get(1).path("after").asText()).isEqualTo("key:ci scope read");
    assertThat(events.get(1).path("source").asText()).isEqualTo("laptop");
    assertThat(events.get(1).path("node").isNull()).isTrue();
    assertThat(events.get(1).path("request_id").isNull()).isTrue();
    MainTest.Result all = selvedge("audit", "--format", "jsonl", "--limit", "1000");
    assertThat(all.out()).doesNotContain(token).doesNotContain(token.substring(4));
  }

  @Test
  void textJsonAndJsonlWithFilters() throws Exception {
    MainTest.Result text = selvedge("audit");
    assertThat(text.code()).as(text.err()).isZero();
    List<String> lines = text.out().lines().toList();
    assertThat(lines.get(0))
        .startsWith("ID")
        .contains("ACTOR")
        .contains("SOURCE")
        .contains("ACTION")
        .contains("OUTCOME");
    assertThat(lines).hasSize(4);
    assertThat(lines.get(1)).contains("stack.apply").contains("10.1.2.3").contains("app-2");
    assertThat(lines.get(3)).contains("service.restart").contains("app-1");

    MainTest.Result jsonl = selvedge("audit", "--node", "app-2", "--format", "jsonl");
    List<String> rows = jsonl.out().lines().toList();
    assertThat(rows).hasSize(2);
    assertThat(rows.get(0)).contains("\"request_id\":\"req-2\"").contains("\"stack\":\"shop\"");
    assertThat(rows.get(1)).contains("\"request_id\":\"req-1\"");

    assertThat(selvedge("audit", "--action", "stack.apply", "--format", "jsonl").out().lines())
        .singleElement()
        .satisfies(l -> assertThat(l).contains("req-2"));
    assertThat(selvedge("audit", "--since", "150m", "--format", "jsonl").out().lines()).hasSize(2);
    assertThat(selvedge("audit", "--until", "150m", "--format", "jsonl").out().lines())
        .singleElement()
        .satisfies(l -> assertThat(l).contains("req-0"));
    // Paging: the next page is --before the last id shown.
    String first = selvedge("audit", "--limit", "1", "--format", "jsonl").out().strip();
    long id = TreeJson.read(first.getBytes(StandardCharsets.UTF_8), null).path("id").asLong();
    assertThat(
            selvedge("audit", "--before", Long.toString(id), "--limit", "1", "--format", "jsonl")
                .out())
        .contains("req-1");
    MainTest.Result none = selvedge("audit", "--stack", "other");
    assertThat(none.out()).isEqualTo("no audit events match\n");
  }

  @Test
  void badFiltersExit2NamingTheOption() {
    MainTest.Result bad = selvedge("audit", "--since", "last week");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("--since: 'last week' is neither a time");
    assertThat(selvedge("audit", "--limit", "0").err()).contains("--limit: a whole number");
  }
}
