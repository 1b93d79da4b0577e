package dev.selvedge.store;

/** The databases the store runs on; each has its own migrations under the same version numbers. */
enum Vendor {
  H2("db/migration/h2"),
  POSTGRESQL("db/migration/postgresql");

  /** Classpath directory of this vendor's Flyway migrations. */
  final String migrations;

  Vendor(String migrations) {
    this.migrations = migrations;
  }
}
