package dev.selvedge;

/** Small pieces of the English that output is written in. */
public final class Words {
  private Words() {}

  /** {@code n} and {@code noun}, plural unless one: "1 node", "3 nodes", "0 nodes". */
  public static String count(long n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }
}
