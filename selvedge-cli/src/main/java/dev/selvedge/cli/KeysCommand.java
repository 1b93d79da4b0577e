package dev.selvedge.cli;

import dev.selvedge.SelvedgeException;
import dev.selvedge.keys.ApiKeys;
import dev.selvedge.keys.KeyAudit;
import dev.selvedge.operations.Actor;
import dev.selvedge.port.ApiKeyStore.ApiKey;
import dev.selvedge.port.ApiKeyStore.Scope;
import dev.selvedge.port.AuditLog;
import dev.selvedge.port.Store;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;
import net.sourceforge.argparse4j.inf.Subparsers;

/**
 * {@code selvedge keys create|list|revoke}: the control plane's API keys, in the same store as
 * {@code serve} (it may be running: a change takes effect on its next request).
 */
final class KeysCommand implements Command {
  private final Cli cli;

  KeysCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public String name() {
    return "keys";
  }

  @Override
  public String summary() {
    return "create, list or revoke the API keys of selvedge serve";
  }

  @Override
  public void configure(Subparser p) {
    p.description(
        "The API keys of `selvedge serve`, kept in the store (the same store serve uses: --store,"
            + " SELVEDGE_STORE_URL or the H2 file under SELVEDGE_HOME). Only a hash of each token"
            + " is stored: the token is shown once, when the key is created.");
    Subparsers actions = p.addSubparsers().dest("action").metavar("ACTION").title("actions");
    Subparser create =
        actions.addParser("create").help("create a key; its token is the last line printed");
    create.addArgument("--name").required(true).help("the key's name (letters, digits, . _ @ -)");
    create
        .addArgument("--scope")
        .required(true)
        .choices("read", "operate", "admin")
        .help("what it may do: read < operate < admin");
    OperateOptions.configureStore(create);
    Subparser list = actions.addParser("list").help("every key: name, scope, dates (no token)");
    list.addArgument("--format").choices("text", "json").setDefault("text").help("text or json");
    OperateOptions.configureStore(list);
    Subparser revoke = actions.addParser("revoke").help("revoke a key by name, at once");
    revoke.addArgument("name").metavar("NAME").help("the key's name");
    OperateOptions.configureStore(revoke);
  }

  @Override
  public int run(Namespace ns) {
    String action = ns.getString("action");
    if (action == null) {
      throw new SelvedgeException("keys: name an action: create, list or revoke");
    }
    try (Store store = OperateOptions.store(ns, cli)) {
      ApiKeys keys = new ApiKeys(store.apiKeys(), Clock.systemUTC());
      switch (action) {
        case "create" -> {
          ApiKeys.Created created =
              keys.create(ns.getString("name"), Scope.parse(ns.getString("scope")));
          cli.out()
              .println(
                  "created the API key '"
                      + created.key().name()
                      + "' (scope "
                      + created.key().scope().label()
                      + "); its token is shown this once, keep it secret:");
          cli.out().println(created.token());
          cli.out().flush();
          // After the token: a key that exists must not be lost because its audit failed.
          audit(store, KeyAudit.created(created.key(), actor(), machine(), Instant.now(), ""));
        }
        case "list" -> {
          List<ApiKey> all = keys.list();
          cli.out().print("json".equals(ns.getString("format")) ? json(all) : text(all));
        }
        case "revoke" -> {
          String name = ns.getString("name");
          ApiKey before =
              keys.list().stream().filter(k -> k.name().equals(name)).findFirst().orElse(null);
          keys.revoke(name);
          if (before != null) {
            audit(store, KeyAudit.revoked(before, actor(), machine(), Instant.now(), ""));
          }
          cli.out().println("revoked the API key '" + ns.getString("name") + "'");
        }
        default -> throw new IllegalStateException(action);
      }
      return ExitCode.OK;
    }
  }

  private String actor() {
    return Actor.of(cli.environment());
  }

  private String machine() {
    return Actor.machine(cli.environment());
  }

  /**
   * Records the change; the key is changed already, so a store that takes the key but not its audit
   * event (it failed in between) is said, and the command fails.
   */
  private static void audit(Store store, AuditLog.Event event) {
    try {
      store.audit().record(event);
    } catch (RuntimeException e) {
      throw new SelvedgeException(
          "the key change was made but could not be recorded in the audit log: " + e.getMessage(),
          e);
    }
  }

  private static String text(List<ApiKey> keys) {
    if (keys.isEmpty()) {
      return "no API keys yet (selvedge keys create --name NAME --scope read)\n";
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"NAME", "SCOPE", "CREATED", "LAST USED", "REVOKED"});
    for (ApiKey k : keys) {
      rows.add(
          new String[] {
            k.name(),
            k.scope().label(),
            at(k.createdAt()),
            k.lastUsedAt() == null ? "never" : at(k.lastUsedAt()),
            k.revokedAt() == null ? "-" : at(k.revokedAt())
          });
    }
    int[] width = new int[5];
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    StringBuilder b = new StringBuilder();
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        b.append(i == r.length - 1 ? r[i] : String.format("%-" + (width[i] + 2) + "s", r[i]));
      }
      b.append('\n');
    }
    return b.toString();
  }

  private static String json(List<ApiKey> keys) {
    var arr = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
    for (ApiKey k : keys) {
      var o = arr.addObject();
      o.put("name", k.name());
      o.put("scope", k.scope().label());
      o.put("created_at", k.createdAt().toString());
      o.put("last_used_at", k.lastUsedAt() == null ? null : k.lastUsedAt().toString());
      o.put("revoked_at", k.revokedAt() == null ? null : k.revokedAt().toString());
    }
    return dev.selvedge.json.TreeJson.pretty(arr) + "\n";
  }

  private static String at(Instant t) {
    return t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
  }
}
