package dev.selvedge.fleet.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.contract.compose.ComposeLoader;
import dev.selvedge.contract.compose.LoadOptions;
import dev.selvedge.contract.model.Project;
import dev.selvedge.drift.DriftInput;
import dev.selvedge.drift.ReadbackResult;
import dev.selvedge.evidence.Fingerprints;
import dev.selvedge.evidence.Tool;
import dev.selvedge.fleet.AuditSchedule;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.json.TreeJson;
import dev.selvedge.port.ContainerDetails;
import dev.selvedge.port.ProbeResult;
import dev.selvedge.testing.ContainerBuilder;
import dev.selvedge.verify.EnvExample;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TenantAuditTest {
  private static final Fingerprints FP = new Fingerprints(new byte[32]);
  private static final String SECRET = "planted-db-password-0042";
  private static final Instant AT = Instant.parse("2026-12-04T02:00:00Z");

  @TempDir Path tmp;

  private static final String COMPOSE =
      """
      x-selvedge:
        tenant_unique: [TENANT_ID, DB_PASSWORD]
      services:
        web:
          image: busybox:1
          environment:
            TENANT_ID: ${TENANT_ID}
            DB_PASSWORD: ${DB_PASSWORD}
          x-selvedge:
            readback:
              version: http://127.0.0.1:8080/version
              expect:
                tenant.id: ${TENANT_ID}
                build: "1.0"
      """;

  private DriftInput input(String project, String tenant, String password, String answer)
      throws Exception {
    Path d = Files.createDirectories(tmp.resolve(project));
    Files.writeString(d.resolve("compose.yaml"), COMPOSE);
    Project p =
        ComposeLoader.load(
            LoadOptions.of(d)
                .withEnvironment(Map.of("TENANT_ID", tenant, "DB_PASSWORD", password))
                .withProjectName(project));
    List<ContainerDetails> containers = new ArrayList<>();
    for (String s : p.services().keySet()) {
      containers.add(ContainerBuilder.matching(p, s).id(project + s + "0123456789abcdef").build());
    }
    DriftInput in = DriftInput.of(p, EnvExample.forProject(p), containers).withHost(p, Map.of());
    if (answer != null) {
      in =
          in.withReadbacks(
              List.of(
                  new ReadbackResult(
                      "web",
                      ReadbackResult.Endpoint.VERSION,
                      URI.create("http://127.0.0.1:8080/version"),
                      new ProbeResult.Answered(200, answer, Duration.ofMillis(2)))));
    }
    return in;
  }

  private Fleet fleet(List<String> projects, String[]... nodes) {
    Map<String, Fleet.Node> out = new LinkedHashMap<>();
    for (String[] n : nodes) {
      Map<String, Fleet.Stack> stacks = new LinkedHashMap<>();
      for (int i = 1; i < n.length; i++) {
        String[] sp = n[i].split("=");
        stacks.put(sp[0], new Fleet.Stack(sp[0], tmp, sp[1], null, null));
      }
      out.put(
          n[0],
          new Fleet.Node(n[0], "unix:///var/run/docker.sock", null, null, null, List.of(), stacks));
    }
    return new Fleet(
        tmp.resolve("fleet.yaml"),
        Fleet.Poll.DEFAULT,
        out,
        List.of(),
        Fleet.Retention.DEFAULT,
        new Fleet.Audit(AuditSchedule.DEFAULT, projects),
        List.of());
  }

  private static TenantAudit.Resource container(String name, String project) {
    return new TenantAudit.Resource("container", name, project);
  }

  @Test
  void aCleanFleetHasNoFinding() throws Exception {
    Fleet fleet =
        fleet(List.of("*"), new String[] {"n1", "app=t-a"}, new String[] {"n2", "app=t-b"});
    Map<String, TenantAudit.NodeRead> reads = new LinkedHashMap<>();
    reads.put(
        "n1",
        new TenantAudit.NodeRead(
            null,
            List.of(
                container("t-a-web-1", "t-a"),
                new TenantAudit.Resource("network", "t-a_default", "t-a")),
            Map.of("app", input("t-a", "acme", "pw-a-1234", "{\"tenant\":{\"id\":\"acme\"}}")),
            Map.of()));
    reads.put(
        "n2",
        new TenantAudit.NodeRead(
            null,
            List.of(container("t-b-web-1", "t-b")),
            Map.of("app", input("t-b", "globex", "pw-b-5678", "{\"tenant\":{\"id\":\"globex\"}}")),
            Map.of()));
    AuditReport r = new TenantAudit(FP).audit(fleet, reads, AT);
    assertThat(r.findings()).isEmpty();
    assertThat(r.result()).isEqualTo("clean");
    assertThat(r.exitCode()).isZero();
  }

  @Test
  void foreignResourcesNameTheTenantTheyBelongToOrNone() throws Exception {
    Fleet fleet =
        fleet(List.of("t-*"), new String[] {"n1", "app=t-a"}, new String[] {"n2", "app=t-b"});
    Map<String, TenantAudit.NodeRead> reads = new LinkedHashMap<>();
    reads.put(
        "n1",
        new TenantAudit.NodeRead(
            null,
            List.of(
                container("t-a-web-1", "t-a"),
                container("t-b-web-1", "t-b"),
                new TenantAudit.Resource("volume", "t-x_data", "t-x"),
                container("traefik-1", "traefik")),
            Map.of(),
            Map.of()));
    reads.put("n2", new TenantAudit.NodeRead(null, List.of(), Map.of(), Map.of()));
    AuditReport r = new TenantAudit(FP).audit(fleet, reads, AT);
    assertThat(r.findings()).hasSize(2);
    AuditFinding other = r.findings().get(0);
    assertThat(other.kind()).isEqualTo(AuditFinding.Kind.FOREIGN_RESOURCE);
    assertThat(other.node()).isEqualTo("n1");
    assertThat(other.key()).isEqualTo("container t-b-web-1");
    assertThat(other.others()).containsExactly("n2/app");
    assertThat(other.message()).contains("stack n2/app of another node");
    AuditFinding none = r.findings().get(1);
    assertThat(none.key()).isEqualTo("volume t-x_data");
    assertThat(none.others()).isEmpty();
    assertThat(none.message()).contains("no stack of the fleet");
    // traefik is outside audit.projects
    assertThat(r.exitCode()).isEqualTo(1);
  }

  @Test
  void aSharedUniqueValueIsFoundOnBothTenantsByFingerprintOnly() throws Exception {
    Fleet fleet =
        fleet(List.of("*"), new String[] {"n1", "app=t-a"}, new String[] {"n2", "app=t-b"});
    Map<String, TenantAudit.NodeRead> reads = new LinkedHashMap<>();
    reads.put(
        "n1",
        new TenantAudit.NodeRead(
            null, List.of(), Map.of("app", input("t-a", "acme", SECRET, null)), Map.of()));
    reads.put(
        "n2",
        new TenantAudit.NodeRead(
            null, List.of(), Map.of("app", input("t-b", "globex", SECRET, null)), Map.of()));
    AuditReport r = new TenantAudit(FP).audit(fleet, reads, AT);
    assertThat(r.findings()).hasSize(2);
    assertThat(r.findings())
        .allSatisfy(
            f -> {
              assertThat(f.kind()).isEqualTo(AuditFinding.Kind.SHARED_UNIQUE_VALUE);
              assertThat(f.key()).isEqualTo("environment.DB_PASSWORD");
              assertThat(f.fingerprint()).isEqualTo(FP.of(SECRET));
            });
    assertThat(r.findings().get(0).others()).containsExactly("n2/app");
    assertThat(r.findings().get(1).others()).containsExactly("n1/app");
    String json = TreeJson.pretty(AuditJson.write(r, Tool.selvedge("test")));
    StringWriter text = new StringWriter();
    AuditJson.text(new PrintWriter(text), r, s -> s);
    assertThat(json + text).doesNotContain(SECRET).contains(FP.of(SECRET));
    assertThat(json).contains("\"kind\" : \"tenant-audit\"").contains("shared-unique-value");
  }

  @Test
  void aReadbackAnsweringAnotherTenantsIdentityIsFound() throws Exception {
    Fleet fleet =
        fleet(List.of("*"), new String[] {"n1", "app=t-a"}, new String[] {"n2", "app=t-b"});
    Map<String, TenantAudit.NodeRead> reads = new LinkedHashMap<>();
    // t-a's app answers globex's tenant id, and an old build (stale, not another tenant's).
    reads.put(
        "n1",
        new TenantAudit.NodeRead(
            null,
            List.of(),
            Map.of(
                "app",
                input(
                    "t-a",
                    "acme",
                    "pw-a-1234",
                    "{\"tenant\":{\"id\":\"globex\"},\"build\":\"0.9\"}")),
            Map.of()));
    reads.put(
        "n2",
        new TenantAudit.NodeRead(
            null,
            List.of(),
            Map.of("app", input("t-b", "globex", "pw-b-5678", "{\"tenant\":{\"id\":\"globex\"}}")),
            Map.of()));
    AuditReport r = new TenantAudit(FP).audit(fleet, reads, AT);
    assertThat(r.findings()).hasSize(1);
    AuditFinding f = r.findings().get(0);
    assertThat(f.kind()).isEqualTo(AuditFinding.Kind.READBACK_IDENTITY);
    assertThat(f.node()).isEqualTo("n1");
    assertThat(f.service()).isEqualTo("web");
    assertThat(f.key()).isEqualTo("readback.expect.tenant.id");
    assertThat(f.fingerprint()).isEqualTo(FP.of("globex"));
    assertThat(f.others()).containsExactly("n2/app");
    assertThat(f.message()).doesNotContain("globex").doesNotContain("acme");
  }

  @Test
  void anUnreadableNodeWinsOverFindings() throws Exception {
    Fleet fleet =
        fleet(List.of("*"), new String[] {"n1", "app=t-a"}, new String[] {"n2", "app=t-b"});
    Map<String, TenantAudit.NodeRead> reads = new LinkedHashMap<>();
    reads.put(
        "n1",
        new TenantAudit.NodeRead(
            null, List.of(container("x-1", "x")), Map.of(), Map.of("app", "cannot be read: boom")));
    reads.put("n2", TenantAudit.NodeRead.failed("engine unreachable: refused"));
    AuditReport r = new TenantAudit(FP).audit(fleet, reads, AT);
    assertThat(r.findings()).hasSize(1);
    assertThat(r.unreadable()).hasSize(2);
    assertThat(r.result()).isEqualTo("unreadable");
    assertThat(r.exitCode()).isEqualTo(2);
  }

  @Test
  void scheduleRunsDailyAtItsTimeOrEveryInterval() {
    Instant now = Instant.parse("2026-12-04T03:00:00Z");
    assertThat(AuditSchedule.DEFAULT.next(now)).isEqualTo(Instant.parse("2026-12-05T02:00:00Z"));
    assertThat(new AuditSchedule(java.time.LocalTime.of(4, 15), null).next(now))
        .isEqualTo(Instant.parse("2026-12-04T04:15:00Z"));
    assertThat(new AuditSchedule(null, Duration.ofHours(6)).next(now))
        .isEqualTo(Instant.parse("2026-12-04T09:00:00Z"));
    assertThat(AuditSchedule.DEFAULT.next(Instant.parse("2026-12-04T02:00:00Z")))
        .isEqualTo(Instant.parse("2026-12-05T02:00:00Z"));
  }
}
