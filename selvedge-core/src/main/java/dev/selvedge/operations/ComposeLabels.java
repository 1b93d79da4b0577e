package dev.selvedge.operations;

/**
 * The labels Compose puts on what it creates, which Selvedge writes too so that {@code docker
 * compose ps} and docker-compose 1.29 recognise Selvedge's containers, networks and volumes, plus
 * Selvedge's own.
 */
public final class ComposeLabels {
  public static final String PROJECT = "com.docker.compose.project";
  public static final String SERVICE = "com.docker.compose.service";
  public static final String NUMBER = "com.docker.compose.container-number";
  public static final String ONEOFF = "com.docker.compose.oneoff";
  public static final String CONFIG_HASH = "com.docker.compose.config-hash";
  public static final String WORKING_DIR = "com.docker.compose.project.working_dir";
  public static final String CONFIG_FILES = "com.docker.compose.project.config_files";
  public static final String VERSION = "com.docker.compose.version";
  public static final String NETWORK = "com.docker.compose.network";
  public static final String VOLUME = "com.docker.compose.volume";

  /** The deployment (store id) that created the container. */
  public static final String DEPLOYMENT = "dev.selvedge.deployment";

  /** The image digest or id the container was pinned to. */
  public static final String PINNED_IMAGE = "dev.selvedge.image";

  /**
   * The Compose version Selvedge claims in {@link #VERSION}: docker-compose 1.29 refuses to manage
   * containers whose version label is missing or unparsable, never ones with a version it knows.
   */
  public static final String COMPOSE_VERSION = "2.20.2";

  private ComposeLabels() {}

  /** {@code project-service-N}, Compose v2's container name. */
  public static String containerName(String project, String service, int number) {
    return project + "-" + service + "-" + number;
  }
}
