package dev.selvedge.contract.compose;

import dev.selvedge.contract.ContractException;
import dev.selvedge.contract.SecretValues;
import dev.selvedge.contract.Secrets;
import dev.selvedge.contract.model.VariableUse;
import dev.selvedge.contract.yaml.MapNode;
import dev.selvedge.contract.yaml.Node;
import dev.selvedge.contract.yaml.ScalarNode;
import dev.selvedge.contract.yaml.SeqNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Compose variable substitution: {@code $VAR}, {@code ${VAR}}, {@code ${VAR:-default}}, {@code
 * ${VAR-default}}, {@code ${VAR:+replacement}}, {@code ${VAR+replacement}}, {@code
 * ${VAR:?message}}, {@code ${VAR?message}}, templates nested inside the arguments, and {@code $$}
 * for a literal {@code $}. Lookups return null for an unset variable and "" for one set but empty.
 * Only the branch an operator takes is evaluated.
 */
public final class Interpolator {
  private Interpolator() {}

  /**
   * Substitutes one string.
   *
   * @throws InterpolationException when the template is invalid ({@code ${}, {@code ${ VAR}}) or a
   *     required variable has no value
   */
  public static String substitute(String template, Function<String, String> lookup) {
    return Template.substitute(template, lookup, Template.IGNORE);
  }

  /**
   * Like {@link #substitute(String, Function)}, also telling {@code unsetWarnings} the name of
   * every plain {@code $VAR}/{@code ${VAR}} that is evaluated while unset, once per occurrence.
   */
  public static String substitute(
      String template, Function<String, String> lookup, Consumer<String> unsetWarnings) {
    return Template.substitute(
        template,
        lookup,
        (name, op, value) -> {
          if (op == Operator.NONE && value == null) {
            unsetWarnings.accept(name);
          }
        });
  }

  /** {@link #interpolate(Node, Function, Consumer, Consumer)} discarding warnings. */
  public static Node interpolate(
      Node tree, Function<String, String> lookup, Consumer<VariableUse> uses) {
    return interpolate(tree, lookup, uses, warning -> {});
  }

  /**
   * Substitutes every string scalar value of {@code tree} (map keys are left alone). Marks, tags
   * and the scalars' {@code plain} flag are kept; subtrees without a {@code $} are returned as they
   * are. Every evaluated reference goes to {@code uses} with its dotted path ({@code
   * services.api.ports[0]}). {@code warnings} gets one message per variable that was used without a
   * default while unset, naming the first place it was used.
   *
   * @throws ContractException at the scalar's mark and path when a template is invalid or a
   *     required variable is missing; the message is {@code error while interpolating <path>:
   *     required variable X is missing a value: ...} or {@code invalid interpolation format for
   *     <path>...}
   */
  public static Node interpolate(
      Node tree,
      Function<String, String> lookup,
      Consumer<VariableUse> uses,
      Consumer<String> warnings) {
    return interpolate(tree, lookup, uses, warnings, substitution -> {});
  }

  /**
   * Like {@link #interpolate(Node, Function, Consumer, Consumer)}, also telling {@code
   * substitutions} where each non-empty value went: so a secret can be masked exactly where it was
   * substituted, and nowhere else.
   */
  static Node interpolate(
      Node tree,
      Function<String, String> lookup,
      Consumer<VariableUse> uses,
      Consumer<String> warnings,
      Consumer<Substitution> substitutions) {
    return new Walk(lookup, uses, warnings, substitutions).node(tree, null);
  }

  /**
   * Variable {@code name}'s value fills {@code [start, end)} of {@code text}, the interpolated
   * value of a scalar at {@code site}: its path with the service name as {@code *}, and for a
   * {@code KEY=value} item of a list-form mapping ({@code environment}, {@code labels}, {@code
   * args}, ...) the key, as the map form would name it ({@code services.*.environment.DB_URL}).
   */
  record Substitution(String name, String site, String text, int start, int end) {
    @Override
    public String toString() {
      return "Substitution[" + name + " at " + site + "]";
    }
  }

  /** List-form mappings whose {@code KEY=value} items the model turns into map entries. */
  private static final Set<String> KEYED_LISTS =
      Set.of("environment", "labels", "args", "annotations", "sysctls", "driver_opts", "options");

  /** A path built only when a scalar needs it: most scalars hold no {@code $}. */
  private record Path(Path parent, String key, int index) {
    /** See {@link Substitution}. */
    String site(String value) {
      if (key == null && parent != null && KEYED_LISTS.contains(parent.key)) {
        int eq = value.indexOf('=');
        if (eq > 0) {
          return parent.site(value) + "." + value.substring(0, eq).strip();
        }
      }
      if (parent == null) {
        return key == null ? "[" + index + "]" : key;
      }
      String up = parent.site(value);
      if (key == null) {
        return up + "[" + index + "]";
      }
      return parent.parent == null && parent.key != null && parent.key.equals("services")
          ? up + ".*"
          : up + "." + key;
    }

    @Override
    public String toString() {
      StringBuilder sb = new StringBuilder();
      append(sb);
      return sb.toString();
    }

    private void append(StringBuilder sb) {
      if (parent != null) {
        parent.append(sb);
      }
      if (key == null) {
        sb.append('[').append(index).append(']');
      } else {
        if (!sb.isEmpty()) {
          sb.append('.');
        }
        sb.append(key);
      }
    }
  }

  private static final class Walk {
    private final Function<String, String> lookup;
    private final Consumer<VariableUse> uses;
    private final Consumer<String> warnings;
    private final Consumer<Substitution> substitutions;
    private final Set<String> warned = new HashSet<>();

    Walk(
        Function<String, String> lookup,
        Consumer<VariableUse> uses,
        Consumer<String> warnings,
        Consumer<Substitution> substitutions) {
      this.lookup = lookup;
      this.uses = uses;
      this.warnings = warnings;
      this.substitutions = substitutions;
    }

    Node node(Node node, Path path) {
      // instanceof rather than a pattern switch: a type switch spins a class at run time on first
      // use, which every short CLI run would pay for (the AOT cache cannot hold it).
      if (node instanceof ScalarNode s) {
        return scalar(s, path);
      }
      if (node instanceof SeqNode s) {
        return seq(s, path);
      }
      return map((MapNode) node, path);
    }

    private Node seq(SeqNode seq, Path path) {
      List<Node> items = seq.items();
      List<Node> copy = null;
      for (int i = 0; i < items.size(); i++) {
        Node item = items.get(i);
        Node done = node(item, new Path(path, null, i));
        if (done != item && copy == null) {
          copy = new ArrayList<>(items.subList(0, i));
        }
        if (copy != null) {
          copy.add(done);
        }
      }
      return copy == null ? seq : new SeqNode(copy, seq.mark(), seq.tag());
    }

    private Node map(MapNode map, Path path) {
      Map<String, Node> copy = null;
      for (Map.Entry<String, Node> e : map.entries().entrySet()) {
        Node value = e.getValue();
        Node done = node(value, new Path(path, e.getKey(), -1));
        if (done != value && copy == null) {
          copy = new LinkedHashMap<>(map.entries());
        }
        if (copy != null) {
          copy.put(e.getKey(), done);
        }
      }
      return copy == null ? map : new MapNode(copy, map.mark(), map.tag());
    }

    private Node scalar(ScalarNode s, Path path) {
      String value = s.value();
      if (value == null || value.indexOf('$') < 0) {
        return s;
      }
      String where = path == null ? "" : path.toString();
      List<int[]> spans = new ArrayList<>();
      List<String> names = new ArrayList<>();
      // Values of secret-looking variables met in this scalar: an error message must not echo
      // them (a required variable's message may be built from other variables).
      List<String> secrets = new ArrayList<>();
      Template.Listener listener =
          new Template.Listener() {
            @Override
            public void reference(String name, Operator op, String found) {
              uses.accept(new VariableUse(name, op.hasDefault(), op.isRequired(), where, s.mark()));
              if (found != null && !found.isEmpty() && Secrets.isSecretKey(name, Set.of())) {
                secrets.add(found);
              }
              if (op == Operator.NONE && found == null && warned.add(name)) {
                warnings.accept(
                    "The \""
                        + name
                        + "\" variable is not set. Defaulting to a blank string (first used at "
                        + where
                        + ", "
                        + s.mark()
                        + ").");
              }
            }

            @Override
            public void inserted(String name, int start, int end) {
              names.add(name);
              spans.add(new int[] {start, end});
            }
          };
      try {
        String result = Template.substitute(value, lookup, listener);
        if (!spans.isEmpty()) {
          String site = path == null ? "" : path.site(result);
          for (int i = 0; i < spans.size(); i++) {
            substitutions.accept(
                new Substitution(names.get(i), site, result, spans.get(i)[0], spans.get(i)[1]));
          }
        }
        return result.equals(value) ? s : s.withValue(result);
      } catch (InterpolationException e) {
        String message =
            switch (e.kind()) {
              case INVALID_TEMPLATE ->
                  "invalid interpolation format for "
                      + where
                      + ".\nYou may need to escape any $ with another $.\n"
                      + value;
              case MISSING_REQUIRED ->
                  "error while interpolating "
                      + where
                      + ": "
                      + SecretValues.of(secrets).scrub(e.getMessage());
            };
        // The cause's own message would repeat what was just masked.
        throw new ContractException(s.mark(), where, message, secrets.isEmpty() ? e : null);
      }
    }
  }
}
