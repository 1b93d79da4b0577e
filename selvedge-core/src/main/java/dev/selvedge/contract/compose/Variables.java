package dev.selvedge.contract.compose;

import dev.selvedge.contract.yaml.MapNode;
import dev.selvedge.contract.yaml.Node;
import dev.selvedge.contract.yaml.ScalarNode;
import dev.selvedge.contract.yaml.SeqNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Lists the variables a contract refers to, statically: every branch of every template is read,
 * including those interpolation would not evaluate. Malformed templates are skipped here; {@link
 * Interpolator} reports them.
 */
public final class Variables {
  private Variables() {}

  /**
   * Variables referenced in the string values of {@code tree} (not map keys), by name in order of
   * first use. A variable used several times is merged: required if any use is, and the first
   * default and presence value written.
   */
  public static Map<String, VariableRef> extract(Node tree) {
    Map<String, VariableRef> out = new LinkedHashMap<>();
    walk(tree, out);
    return out;
  }

  /** Variables referenced in one template. */
  public static Map<String, VariableRef> extract(String template) {
    Map<String, VariableRef> out = new LinkedHashMap<>();
    scan(template, 0, template.length(), out);
    return out;
  }

  private static void walk(Node node, Map<String, VariableRef> out) {
    // instanceof rather than a pattern switch: a type switch spins a class at run time on first
    // use, which a short CLI run pays for (the AOT cache cannot hold it).
    if (node instanceof ScalarNode s) {
      if (s.value() != null && s.value().indexOf('$') >= 0) {
        scan(s.value(), 0, s.value().length(), out);
      }
    } else if (node instanceof SeqNode s) {
      s.items().forEach(item -> walk(item, out));
    } else {
      ((MapNode) node).entries().values().forEach(value -> walk(value, out));
    }
  }

  private static void scan(String t, int from, int to, Map<String, VariableRef> out) {
    int i = from;
    while (i < to) {
      int dollar = t.indexOf('$', i);
      if (dollar < 0 || dollar + 1 >= to) {
        return;
      }
      char next = t.charAt(dollar + 1);
      if (next == '$') {
        i = dollar + 2;
      } else if (Template.isNameStart(next)) {
        int end = Template.nameEnd(t, dollar + 1, to);
        add(out, new VariableRef(t.substring(dollar + 1, end), null, null, false));
        i = end;
      } else if (next == '{') {
        i = braced(t, dollar, to, out);
      } else {
        i = dollar + 1;
      }
    }
  }

  private static int braced(String t, int dollar, int to, Map<String, VariableRef> out) {
    int nameStart = dollar + 2;
    if (nameStart >= to || !Template.isNameStart(t.charAt(nameStart))) {
      return nameStart;
    }
    int nameEnd = Template.nameEnd(t, nameStart, to);
    int close = Template.closingBrace(t, nameEnd, to);
    if (close < 0) {
      return nameStart;
    }
    String name = t.substring(nameStart, nameEnd);
    if (close == nameEnd) {
      add(out, new VariableRef(name, null, null, false));
      return close + 1;
    }
    int opAt = Operator.earliest(t, nameStart, close);
    if (opAt != nameEnd) {
      return close + 1;
    }
    Operator op = Operator.at(t, opAt);
    int argFrom = opAt + op.symbol().length();
    String arg = t.substring(argFrom, close);
    add(
        out,
        new VariableRef(
            name, op.hasDefault() ? arg : null, op.isPresence() ? arg : null, op.isRequired()));
    scan(t, argFrom, close, out);
    return close + 1;
  }

  private static void add(Map<String, VariableRef> out, VariableRef ref) {
    out.merge(ref.name(), ref, VariableRef::merge);
  }
}
