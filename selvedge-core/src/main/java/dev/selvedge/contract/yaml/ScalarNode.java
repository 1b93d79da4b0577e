package dev.selvedge.contract.yaml;

/**
 * A scalar. {@code value} is the text as written ({@code null} for a YAML null); {@code plain}
 * tells whether it was unquoted, which decides whether {@code 8080} is a number or a string.
 */
public record ScalarNode(String value, boolean plain, Mark mark, Tag tag) implements Node {

  public static ScalarNode of(String value) {
    return new ScalarNode(value, false, Mark.NONE, Tag.NONE);
  }

  public static ScalarNode nullAt(Mark mark) {
    return new ScalarNode(null, true, mark, Tag.NONE);
  }

  public boolean isNull() {
    return value == null;
  }

  public ScalarNode withValue(String newValue) {
    return new ScalarNode(newValue, plain, mark, tag);
  }

  @Override
  public ScalarNode withTag(Tag newTag) {
    return new ScalarNode(value, plain, mark, newTag);
  }

  @Override
  public String kind() {
    return isNull() ? "null" : "a scalar";
  }

  /**
   * The YAML 1.2 core-schema reading of a plain scalar: Boolean, Long, Double, null, or the String.
   * Quoted scalars are always strings.
   */
  public Object resolved() {
    if (value == null) {
      return null;
    }
    if (!plain) {
      return value;
    }
    return CoreSchema.resolve(value);
  }
}
