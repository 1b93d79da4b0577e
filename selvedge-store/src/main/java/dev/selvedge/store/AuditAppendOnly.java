package dev.selvedge.store;

import java.sql.Clob;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Objects;
import org.h2.api.Trigger;

/**
 * H2's guard of the audit log ({@code V8__audit_log.sql} names this class: keep its name and
 * package): refuses every UPDATE and DELETE of {@code audit_event}, as PostgreSQL's PL/pgSQL
 * trigger does, except while the same transaction has a row in {@code audit_event_pass} naming the
 * pass ({@link AuditPass}): {@code retention} lets deletes through; {@code rekey} lets an update
 * through that changes nothing but {@code host}. The row is visible to no other transaction until
 * committed, and the store deletes it before committing.
 */
public final class AuditAppendOnly implements Trigger {
  private int hostColumn = -1;

  @Override
  public void init(
      Connection conn,
      String schemaName,
      String triggerName,
      String tableName,
      boolean before,
      int type)
      throws SQLException {
    try (ResultSet rs = conn.getMetaData().getColumns(null, schemaName, tableName, "HOST")) {
      if (rs.next()) {
        hostColumn = rs.getInt("ORDINAL_POSITION") - 1;
      }
    }
  }

  @Override
  public void fire(Connection conn, Object[] oldRow, Object[] newRow) throws SQLException {
    if (newRow == null) {
      if (pass(conn, AuditPass.RETENTION)) {
        return;
      }
      throw refused("DELETE");
    }
    if (onlyHostChanged(oldRow, newRow) && pass(conn, AuditPass.REKEY)) {
      return;
    }
    throw refused("UPDATE");
  }

  private boolean onlyHostChanged(Object[] oldRow, Object[] newRow) throws SQLException {
    if (hostColumn < 0 || oldRow.length != newRow.length) {
      return false;
    }
    for (int i = 0; i < oldRow.length; i++) {
      if (i != hostColumn && !Objects.equals(value(oldRow[i]), value(newRow[i]))) {
        return false;
      }
    }
    return true;
  }

  /** A CLOB (the detail) as its text: each row's value is its own object. */
  private static Object value(Object v) throws SQLException {
    if (v instanceof Clob clob) {
      return clob.getSubString(1, (int) Math.min(Integer.MAX_VALUE, clob.length()));
    }
    return v;
  }

  private static boolean pass(Connection conn, String purpose) throws SQLException {
    try (PreparedStatement st =
        conn.prepareStatement("SELECT COUNT(*) FROM audit_event_pass WHERE purpose = ?")) {
      st.setString(1, purpose);
      try (ResultSet rs = st.executeQuery()) {
        return rs.next() && rs.getLong(1) > 0;
      }
    }
  }

  private static SQLException refused(String what) {
    return new SQLException("audit_event is append-only: " + what + " refused", "42501");
  }
}
