package dev.selvedge.operations;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.contract.model.FileReference;
import dev.selvedge.contract.model.NetworkDef;
import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.model.SecretDef;
import dev.selvedge.contract.model.Service;
import dev.selvedge.contract.model.ServiceNetwork;
import dev.selvedge.contract.model.ServiceVolume;
import dev.selvedge.contract.model.VolumeDef;
import dev.selvedge.contract.render.ComposeConfig;
import dev.selvedge.port.ContainerCreate;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns one service of a rendered contract into the container the engine creates: engine names for
 * networks and volumes, file secrets and configs as read-only binds, Compose's labels and the
 * config hash that decides whether a running container is still what the contract says.
 *
 * <p>The config hash is the SHA-256 of the service as {@code config} renders it (unredacted, so a
 * changed secret recreates the container; the hash is not reversible to the value) without the keys
 * that do not shape the container ({@code x-selvedge}, {@code pull_policy}, {@code profiles}),
 * followed by the image pin. Applying the same contract and image twice gives the same hash, so the
 * second apply changes nothing.
 */
public final class SpecBuilder {
  private static final List<String> NOT_HASHED =
      List.of("x-selvedge", "pull_policy", "profiles", "depends_on");

  private final Project project;
  private final ObjectNode rendered;

  public SpecBuilder(Project project) {
    this.project = project;
    this.rendered = ComposeConfig.unredacted().render(project);
  }

  /** The project this builds for. */
  public Project project() {
    return project;
  }

  /** The container name of the service's (only) container. */
  public String containerName(Service s) {
    String fixed = s.options().containerName();
    return fixed != null && !fixed.isEmpty()
        ? fixed
        : ComposeLabels.containerName(project.name(), s.name(), 1);
  }

  /** The config hash of {@code s} pinned to {@code image}. */
  public String configHash(Service s, ResolvedImage image) {
    ObjectNode node = ((ObjectNode) rendered.path("services").path(s.name())).deepCopy();
    node.remove(NOT_HASHED);
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(canonical(node).getBytes(StandardCharsets.UTF_8));
      sha.update((byte) '\n');
      sha.update(image.pin().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** JSON with object keys sorted, so the hash does not depend on map order. */
  private static String canonical(JsonNode node) {
    StringBuilder out = new StringBuilder();
    write(node, out);
    return out.toString();
  }

  private static void write(JsonNode node, StringBuilder out) {
    if (node.isObject()) {
      TreeMap<String, JsonNode> sorted = new TreeMap<>();
      node.properties().forEach(e -> sorted.put(e.getKey(), e.getValue()));
      out.append('{');
      boolean first = true;
      for (Map.Entry<String, JsonNode> e : sorted.entrySet()) {
        if (!first) {
          out.append(',');
        }
        first = false;
        out.append(com.fasterxml.jackson.databind.node.TextNode.valueOf(e.getKey()));
        out.append(':');
        write(e.getValue(), out);
      }
      out.append('}');
    } else if (node.isArray()) {
      out.append('[');
      for (int i = 0; i < node.size(); i++) {
        if (i > 0) {
          out.append(',');
        }
        write(node.get(i), out);
      }
      out.append(']');
    } else {
      out.append(node.toString());
    }
  }

  /**
   * The container for {@code s}, pinned to {@code image}, labelled with {@code deploymentId}.
   *
   * @throws OperationException when the service cannot be created by Selvedge as written
   */
  public ContainerCreate build(Service s, ResolvedImage image, long deploymentId) {
    check(s);
    Map<String, String> labels = new TreeMap<>(s.labels());
    labels.put(ComposeLabels.PROJECT, project.name());
    labels.put(ComposeLabels.SERVICE, s.name());
    labels.put(ComposeLabels.NUMBER, "1");
    labels.put(ComposeLabels.ONEOFF, "False");
    labels.put(ComposeLabels.CONFIG_HASH, configHash(s, image));
    labels.put(ComposeLabels.VERSION, ComposeLabels.COMPOSE_VERSION);
    if (project.workingDir() != null) {
      labels.put(ComposeLabels.WORKING_DIR, project.workingDir());
    }
    List<String> files = new ArrayList<>();
    for (var f : project.sources()) {
      if (f.role().equals("compose")) {
        files.add(
            project.workingDir() == null
                ? f.path()
                : java.nio.file.Path.of(project.workingDir())
                    .resolve(f.path())
                    .normalize()
                    .toString());
      }
    }
    if (!files.isEmpty()) {
      labels.put(ComposeLabels.CONFIG_FILES, String.join(",", files));
    }
    labels.put(ComposeLabels.DEPLOYMENT, Long.toString(deploymentId));
    labels.put(ComposeLabels.PINNED_IMAGE, image.pin());

    List<String> env = new ArrayList<>();
    new TreeMap<>(s.environment())
        .forEach(
            (k, v) -> {
              if (v != null) {
                env.add(k + "=" + v);
              }
            });

    return new ContainerCreate(
        image.createFrom(),
        s.command(),
        s.entrypoint(),
        env,
        labels,
        s.ports(),
        s.expose(),
        mounts(s),
        s.healthcheck(),
        s.restart(),
        s.logging(),
        s.options(),
        s.deploy() == null ? null : s.deploy().limits(),
        s.networkMode(),
        networks(s));
  }

  /**
   * Refuses a service Selvedge cannot create as written.
   *
   * @throws OperationException naming the service and what to do
   */
  public void check(Service s) {
    if (s.build() != null) {
      throw new OperationException(
          "service '"
              + s.name()
              + "' has a build: section; Selvedge deploys images from a registry and does not"
              + " build. Build and push the image in CI, then name it in image: and remove build:");
    }
    if (s.image() == null || s.image().isEmpty()) {
      throw new OperationException("service '" + s.name() + "' has no image: to deploy");
    }
    if (s.networkMode() != null && s.networkMode().startsWith("service:")) {
      throw new OperationException(
          "service '"
              + s.name()
              + "' has network_mode: "
              + s.networkMode()
              + "; Selvedge does not share another service's network namespace. Put both services"
              + " on a common network instead");
    }
    fileBacked(s, s.secrets(), project.secrets(), "secret");
    fileBacked(s, s.configs(), project.configs(), "config");
    if (s.deploy() != null && s.deploy().replicas() != null && s.deploy().replicas() != 1) {
      throw new OperationException(
          "service '"
              + s.name()
              + "' asks for "
              + s.deploy().replicas()
              + " replicas; Selvedge runs one container per service");
    }
  }

  private static void fileBacked(
      Service s, List<FileReference> refs, Map<String, SecretDef> defs, String kind) {
    for (FileReference ref : refs) {
      SecretDef def = defs.get(ref.source());
      if (def == null || def.file() == null) {
        throw new OperationException(
            "service '"
                + s.name()
                + "' uses "
                + kind
                + " '"
                + ref.source()
                + "', which is not file-based; Selvedge mounts file "
                + kind
                + "s only (file: in the top-level "
                + kind
                + "s section)");
      }
    }
  }

  private List<ServiceVolume> mounts(Service s) {
    List<ServiceVolume> out = new ArrayList<>();
    for (ServiceVolume v : s.volumes()) {
      if (ServiceVolume.VOLUME.equals(v.type()) && v.source() != null && !v.source().isEmpty()) {
        VolumeDef def = project.volumes().get(v.source());
        String engineName = def != null && def.name() != null ? def.name() : v.source();
        out.add(
            new ServiceVolume(
                v.type(),
                engineName,
                v.target(),
                v.readOnly(),
                v.consistency(),
                v.bind(),
                v.volume(),
                v.tmpfs()));
      } else {
        out.add(v);
      }
    }
    fileMounts(s.secrets(), project.secrets(), "/run/secrets/", out);
    fileMounts(s.configs(), project.configs(), "/", out);
    return out;
  }

  private static void fileMounts(
      List<FileReference> refs,
      Map<String, SecretDef> defs,
      String defaultDir,
      List<ServiceVolume> out) {
    for (FileReference ref : refs) {
      SecretDef def = defs.get(ref.source()); // file-based: check() ran
      String target = ref.target() == null || ref.target().isEmpty() ? ref.source() : ref.target();
      if (!target.startsWith("/")) {
        target = defaultDir + target;
      }
      out.add(
          new ServiceVolume(ServiceVolume.BIND, def.file(), target, true, null, null, null, null));
    }
  }

  /** Engine network name → attachment, higher priority first, then by name (Compose's order). */
  private Map<String, ServiceNetwork> networks(Service s) {
    if (s.networkMode() != null && !s.networkMode().isEmpty()) {
      return Map.of();
    }
    List<Map.Entry<String, ServiceNetwork>> entries = new ArrayList<>(s.networks().entrySet());
    entries.sort(
        Comparator.<Map.Entry<String, ServiceNetwork>>comparingInt(
                e ->
                    e.getValue() == null || e.getValue().priority() == null
                        ? 0
                        : -e.getValue().priority())
            .thenComparing(Map.Entry::getKey));
    Map<String, ServiceNetwork> out = new LinkedHashMap<>();
    for (Map.Entry<String, ServiceNetwork> e : entries) {
      NetworkDef def = project.networks().get(e.getKey());
      String engineName =
          def != null && def.name() != null ? def.name() : project.name() + "_" + e.getKey();
      ServiceNetwork attach = e.getValue() == null ? ServiceNetwork.DEFAULT : e.getValue();
      List<String> aliases = new ArrayList<>(attach.aliases());
      if (!aliases.contains(s.name())) {
        aliases.add(0, s.name()); // Compose always lets the service name resolve
      }
      out.put(
          engineName,
          new ServiceNetwork(
              aliases, attach.ipv4Address(), attach.ipv6Address(), attach.priority()));
    }
    return out;
  }
}
