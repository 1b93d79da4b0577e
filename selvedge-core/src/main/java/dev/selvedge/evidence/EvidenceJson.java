package dev.selvedge.evidence;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.SelvedgeException;
import dev.selvedge.contract.model.Severity;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/** Writes an {@link EvidenceReport} as the JSON documented in docs/evidence-schema.md. */
public final class EvidenceJson {
  /** Built on first write only: {@code drift} embeds the tree and writes it without a mapper. */
  private static final class Mapper {
    static final ObjectMapper INSTANCE =
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  }

  private EvidenceJson() {}

  /** The report as pretty-printed JSON, ending in a newline. */
  public static String write(EvidenceReport<?> report) {
    try {
      return Mapper.INSTANCE.writeValueAsString(toTree(report)) + "\n";
    } catch (JsonProcessingException e) {
      throw new SelvedgeException("could not write the evidence JSON: " + e.getMessage(), e);
    }
  }

  /** The report as a JSON tree, for callers that embed it. */
  public static ObjectNode toTree(EvidenceReport<?> report) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    root.put("schema", EvidenceReport.SCHEMA);
    root.put("kind", report.kind().id());
    ObjectNode tool = root.putObject("tool");
    tool.put("name", report.tool().name());
    tool.put("version", report.tool().version());
    root.put("generated_at", DateTimeFormatter.ISO_INSTANT.format(report.generatedAt()));
    root.put("project", report.project());

    ArrayNode inputs = root.putArray("inputs");
    for (EvidenceReport.Input in : report.inputs()) {
      ObjectNode n = inputs.addObject();
      n.put("path", in.path());
      n.put("role", in.role());
      if (in.sha256() != null) {
        n.put("sha256", in.sha256());
      }
    }

    ObjectNode policy = root.putObject("policy");
    policy.put("fail_on", report.policy().failOn().id());
    ObjectNode rules = policy.putObject("rules");
    for (Map.Entry<String, Severity> e : report.policy().rules().entrySet()) {
      rules.put(e.getKey(), e.getValue().id());
    }
    for (Map.Entry<String, String> e : report.policy().settings().entrySet()) {
      policy.put(e.getKey(), e.getValue());
    }

    EvidenceReport.Summary s = report.summary();
    ObjectNode summary = root.putObject("summary");
    summary.put("passed", s.passed());
    summary.put("errors", s.errors());
    summary.put("warnings", s.warnings());
    summary.put("notes", s.notes());
    summary.put("waived", s.waived());

    ArrayNode findings = root.putArray("findings");
    for (EvidenceFinding f : report.findings()) {
      f.writeJson(findings.addObject());
    }

    ArrayNode waivers = root.putArray("waivers");
    for (EvidenceReport.WaiverEntry w : report.waivers()) {
      ObjectNode n = waivers.addObject();
      n.put("rule", w.rule());
      n.put("service", w.service());
      n.put("reason", w.reason());
      n.put("matched", w.matched());
    }
    return root;
  }
}
