package dev.selvedge.verify.rules;

import dev.selvedge.contract.model.Service;
import dev.selvedge.contract.model.ServiceVolume;
import dev.selvedge.contract.model.Severity;
import dev.selvedge.verify.Finding;
import dev.selvedge.verify.VerifyContext;
import java.util.ArrayList;
import java.util.List;

/** {@code docker-socket-mount}: a bind mount of the Docker engine socket. */
final class DockerSocketMount extends BaseRule {
  private static final List<String> SOCKETS = List.of("/var/run/docker.sock", "/run/docker.sock");

  DockerSocketMount() {
    super(
        "docker-socket-mount",
        Severity.ERROR,
        "A service mounts the Docker engine socket.",
        "Whoever can talk to the engine socket is root on the host: a compromise of this container"
            + " is a compromise of every stack on it. Remove the mount; if the service really must"
            + " read container state, put a filtering socket proxy in between, or waive the rule"
            + " for this service with a reason.");
  }

  @Override
  public List<Finding> check(VerifyContext ctx) {
    List<Finding> out = new ArrayList<>();
    for (Service s : ctx.project().services().values()) {
      for (int i = 0; i < s.volumes().size(); i++) {
        ServiceVolume v = s.volumes().get(i);
        if (!ServiceVolume.BIND.equals(v.type()) || v.source() == null) {
          continue;
        }
        String source = normalize(v.source());
        if (SOCKETS.contains(source)) {
          out.add(
              ctx.finding(
                  this,
                  s.name(),
                  svc(s.name()) + ".volumes[" + i + "]",
                  "service '" + s.name() + "' mounts the Docker socket " + source,
                  "Remove the mount or use a read-only, filtering socket proxy."));
        }
      }
    }
    return out;
  }

  private static String normalize(String path) {
    String p = path.strip().replaceAll("/{2,}", "/");
    while (p.length() > 1 && p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    return p;
  }
}
