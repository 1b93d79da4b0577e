package dev.selvedge.server;

import java.lang.reflect.Proxy;

/**
 * SIGHUP as a callback. The JDK's only way to catch it is {@code sun.misc.Signal} (module
 * jdk.unsupported); it is reached reflectively because javac warns on every direct use of it, and
 * the build treats warnings as errors. Where it is missing, nothing is installed and the fleet file
 * is still reloaded when it changes.
 */
final class Hangup {
  private Hangup() {}

  /**
   * Calls {@code action} on every SIGHUP; false when it cannot: the platform has no such signal, or
   * the process was started with SIGHUP ignored ({@code nohup}), which the JVM keeps.
   */
  static boolean onSignal(Runnable action) {
    try {
      Class<?> signal = Class.forName("sun.misc.Signal");
      Class<?> handler = Class.forName("sun.misc.SignalHandler");
      Object hup = signal.getConstructor(String.class).newInstance("HUP");
      Object callback =
          Proxy.newProxyInstance(
              Hangup.class.getClassLoader(),
              new Class<?>[] {handler},
              (proxy, method, args) -> {
                if (method.getName().equals("handle")) {
                  action.run();
                  return null;
                }
                return switch (method.getName()) {
                  case "hashCode" -> System.identityHashCode(proxy);
                  case "equals" -> proxy == args[0];
                  case "toString" -> "SIGHUP handler";
                  default -> null;
                };
              });
      Object before = signal.getMethod("handle", signal, handler).invoke(null, hup, callback);
      Object ignored = handler.getField("SIG_IGN").get(null);
      if (before == ignored) {
        // Started with SIGHUP ignored (nohup): the JVM leaves it ignored whatever is installed,
        // so nothing would ever reload on it; say so instead of promising it.
        signal.getMethod("handle", signal, handler).invoke(null, hup, ignored);
        return false;
      }
      return true;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }
}
