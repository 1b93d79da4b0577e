package dev.selvedge.cli;

/** Entry point of the selvedge jar. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(0);
  }
}
