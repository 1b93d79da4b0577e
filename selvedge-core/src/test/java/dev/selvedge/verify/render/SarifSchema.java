package dev.selvedge.verify.render;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/** The official SARIF 2.1.0 JSON schema (draft-04), loaded once from the test resources. */
final class SarifSchema {
  private static final Schema SCHEMA = load();

  private SarifSchema() {}

  /** What the schema rejects in {@code log}, one message per violation; empty when valid. */
  static List<String> errors(JsonNode log) {
    return SCHEMA.validate(log).stream().map(Error::toString).toList();
  }

  private static Schema load() {
    try (InputStream in = SarifSchema.class.getResourceAsStream("/sarif/sarif-schema-2.1.0.json")) {
      if (in == null) {
        throw new IllegalStateException("sarif/sarif-schema-2.1.0.json is not on the classpath");
      }
      return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4).getSchema(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
