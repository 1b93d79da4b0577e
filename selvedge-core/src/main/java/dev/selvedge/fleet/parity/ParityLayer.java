package dev.selvedge.fleet.parity;

import java.util.Locale;

/**
 * Where two nodes' copies of a stack differ: the rendered contract, the files on the node, the
 * running environment, the image, the other container settings, the application's readback, or the
 * stack itself (on one side only).
 */
public enum ParityLayer {
  STACK,
  CONTRACT,
  FILES,
  ENV,
  IMAGE,
  CONTAINER,
  READBACK;

  /** The wire name: {@code contract}, {@code files}, ... */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }
}
