package dev.selvedge.drift;

import static dev.selvedge.testing.ServiceBuilder.DIGEST;
import static org.assertj.core.api.Assertions.tuple;

import dev.selvedge.contract.model.Project;
import dev.selvedge.evidence.Fingerprints;
import dev.selvedge.evidence.Tool;
import dev.selvedge.port.ContainerDetails;
import dev.selvedge.port.ImageDetails;
import dev.selvedge.testing.ContainerBuilder;
import dev.selvedge.testing.ProjectBuilder;
import dev.selvedge.testing.ServiceBuilder;
import dev.selvedge.verify.EnvExample;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.assertj.core.groups.Tuple;

/**
 * A small stack for drift tests: {@code api} (pinned image, secret and plain environment, a port, a
 * named volume and a read-only bind, a label, a command, two networks, a healthcheck, a readback)
 * and {@code db} (unpinned image, a secret, a named volume, one network, no healthcheck). {@link
 * #containers()} are the containers Compose would create for it.
 */
final class DriftFixtures {
  static final String PLANTED = "pl4nted-s3cret-VALUE";
  static final String DB_PLANTED = "db-pl4nted-PASSWORD";
  static final String API_IMAGE = "registry.example/team/api:1.4.2@" + DIGEST;
  static final String DB_IMAGE_ID =
      "sha256:2222222222222222222222222222222222222222222222222222222222222222";
  static final Fingerprints FINGERPRINTS = new Fingerprints(key());
  static final Clock CLOCK = Clock.fixed(Instant.parse("2025-03-01T12:00:00Z"), ZoneOffset.UTC);
  static final Tool TOOL = Tool.selvedge("0.1.0-test");

  private DriftFixtures() {}

  static byte[] key() {
    byte[] k = new byte[32];
    for (int i = 0; i < k.length; i++) {
      k[i] = (byte) i;
    }
    return k;
  }

  static ServiceBuilder api() {
    return api(ProjectBuilder.DIR);
  }

  /** The api service as materialized under {@code dir} (its bind mount lives there). */
  static ServiceBuilder api(String dir) {
    return ServiceBuilder.compliant("api")
        .image(API_IMAGE)
        .env("DB_HOST", "db")
        .env("DB_PASSWORD", PLANTED)
        .env("LOG_LEVEL", "info")
        .port("127.0.0.1", "8080", 80)
        .volume("data", "/data")
        .readOnlyBind(dir + "/conf", "/etc/conf")
        .label("team", "shop")
        .command("api", "--serve")
        .network("default")
        .network("backend", "api.internal")
        .readback(
            "http://127.0.0.1:8080/healthz",
            "http://127.0.0.1:8080/version",
            null,
            "status",
            "ok",
            "build.version",
            "1.4.2");
  }

  static ServiceBuilder db() {
    return ServiceBuilder.bare("db")
        .image("postgres:16")
        .env("POSTGRES_PASSWORD", DB_PLANTED)
        .volume("dbdata", "/var/lib/postgresql/data")
        .network("backend")
        .restart("always");
  }

  static ProjectBuilder shop(ServiceBuilder api, ServiceBuilder db) {
    return ProjectBuilder.project("shop")
        .service(api)
        .service(db)
        .network("default")
        .network("backend")
        .volumeDef("data")
        .volumeDef("dbdata");
  }

  static Project project() {
    return shop(api(), db()).build();
  }

  static EnvExample envExample() {
    Map<String, String> values = new LinkedHashMap<>();
    values.put("DB_PASSWORD", "");
    values.put("LOG_LEVEL", "info");
    return EnvExample.of(ProjectBuilder.ENV_EXAMPLE, values);
  }

  static ContainerBuilder container(Project p, String service) {
    ContainerBuilder b = ContainerBuilder.matching(p, service);
    if (service.equals("db")) {
      b.imageId(DB_IMAGE_ID).id("db" + "0".repeat(62));
    }
    return b;
  }

  static List<ContainerDetails> containers(Project p) {
    return p.services().keySet().stream().map(s -> container(p, s).build()).toList();
  }

  /** The stack's containers with the one of {@code service} changed by {@code change}. */
  static List<ContainerDetails> containers(
      Project p, String service, UnaryOperator<ContainerBuilder> change) {
    List<ContainerDetails> out = new ArrayList<>();
    for (String s : p.services().keySet()) {
      ContainerBuilder b = container(p, s);
      out.add((s.equals(service) ? change.apply(b) : b).build());
    }
    return out;
  }

  static Map<String, ImageDetails> images() {
    return Map.of(
        ContainerBuilder.IMAGE_ID,
        new ImageDetails(
            ContainerBuilder.IMAGE_ID,
            List.of("registry.example/team/api:1.4.2"),
            List.of("registry.example/team/api@" + DIGEST)),
        DB_IMAGE_ID,
        new ImageDetails(DB_IMAGE_ID, List.of("postgres:16"), List.of()));
  }

  /** What a finding says changed (layer, key, kind, expected, actual), to compare with a tuple. */
  static Tuple change(DriftFinding f) {
    return tuple(f.layer(), f.key(), f.kind(), f.expected(), f.actual());
  }

  static DriftReport check(DriftInput input) {
    return new DriftChecker(FINGERPRINTS, CLOCK).check(input);
  }

  /** Repo layer and the given containers, with image details. */
  static DriftReport check(Project p, List<ContainerDetails> containers) {
    return check(DriftInput.of(p, envExample(), containers).withImages(images()));
  }
}
