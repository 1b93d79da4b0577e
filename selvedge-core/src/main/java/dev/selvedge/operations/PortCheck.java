package dev.selvedge.operations;

import dev.selvedge.contract.model.PortConfig;
import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.model.Service;
import dev.selvedge.port.ContainerDetails;
import dev.selvedge.port.DockerEngine;
import dev.selvedge.port.EngineException;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Before an apply changes anything: is every fixed host port a new or restarted container will
 * publish free? Otherwise the engine refuses it only when that container starts, after earlier
 * waves have changed. On a local engine (its socket on this machine) a port is free when this
 * process can bind it on the same address — which also sees other containers' published ports,
 * their proxy holding them. The service's own current containers hold its ports until they are
 * stopped, so those are not counted. A remote engine's host cannot be tried from here: not checked.
 */
final class PortCheck {
  private PortCheck() {}

  /** Whether {@code endpoint} reaches an engine on this machine. */
  static boolean local(String endpoint) {
    return endpoint.startsWith("unix://")
        || endpoint.startsWith("tcp://127.")
        || endpoint.startsWith("tcp://localhost:");
  }

  /**
   * Throws {@link OperationException} naming each service and port that is already in use. Nothing
   * has been changed when it does.
   */
  static void check(Project project, Plan plan, DockerEngine engine) {
    if (!local(engine.endpoint())) {
      return;
    }
    List<String> taken = new ArrayList<>();
    for (Plan.Step step : plan.services()) {
      if (step.action() == Plan.Action.NOTHING) {
        continue;
      }
      Service s = project.services().get(step.service());
      Set<String> own = null;
      for (PortConfig p : s.ports()) {
        Integer port = fixed(p.published());
        if (port == null) {
          continue;
        }
        if (own == null) {
          own = published(engine, step);
        }
        String ip = p.hostIp() == null || p.hostIp().isEmpty() ? "0.0.0.0" : p.hostIp();
        if (own.contains(p.protocol() + "/" + port)) {
          continue;
        }
        String why = bind(ip, port, p.protocol());
        if (why != null) {
          taken.add(
              "service '"
                  + s.name()
                  + "' publishes "
                  + ip
                  + ":"
                  + port
                  + "/"
                  + p.protocol()
                  + ", which is already in use ("
                  + why
                  + ")");
        }
      }
    }
    if (!taken.isEmpty()) {
      throw new OperationException(
          String.join("; ", taken)
              + ". Nothing was changed: free the port (see docker ps and ss -ltnp) or publish"
              + " another one");
    }
  }

  /** A single host port, or null for none, an ephemeral one or a range. */
  private static Integer fixed(String published) {
    if (published == null || published.isEmpty() || !published.matches("\\d{1,5}")) {
      return null;
    }
    int port = Integer.parseInt(published);
    return port == 0 ? null : port;
  }

  /** The host ports ({@code tcp/8080}) the step's current and parked containers publish. */
  private static Set<String> published(DockerEngine engine, Plan.Step step) {
    Set<String> ports = new HashSet<>();
    for (String id : new String[] {step.containerId(), step.parkedId()}) {
      if (id == null) {
        continue;
      }
      try {
        for (ContainerDetails.PortBinding b : engine.inspectContainer(id).ports()) {
          if (b.hostPort() != null && !b.hostPort().isEmpty()) {
            ports.add(b.protocol() + "/" + b.hostPort());
          }
        }
      } catch (EngineException e) {
        if (e.status() != 404) {
          throw e;
        }
      }
    }
    return ports;
  }

  /** Null when {@code ip:port} can be bound (and is released at once), else the reason. */
  private static String bind(String ip, int port, String protocol) {
    InetSocketAddress at;
    try {
      at = new InetSocketAddress(InetAddress.getByName(ip), port);
    } catch (IOException e) {
      return null; // not an address of this machine's: the engine will say what it makes of it
    }
    try {
      if ("udp".equals(protocol)) {
        try (DatagramSocket s = new DatagramSocket(null)) {
          s.bind(at);
        }
      } else {
        try (ServerSocket s = new ServerSocket()) {
          s.setReuseAddress(true); // a port in TIME_WAIT is free for the engine too
          s.bind(at, 1);
        }
      }
      return null;
    } catch (java.net.BindException e) {
      // Only "in use" means taken; an address this machine lacks is for the engine to judge.
      String m = String.valueOf(e.getMessage());
      return m.toLowerCase(java.util.Locale.ROOT).contains("in use") ? m : null;
    } catch (IOException e) {
      return null;
    }
  }
}
