package dev.selvedge.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.SelvedgeException;
import dev.selvedge.drift.DriftReport;
import dev.selvedge.evidence.Tool;
import dev.selvedge.port.DockerEngine;
import dev.selvedge.port.EngineUnreachableException;
import dev.selvedge.status.Health;
import dev.selvedge.status.Pill;
import dev.selvedge.status.StatusModel;
import dev.selvedge.status.Sync;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class EngineNodeReaderTest {
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-01T10:00:00Z"), ZoneOffset.UTC);
  static final EngineFacts FACTS =
      new EngineFacts(
          "ID1", "27.0.1", "1.47", "linux", "x86_64", 4, 8L << 30, "/var/lib/docker", null);

  final List<String> opened = new ArrayList<>();
  final List<String> closed = new ArrayList<>();
  final AtomicBoolean answers = new AtomicBoolean(true);

  DockerEngine engine(String name) {
    opened.add(name);
    return (DockerEngine)
        Proxy.newProxyInstance(
            DockerEngine.class.getClassLoader(),
            new Class<?>[] {DockerEngine.class},
            (proxy, method, args) ->
                switch (method.getName()) {
                  case "endpoint" -> name;
                  case "facts" -> {
                    if (!answers.get()) {
                      throw new EngineUnreachableException(name, "connection refused", null);
                    }
                    yield FACTS;
                  }
                  case "close" -> {
                    closed.add(name);
                    yield null;
                  }
                  default -> throw new UnsupportedOperationException(method.getName());
                });
  }

  static Fleet.Node node(String engine, String... stacks) {
    Map<String, Fleet.Stack> m = new LinkedHashMap<>();
    for (String s : stacks) {
      m.put(s, new Fleet.Stack(s, Path.of("/c/" + s), s, null, null));
    }
    return new Fleet.Node("n1", engine, null, null, null, List.of(), m);
  }

  static DriftReport green(String project) {
    return new DriftReport(
        project,
        CLOCK.instant(),
        List.of("repo", "host", "container"),
        List.of(),
        List.of(),
        List.of(),
        List.of(),
        StatusModel.stack(project, List.of(), List.of()));
  }

  EngineNodeReader reader(StackReader stacks) {
    return new EngineNodeReader(
        (node, timeout) -> engine(node.engine()), stacks, CLOCK, Tool.selvedge("test"));
  }

  @Test
  void theEngineIsOpenedOnceKeptAcrossSweepsAndReopenedWhenTheNodeChanges() {
    EngineNodeReader reader = reader((n, s, e) -> green(s.project()));
    Fleet.Node node = node("tcp://a:2375", "shop");
    NodeReading first = reader.read(node, java.time.Duration.ofSeconds(5));
    reader.read(node, java.time.Duration.ofSeconds(5));
    assertThat(opened).containsExactly("tcp://a:2375");
    assertThat(first.reachable()).isTrue();
    assertThat(first.facts()).isEqualTo(FACTS);
    assertThat(first.stacks())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.pill()).isEqualTo(Pill.GREEN);
              assertThat(s.sync()).isEqualTo(Sync.IN_SYNC);
              assertThat(s.report()).contains("\"status\"").contains("\"pill\" : \"green\"");
            });

    reader.read(node("tcp://b:2375", "shop"), java.time.Duration.ofSeconds(5));
    assertThat(opened).containsExactly("tcp://a:2375", "tcp://b:2375");
    assertThat(closed).containsExactly("tcp://a:2375");
    reader.close();
    assertThat(closed).containsExactly("tcp://a:2375", "tcp://b:2375");
  }

  @Test
  void aOneShotSweepClosesEachNodesEngineOnceItsSweepIsDone() {
    EngineNodeReader reader =
        new EngineNodeReader(
            (node, timeout) -> engine(node.engine()),
            (n, s, e) -> {
              // the engine is open while the node's stacks are read
              assertThat(closed).doesNotContain(e.endpoint());
              return green(s.project());
            },
            CLOCK,
            Tool.selvedge("test"),
            EngineNodeReader.Engines.CLOSED_AFTER_SWEEP);
    Fleet.Node node = node("tcp://a:2375", "shop", "blog");
    assertThat(reader.read(node, java.time.Duration.ofSeconds(5)).reachable()).isTrue();
    assertThat(closed).containsExactly("tcp://a:2375");
    assertThat(reader.openEngines()).isZero();

    answers.set(false);
    assertThat(reader.read(node, java.time.Duration.ofSeconds(5)).reachable()).isFalse();
    assertThat(opened).containsExactly("tcp://a:2375", "tcp://a:2375");
    assertThat(closed).containsExactly("tcp://a:2375", "tcp://a:2375");
    assertThat(reader.openEngines()).isZero();
  }

  @Test
  void keptEnginesStayOpenBetweenSweeps() {
    EngineNodeReader reader = reader((n, s, e) -> green(s.project()));
    reader.read(node("tcp://a:2375", "shop"), java.time.Duration.ofSeconds(5));
    assertThat(reader.openEngines()).isEqualTo(1);
    assertThat(closed).isEmpty();
    reader.forget("n1");
    assertThat(reader.openEngines()).isZero();
    assertThat(closed).containsExactly("tcp://a:2375");
  }

  @Test
  void anUnreachableEngineMakesTheNodeUnreachableItsStacksUnknownAndIsReopenedNextTime() {
    EngineNodeReader reader = reader((n, s, e) -> green(s.project()));
    Fleet.Node node = node("tcp://a:2375", "shop", "blog");
    answers.set(false);
    NodeReading r = reader.read(node, java.time.Duration.ofSeconds(5));
    assertThat(r.reachable()).isFalse();
    assertThat(r.reasons()).singleElement().asString().contains("connection refused");
    assertThat(r.facts()).isNull();
    assertThat(r.stacks())
        .extracting(NodeReading.StackReading::name)
        .containsExactly("shop", "blog");
    assertThat(r.stacks())
        .allSatisfy(
            s -> {
              assertThat(s.sync()).isEqualTo(Sync.UNKNOWN);
              assertThat(s.health()).isNull();
              assertThat(s.pill()).isEqualTo(Pill.RED);
              assertThat(s.report()).isNull();
            });
    assertThat(closed).containsExactly("tcp://a:2375");
    answers.set(true);
    assertThat(reader.read(node, java.time.Duration.ofSeconds(5)).reachable()).isTrue();
    assertThat(opened).hasSize(2);
  }

  @Test
  void aStackThatCannotBeReadIsUnknownAndTheOthersAreStillRead() {
    EngineNodeReader reader =
        reader(
            (n, s, e) -> {
              if (s.name().equals("broken")) {
                throw new SelvedgeException("/c/broken/compose.yaml:3:1: services: not a map");
              }
              return green(s.project());
            });
    NodeReading r =
        reader.read(node("tcp://a:2375", "broken", "shop"), java.time.Duration.ofSeconds(5));
    assertThat(r.reachable()).isTrue();
    assertThat(r.stacks().get(0).reasons()).singleElement().asString().contains("compose.yaml:3:1");
    assertThat(r.stacks().get(0).health()).isNull();
    assertThat(r.stacks().get(1).health()).isEqualTo(Health.HEALTHY);
  }

  @Test
  void anEngineLostInTheMiddleOfTheSweepMakesTheNodeUnreachable() {
    EngineNodeReader reader =
        reader(
            (n, s, e) -> {
              throw new EngineUnreachableException(e.endpoint(), "connection reset", null);
            });
    NodeReading r = reader.read(node("tcp://a:2375", "shop"), java.time.Duration.ofSeconds(5));
    assertThat(r.reachable()).isFalse();
    assertThat(r.reasons()).singleElement().asString().contains("connection reset");
  }
}
