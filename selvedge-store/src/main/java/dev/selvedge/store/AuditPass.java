package dev.selvedge.store;

import org.jdbi.v3.core.Handle;

/**
 * The two ways past the audit log's append-only guard, each opened inside one transaction and
 * closed before it commits: on PostgreSQL a setting local to the transaction ({@code
 * selvedge.audit_retention}, {@code selvedge.audit_rekey}); on H2 a row of {@code audit_event_pass}
 * that no other transaction sees ({@link AuditAppendOnly}). A rollback takes either away with the
 * rest.
 */
final class AuditPass {
  static final String RETENTION = "retention";
  static final String REKEY = "rekey";

  private AuditPass() {}

  /** Opens {@code purpose}'s pass in {@code tx}, which must be inside a transaction. */
  static void open(Handle tx, Vendor vendor, String purpose) {
    if (vendor == Vendor.POSTGRESQL) {
      tx.createQuery("SELECT set_config(:name, 'on', true)")
          .bind("name", "selvedge.audit_" + purpose)
          .mapTo(String.class)
          .one();
    } else {
      tx.createUpdate("INSERT INTO audit_event_pass (purpose) VALUES (:purpose)")
          .bind("purpose", purpose)
          .execute();
    }
  }

  /** Closes it again, before the transaction commits. */
  static void close(Handle tx, Vendor vendor, String purpose) {
    if (vendor == Vendor.POSTGRESQL) {
      tx.createQuery("SELECT set_config(:name, 'off', true)")
          .bind("name", "selvedge.audit_" + purpose)
          .mapTo(String.class)
          .one();
    } else {
      tx.createUpdate("DELETE FROM audit_event_pass WHERE purpose = :purpose")
          .bind("purpose", purpose)
          .execute();
    }
  }
}
