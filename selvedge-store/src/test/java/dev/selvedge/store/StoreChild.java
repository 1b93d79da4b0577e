package dev.selvedge.store;

import dev.selvedge.port.Lease;
import dev.selvedge.port.LeaseHeldException;
import dev.selvedge.port.Store;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

/**
 * A second process on the same store, for {@link H2StoreTest}: tries the project's lease, records a
 * deployment, and prints what happened.
 */
final class StoreChild {
  private StoreChild() {}

  public static void main(String[] args) throws java.io.IOException {
    String url = args[0];
    Clock clock = Clock.fixed(Instant.parse(args[1]), ZoneOffset.UTC); // the test's time
    String host = args[2];
    String project = args[3];
    try (Store store = Stores.open(new StoreConfig(url, null, null), clock)) {
      if (args[4].equals("hold")) {
        // Keep the store open (this JVM serving the file) until the test closes our stdin.
        System.out.println("open");
        System.out.flush();
        while (System.in.read() >= 0) {
          // wait
        }
        return;
      }
      try {
        Lease lease =
            store.leases().acquire(host, project, "child-jvm", "apply", Duration.ofMinutes(1));
        System.out.println("acquired");
        store.leases().release(lease);
      } catch (LeaseHeldException e) {
        System.out.println("held by " + e.holder().owner());
      }
      var draft = Drafts.running(host, project);
      var d =
          store
              .deployments()
              .begin(
                  new dev.selvedge.port.Deployment(
                      0,
                      draft.host(),
                      draft.project(),
                      draft.kind(),
                      draft.revision(),
                      "child-jvm",
                      draft.startedAt(),
                      null,
                      draft.outcome(),
                      false,
                      draft.renderedConfig(),
                      draft.images(),
                      draft.envFingerprints(),
                      null,
                      ""));
      System.out.println("deployment " + d.id());
    }
  }
}
