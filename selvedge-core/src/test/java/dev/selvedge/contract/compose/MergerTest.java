package dev.selvedge.contract.compose;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.contract.yaml.MapNode;
import dev.selvedge.contract.yaml.Mark;
import dev.selvedge.contract.yaml.Node;
import dev.selvedge.contract.yaml.Nodes;
import dev.selvedge.contract.yaml.ScalarNode;
import dev.selvedge.contract.yaml.SeqNode;
import dev.selvedge.contract.yaml.Tag;
import dev.selvedge.contract.yaml.YamlReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MergerTest {

  private static Node base(String yaml) {
    return YamlReader.read("compose.yaml", yaml);
  }

  private static Node override(String yaml) {
    return YamlReader.read("compose.override.yaml", yaml);
  }

  private static Object merged(String base, String override) {
    return Nodes.toJava(Merger.merge(base(base), override(override)));
  }

  private static Node at(Node root, String... path) {
    Node n = root;
    for (String p : path) {
      n = n instanceof SeqNode s ? s.items().get(Integer.parseInt(p)) : ((MapNode) n).get(p);
    }
    return n;
  }

  private static List<Tag> tags(Node n) {
    List<Tag> out = new ArrayList<>();
    collectTags(n, out);
    return out;
  }

  private static void collectTags(Node n, List<Tag> out) {
    if (n.tag() != Tag.NONE) {
      out.add(n.tag());
    }
    switch (n) {
      case MapNode m -> m.entries().values().forEach(v -> collectTags(v, out));
      case SeqNode s -> s.items().forEach(v -> collectTags(v, out));
      case ScalarNode s -> {}
    }
  }

  @Test
  void resetRemovesTheKeyAndEntries() {
    Object result =
        merged(
            """
            services:
              api:
                image: api
                ports: ["80:80"]
                environment: {A: "1", B: "2"}
                volumes: [data:/data, logs:/logs]
              old:
                image: old
            """,
            """
            services:
              api:
                ports: !reset []
                environment:
                  B: !reset null
                volumes:
                  - !reset data:/data
              old: !reset
            """);
    assertThat(result)
        .isEqualTo(
            Nodes.parseToJava(
                """
                services:
                  api:
                    image: api
                    environment: ["A=1"]
                    volumes: [logs:/logs]
                """));
  }

  @Test
  void resetOfAKeyTheBaseLacksLeavesNothing() {
    assertThat(merged("services: {a: {image: x}}", "services: {a: {dns: !reset []}}"))
        .isEqualTo(Nodes.parseToJava("services: {a: {image: x}}"));
  }

  @Test
  void overrideReplacesInsteadOfMerging() {
    Object result =
        merged(
            """
            services:
              api:
                ports: ["80:80", "443:443"]
                environment: {A: "1", B: "2"}
                logging: {driver: json-file, options: {max-size: 10m}}
            """,
            """
            services:
              api:
                ports: !override ["8080:80"]
                environment: !override {C: "3"}
                logging: !override {options: {max-file: "3"}}
            """);
    assertThat(result)
        .isEqualTo(
            Nodes.parseToJava(
                """
                services:
                  api:
                    ports: ["8080:80"]
                    environment: {C: "3"}
                    logging: {options: {max-file: "3"}}
                """));
  }

  @Test
  void resultCarriesNoMergeTags() {
    Node result =
        Merger.merge(
            base("services: {a: {image: x, ports: !override [\"1:1\"], dns: !reset []}}"),
            override(
                """
                services:
                  a: {command: !override [run], volumes: !reset [], labels: {A: !reset null}}
                  b: {ports: !override ["2:2"], environment: {X: !reset null}}
                x-extra: !override {deep: [!reset y, z]}
                """));
    assertThat(tags(result)).isEmpty();
    assertThat(Nodes.toJava(at(result, "x-extra"))).isEqualTo(Map.of("deep", List.of("z")));
  }

  @Test
  void marksPointAtTheFileThatGaveTheValue() {
    Node result =
        Merger.merge(
            base(
                """
                services:
                  api:
                    image: api:1
                    restart: always
                    environment:
                      A: "1"
                    ports:
                      - "80:80"
                """),
            override(
                """
                services:
                  api:
                    image: api:2
                    environment:
                      B: "2"
                    ports:
                      - "443:443"
                """));
    assertThat(at(result, "services", "api", "image").mark())
        .isEqualTo(new Mark("compose.override.yaml", 3, 12));
    assertThat(at(result, "services", "api", "restart").mark())
        .isEqualTo(new Mark("compose.yaml", 4, 14));
    assertThat(at(result, "services", "api", "environment", "0").mark().file())
        .isEqualTo("compose.yaml");
    assertThat(at(result, "services", "api", "environment", "1").mark())
        .isEqualTo(new Mark("compose.override.yaml", 5, 10));
    assertThat(at(result, "services", "api", "ports", "0").mark().file()).isEqualTo("compose.yaml");
    assertThat(at(result, "services", "api", "ports", "1").mark())
        .isEqualTo(new Mark("compose.override.yaml", 7, 9));
    assertThat(at(result, "services", "api").mark().file()).isEqualTo("compose.yaml");
  }

  @Test
  void shellCommandsAndHealthcheckTestAreReplaced() {
    assertThat(
            merged(
                """
                services:
                  a:
                    command: [echo, foo]
                    entrypoint: [sh, -c]
                    healthcheck: {test: [CMD, a], interval: 5s}
                """,
                """
                services:
                  a:
                    command: [echo, bar]
                    entrypoint: [bash, -c]
                    healthcheck: {test: [CMD, b], retries: 3}
                """))
        .isEqualTo(
            Nodes.parseToJava(
                """
                services:
                  a:
                    command: [echo, bar]
                    entrypoint: [bash, -c]
                    healthcheck: {test: [CMD, b], interval: 5s, retries: 3}
                """));
  }

  @Test
  void dependsOnShortAndLongForms() {
    assertThat(
            merged(
                """
                services:
                  a:
                    depends_on:
                      db: {condition: service_healthy}
                """,
                """
                services:
                  a:
                    depends_on: [db, cache]
                """))
        .isEqualTo(
            Nodes.parseToJava(
                """
                services:
                  a:
                    depends_on:
                      db: {condition: service_healthy}
                      cache: {condition: service_started}
                """));
  }

  @Test
  void portsAndVolumesMergeByTheirUniqueKey() {
    assertThat(
            merged(
                """
                services:
                  a:
                    ports:
                      - {target: 80, published: "8080", protocol: tcp}
                    volumes:
                      - {type: volume, source: data, target: /data}
                """,
                """
                services:
                  a:
                    ports:
                      - {target: 80, published: "8080", mode: host}
                      - {target: 80, published: "8081"}
                    volumes:
                      - {target: /data, read_only: true}
                """))
        .isEqualTo(
            Nodes.parseToJava(
                """
                services:
                  a:
                    ports:
                      - {target: 80, published: "8080", protocol: tcp, mode: host}
                      - {target: 80, published: "8081"}
                    volumes:
                      - {type: volume, source: data, target: /data, read_only: true}
                """));
  }

  @Test
  void buildShortFormMeetsLongForm() {
    assertThat(
            merged(
                "services: {a: {build: ./app}}",
                "services: {a: {build: {dockerfile: Dockerfile.dev}}}"))
        .isEqualTo(
            Nodes.parseToJava(
                "services: {a: {build: {context: ./app, dockerfile: Dockerfile.dev}}}"));
  }

  @Test
  void mergeServiceAppliesServiceRules() {
    Node parent = base("{image: base, environment: [A=1, B=2], command: [a], ports: [\"80:80\"]}");
    Node child = override("{environment: {B: \"3\"}, command: [b], ports: [\"80:80\", \"81:81\"]}");
    assertThat(Nodes.toJava(Merger.mergeService(parent, child)))
        .isEqualTo(
            Nodes.parseToJava(
                "{image: base, environment: [A=1, B=3], command: [b], ports: [\"80:80\", \"81:81\"]}"));
  }

  @Test
  void unicityLeavesMappingsAndUniqueListsUntouched() {
    Node doc =
        base(
            """
            services:
              a:
                environment: {A: "1"}
                ports: ["80:80", "81:81"]
                cap_add: [NET_ADMIN, NET_ADMIN]
            """);
    Node unique = Merger.enforceUnicity(doc);
    assertThat(at(unique, "services", "a", "environment"))
        .isSameAs(at(doc, "services", "a", "environment"));
    assertThat(at(unique, "services", "a", "ports")).isSameAs(at(doc, "services", "a", "ports"));
    assertThat(Nodes.toJava(at(unique, "services", "a", "cap_add")))
        .isEqualTo(List.of("NET_ADMIN"));
  }

  @Test
  void threeHundredServicesMergeServiceByService() {
    StringBuilder b = new StringBuilder("services:\n");
    StringBuilder o = new StringBuilder("services:\n");
    for (int i = 0; i < 300; i++) {
      b.append("  s").append(i).append(":\n    image: img").append(i).append('\n');
      b.append("    environment:\n");
      for (int v = 0; v < 20; v++) {
        b.append("      - V").append(v).append("=x\n");
      }
      b.append("    ports: [\"").append(10000 + i).append(":80\"]\n");
      b.append("    volumes: [data").append(i).append(":/data]\n");
      b.append("    labels: {a: b, c: d}\n");
      o.append("  s").append(i).append(":\n    environment: {V3: y, EXTRA: z}\n");
      o.append("    ports: [\"").append(20000 + i).append(":81\"]\n");
      o.append("    volumes: [other").append(i).append(":/data]\n");
    }
    Node base = base(b.toString());
    Node override = override(o.toString());
    Node result = Merger.enforceUnicity(Merger.merge(base, override));
    assertThat(((MapNode) at(result, "services")).entries()).hasSize(300);
    assertThat(Nodes.toJava(at(result, "services", "s7", "volumes")))
        .isEqualTo(List.of("other7:/data"));
  }
}
