package dev.selvedge.contract.render;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Writes a JSON tree as indented JSON or block-style YAML. Hand-written because {@code selvedge
 * config} is a short-lived process: going through an ObjectMapper or a YAML emitter costs more in
 * class loading and cold code than the whole rendering, and the benchmark is the process wall time.
 */
public final class TreeWriter {
  /** Plain YAML scalars that a YAML 1.1 or 1.2 reader would take for something else. */
  private static final Pattern NOT_PLAIN =
      Pattern.compile(
          "(?i)(|~|null|true|false|yes|no|on|off|y|n|[-+]?[0-9][0-9_.:eE+-]*|[-+]?\\.(inf|nan)|0x.*|0o.*)");

  private TreeWriter() {}

  public static String json(JsonNode node) {
    StringBuilder sb = new StringBuilder(1 << 16);
    json(node, sb, 0);
    return sb.append('\n').toString();
  }

  public static String yaml(JsonNode node) {
    StringBuilder sb = new StringBuilder(1 << 16);
    if (node.isObject() && node.isEmpty()) {
      return "{}\n";
    }
    yamlBlock(node, sb, 0);
    return sb.toString();
  }

  private static void json(JsonNode n, StringBuilder sb, int indent) {
    if (n.isObject()) {
      if (n.isEmpty()) {
        sb.append("{}");
        return;
      }
      sb.append("{\n");
      Iterator<Map.Entry<String, JsonNode>> it = n.properties().iterator();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        pad(sb, indent + 2);
        quote(e.getKey(), sb);
        sb.append(": ");
        json(e.getValue(), sb, indent + 2);
        sb.append(it.hasNext() ? ",\n" : "\n");
      }
      pad(sb, indent);
      sb.append('}');
    } else if (n.isArray()) {
      if (n.isEmpty()) {
        sb.append("[]");
        return;
      }
      sb.append("[\n");
      for (int i = 0; i < n.size(); i++) {
        pad(sb, indent + 2);
        json(n.get(i), sb, indent + 2);
        sb.append(i + 1 < n.size() ? ",\n" : "\n");
      }
      pad(sb, indent);
      sb.append(']');
    } else {
      scalarJson(n, sb);
    }
  }

  private static void scalarJson(JsonNode n, StringBuilder sb) {
    if (n.isTextual()) {
      quote(n.textValue(), sb);
    } else if (n.isNull() || n.isMissingNode()) {
      sb.append("null");
    } else {
      sb.append(n.asText());
    }
  }

  /** Writes the entries of a mapping or sequence, each on its own line at {@code indent}. */
  private static void yamlBlock(JsonNode n, StringBuilder sb, int indent) {
    if (n.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = n.properties().iterator(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        pad(sb, indent);
        yamlScalar(e.getKey(), sb);
        sb.append(':');
        yamlValue(e.getValue(), sb, indent);
      }
    } else {
      for (JsonNode item : n) {
        pad(sb, indent);
        sb.append('-');
        if (item.isObject() && !item.isEmpty()) {
          // The first entry shares the dash's line; the rest align under it.
          StringBuilder inner = new StringBuilder();
          yamlBlock(item, inner, indent + 2);
          sb.append(' ').append(inner, indent + 2, inner.length());
        } else if (item.isArray() && !item.isEmpty()) {
          sb.append('\n');
          yamlBlock(item, sb, indent + 2);
        } else {
          yamlValue(item, sb, indent);
        }
      }
    }
  }

  private static void yamlValue(JsonNode v, StringBuilder sb, int indent) {
    if ((v.isObject() || v.isArray()) && !v.isEmpty()) {
      sb.append('\n');
      yamlBlock(v, sb, v.isArray() ? indent : indent + 2);
      return;
    }
    sb.append(' ');
    if (v.isObject()) {
      sb.append("{}");
    } else if (v.isArray()) {
      sb.append("[]");
    } else if (v.isTextual()) {
      yamlScalar(v.textValue(), sb);
    } else if (v.isNull()) {
      sb.append("null");
    } else {
      sb.append(v.asText());
    }
    sb.append('\n');
  }

  private static void yamlScalar(String s, StringBuilder sb) {
    if (plainSafe(s)) {
      sb.append(s);
    } else {
      quote(s, sb);
    }
  }

  private static boolean plainSafe(String s) {
    if (NOT_PLAIN.matcher(s).matches()) {
      return false;
    }
    char first = s.charAt(0);
    if ("-?:,[]{}#&*!|>'\"%@`".indexOf(first) >= 0 || first == ' ') {
      return false;
    }
    if (s.charAt(s.length() - 1) == ' ' || s.charAt(s.length() - 1) == ':') {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f || c > 0x7e) {
        return false;
      }
      if ((c == ':' || c == '#') && i + 1 < s.length() && s.charAt(i + 1) == ' ') {
        return false;
      }
      if (c == ' ' && i + 1 < s.length() && s.charAt(i + 1) == '#') {
        return false;
      }
    }
    return true;
  }

  /** A JSON string literal, which is also a valid YAML double-quoted scalar. */
  private static void quote(String s, StringBuilder sb) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }

  private static void pad(StringBuilder sb, int n) {
    for (int i = 0; i < n; i++) {
      sb.append(' ');
    }
  }
}
