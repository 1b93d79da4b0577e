package dev.selvedge.drift;

import com.fasterxml.jackson.databind.JsonNode;
import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.model.Readback;
import dev.selvedge.contract.model.Service;
import dev.selvedge.drift.ReadbackResult.Endpoint;
import dev.selvedge.port.ProbeResult;
import dev.selvedge.status.Health;
import java.io.IOException;
import java.net.URI;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The contract's {@code x-selvedge.readback} against what the application answers (layer {@code
 * container/app}). Each {@code expect} path is looked up in the health answer, then in the version
 * answer; a mismatch in the health answer is contradicted (and degrades health), one in the version
 * answer is stale.
 */
final class ReadbackCheck {
  private static final DriftLayer LAYER = DriftLayer.CONTAINER_APP;

  private final Observations obs;

  ReadbackCheck(Observations obs) {
    this.obs = obs;
  }

  void compare(Project project, List<ReadbackResult> results) {
    for (Service s : project.services().values()) {
      Readback r = s.selvedge().readback();
      if (r == null) {
        continue;
      }
      Map<Endpoint, ReadbackResult> got = new EnumMap<>(Endpoint.class);
      for (ReadbackResult res : results) {
        if (res.service().equals(s.name())) {
          got.put(res.endpoint(), res);
        }
      }
      Map<Endpoint, JsonNode> answers = new EnumMap<>(Endpoint.class);
      boolean allAnswered = true;
      allAnswered &= endpoint(s, r, Endpoint.HEALTH, r.health(), got, answers);
      allAnswered &= endpoint(s, r, Endpoint.VERSION, r.version(), got, answers);
      // Expectations are judged only when every endpoint answered: a path that lives in an
      // endpoint that did not answer is not known to be missing.
      if (allAnswered && !r.expect().isEmpty()) {
        expectations(s, r, answers);
      }
    }
  }

  /** Checks one endpoint; true when it answered (any status) with a body the checks can read. */
  private boolean endpoint(
      Service s,
      Readback r,
      Endpoint endpoint,
      String url,
      Map<Endpoint, ReadbackResult> got,
      Map<Endpoint, JsonNode> answers) {
    if (url == null) {
      return true;
    }
    String key = "readback." + endpoint.id();
    ReadbackResult res = got.get(endpoint);
    if (res == null) {
      obs.unread(s.name(), LAYER, key, display(URI.create(url)) + " was not read");
      return false;
    }
    // instanceof rather than a pattern switch: a type switch spins a class at run time on first
    // use, which a short CLI run pays for (the AOT cache cannot hold it).
    if (res.result() instanceof ProbeResult.Failed f) {
      String what = display(res.uri()) + ": " + f.kind().id() + detail(f);
      if (r.owner() != null) {
        obs.finding(
            s.name(),
            LAYER,
            key,
            DriftClass.BLOCKED_EXTERNAL,
            "an answer",
            f.kind().id(),
            "external dependency owned by " + r.owner() + " is unreachable: " + what);
        obs.external(s.name(), "owned by " + r.owner() + ", unreachable: " + f.kind().id());
      } else {
        obs.unread(s.name(), LAYER, key, what);
        obs.health(s.name(), Health.UNREACHABLE, "readback " + what);
      }
      return false;
    }
    ProbeResult.Answered a = (ProbeResult.Answered) res.result();
    if (!a.ok()) {
      obs.finding(
          s.name(),
          LAYER,
          key,
          DriftClass.CONTRADICTED,
          "HTTP 2xx",
          "HTTP " + a.status(),
          display(res.uri()) + " answered HTTP " + a.status());
      if (endpoint == Endpoint.HEALTH) {
        obs.health(s.name(), Health.DEGRADED, "readback health answered HTTP " + a.status());
      }
    } else if (endpoint == Endpoint.HEALTH) {
      obs.health(s.name(), Health.HEALTHY, "readback health answered HTTP " + a.status());
    }
    if (!a.bodyRead() && !r.expect().isEmpty()) {
      // The status counts; the expectations cannot be judged without the whole body.
      obs.unread(s.name(), LAYER, key, display(res.uri()) + ": " + a.unread());
      return false;
    }
    JsonNode json = parse(a.body());
    if (json != null) {
      answers.put(endpoint, json);
    }
    return true;
  }

  private void expectations(Service s, Readback r, Map<Endpoint, JsonNode> answers) {
    for (Map.Entry<String, String> e : r.expect().entrySet()) {
      String path = e.getKey();
      String want = e.getValue() == null ? "" : e.getValue();
      String key = "readback.expect." + path;
      Endpoint where = null;
      JsonNode value = null;
      for (Endpoint ep : Endpoint.values()) {
        JsonNode root = answers.get(ep);
        JsonNode v = root == null ? null : at(root, path);
        if (v != null) {
          where = ep;
          value = v;
          break;
        }
      }
      if (value == null) {
        obs.finding(
            s.name(),
            LAYER,
            key,
            DriftClass.MISSING,
            want,
            null,
            "the readback of service '" + s.name() + "' has no value at " + path);
        continue;
      }
      String have = value.isValueNode() ? value.asText() : value.toString();
      if (want.equals(have)) {
        continue;
      }
      if (where == Endpoint.HEALTH) {
        obs.finding(
            s.name(),
            LAYER,
            key,
            DriftClass.CONTRADICTED,
            want,
            have,
            "the health readback of service '" + s.name() + "' says " + path + " = " + have);
        obs.health(s.name(), Health.DEGRADED, "readback health " + path + " = " + have);
      } else {
        obs.finding(
            s.name(),
            LAYER,
            key,
            DriftClass.STALE,
            want,
            have,
            "the version readback of service '" + s.name() + "' says " + path + " = " + have);
      }
    }
  }

  /** The node at a dotted path ({@code build.version}, {@code items.0.name}), or null. */
  static JsonNode at(JsonNode root, String path) {
    JsonNode n = root;
    for (String part : path.split("\\.", -1)) {
      if (n == null) {
        return null;
      }
      if (n.isArray() && part.matches("\\d+")) {
        n = n.get(Integer.parseInt(part));
      } else if (n.isObject()) {
        n = n.get(part);
      } else {
        return null;
      }
    }
    return n == null || n.isMissingNode() ? null : n;
  }

  private static JsonNode parse(String body) {
    if (body == null || body.isBlank()) {
      return null;
    }
    try {
      JsonNode n = dev.selvedge.json.TreeJson.readFirst(body);
      return n != null && n.isContainerNode() ? n : null;
    } catch (IOException e) {
      return null; // not JSON: expectations on it are missing values
    }
  }

  private static String detail(ProbeResult.Failed f) {
    return f.detail().isEmpty() ? "" : " (" + f.detail() + ")";
  }

  /** The URL without user info, query or fragment, which may carry credentials or tokens. */
  static String display(URI uri) {
    String s =
        uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
    return uri.getRawPath() == null ? s : s + uri.getRawPath();
  }
}
