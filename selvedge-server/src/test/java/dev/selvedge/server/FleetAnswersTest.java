package dev.selvedge.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.FleetJson;
import dev.selvedge.fleet.MemoryFleetState;
import dev.selvedge.fleet.NodeState;
import dev.selvedge.fleet.NodeView;
import dev.selvedge.fleet.StackState;
import dev.selvedge.json.TreeJson;
import dev.selvedge.status.Health;
import dev.selvedge.status.Pill;
import dev.selvedge.status.Sync;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The fleet answer is rendered once per version and query, always equal to a fresh rendering: a new
 * version, a node turning stale and another filter each give the new answer; {@code generated_at}
 * is the time of each request.
 */
class FleetAnswersTest {
  final MovableClock clock = new MovableClock();
  final MemoryFleetState states = new MemoryFleetState(clock);
  final AtomicLong version = new AtomicLong();
  final AtomicInteger views = new AtomicInteger();
  final Fleet fleet = fleet();

  final FleetView view =
      new FleetView() {
        final StoredFleet stored = new StoredFleet(() -> fleet, states, clock);

        @Override
        public Fleet fleet() {
          return fleet;
        }

        @Override
        public List<NodeView> view() {
          views.incrementAndGet();
          return stored.view();
        }

        @Override
        public Optional<String> readiness() {
          return Optional.empty();
        }

        @Override
        public long version() {
          return version.get();
        }
      };

  static Fleet fleet() {
    Map<String, Fleet.Node> nodes = new LinkedHashMap<>();
    for (String id : List.of("a", "b", "c")) {
      nodes.put(
          id,
          new Fleet.Node(
              id,
              "tcp://127.0.0.1:1",
              null,
              null,
              id.equals("c") ? "staging" : "prod",
              List.of(id.equals("a") ? "eu" : "us"),
              Map.of("shop", new Fleet.Stack("shop", Path.of("/c/shop"), "shop", null, null))));
    }
    return new Fleet(Path.of("/fleet.yaml"), Fleet.Poll.DEFAULT, nodes, List.of());
  }

  void swept(String id, Pill pill, Instant at) {
    states.record(
        new NodeState(
            id,
            pill,
            List.of("why " + pill.id()),
            at,
            0,
            null,
            List.of(
                new StackState(
                    id,
                    "shop",
                    "shop",
                    Sync.IN_SYNC,
                    Health.HEALTHY,
                    pill,
                    List.of("ok"),
                    "{}",
                    at))),
        List.of());
    version.incrementAndGet();
  }

  String fresh(String tag, String environment) {
    List<NodeView> nodes = view.view().stream().filter(v -> v.matches(tag, environment)).toList();
    return new String(
        TreeJson.compact(FleetJson.fleet(nodes, clock.instant())), StandardCharsets.UTF_8);
  }

  static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  @Test
  void renderedOncePerVersionAndQueryAndAlwaysAsAFreshRendering() {
    FleetAnswers answers = new FleetAnswers(view, clock);
    swept("a", Pill.GREEN, clock.instant());
    swept("b", Pill.RED, clock.instant());

    String first = text(answers.answer(null, null));
    assertThat(first).isEqualTo(fresh(null, null)).contains("\"id\":\"c\"");
    int rendered = views.get();
    clock.now = clock.now.plusSeconds(1);
    String again = text(answers.answer(null, null));
    assertThat(views.get()).as("not rendered again").isEqualTo(rendered);
    assertThat(again).isEqualTo(fresh(null, null)).isNotEqualTo(first);
    assertThat(again).contains("\"generated_at\":\"" + clock.instant() + "\"");

    // Filters: each its own answer.
    assertThat(text(answers.answer("eu", null))).isEqualTo(fresh("eu", null));
    assertThat(text(answers.answer(null, "staging"))).isEqualTo(fresh(null, "staging"));
    assertThat(text(answers.answer("us", "prod"))).isEqualTo(fresh("us", "prod"));

    // A new version: rendered anew.
    swept("b", Pill.GREEN, clock.instant());
    assertThat(text(answers.answer(null, null))).isEqualTo(fresh(null, null));
    assertThat(text(answers.answer(null, null))).contains("\"red\":0");

    // No new version, but a node's last sweep grows stale: rendered anew all the same.
    String before = text(answers.answer(null, null));
    assertThat(before.split("\"stale\":true", -1)).as("c, never swept").hasSize(2);
    clock.now = clock.now.plus(Fleet.Poll.DEFAULT.interval().multipliedBy(2)).plusSeconds(1);
    String later = text(answers.answer(null, null));
    assertThat(later).isEqualTo(fresh(null, null));
    assertThat(later.split("\"stale\":true", -1)).hasSize(4);
  }

  @Test
  void aViewWithoutAVersionIsRenderedEveryTime() {
    version.set(-1);
    FleetAnswers answers = new FleetAnswers(view, clock);
    states.record(
        new NodeState("a", Pill.GREEN, List.of(), clock.instant(), 0, null, List.of()), List.of());
    assertThat(text(answers.answer(null, null))).isEqualTo(fresh(null, null));
    int rendered = views.get();
    answers.answer(null, null);
    assertThat(views.get()).isEqualTo(rendered + 1);
    clock.now = clock.now.plus(Duration.ofSeconds(1));
    assertThat(text(answers.answer(null, null))).isEqualTo(fresh(null, null));
  }
}
