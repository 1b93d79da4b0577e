package dev.selvedge.fleet.parity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.selvedge.contract.compose.ComposeLoader;
import dev.selvedge.contract.compose.LoadOptions;
import dev.selvedge.contract.model.Project;
import dev.selvedge.drift.DriftInput;
import dev.selvedge.drift.ReadbackResult;
import dev.selvedge.evidence.Fingerprints;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.json.TreeJson;
import dev.selvedge.port.ContainerDetails;
import dev.selvedge.port.ImageDetails;
import dev.selvedge.port.ProbeResult;
import dev.selvedge.testing.ContainerBuilder;
import dev.selvedge.verify.EnvExample;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParityCheckTest {
  private static final Fingerprints FP = new Fingerprints(new byte[32]);
  private static final String SECRET_A = "planted-secret-value-aaaa";
  private static final String SECRET_B = "planted-secret-value-bbbb";

  @TempDir Path tmp;

  private static final String COMPOSE =
      """
      x-selvedge:
        parity: {ignore: [TENANT]}
      services:
        web:
          image: %s
          environment:
            LOG_LEVEL: %s
            TENANT: %s
            API_TOKEN: ${API_TOKEN}
          labels:
            tier: %s
          ports: ["8080:80"]
          volumes: ["./conf:/etc/conf:ro"]
          x-selvedge:
            parity: {ignore: [labels.tier]}
        worker:
          image: busybox:1
      """;

  private Project load(
      String dir,
      String project,
      String image,
      String log,
      String tenant,
      String tier,
      String secret)
      throws Exception {
    Path d = Files.createDirectories(tmp.resolve(dir));
    Files.writeString(d.resolve("compose.yaml"), COMPOSE.formatted(image, log, tenant, tier));
    return ComposeLoader.load(
        LoadOptions.of(d).withEnvironment(Map.of("API_TOKEN", secret)).withProjectName(project));
  }

  private static ParitySide side(
      String node,
      Project p,
      List<ContainerDetails> containers,
      Map<String, ImageDetails> images,
      Map<String, String> files,
      List<String> nodeIgnore,
      List<ReadbackResult> readbacks) {
    DriftInput in =
        DriftInput.of(p, EnvExample.forProject(p), containers)
            .withImages(images)
            .withHost(p, Map.of());
    if (readbacks != null) {
      in = in.withReadbacks(readbacks);
    }
    return new ParitySide(node, "app", in, files, nodeIgnore);
  }

  private static List<ContainerDetails> running(Project p) {
    List<ContainerDetails> out = new ArrayList<>();
    for (String s : p.services().keySet()) {
      out.add(ContainerBuilder.matching(p, s).id(p.name() + s + "0123456789abcdef").build());
    }
    return out;
  }

  private static Map<String, ParityDifference> byKey(ParityReport.Comparison c) {
    Map<String, ParityDifference> out = new LinkedHashMap<>();
    for (ParityDifference d : c.differences()) {
      out.put(d.layer().id() + " " + (d.service() == null ? "" : d.service() + " ") + d.key(), d);
    }
    return out;
  }

  private static String text(ParityReport r) {
    StringWriter w = new StringWriter();
    ParityText.write(new PrintWriter(w), r, UnaryOperator.identity());
    return w.toString();
  }

  @Test
  void twoProjectsOfTheSameContractDifferInNothingThoughTheirNamesAndDirectoriesDo()
      throws Exception {
    Project a = load("a", "shop-a", "nginx:1.27", "info", "t", "gold", SECRET_A);
    Project b = load("b", "shop-b", "nginx:1.27", "info", "t", "gold", SECRET_A);
    ParityReport.Comparison c =
        new ParityCheck(FP)
            .compare(
                side("n1", a, running(a), Map.of(), Map.of("compose.yaml", "x"), List.of(), null),
                side("n2", b, running(b), Map.of(), Map.of("compose.yaml", "x"), List.of(), null));
    assertThat(c.differences()).isEmpty();
    assertThat(c.projectA()).isEqualTo("shop-a");
    assertThat(c.projectB()).isEqualTo("shop-b");
  }

  @Test
  void everyLayerDiffersAndEnvironmentAndSecretsShowOnlyAsFingerprints() throws Exception {
    Project a = load("a", "shop-a", "nginx:1.27", "info", "a", "gold", SECRET_A);
    Project b = load("b", "shop-b", "nginx:1.28", "debug", "b", "silver", SECRET_B);
    List<ContainerDetails> ca = running(a);
    List<ContainerDetails> cb = new ArrayList<>();
    for (String s : b.services().keySet()) {
      ContainerBuilder x = ContainerBuilder.matching(b, s).id("bb" + s + "0123456789");
      if (s.equals("web")) {
        x.imageId("sha256:other")
            .label("SESSION_SECRET", SECRET_B)
            .restart("always")
            .port(9090, "tcp", "", "9090")
            .cmd("run", "--token=" + SECRET_B)
            // the engine's healthcheck is the contract after substitution: a secret's value in it
            .healthcheck(
                List.of("CMD", "wget", "--header=Authorization: " + SECRET_B, "http://x/healthz"),
                Duration.ofSeconds(5),
                Duration.ofSeconds(2),
                3);
      }
      cb.add(x.build());
    }
    Map<String, ImageDetails> ia =
        Map.of(
            ContainerBuilder.IMAGE_ID,
            new ImageDetails(ContainerBuilder.IMAGE_ID, List.of(), List.of("nginx@sha256:aaa")));
    Map<String, ImageDetails> ib =
        Map.of(
            "sha256:other",
            new ImageDetails("sha256:other", List.of(), List.of("nginx@sha256:bbb")),
            ContainerBuilder.IMAGE_ID,
            new ImageDetails(ContainerBuilder.IMAGE_ID, List.of(), List.of("nginx@sha256:aaa")));
    List<ReadbackResult> ra = List.of(version("web", "{\"version\":\"1.2\",\"commit\":\"abc\"}"));
    List<ReadbackResult> rb =
        List.of(
            version(
                "web",
                "{\"version\":\"1.3\",\"commit\":\"abc\",\"db\":{\"password\":\"app-made-Zq9\"}}"));
    ParitySide sa =
        side(
            "n1",
            a,
            ca,
            ia,
            Map.of("compose.yaml", "hmac-sha256:1", ".env", "hmac-sha256:e"),
            List.of(),
            ra);
    ParitySide sb =
        side(
            "n2",
            b,
            cb,
            ib,
            Map.of("compose.yaml", "hmac-sha256:2", "conf", "missing"),
            List.of(),
            rb);
    ParityReport.Comparison c = new ParityCheck(FP).compare(sa, sb);
    Map<String, ParityDifference> d = byKey(c);

    assertThat(d.get("contract web image"))
        .extracting(ParityDifference::a, ParityDifference::b, ParityDifference::expected)
        .containsExactly("nginx:1.27", "nginx:1.28", false);
    ParityDifference log = d.get("contract web environment.LOG_LEVEL");
    assertThat(log.a()).isEqualTo(FP.of("info"));
    assertThat(log.b()).isEqualTo(FP.of("debug"));
    assertThat(d.get("contract web environment.API_TOKEN").a()).isEqualTo(FP.of(SECRET_A));
    assertThat(d.get("env web environment.API_TOKEN").b()).isEqualTo(FP.of(SECRET_B));
    assertThat(d.get("env web environment.LOG_LEVEL").expected()).isFalse();
    assertThat(d.get("files compose.yaml")).isNull();
    assertThat(d.get("files files[compose.yaml]").b()).isEqualTo("hmac-sha256:2");
    assertThat(d.get("files files[.env]").b()).isNull();
    assertThat(d.get("files files[conf]").b()).isEqualTo("missing");
    assertThat(d.get("image web image.id").b()).isEqualTo("sha256:other");
    assertThat(d.get("image web image.digest"))
        .extracting(ParityDifference::a, ParityDifference::b)
        .containsExactly("sha256:aaa", "sha256:bbb");
    assertThat(d.get("image web image").b()).isEqualTo("nginx:1.28");
    assertThat(d).doesNotContainKey("image worker image");
    assertThat(d.get("container web restart").b()).isEqualTo("always");
    assertThat(d.get("container web ports[9090/tcp]").b()).isEqualTo("9090");
    assertThat(d.get("container web labels.SESSION_SECRET").b()).isEqualTo(FP.of(SECRET_B));
    assertThat(d.get("container web command").b())
        .contains(FP.of(SECRET_B))
        .doesNotContain(SECRET_B);
    assertThat(d.get("container web healthcheck").b())
        .contains(FP.of(SECRET_B))
        .doesNotContain(SECRET_B);
    // a readback field under a secret-looking name: its fingerprint, whatever its value
    assertThat(d.get("readback web readback.version.db.password").b())
        .isEqualTo(FP.of("app-made-Zq9"));
    assertThat(d.get("readback web readback.version.version"))
        .extracting(ParityDifference::a, ParityDifference::b)
        .containsExactly("1.2", "1.3");
    assertThat(d).doesNotContainKey("readback web readback.version.commit");
    // bind mounts under each project's directory and each project's network compare equal
    assertThat(d)
        .doesNotContainKeys("contract web volumes[/etc/conf].source", "container web networks");
    assertThat(d.keySet()).noneMatch(k -> k.contains("volumes[/etc/conf]"));

    // expected: TENANT by the contract, the tier label by the service's declaration
    assertThat(d.get("env web environment.TENANT"))
        .extracting(ParityDifference::expected, ParityDifference::ignoredBy)
        .containsExactly(true, "contract");
    assertThat(d.get("container web labels.tier"))
        .extracting(ParityDifference::expected, ParityDifference::ignoredBy)
        .containsExactly(true, "contract service web");

    ParityReport report = new ParityReport("n1", "n2", null, List.of(c), List.of());
    String json = TreeJson.pretty(ParityJson.write(report));
    String text = text(report);
    for (String out : List.of(json, text)) {
      assertThat(out)
          .doesNotContain(SECRET_A)
          .doesNotContain(SECRET_B)
          .doesNotContain("app-made-Zq9");
      assertThat(out).doesNotContain("debug"); // an environment value: fingerprint only
    }
    assertThat(report.result()).isEqualTo(ParityReport.Result.DIFFERENT);
    assertThat(report.result().exitCode()).isEqualTo(1);
    assertThat(text)
        .contains("stack app: n1 (project shop-a) vs n2 (project shop-b)")
        .contains("service web")
        .contains("= labels.tier: gold | silver  (expected: contract service web)")
        .contains("! restart: no | always")
        .contains("different: 1 comparison, ");
  }

  @Test
  void aNodesDeclarationMakesItsKeysExpectedAndOnlyDifferencesNoOneExpectsCount() throws Exception {
    Project a = load("a", "shop-a", "nginx:1.27", "info", "a", "gold", SECRET_A);
    Project b = load("b", "shop-b", "nginx:1.27", "debug", "a", "gold", SECRET_A);
    ParityReport.Comparison c =
        new ParityCheck(FP)
            .compare(
                side("n1", a, running(a), Map.of(), Map.of(), List.of(), null),
                side(
                    "n2",
                    b,
                    running(b),
                    Map.of(),
                    Map.of(),
                    List.of("LOG_*", "environment.LOG_LEVEL"),
                    null));
    assertThat(c.differences()).isNotEmpty().allMatch(ParityDifference::expected);
    assertThat(c.differences()).extracting(ParityDifference::ignoredBy).containsOnly("node n2");
    ParityReport r = new ParityReport("n1", "n2", null, List.of(c), List.of());
    assertThat(r.result()).isEqualTo(ParityReport.Result.SAME);
    assertThat(r.result().exitCode()).isZero();
    assertThat(text(r)).contains("same: 1 comparison, 0 unexpected differences, 2 expected");
  }

  @Test
  void ignoreEntriesMatchABareNameAtTheEndOfAKeyOrAWholeKeyWithStars() {
    assertThat(ParityCheck.matches("HOSTNAME", "environment.HOSTNAME")).isTrue();
    assertThat(ParityCheck.matches("HOSTNAME", "labels.HOSTNAME")).isTrue();
    assertThat(ParityCheck.matches("HOSTNAME", "environment.MY_HOSTNAME")).isFalse();
    assertThat(ParityCheck.matches("labels.tenant*", "labels.tenant.id")).isTrue();
    assertThat(ParityCheck.matches("labels.tenant*", "labels.tier")).isFalse();
    assertThat(ParityCheck.matches("ports[8080/tcp]", "ports[8080/tcp]")).isTrue();
    assertThat(ParityCheck.matches("ports[8080/tcp]", "ports[8081/tcp]")).isFalse();
    assertThat(ParityCheck.matches("files[*.env]", "files[conf/app.env]")).isTrue();
    assertThat(ParityCheck.matches("readback.version.*", "readback.version.build")).isTrue();
  }

  @Test
  void environmentSidesPairEveryNodeAndAStackOnOneSideOnlyAndAnUnreadableNodeAreReported()
      throws Exception {
    Project a = load("a", "shop", "nginx:1.27", "info", "a", "gold", SECRET_A);
    Project b = load("b", "shop", "nginx:1.28", "info", "a", "gold", SECRET_A);
    Map<String, Project> projects = Map.of("s1", a, "p1", b, "p2", a);
    Fleet fleet =
        new Fleet(
            tmp.resolve("fleet.yaml"),
            Fleet.Poll.DEFAULT,
            nodes(
                node("s1", "staging", "app", "extra"),
                node("p1", "prod", "app"),
                node("p2", "prod", "app"),
                node("x1", "dev", "app")),
            List.of());
    Parity.Reader reader =
        (n, stacks) -> {
          if (n.id().equals("x1")) {
            return Parity.NodeRead.failed("engine unreachable: refused");
          }
          Map<String, ParitySide> read = new LinkedHashMap<>();
          for (Fleet.Stack s : stacks) {
            Project p = projects.get(n.id());
            read.put(
                s.name(),
                new ParitySide(
                    n.id(),
                    s.name(),
                    DriftInput.of(p, EnvExample.forProject(p), running(p)).withHost(p, Map.of()),
                    Map.of(),
                    List.of()));
          }
          return new Parity.NodeRead(null, read, Map.of());
        };
    Parity parity = new Parity(new ParityCheck(FP), reader, Runnable::run);

    ParityReport r = parity.run(fleet, "env:staging", "env:prod", null);
    assertThat(r.comparisons())
        .extracting(c -> c.stack() + ":" + c.nodeA() + ">" + c.nodeB() + ":" + c.unexpected())
        .containsExactly("app:s1>p1:2", "app:s1>p2:0", "extra:s1>null:1");
    assertThat(r.comparisons().get(2).differences().get(0).layer()).isEqualTo(ParityLayer.STACK);
    assertThat(r.result()).isEqualTo(ParityReport.Result.DIFFERENT);

    ParityReport only = parity.run(fleet, "s1", "p2", "app");
    assertThat(only.comparisons()).hasSize(1);
    assertThat(only.result()).isEqualTo(ParityReport.Result.SAME);

    ParityReport self = parity.run(fleet, "env:prod", "p1", "app");
    assertThat(self.comparisons()).extracting(ParityReport.Comparison::nodeA).containsExactly("p2");

    ParityReport unreadable = parity.run(fleet, "p1", "x1", null);
    assertThat(unreadable.result()).isEqualTo(ParityReport.Result.UNREADABLE);
    assertThat(unreadable.result().exitCode()).isEqualTo(2);
    assertThat(unreadable.unreadable())
        .containsExactly(new ParityReport.Unreadable("x1", null, "engine unreachable: refused"));
    assertThat(TreeJson.pretty(ParityJson.write(unreadable)))
        .contains("\"result\" : \"unreadable\"")
        .contains("engine unreachable: refused");

    assertThatThrownBy(() -> parity.run(fleet, "s1", "nope", null))
        .isInstanceOf(Parity.UnknownSideException.class)
        .hasMessageContaining("'nope'");
    assertThatThrownBy(() -> parity.run(fleet, "env:qa", "s1", null))
        .isInstanceOf(Parity.UnknownSideException.class)
        .hasMessageContaining("'qa'");
    assertThatThrownBy(() -> parity.run(fleet, "s1", "p1", "nothing"))
        .isInstanceOf(Parity.UnknownSideException.class)
        .hasMessageContaining("'nothing'");
  }

  @Test
  void theContractsParityDeclarationIsReadAndAnUnknownKeyInItIsAnError() throws Exception {
    Project p = load("a", "shop", "nginx:1.27", "info", "a", "gold", SECRET_A);
    assertThat(p.parityIgnore()).containsExactly("TENANT");
    assertThat(p.services().get("web").selvedge().parityIgnore()).containsExactly("labels.tier");
    assertThat(p.services().get("worker").selvedge().parityIgnore()).isEmpty();
    Path d = Files.createDirectories(tmp.resolve("bad"));
    Files.writeString(
        d.resolve("compose.yaml"),
        "x-selvedge:\n  parity: {ignored: [X]}\nservices:\n  web: {image: nginx}\n");
    assertThatThrownBy(() -> ComposeLoader.load(LoadOptions.of(d)))
        .isInstanceOf(dev.selvedge.contract.ContractException.class)
        .hasMessageContaining("x-selvedge.parity.ignored");
  }

  private Fleet.Node node(String id, String env, String... stacks) {
    Map<String, Fleet.Stack> s = new LinkedHashMap<>();
    for (String name : stacks) {
      s.put(name, new Fleet.Stack(name, tmp, name, null, null));
    }
    return new Fleet.Node(id, "unix:///var/run/docker.sock", null, null, env, List.of(), s);
  }

  private static Map<String, Fleet.Node> nodes(Fleet.Node... nodes) {
    Map<String, Fleet.Node> out = new LinkedHashMap<>();
    for (Fleet.Node n : nodes) {
      out.put(n.id(), n);
    }
    return out;
  }

  private static ReadbackResult version(String service, String body) {
    return new ReadbackResult(
        service,
        ReadbackResult.Endpoint.VERSION,
        URI.create("http://127.0.0.1:8080/version"),
        new ProbeResult.Answered(200, body, Duration.ofMillis(3)));
  }
}
