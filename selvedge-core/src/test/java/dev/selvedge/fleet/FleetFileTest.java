package dev.selvedge.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FleetFileTest {
  static final String GOOD =
      """
      poll: {interval: 30s, timeout: 5s, concurrency: 8, flap_sweeps: 3, backoff_cap: 15m}
      nodes:
        app-1:
          engine: ssh://deploy@app-1.example.net
          ssh: {identity: keys/id_ed25519, known_hosts: keys/known_hosts}
          environment: prod
          tags: [eu, tenant-a]
          stacks:
            shop: {contract: contracts/shop, project: shop-prod, deploy_dir: /srv/shop}
        db-1:
          engine: tcp://db-1.example.net:2376
          tls: {ca: certs/ca.pem, cert: certs/cert.pem, key: certs/key.pem}
          stacks:
            pg: {contract: contracts/pg/compose.yaml}
        local:
          engine: unix:///var/run/docker.sock
      cors: {origins: ["https://ops.example.com", "http://127.0.0.1:8080"]}
      """;

  @TempDir Path dir;
  Path fleetFile;
  final Map<String, String> env = new HashMap<>();

  @BeforeEach
  void files() throws IOException {
    fleetFile = dir.resolve("fleet.yaml");
    write("contracts/shop/compose.yaml", "services: {web: {image: nginx}}\n");
    write("contracts/pg/compose.yaml", "services: {db: {image: postgres}}\n");
    write("contracts/empty/README", "no compose file here\n");
    for (String f :
        List.of("keys/id_ed25519", "keys/known_hosts", "certs/ca.pem", "certs/cert.pem")) {
      write(f, "x\n");
    }
    write("certs/key.pem", "x\n");
    write("other/ca.pem", "x\n");
  }

  @Test
  void aGoodFileLoadsInOrderWithPathsResolvedAgainstItsDirectory() throws IOException {
    Files.writeString(fleetFile, GOOD);
    Fleet fleet = FleetFile.load(fleetFile, env);

    assertThat(fleet.file()).isEqualTo(fleetFile.toAbsolutePath().normalize());
    assertThat(fleet.poll())
        .isEqualTo(
            new Fleet.Poll(
                Duration.ofSeconds(30), Duration.ofSeconds(5), 8, 3, Duration.ofMinutes(15)));
    assertThat(fleet.nodes().keySet()).containsExactly("app-1", "db-1", "local");
    Fleet.Node app = fleet.nodes().get("app-1");
    assertThat(app.engine()).isEqualTo("ssh://deploy@app-1.example.net");
    assertThat(app.ssh())
        .isEqualTo(new Fleet.Ssh(dir.resolve("keys/id_ed25519"), dir.resolve("keys/known_hosts")));
    assertThat(app.tls()).isNull();
    assertThat(app.environment()).isEqualTo("prod");
    assertThat(app.tags()).containsExactly("eu", "tenant-a");
    assertThat(app.stacks().get("shop"))
        .isEqualTo(
            new Fleet.Stack("shop", dir.resolve("contracts/shop"), "shop-prod", "/srv/shop", null));
    Fleet.Node db = fleet.nodes().get("db-1");
    assertThat(db.tls())
        .isEqualTo(
            new Fleet.Tls(
                dir.resolve("certs/ca.pem"),
                dir.resolve("certs/cert.pem"),
                dir.resolve("certs/key.pem")));
    assertThat(db.stacks().get("pg"))
        .isEqualTo(
            new Fleet.Stack("pg", dir.resolve("contracts/pg/compose.yaml"), "pg", null, null));
    Fleet.Node local = fleet.nodes().get("local");
    assertThat(local.environment()).isNull();
    assertThat(local.tags()).isEmpty();
    assertThat(local.stacks()).isEmpty();
    assertThat(fleet.corsOrigins())
        .containsExactly("https://ops.example.com", "http://127.0.0.1:8080");
  }

  @Test
  void pollDefaultsAndTheBackoffCapFollowsALongInterval() throws IOException {
    Files.writeString(fleetFile, "nodes: {}\n");
    Fleet fleet = FleetFile.load(fleetFile, env);
    assertThat(fleet.poll()).isEqualTo(Fleet.Poll.DEFAULT);
    assertThat(fleet.nodes()).isEmpty();
    assertThat(fleet.corsOrigins()).isEmpty();

    Files.writeString(fleetFile, "poll: {interval: 1h, timeout: 500ms}\nnodes:\n");
    Fleet slow = FleetFile.load(fleetFile, env);
    assertThat(slow.poll().interval()).isEqualTo(Duration.ofHours(1));
    assertThat(slow.poll().timeout()).isEqualTo(Duration.ofMillis(500));
    assertThat(slow.poll().backoffCap()).isEqualTo(Duration.ofHours(1));
  }

  @Test
  void theExampleFleetLoads() {
    Path example = Path.of("..", "examples", "fleet.yaml").toAbsolutePath().normalize();
    Fleet fleet = FleetFile.load(example, Map.of());
    Fleet.Node local = fleet.nodes().get("local");
    assertThat(local.engine()).isEqualTo("unix:///var/run/docker.sock");
    assertThat(local.stacks().get("shop").contract())
        .isEqualTo(example.getParent().resolve("shop"));
    assertThat(local.stacks().get("shop").project()).isEqualTo("shop");
  }

  // ---- errors: each names file:line and the key -----------------------------------------

  @Test
  void unknownKeysAnywhereAreErrors() {
    assertThat(
            errorOf(
                """
                poll: {interval: 30s, every: 5s}
                nodes:
                  app-1:
                    engine: unix:///var/run/docker.sock
                    colour: blue
                    tls: {ca: certs/ca.pem, cert: certs/cert.pem, key: certs/key.pem, pass: x}
                    stacks:
                      shop: {contract: contracts/shop, dir: /srv}
                cors: {origin: [x]}
                node: {}
                """))
        .isEqualTo(
            """
            fleet.yaml:1: poll.every: unknown key 'every' (known: interval, timeout, \
            concurrency, flap_sweeps, backoff_cap)
            fleet.yaml:5: nodes.app-1.colour: unknown key 'colour' (known: engine, tls, ssh, \
            environment, tags, stacks, parity)
            fleet.yaml:6: nodes.app-1.tls: is only for tcp:// engines; this node's engine is unix
            fleet.yaml:6: nodes.app-1.tls.pass: unknown key 'pass' (known: ca, cert, key)
            fleet.yaml:8: nodes.app-1.stacks.shop.dir: unknown key 'dir' (known: contract, \
            project, deploy_dir, auto_update)
            fleet.yaml:9: cors.origin: unknown key 'origin' (known: origins)
            fleet.yaml:10: node: unknown key 'node' (known: poll, nodes, cors, retention, audit, \
            notifications)""");
  }

  @Test
  void topLevelExtensionKeysHoldAnchors() throws IOException {
    Files.writeString(
        fleetFile,
        """
        x-stack: &shop {contract: contracts/shop}
        nodes:
          a: {engine: "unix:///run/a.sock", stacks: {shop: *shop}}
          b: {engine: "unix:///run/b.sock", stacks: {shop: *shop}}
        """);
    assertThat(FleetFile.load(fleetFile, env).nodes().get("b").stacks()).containsKey("shop");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "htp://x | 'htp://x' is not an engine URL (unix://, tcp://host:port, ssh://user@host[:port])",
        "/var/run/docker.sock | '/var/run/docker.sock' is not an engine URL (unix://,"
            + " tcp://host:port, ssh://user@host[:port])",
        "tcp://db-1 | 'tcp://db-1' is not an engine URL: a tcp:// engine needs a host and a port:"
            + " tcp://host:2376",
        "tcp://db-1:2376/v1 | 'tcp://db-1:2376/v1' is not an engine URL: a tcp:// engine URL has"
            + " no path",
        "ssh://app-1 | 'ssh://app-1' is not an engine URL: an ssh:// engine needs a user and a"
            + " host: ssh://user@host[:port]",
        "ssh://deploy:hunter2@app-1 | 'ssh://deploy:***@app-1' is not an engine URL: a password"
            + " does not belong in the URL; give the key file as ssh.identity",
        "ssh://deploy:hun/ter2@app-1 | 'ssh://deploy:***@app-1' is not an engine URL: an ssh://"
            + " engine needs a user and a host: ssh://user@host[:port]",
        "tcp://u:hunter2@h:1 | 'tcp://u:***@h:1' is not an engine URL: a tcp:// engine has no"
            + " user: tcp://host:2376",
        "unix://var/run/docker.sock | 'unix://var/run/docker.sock' is not an engine URL: a"
            + " unix:// engine is an absolute socket path: unix:///var/run/docker.sock",
        "tcp://h:1?x=1 | 'tcp://h:1?x=1' is not an engine URL: an engine URL has no query or"
            + " fragment",
      })
  void badEngineUrls(String url, String detail) {
    String message = errorOf("nodes:\n  app-1:\n    engine: " + url + "\n");
    assertThat(message).isEqualTo("fleet.yaml:3: nodes.app-1.engine: " + detail);
    assertThat(message).doesNotContain("hunter2").doesNotContain("hun/ter2");
  }

  @Test
  void tlsOnlyForTcpAndSshOnlyForSsh() {
    assertThat(
            errorOf(
                """
                nodes:
                  a:
                    engine: ssh://deploy@a
                    tls: {ca: certs/ca.pem, cert: certs/cert.pem}
                  b:
                    engine: tcp://b:2376
                    ssh: {identity: keys/id_ed25519}
                  c:
                    engine:
                """))
        .isEqualTo(
            """
            fleet.yaml:4: nodes.a.tls: is only for tcp:// engines; this node's engine is ssh
            fleet.yaml:4: nodes.a.tls.key: is missing; tls needs ca, cert and key
            fleet.yaml:7: nodes.b.ssh: is only for ssh:// engines; this node's engine is tcp
            fleet.yaml:9: nodes.c.engine: is missing; every node needs an engine (unix://, \
            tcp://host:port, ssh://user@host[:port])""");
  }

  @Test
  void nodeIdsAreLowerCaseDnsLabels() {
    assertThat(
            errorOf(
                """
                nodes:
                  App_1: {engine: "unix:///run/docker.sock"}
                  -lead: {engine: "unix:///run/docker.sock"}
                  ok-1: {engine: "unix:///run/docker.sock"}
                """))
        .isEqualTo(
            """
            fleet.yaml:2: nodes.App_1: 'App_1' is not a node id: lower-case letters, digits and \
            '-', starting and ending with a letter or digit, at most 63 characters
            fleet.yaml:3: nodes.-lead: '-lead' is not a node id: lower-case letters, digits and \
            '-', starting and ending with a letter or digit, at most 63 characters""");
  }

  @Test
  void missingFilesAreNamedWithWhereTheyWereLookedFor() {
    String message =
        errorOf(
            """
            nodes:
              a:
                engine: tcp://a:2376
                tls:
                  ca: other/nope.pem
                  cert: certs
                  key: certs/key.pem
                stacks:
                  shop: {contract: contracts/nothing}
                  blank: {contract: contracts/empty}
              b:
                engine: ssh://me@b
                ssh: {identity: keys/gone, known_hosts: keys/known_hosts}
            """);
    assertThat(message)
        .isEqualTo(
            ("""
            fleet.yaml:5: nodes.a.tls.ca: 'other/nope.pem' does not exist (looked for DIR/other/nope.pem)
            fleet.yaml:6: nodes.a.tls.cert: 'certs' is not a file (DIR/certs)
            fleet.yaml:9: nodes.a.stacks.shop.contract: 'contracts/nothing' does not exist \
            (looked for DIR/contracts/nothing)
            fleet.yaml:10: nodes.a.stacks.blank.contract: 'contracts/empty' has no Compose file \
            (compose.yaml, compose.yml, docker-compose.yml, docker-compose.yaml) in \
            DIR/contracts/empty
            fleet.yaml:13: nodes.b.ssh.identity: 'keys/gone' does not exist (looked for \
            DIR/keys/gone)""")
                .replace("DIR", dir.toString()));
  }

  @Test
  void duplicateKeysAndMalformedYamlStopWithTheirLine() {
    assertThat(
            errorOf(
                """
                nodes:
                  a:
                    engine: unix:///run/a.sock
                    engine: unix:///run/b.sock
                """))
        .isEqualTo(
            "fleet.yaml:4: nodes.a.engine: duplicate key 'engine' (first at line 3); keep one of"
                + " them");
    assertThat(errorOf("nodes:\n  a: {engine: [unix\n")).startsWith("fleet.yaml:3: invalid YAML");
    assertThat(errorOf("- just\n- a list\n"))
        .isEqualTo("fleet.yaml:1: a fleet file is a mapping (poll, nodes, cors), not a sequence");
  }

  @Test
  void stacksNeedAContractAndValidDistinctProjects() {
    assertThat(
            errorOf(
                """
                nodes:
                  a:
                    engine: unix:///run/a.sock
                    stacks:
                      shop: {contract: contracts/shop}
                      copy: {contract: contracts/shop, project: shop}
                      Bad: {contract: contracts/shop}
                      odd: {contract: contracts/shop, project: "My Shop", deploy_dir: srv/odd}
                      none:
                      my_pg: {contract: contracts/pg}
                      my-pg: {contract: contracts/pg}
                """))
        .isEqualTo(
            """
            fleet.yaml:6: nodes.a.stacks.copy.project: project 'shop' is already stack shop's \
            on this node; two stacks would fight over the same containers
            fleet.yaml:7: nodes.a.stacks.Bad: 'Bad' is not a stack name: lower-case letters, \
            digits, '_' and '-', starting with a letter or digit (as a Compose project name)
            fleet.yaml:8: nodes.a.stacks.odd.project: 'My Shop' is not a Compose project name: \
            lower-case letters, digits, '_' and '-', starting with a letter or digit
            fleet.yaml:8: nodes.a.stacks.odd.deploy_dir: 'srv/odd' is not an absolute path on \
            the node (/srv/odd)
            fleet.yaml:9: nodes.a.stacks.none.contract: is missing; a stack needs a contract \
            (a directory or Compose file)
            fleet.yaml:11: nodes.a.stacks.my-pg: has the same override variables as stack my_pg \
            (SELVEDGE_NODE_A_STACKS_MY_PG_...); rename one of them""");
  }

  @Test
  void pollValuesAreChecked() {
    assertThat(
            errorOf(
                """
                poll:
                  interval: 60
                  timeout: -1s
                  concurrency: 0
                  flap_sweeps: two
                  backoff_cap: 30s
                nodes: {}
                """))
        .isEqualTo(
            """
            fleet.yaml:2: poll.interval: '60' is not a duration (500ms, 10s, 5m, 1h)
            fleet.yaml:3: poll.timeout: '-1s' must be longer than zero
            fleet.yaml:4: poll.concurrency: 0 is out of range (1 to 100000)
            fleet.yaml:5: poll.flap_sweeps: 'two' is not a whole number
            fleet.yaml:6: poll.backoff_cap: is shorter than poll.interval (1m0s); the cap is \
            the longest wait between sweeps of a failing node""");
  }

  @Test
  void retentionDefaultsDaysDurationsAndForever() throws IOException {
    Files.writeString(fleetFile, "nodes: {}\n");
    assertThat(FleetFile.load(fleetFile, env).retention())
        .isEqualTo(new Fleet.Retention(Duration.ofDays(400), Duration.ofDays(7)));
    Files.writeString(fleetFile, "nodes: {}\nretention: {audit: 30d, events: 36h}\n");
    assertThat(FleetFile.load(fleetFile, env).retention())
        .isEqualTo(new Fleet.Retention(Duration.ofDays(30), Duration.ofHours(36)));
    Files.writeString(fleetFile, "nodes: {}\nretention: {audit: forever}\n");
    assertThat(FleetFile.load(fleetFile, env).retention())
        .isEqualTo(new Fleet.Retention(null, Duration.ofDays(7)));
  }

  @Test
  void retentionIsChecked() {
    assertThat(
            errorOf(
                """
                nodes: {}
                retention:
                  audit: 2h
                  events: 0d
                  trail: 5d
                """))
        .isEqualTo(
            """
            fleet.yaml:3: retention.audit: '2h' is shorter than a day; the audit log is kept at \
            least 1d (or forever)
            fleet.yaml:4: retention.events: '0d' must be longer than zero
            fleet.yaml:5: retention.trail: unknown key 'trail' (known: audit, events)""");
    assertThat(errorOf("nodes: {}\nretention: {audit: a year}\n"))
        .isEqualTo("fleet.yaml:2: retention.audit: 'a year' is not a duration (400d, 720h, 90m)");
  }

  @Test
  void auditScheduleAndProjectsDefaultAndParse() throws IOException {
    Files.writeString(fleetFile, "nodes: {}\n");
    Fleet.Audit d = FleetFile.load(fleetFile, env).audit();
    assertThat(d.schedule()).isEqualTo(AuditSchedule.DEFAULT);
    assertThat(d.projects()).containsExactly("*");
    assertThat(d.considers("anything")).isTrue();
    Files.writeString(
        fleetFile, "nodes: {}\naudit: {schedule: daily 23:05, projects: [tenant-*, shop]}\n");
    Fleet.Audit a = FleetFile.load(fleetFile, env).audit();
    assertThat(a.schedule()).isEqualTo(new AuditSchedule(java.time.LocalTime.of(23, 5), null));
    assertThat(a.considers("tenant-acme")).isTrue();
    assertThat(a.considers("shop")).isTrue();
    assertThat(a.considers("shop2")).isFalse();
    assertThat(a.considers("my-tenant-x")).isFalse();
    Files.writeString(fleetFile, "nodes: {}\naudit: {schedule: every 6h}\n");
    assertThat(FleetFile.load(fleetFile, env).audit().schedule())
        .isEqualTo(new AuditSchedule(null, Duration.ofHours(6)));
    Files.writeString(fleetFile, "nodes: {}\naudit: {schedule: off}\n");
    assertThat(FleetFile.load(fleetFile, env).audit().schedule()).isNull();
  }

  @Test
  void auditIsChecked() {
    assertThat(
            errorOf(
                """
                nodes: {}
                audit:
                  schedule: weekly
                  projects: tenant-*
                  when: now
                """))
        .isEqualTo(
            """
            fleet.yaml:3: audit.schedule: 'weekly' is not a schedule (daily, daily HH:MM in UTC, \
            every DURATION of 1m or more, off)
            fleet.yaml:4: audit.projects: must be a list of Compose project names or globs \
            ([tenant-*]), not a scalar
            fleet.yaml:5: audit.when: unknown key 'when' (known: schedule, projects)""");
    assertThat(errorOf("nodes: {}\naudit: {schedule: every 10s}\n"))
        .startsWith("fleet.yaml:2: audit.schedule: 'every 10s' is not a schedule");
    assertThat(errorOf("nodes: {}\naudit: {schedule: daily 25:00}\n"))
        .startsWith("fleet.yaml:2: audit.schedule: 'daily 25:00' is not a schedule");
  }

  @Test
  void tagsAndCorsOriginsAreChecked() {
    assertThat(
            errorOf(
                """
                nodes:
                  a:
                    engine: unix:///run/a.sock
                    tags: [eu, "a,b", eu]
                cors:
                  origins:
                    - "*"
                    - https://ops.example.com/
                    - https://Ops.example.com
                    - https://ops.example.com:8443
                """))
        .isEqualTo(
            """
            fleet.yaml:4: nodes.a.tags[1]: 'a,b' is not a tag: no commas, no surrounding spaces
            fleet.yaml:4: nodes.a.tags[2]: 'eu' is listed twice
            fleet.yaml:7: cors.origins[0]: '*' is not an origin: name each origin allowed to \
            call the API (https://ops.example.com); '*' is refused
            fleet.yaml:8: cors.origins[1]: 'https://ops.example.com/' is not an origin: write \
            scheme://host[:port] with no path, as a browser sends it (https://ops.example.com)
            fleet.yaml:9: cors.origins[2]: 'https://Ops.example.com' is not an origin: write it \
            in lower case, as a browser sends it""");
  }

  @Test
  void aFileWithoutNodesOrThatIsMissingIsAnError() throws IOException {
    assertThat(errorOf("poll: {interval: 10s}\n"))
        .isEqualTo(
            "fleet.yaml:1: nodes: is missing; list the nodes to watch (an empty fleet is written"
                + " nodes: {})");
    assertThat(errorOf(""))
        .isEqualTo(
            "fleet.yaml: nodes: is missing; list the nodes to watch (an empty fleet is written"
                + " nodes: {})");
    FleetFileException e =
        (FleetFileException) catchThrown(() -> FleetFile.load(dir.resolve("absent.yaml"), env));
    assertThat(e.getMessage())
        .isEqualTo(
            dir.resolve("absent.yaml") + ": no such file; give the fleet file with --fleet FILE");
    Files.write(fleetFile, new byte[] {'n', ':', ' ', (byte) 0xff, '\n'});
    assertThat(errorOf(null)).isEqualTo("fleet.yaml: not UTF-8 text");
  }

  @Test
  void everyProblemCarriesItsLineAndKey() {
    FleetFileException e =
        (FleetFileException)
            catchThrown(
                () -> {
                  write("fleet.yaml", "nodes:\n  a: {engine: x}\n  b: {engine: unix:///s, z: 1}\n");
                  FleetFile.load(fleetFile, env);
                });
    assertThat(e.problems())
        .extracting(FleetFileException.Problem::line, FleetFileException.Problem::key)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(2, "nodes.a.engine"),
            org.assertj.core.groups.Tuple.tuple(3, "nodes.b.z"));
    assertThat(e.file()).isEqualTo(fleetFile);
  }

  // ---- overrides ------------------------------------------------------------------------

  @Test
  void overridesReplaceEveryKindOfValue() throws IOException {
    Files.writeString(fleetFile, GOOD);
    env.put("SELVEDGE_NODE_APP_1_ENGINE", "ssh://ops@app-1.internal:2222");
    env.put("SELVEDGE_NODE_APP_1_ENVIRONMENT", "staging");
    env.put("SELVEDGE_NODE_APP_1_TAGS", " us, tenant-b ,");
    env.put("SELVEDGE_NODE_APP_1_SSH_IDENTITY", "certs/key.pem");
    env.put("SELVEDGE_NODE_APP_1_STACKS_SHOP_DEPLOY_DIR", "/opt/shop");
    env.put("SELVEDGE_NODE_APP_1_STACKS_SHOP_PROJECT", "shop");
    env.put("SELVEDGE_NODE_APP_1_STACKS_SHOP_CONTRACT", "contracts/pg");
    env.put("SELVEDGE_NODE_DB_1_TLS_CA", "other/ca.pem");
    env.put("SELVEDGE_NODE_LOCAL_ENVIRONMENT", "dev");
    env.put("UNRELATED", "x");

    Fleet fleet = FleetFile.load(fleetFile, env);
    Fleet.Node app = fleet.nodes().get("app-1");
    assertThat(app.engine()).isEqualTo("ssh://ops@app-1.internal:2222");
    assertThat(app.environment()).isEqualTo("staging");
    assertThat(app.tags()).containsExactly("us", "tenant-b");
    assertThat(app.ssh().identity()).isEqualTo(dir.resolve("certs/key.pem"));
    assertThat(app.ssh().knownHosts()).isEqualTo(dir.resolve("keys/known_hosts"));
    assertThat(app.stacks().get("shop"))
        .isEqualTo(new Fleet.Stack("shop", dir.resolve("contracts/pg"), "shop", "/opt/shop", null));
    assertThat(fleet.nodes().get("db-1").tls().ca()).isEqualTo(dir.resolve("other/ca.pem"));
    assertThat(fleet.nodes().get("local").environment()).isEqualTo("dev");
  }

  @Test
  void anOverrideCanSwitchANodeToTlsAndAnEmptyValueUnsetsIt() throws IOException {
    Files.writeString(fleetFile, GOOD);
    env.put("SELVEDGE_NODE_LOCAL_ENGINE", "tcp://127.0.0.1:2376");
    env.put("SELVEDGE_NODE_LOCAL_TLS_CA", "certs/ca.pem");
    env.put("SELVEDGE_NODE_LOCAL_TLS_CERT", "certs/cert.pem");
    env.put("SELVEDGE_NODE_LOCAL_TLS_KEY", "certs/key.pem");
    env.put("SELVEDGE_NODE_APP_1_ENVIRONMENT", "");
    env.put("SELVEDGE_NODE_APP_1_TAGS", "");
    Fleet fleet = FleetFile.load(fleetFile, env);
    assertThat(fleet.nodes().get("local").tls().key()).isEqualTo(dir.resolve("certs/key.pem"));
    assertThat(fleet.nodes().get("app-1").environment()).isNull();
    assertThat(fleet.nodes().get("app-1").tags()).isEmpty();
  }

  @Test
  void overrideErrorsNameTheVariable() throws IOException {
    Files.writeString(fleetFile, GOOD);
    env.put("SELVEDGE_NODE_APP_1_ENGINE", "htp://x");
    env.put("SELVEDGE_NODE_APP_2_ENGINE", "unix:///run/docker.sock");
    env.put("SELVEDGE_NODE_APP_1_ENGIN", "x");
    env.put("SELVEDGE_NODE_APP_1_STACKS_SHOPS_PROJECT", "x");
    env.put("SELVEDGE_NODE_DB_1_TLS_KEY", "certs/nope.pem");
    env.put("SELVEDGE_NODE_LOCAL_TLS_CA", "certs/ca.pem");
    assertThat(errorOf(null).replace(dir + "/", ""))
        .isEqualTo(
            """
            SELVEDGE_NODE_APP_1_ENGIN: is not a key of node app-1; the keys are ENGINE, \
            ENVIRONMENT, TAGS, TLS_CA, TLS_CERT, TLS_KEY, SSH_IDENTITY, SSH_KNOWN_HOSTS and \
            STACKS_<STACK>_CONTRACT, _PROJECT, _DEPLOY_DIR
            SELVEDGE_NODE_APP_1_STACKS_SHOPS_PROJECT: names no stack key of node app-1 (stacks: \
            shop); a stack is overridden as STACKS_<STACK>_CONTRACT, _PROJECT or _DEPLOY_DIR and \
            cannot be added by an override
            SELVEDGE_NODE_APP_2_ENGINE: names no node of the fleet file (nodes: app-1, db-1, \
            local); an override changes a node's value, it cannot add a node
            SELVEDGE_NODE_APP_1_ENGINE: nodes.app-1.engine: 'htp://x' is not an engine URL \
            (unix://, tcp://host:port, ssh://user@host[:port])
            SELVEDGE_NODE_DB_1_TLS_KEY: nodes.db-1.tls.key: 'certs/nope.pem' does not exist \
            (looked for certs/nope.pem)
            SELVEDGE_NODE_LOCAL_TLS_CA: nodes.local.tls: is only for tcp:// engines; this \
            node's engine is unix
            SELVEDGE_NODE_LOCAL_TLS_CA: nodes.local.tls.cert: is missing; tls needs ca, cert \
            and key
            SELVEDGE_NODE_LOCAL_TLS_CA: nodes.local.tls.key: is missing; tls needs ca, cert and \
            key""");
  }

  @Test
  void anOverrideGoesToTheNodeWhoseKeyItNames() throws IOException {
    Files.writeString(
        fleetFile,
        """
        nodes:
          app: {engine: "unix:///run/app.sock"}
          app-1: {engine: "unix:///run/app-1.sock"}
        """);
    env.put("SELVEDGE_NODE_APP_1_ENGINE", "unix:///run/other.sock");
    env.put("SELVEDGE_NODE_APP_ENGINE", "unix:///run/app-2.sock");
    Fleet fleet = FleetFile.load(fleetFile, env);
    assertThat(fleet.nodes().get("app-1").engine()).isEqualTo("unix:///run/other.sock");
    assertThat(fleet.nodes().get("app").engine()).isEqualTo("unix:///run/app-2.sock");
    assertThat(FleetFile.overrideName("app-1.eu")).isEqualTo("APP_1_EU");
  }

  @Test
  void anOverrideThatTwoNodesCouldOwnIsRefused() throws IOException {
    Files.writeString(
        fleetFile,
        """
        nodes:
          a:
            engine: unix:///run/a.sock
            stacks: {x-stacks-y: {contract: contracts/shop}}
          a-stacks-x:
            engine: unix:///run/b.sock
            stacks: {y: {contract: contracts/shop}}
        """);
    env.put("SELVEDGE_NODE_A_STACKS_X_STACKS_Y_PROJECT", "p");
    assertThat(errorOf(null))
        .isEqualTo(
            "SELVEDGE_NODE_A_STACKS_X_STACKS_Y_PROJECT: names a value of more than one node (a,"
                + " a-stacks-x); rename a node so their variables differ");
  }

  @Test
  void aNodesParityIgnoreIsReadAndABadOneIsAnErrorAtItsLine() throws IOException {
    Files.writeString(
        fleetFile,
        "nodes:\n"
            + "  a:\n"
            + "    engine: unix:///var/run/docker.sock\n"
            + "    parity: {ignore: [HOSTNAME, labels.tenant*]}\n"
            + "  b:\n"
            + "    engine: unix:///var/run/docker.sock\n");
    Fleet fleet = FleetFile.load(fleetFile, env);
    assertThat(fleet.nodes().get("a").parityIgnore()).containsExactly("HOSTNAME", "labels.tenant*");
    assertThat(fleet.nodes().get("b").parityIgnore()).isEmpty();

    assertThat(
            errorOf(
                "nodes:\n"
                    + "  a:\n"
                    + "    engine: unix:///var/run/docker.sock\n"
                    + "    parity: {ignor: [X]}\n"))
        .contains("fleet.yaml:4: nodes.a.parity.ignor: unknown key 'ignor' (known: ignore)");
    assertThat(
            errorOf(
                "nodes:\n"
                    + "  a:\n"
                    + "    engine: unix:///var/run/docker.sock\n"
                    + "    parity: {ignore: HOSTNAME}\n"))
        .contains("nodes.a.parity.ignore: must be a list of keys");
    assertThat(
            errorOf(
                "nodes:\n"
                    + "  a:\n"
                    + "    engine: unix:///var/run/docker.sock\n"
                    + "    parity:\n"
                    + "      ignore: [\"\"]\n"))
        .contains("fleet.yaml:5: nodes.a.parity.ignore[0]: is empty");
  }

  @Test
  void autoUpdateOfAStackIsReadWithItsDefaults() throws IOException {
    Files.writeString(
        fleetFile,
        """
        nodes:
          a:
            engine: unix:///var/run/docker.sock
            stacks:
              shop:
                contract: contracts/shop
                auto_update:
                  schedule: "0 3 * * *"
                  services: [web]
                  window: 22:00-02:00
                  waves: [1, 25%, 100%]
                  gate_timeout: 5m
          b:
            engine: unix:///var/run/docker.sock
            stacks:
              shop: {contract: contracts/shop, auto_update: {schedule: "0 3 * * *", services: [web], window: 22:00-02:00, waves: [1, 25%, 100%], gate_timeout: 5m}}
              pg: {contract: contracts/pg, auto_update: {schedule: "*/5 * * * *", services: [db]}}
        """);
    Fleet fleet = FleetFile.load(fleetFile, env);
    Fleet.AutoUpdate shop = fleet.nodes().get("a").stacks().get("shop").autoUpdate();
    assertThat(shop.schedule()).hasToString("0 3 * * *");
    assertThat(shop.services()).containsExactly("web");
    assertThat(shop.window()).hasToString("22:00-02:00");
    assertThat(shop.waves()).containsExactly("1", "25%", "100%");
    assertThat(shop.gateTimeout()).isEqualTo(Duration.ofMinutes(5));
    Fleet.AutoUpdate pg = fleet.nodes().get("b").stacks().get("pg").autoUpdate();
    assertThat(pg.window()).isNull();
    assertThat(pg.waves()).containsExactly("1", "100%");
    assertThat(pg.gateTimeout()).isEqualTo(Duration.ofMinutes(2));
    assertThat(dev.selvedge.fleet.update.AutoUpdate.targets(fleet))
        .extracting(dev.selvedge.fleet.update.AutoUpdate.Target::name)
        .containsExactly("shop", "pg");
    assertThat(dev.selvedge.fleet.update.AutoUpdate.targets(fleet).get(0).nodes().keySet())
        .containsExactly("a", "b");
  }

  @Test
  void badAutoUpdatesAreNamedAtTheirLines() {
    String message =
        errorOf(
            """
            nodes:
              a:
                engine: unix:///var/run/docker.sock
                stacks:
                  shop:
                    contract: contracts/shop
                    auto_update:
                      schedule: "0 3 * *"
                      services: []
                      window: 2-5
                      waves: [1, 150%]
                      gate_timeout: soon
                      retry: true
                  pg:
                    contract: contracts/pg
                    auto_update: {services: [db, db]}
            """);
    assertThat(message)
        .contains("fleet.yaml:8: nodes.a.stacks.shop.auto_update.schedule: '0 3 * *' has 4 fields")
        .contains("fleet.yaml:9: nodes.a.stacks.shop.auto_update.services: is missing")
        .contains(
            "fleet.yaml:10: nodes.a.stacks.shop.auto_update.window: '2-5' is not a window;"
                + " write HH:MM-HH:MM in UTC")
        .contains("fleet.yaml:11: nodes.a.stacks.shop.auto_update.waves: '150%' is over 100%")
        .contains("fleet.yaml:12: nodes.a.stacks.shop.auto_update.gate_timeout: 'soon' is not a")
        .contains("fleet.yaml:13: nodes.a.stacks.shop.auto_update.retry: unknown key 'retry'")
        .contains("fleet.yaml:16: nodes.a.stacks.pg.auto_update.schedule: is missing")
        .contains("fleet.yaml:16: nodes.a.stacks.pg.auto_update.services[1]: 'db' is listed twice");
  }

  @Test
  void twoNodesMustAgreeOnAStacksAutoUpdate() {
    assertThat(
            errorOf(
                """
                nodes:
                  a:
                    engine: unix:///var/run/docker.sock
                    stacks:
                      shop: {contract: contracts/shop, auto_update: {schedule: "0 3 * * *", services: [web]}}
                  b:
                    engine: unix:///var/run/docker.sock
                    stacks:
                      shop: {contract: contracts/shop, auto_update: {schedule: "0 4 * * *", services: [web]}}
                """))
        .contains(
            "fleet.yaml:9: nodes.b.stacks.shop.auto_update: differs from node a's auto_update of"
                + " stack shop");
  }

  // ---- helpers --------------------------------------------------------------------------

  private void write(String relative, String text) throws IOException {
    Path p = dir.resolve(relative);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text);
  }

  /** The message of loading {@code yaml} (null: the file as it is), with the directory cut. */
  private String errorOf(String yaml) {
    Throwable t =
        catchThrown(
            () -> {
              if (yaml != null) {
                Files.writeString(fleetFile, yaml);
              }
              FleetFile.load(fleetFile, env);
            });
    assertThat(t).isInstanceOf(FleetFileException.class);
    return t.getMessage().replace(dir + "/fleet.yaml", "fleet.yaml");
  }

  interface Action {
    void run() throws Exception;
  }

  private static Throwable catchThrown(Action a) {
    try {
      a.run();
    } catch (Exception e) {
      return e;
    }
    throw new AssertionError("expected an exception");
  }

  @Test
  void problemsBeyondTheCapAreSummed() throws IOException {
    StringBuilder sb = new StringBuilder("nodes:\n");
    for (int i = 0; i < FleetFile.MAX_PROBLEMS + 5; i++) {
      sb.append("  n").append(i).append(": {engine: bad}\n");
    }
    Files.writeString(fleetFile, sb.toString());
    assertThatThrownBy(() -> FleetFile.load(fleetFile, env))
        .isInstanceOfSatisfying(
            FleetFileException.class,
            e -> {
              assertThat(e.problems()).hasSize(FleetFile.MAX_PROBLEMS + 1);
              assertThat(e.problems().getLast().detail()).isEqualTo("and 5 more problems");
            });
  }

  @Test
  void notificationsParseWithDefaults() throws IOException {
    Files.writeString(fleetFile, "nodes: {}\n");
    assertThat(FleetFile.load(fleetFile, env).notifications()).isEmpty();
    env.put("HOOK_TOKEN", "s3cr3t-token-value");
    Files.writeString(
        fleetFile,
        """
        nodes: {}
        notifications:
          - url: https://hooks.example.net/services/T000/B000/XXXX
          - url: http://127.0.0.1:9000/hook
            format: slack
            events: [stack.status.changed, rollout.halted]
            tags: [tenant-a]
            environments: [prod]
            remind: 4h
            headers:
              Authorization: Bearer ${HOOK_TOKEN}
        """);
    List<Notification> hooks = FleetFile.load(fleetFile, env).notifications();
    assertThat(hooks).hasSize(2);
    Notification d = hooks.get(0);
    assertThat(d.format()).isEqualTo(Notification.Format.JSON);
    assertThat(d.events()).isEqualTo(Notification.NOTABLE_EVENTS);
    assertThat(d.remind()).isNull();
    assertThat(d.redactedUrl()).isEqualTo("https://hooks.example.net/…");
    assertThat(d.toString()).doesNotContain("XXXX");
    Notification s = hooks.get(1);
    assertThat(s.format()).isEqualTo(Notification.Format.SLACK);
    assertThat(s.events()).containsExactly("stack.status.changed", "rollout.halted");
    assertThat(s.tags()).containsExactly("tenant-a");
    assertThat(s.environments()).containsExactly("prod");
    assertThat(s.remind()).isEqualTo(Duration.ofHours(4));
    assertThat(s.headers()).containsEntry("Authorization", "Bearer s3cr3t-token-value");
    assertThat(s.toString()).doesNotContain("s3cr3t").contains("Authorization");
    assertThat(s.covers(List.of("tenant-a", "eu"), "prod")).isTrue();
    assertThat(s.covers(List.of("tenant-b"), "prod")).isFalse();
    assertThat(s.covers(List.of("tenant-a"), "staging")).isFalse();
    assertThat(d.covers(List.of(), null)).isTrue();
  }

  @Test
  void notificationsAreChecked() {
    env.put("SET_TOKEN", "abc");
    String message =
        errorOf(
            """
            nodes: {}
            notifications:
              - url: ftp://hooks.example.net/secret-path
              - url: https://user:pw@hooks.example.net/x
                format: teams
              - format: json
              - url: https://hooks.example.net/a
                events: [stack.status.changed, pill.changed]
                remind: 10s
                colour: red
                headers:
                  Authorization: Bearer ${UNSET_TOKEN}
                  Host: example.net
                  X-Ok: ${SET_TOKEN}
              - url: https://hooks.example.net/b
                tags: tenant-a
                environments: [prod, prod]
                remind: soon
            """);
    assertThat(message)
        .isEqualTo(
            """
            fleet.yaml:3: notifications[0].url: is not an http:// or https:// URL with a host \
            (and no #fragment)
            fleet.yaml:4: notifications[1].url: carries a user and password; put credentials in \
            headers (from an environment variable) instead
            fleet.yaml:5: notifications[1].format: 'teams' is not json or slack
            fleet.yaml:6: notifications[2].url: is required: the webhook's http:// or https:// URL
            fleet.yaml:8: notifications[3].events[1]: 'pill.changed' is not an event type a webhook \
            can get (known: node.status.changed, stack.status.changed, drift.detected, \
            drift.resolved, sweep.failed, rollout.started, rollout.node.failed, rollout.halted, \
            rollout.finished, rollout.aborted, rollout.rolled_back, autoupdate.started, \
            autoupdate.skipped, audit.finding, audit.tenants.finished, fleet.reloaded, \
            fleet.reload_rejected)
            fleet.yaml:9: notifications[3].remind: '10s' is shorter than 1m; a reminder repeats a \
            message, it is not a stream
            fleet.yaml:10: notifications[3].colour: unknown key 'colour' (known: url, format, \
            events, tags, environments, remind, headers)
            fleet.yaml:12: notifications[3].headers.Authorization: uses ${UNSET_TOKEN}, which is \
            not set in serve's environment
            fleet.yaml:13: notifications[3].headers.Host: is set by Selvedge itself; leave it out
            fleet.yaml:16: notifications[4].tags: must be a list ([eu, tenant-a]), not a scalar
            fleet.yaml:17: notifications[4].environments[1]: 'prod' is listed twice
            fleet.yaml:18: notifications[4].remind: 'soon' is not a duration (500ms, 10s, 5m, 1h)""");
    assertThat(message).doesNotContain("secret-path").doesNotContain("pw@");
    assertThat(errorOf("nodes: {}\nnotifications: {url: https://x.example}\n"))
        .isEqualTo(
            "fleet.yaml:2: notifications: must be a list of webhooks (- url: ...), not a mapping");
  }
}
