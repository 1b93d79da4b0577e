package dev.selvedge.contract.compose;

import dev.selvedge.contract.ContractException;
import dev.selvedge.contract.SecretValues;
import dev.selvedge.contract.Secrets;
import dev.selvedge.contract.model.Dependency;
import dev.selvedge.contract.model.FileReference;
import dev.selvedge.contract.model.NetworkDef;
import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.model.SecretDef;
import dev.selvedge.contract.model.Service;
import dev.selvedge.contract.model.ServiceNetwork;
import dev.selvedge.contract.model.ServiceVolume;
import dev.selvedge.contract.model.SourceFile;
import dev.selvedge.contract.model.VariableUse;
import dev.selvedge.contract.model.VolumeDef;
import dev.selvedge.contract.yaml.MapNode;
import dev.selvedge.contract.yaml.Mark;
import dev.selvedge.contract.yaml.Node;
import dev.selvedge.contract.yaml.ScalarNode;
import dev.selvedge.contract.yaml.SeqNode;
import dev.selvedge.contract.yaml.YamlReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Loads a Compose project the way the Compose Specification describes: finds the files, reads
 * {@code .env}, interpolates, resolves {@code include} and {@code extends}, merges the files in
 * order, applies profiles and normalizes everything into a {@link Project}.
 *
 * <p>Loading is all-or-nothing: any problem is a {@link ContractException} naming the file, line
 * and key, and no partial project is returned.
 */
public final class ComposeLoader {
  /** The file names {@code docker compose} looks for, in its order of preference. */
  public static final List<String> DEFAULT_FILES =
      List.of("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml");

  /** Override files docker compose picks up beside any of the above: the first that exists. */
  public static final List<String> OVERRIDE_FILES =
      List.of(
          "compose.override.yml",
          "compose.override.yaml",
          "docker-compose.override.yml",
          "docker-compose.override.yaml");

  /** The {@code -f} name for standard input, as in docker compose. */
  public static final String STDIN = "-";

  /**
   * What a variable that {@code .env.example} declares without a usable value stands for when
   * {@link LoadOptions#envExampleFallback} applies: {@code placeholder-db_password}. Lowercase so
   * it is valid in an image name; one per key so no two variables share a value, which would read
   * as a secret reused in a public field.
   */
  public static String placeholder(String key) {
    return "placeholder-" + key.toLowerCase(Locale.ROOT);
  }

  private static final Set<String> TOP_LEVEL =
      Set.of("version", "name", "services", "networks", "volumes", "secrets", "configs", "include");
  private static final Pattern VALID_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]*");
  private static final int MAX_INCLUDE_DEPTH = 10;

  private final LoadOptions options;
  private final List<VariableUse> uses = new ArrayList<>();
  private final List<Interpolator.Substitution> substitutions = new ArrayList<>();
  private final List<String> warnings = new ArrayList<>();
  private final List<SourceFile> sources = new ArrayList<>();
  private final Set<Path> seenSources = new LinkedHashSet<>();

  private ComposeLoader(LoadOptions options) {
    this.options = options;
  }

  /** Loads and renders the project described by {@code options}. */
  public static Project load(LoadOptions options) {
    return new ComposeLoader(options).load();
  }

  /** The compose files that would be loaded from {@code dir} when no {@code -f} is given. */
  public static List<Path> discover(Path dir) {
    return discover(dir, SourceFiles.LOCAL);
  }

  /** {@link #discover(Path)} through {@code files} (a host's deploy directory, say). */
  public static List<Path> discover(Path dir, SourceFiles files) {
    List<Path> found = new ArrayList<>();
    for (String name : DEFAULT_FILES) {
      Path p = dir.resolve(name);
      if (files.isFile(p)) {
        found.add(p);
        break;
      }
    }
    if (found.isEmpty()) {
      return found;
    }
    for (String name : OVERRIDE_FILES) {
      Path p = dir.resolve(name);
      if (files.isFile(p)) {
        found.add(p);
        break;
      }
    }
    return found;
  }

  /**
   * The project directory {@code options} select, without reading anything: {@code
   * --project-directory}, else the directory of the first {@code -f} file, else the working
   * directory.
   */
  public static Path projectDirectory(LoadOptions options) {
    Path wd = options.workingDir();
    if (options.projectDirectory() != null) {
      return wd.resolve(options.projectDirectory()).toAbsolutePath().normalize();
    }
    if (!options.files().isEmpty()) {
      return wd.resolve(options.files().get(0)).toAbsolutePath().normalize().getParent();
    }
    return wd;
  }

  private Project load() {
    Path workingDir = options.workingDir();
    List<Path> files = new ArrayList<>();
    for (Path f : options.files()) {
      if (f.toString().equals(STDIN)) {
        // Relative paths inside it start at the working directory, as docker compose has it.
        stdinFile = workingDir.resolve(STDIN);
        files.add(stdinFile);
      } else {
        files.add(workingDir.resolve(f).toAbsolutePath().normalize());
      }
    }
    Path searchDir =
        options.projectDirectory() != null
            ? workingDir.resolve(options.projectDirectory()).toAbsolutePath().normalize()
            : workingDir;
    if (files.isEmpty()) {
      String composeFile = options.environment().get("COMPOSE_FILE");
      if (composeFile != null && !composeFile.isBlank()) {
        // As docker compose: relative to the working directory, split on COMPOSE_PATH_SEPARATOR.
        String separator = options.environment().getOrDefault("COMPOSE_PATH_SEPARATOR", ":");
        for (String f : composeFile.split(java.util.regex.Pattern.quote(separator))) {
          if (!f.isBlank()) {
            files.add(workingDir.resolve(f).normalize());
          }
        }
      } else {
        files.addAll(discover(searchDir, options.sources()));
      }
    }
    if (files.isEmpty()) {
      throw new ContractException(
          Mark.of(searchDir.toString()),
          "",
          "no compose file found (looked for "
              + String.join(", ", DEFAULT_FILES)
              + "); pass one with -f or --project-directory");
    }
    Path projectDir =
        options.projectDirectory() != null
            ? searchDir
            : files.get(0).getParent().toAbsolutePath().normalize();
    this.projectDir = projectDir;

    Map<String, String> dotenv = readDotEnv(projectDir);
    Map<String, String> processEnv = options.environment();
    Function<String, String> lookup =
        key -> processEnv.containsKey(key) ? processEnv.get(key) : dotenv.get(key);
    // Values of secret-looking variables: scrubbed from every message from here on, because an
    // error may quote a value that interpolation put there.
    SecretValues secrets =
        secretVariables(processEnv, Set.of()).and(secretVariables(dotenv, Set.of()));
    boolean fromCompose =
        options.files().isEmpty() && options.environment().get("COMPOSE_FILE") != null;
    try {
      MapNode merged = null;
      for (Path file : files) {
        String display = display(file);
        MapNode doc =
            loadFile(
                file,
                projectDir,
                lookup,
                0,
                () ->
                    new ContractException(
                        Mark.of(display),
                        "",
                        fromCompose
                            ? "file not found; check COMPOSE_FILE"
                            : "file not found; check the -f path"));
        if (merged != null && isEmpty(doc)) {
          // docker compose skips an empty file after the first; a truncated override is worth
          // a word all the same.
          warnings.add(display + ": empty; nothing merged from it");
        }
        merged = merged == null ? doc : asMap(Merger.merge(merged, doc), file);
      }
      requireServices(merged, files);
      return build(merged, projectDir, lookup, secrets);
    } catch (ContractException e) {
      List<SecretValues.Site> sites = secretSites(Set.of(), secrets.values());
      List<String> values = new ArrayList<>();
      for (SecretValues.Site site : sites) {
        values.add(site.value());
      }
      throw e.redacted(secrets.and(SecretValues.of(values, sites)));
    }
  }

  private Path projectDir;

  /**
   * Where values of secret variables ({@code declared} or secret-looking) were substituted; and
   * where a variable of another name brought one of the {@code carried} secrets inside its value
   * ({@code DB_URL=postgres://u:${DB_PASSWORD}@db/x} in {@code .env}, then {@code ${DB_URL}}).
   */
  private List<SecretValues.Site> secretSites(Set<String> declared, List<String> carried) {
    List<SecretValues.Site> sites = new ArrayList<>();
    for (Interpolator.Substitution s : substitutions) {
      if (Secrets.isSecretKey(s.name(), declared)) {
        sites.add(new SecretValues.Site(s.site(), s.text(), s.start(), s.end()));
        continue;
      }
      carriedIn(s.site(), s.text(), s.start(), s.end(), carried, sites);
    }
    return sites;
  }

  // Where -f - stands in the file list; null when standard input is not read.
  private Path stdinFile;

  /**
   * A site for each occurrence of a {@code carried} secret in {@code [from, to)} of {@code text}.
   */
  private static void carriedIn(
      String site,
      String text,
      int from,
      int to,
      List<String> carried,
      List<SecretValues.Site> sites) {
    for (String secret : carried) {
      for (int at = text.indexOf(secret, from);
          at >= 0 && at + secret.length() <= to;
          at = text.indexOf(secret, at + 1)) {
        sites.add(new SecretValues.Site(site, text, at, at + secret.length()));
      }
    }
  }

  private static SecretValues secretVariables(Map<String, String> env, Set<String> declared) {
    List<String> values = new ArrayList<>();
    for (Map.Entry<String, String> e : env.entrySet()) {
      if (Secrets.isSecretKey(e.getKey(), declared)) {
        values.add(e.getValue());
      }
    }
    return SecretValues.of(values);
  }

  private Map<String, String> readDotEnv(Path projectDir) {
    List<Path> envFiles = new ArrayList<>();
    boolean explicit = !options.envFiles().isEmpty();
    if (explicit) {
      for (Path p : options.envFiles()) {
        envFiles.add(options.workingDir().resolve(p).normalize());
      }
    } else if (options.sources().isFile(projectDir.resolve(".env"))) {
      envFiles.add(projectDir.resolve(".env"));
    } else if (options.envExampleFallback() != null) {
      return exampleValues(projectDir.resolve(options.envExampleFallback()).normalize());
    }
    LinkedHashMap<String, String> values = new LinkedHashMap<>();
    Map<String, String> processEnv = options.environment();
    for (Path p : envFiles) {
      values.putAll(
          DotEnv.read(
              readEnvText(p, "check the --env-file path"),
              p.toString(),
              key -> processEnv.containsKey(key) ? processEnv.get(key) : values.get(key)));
    }
    return values;
  }

  /**
   * The variables {@code example} declares, standing in for a {@code .env} that is not there (a CI
   * runner has none): a key keeps its example value when that is a plain public value, and gets
   * {@link #placeholder} when it looks secret, is empty or refers to other variables, so a {@code
   * ${DB_PASSWORD:?}} is satisfied without anyone's password. Nothing when there is no example.
   */
  private Map<String, String> exampleValues(Path example) {
    if (!options.sources().isFile(example)) {
      return Map.of();
    }
    LinkedHashMap<String, String> values = new LinkedHashMap<>();
    byte[] bytes = options.sources().read(example).orElseThrow();
    // Committed and public, so it is hashed like a Compose file rather than withheld like a .env.
    addSource(example, bytes, "env-example");
    String text = new String(bytes, StandardCharsets.UTF_8);
    for (Map.Entry<String, String> e : DotEnv.parseLiteral(text, display(example)).entrySet()) {
      String value = e.getValue();
      boolean usable =
          !value.isEmpty() && value.indexOf('$') < 0 && !Secrets.isSecretKey(e.getKey(), Set.of());
      values.put(e.getKey(), usable ? value : placeholder(e.getKey()));
    }
    warnings.add(
        "no .env: variables come from "
            + display(example)
            + " (secret-looking and empty ones as placeholder-<name>); live commands need the"
            + " real .env");
    return values;
  }

  /**
   * Reads, interpolates and resolves extends and include of one file; {@code missing} is the error
   * when there is no file, naming what referred to it.
   */
  private MapNode loadFile(
      Path file,
      Path projectDir,
      Function<String, String> lookup,
      int includeDepth,
      Supplier<ContractException> missing) {
    MapNode doc = readInterpolated(file, lookup, missing);
    doc = Extends.resolve(doc, file, this::readForExtends);
    if (doc.get("include") != null) {
      doc = include(doc, file, lookup, includeDepth);
    }
    return doc;
  }

  private MapNode readForExtends(Path file, Node reference, String path) {
    MapNode doc =
        readInterpolated(
            file,
            currentLookup,
            () ->
                Read.error(
                    reference, path, display(file) + ": file not found; check extends.file"));
    return RelativePaths.absolutize(doc, file.getParent());
  }

  // Extends from another file interpolates with the project's lookup; set during build-up.
  private Function<String, String> currentLookup = key -> null;

  private MapNode readInterpolated(
      Path file, Function<String, String> lookup, Supplier<ContractException> missing) {
    currentLookup = lookup;
    String display = display(file);
    byte[] bytes =
        file.equals(stdinFile)
            ? options
                .sources()
                .stdin()
                .orElseThrow(
                    () ->
                        new ContractException(
                            Mark.of(display),
                            "",
                            "-f - (standard input) is not read by this command; pass the"
                                + " file's path"))
            : readSource(file, display, missing);
    addSource(file, bytes, "compose");
    Node root = YamlReader.read(display, new String(bytes, StandardCharsets.UTF_8));
    MapNode doc = asMap(root, file);
    Node interpolated;
    try {
      interpolated =
          Interpolator.interpolate(doc, lookup, uses::add, warnings::add, substitutions::add);
    } catch (ContractException e) {
      throw withoutSecretValue(e);
    }
    return asMap(interpolated, file);
  }

  /** A file's bytes; errors name it as the user wrote it rather than by its absolute path. */
  private byte[] readSource(Path file, String display, Supplier<ContractException> missing) {
    Optional<byte[]> bytes;
    try {
      bytes = options.sources().read(file);
    } catch (ContractException e) {
      throw new ContractException(Mark.of(display), "", e.detail(), e);
    }
    return bytes.orElseThrow(missing);
  }

  /**
   * An invalid template's message quotes the value; under a secret-looking key that value may be
   * the secret itself, so it is left out.
   */
  private static ContractException withoutSecretValue(ContractException e) {
    String path = e.path();
    String key = path.substring(Math.max(path.lastIndexOf('.'), path.lastIndexOf(']')) + 1);
    if (!Secrets.isSecretKey(key, Set.of())
        || !(e.getCause() instanceof InterpolationException ie)
        || ie.kind() != InterpolationException.Kind.INVALID_TEMPLATE) {
      return e;
    }
    return new ContractException(
        e.mark(),
        path,
        "invalid interpolation format (value not shown: the key looks secret); write $$ for a"
            + " literal $",
        ie);
  }

  private MapNode include(MapNode doc, Path file, Function<String, String> lookup, int depth) {
    if (depth >= MAX_INCLUDE_DEPTH) {
      throw new ContractException(
          doc.get("include").mark(), "include", "includes nest too deep; is there a cycle?");
    }
    SeqNode list = Read.seq(doc.get("include"), "include");
    MapNode result = doc.without("include");
    for (int i = 0; i < list.items().size(); i++) {
      String ip = Read.index("include", i);
      Node item = list.items().get(i);
      List<String> paths = new ArrayList<>();
      String projectDirectory = null;
      List<String> envFiles = new ArrayList<>();
      if (item instanceof MapNode m) {
        for (Map.Entry<String, Node> e : m.entries().entrySet()) {
          String kp = Read.path(ip, e.getKey());
          switch (e.getKey()) {
            case "path" -> paths.addAll(Read.strings(e.getValue(), kp));
            case "project_directory" -> projectDirectory = Read.str(e.getValue(), kp);
            case "env_file" -> envFiles.addAll(Read.strings(e.getValue(), kp));
            default ->
                throw Read.error(
                    e.getValue(), kp, "unknown key '" + e.getKey() + "' in an include entry");
          }
        }
      } else {
        paths.add(Read.requiredStr(item, ip));
      }
      if (paths.isEmpty()) {
        throw Read.error(item, ip, "an include needs a path");
      }
      Path base = file.getParent();
      Path first = base.resolve(paths.get(0)).normalize();
      Path includedDir =
          projectDirectory != null ? base.resolve(projectDirectory).normalize() : first.getParent();
      Map<String, String> includeEnv = new HashMap<>();
      List<Path> envPaths = new ArrayList<>();
      for (String e : envFiles) {
        envPaths.add(base.resolve(e).normalize());
      }
      if (envPaths.isEmpty() && options.sources().isFile(includedDir.resolve(".env"))) {
        envPaths.add(includedDir.resolve(".env"));
      }
      for (Path e : envPaths) {
        includeEnv.putAll(
            DotEnv.read(readEnvText(e, "check the include's env_file"), e.toString(), lookup));
      }
      Function<String, String> includedLookup =
          key -> {
            String v = lookup.apply(key);
            return v != null ? v : includeEnv.get(key);
          };
      MapNode included = null;
      for (String p : paths) {
        Path f = base.resolve(p).normalize();
        MapNode one =
            loadFile(
                f,
                includedDir,
                includedLookup,
                depth + 1,
                () ->
                    Read.error(item, ip, display(f) + ": file not found; check the include path"));
        one = RelativePaths.absolutize(one, includedDir);
        included = included == null ? one : asMap(Merger.merge(included, one), f);
      }
      if (isEmpty(included)) {
        throw Read.error(
            item,
            ip,
            "includes an empty Compose file ("
                + String.join(", ", paths)
                + "): nothing but blank lines, comments or version:; is it truncated?");
      }
      result = mergeIncluded(result, included, item, ip);
    }
    return result;
  }

  /** Included resources must not collide with the including file's own. */
  private static MapNode mergeIncluded(MapNode host, MapNode included, Node at, String path) {
    for (String section : List.of("services", "networks", "volumes", "secrets", "configs")) {
      if (host.get(section) instanceof MapNode mine
          && included.get(section) instanceof MapNode theirs) {
        for (String key : theirs.entries().keySet()) {
          if (mine.has(key)) {
            throw Read.error(
                at,
                path,
                section
                    + "."
                    + key
                    + " is defined both here and in the included project; rename one of them");
          }
        }
      }
    }
    return (MapNode) Merger.merge(included, host);
  }

  private Project build(
      MapNode doc, Path projectDir, Function<String, String> lookup, SecretValues fromEnv) {
    Project p = normalize(doc, projectDir, projectName(doc, projectDir, lookup), lookup);
    // Add the values of keys declared secret and of secret-looking service environment keys and
    // labels, for texts of unknown origin; where they are shown, their key masks them.
    List<String> values = new ArrayList<>();
    for (String key : p.secretKeys()) {
      values.add(lookup.apply(key));
    }
    // Secrets that may travel inside other values; one that is a name of the contract is public.
    List<String> carried =
        fromEnv
            .and(SecretValues.of(values))
            .withoutPublic(Secrets.publicNames(p).values())
            .values();
    for (var s : p.services().values()) {
      secretKeyValues(s.environment(), p.secretKeys(), values);
      secretKeyValues(s.labels(), p.secretKeys(), values);
    }
    List<SecretValues.Site> sites = secretSites(p.secretKeys(), carried);
    for (var s : p.services().values()) {
      carriedInEnvironment(s.environment(), written(doc, s.name()), p.secretKeys(), carried, sites);
    }
    for (SecretValues.Site site : sites) {
      values.add(site.value());
    }
    SecretValues masked = SecretValues.of(List.of(), sites);
    Collection<String> publicTexts =
        Secrets.publicValues(p.withSecrets(Set.of(), masked), p.secretKeys()).values();
    SecretValues all = fromEnv.and(SecretValues.of(values, sites)).withoutPublic(publicTexts);
    return new Project(
        p.name(),
        p.workingDir(),
        p.services(),
        p.disabledServices(),
        p.networks(),
        p.volumes(),
        p.secrets(),
        p.configs(),
        p.policy(),
        p.variables(),
        p.locations(),
        p.secretKeys(),
        p.pinnedEnv(),
        p.sources(),
        p.warnings(),
        all,
        p.parityIgnore(),
        p.tenantUnique());
  }

  /**
   * An environment value under a public key that holds a secret is masked there too, when the value
   * was not written in a compose file (whose substitutions are sites already): it came from an
   * {@code env_file} whose lines interpolate the secret, or from the environment by name.
   */
  private static void carriedInEnvironment(
      Map<String, String> env,
      Set<String> written,
      Set<String> declared,
      List<String> carried,
      List<SecretValues.Site> sites) {
    for (Map.Entry<String, String> e : env.entrySet()) {
      String v = e.getValue();
      if (v == null || written.contains(e.getKey()) || Secrets.isSecretKey(e.getKey(), declared)) {
        continue;
      }
      carriedIn("services.*.environment." + e.getKey(), v, 0, v.length(), carried, sites);
    }
  }

  /** The environment keys a service writes out with a value in the (merged) compose files. */
  private static Set<String> written(MapNode doc, String service) {
    Set<String> keys = new HashSet<>();
    if (doc.get("services") instanceof MapNode services
        && services.get(service) instanceof MapNode s) {
      Node env = s.get("environment");
      if (env instanceof MapNode m) {
        m.entries()
            .forEach(
                (k, v) -> {
                  if (v instanceof ScalarNode sc && sc.value() != null) {
                    keys.add(k);
                  }
                });
      } else if (env instanceof SeqNode list) {
        for (Node item : list.items()) {
          if (item instanceof ScalarNode sc && sc.value() != null && sc.value().indexOf('=') > 0) {
            keys.add(sc.value().substring(0, sc.value().indexOf('=')).strip());
          }
        }
      }
    }
    return keys;
  }

  private static void secretKeyValues(
      Map<String, String> entries, Set<String> declared, List<String> values) {
    for (Map.Entry<String, String> e : entries.entrySet()) {
      if (Secrets.isSecretKey(e.getKey(), declared)) {
        values.add(e.getValue());
      }
    }
  }

  /**
   * The normalization step alone: a merged, interpolated document and a project name in, the typed
   * project out. Package-private so the conformance data for normalization can drive it directly.
   */
  static Project normalize(
      MapNode doc,
      Path projectDir,
      String name,
      Function<String, String> lookup,
      Set<String> profiles) {
    LoadOptions o =
        new LoadOptions(List.of(), projectDir, name, List.of(), profiles, Map.of(), projectDir);
    return new ComposeLoader(o).normalize(doc, projectDir, name, lookup);
  }

  private Project normalize(
      MapNode doc, Path projectDir, String name, Function<String, String> lookup) {
    for (Map.Entry<String, Node> e : doc.entries().entrySet()) {
      String key = e.getKey();
      if (!TOP_LEVEL.contains(key) && !key.startsWith("x-")) {
        throw Read.error(
            e.getValue(),
            key,
            "unknown top-level key '"
                + key
                + "'; a Compose file has services, networks, volumes, secrets, configs, include,"
                + " name and x- extensions");
      }
    }
    if (doc.has("version")) {
      warnings.add(
          doc.get("version").mark() + ": version: is obsolete and ignored; you can remove it");
    }
    ModelBuilder builder =
        new ModelBuilder(
            projectDir,
            name,
            lookup,
            warnings,
            options.sources(),
            (file, bytes) -> addSource(file, bytes, "env"));

    MapNode servicesNode =
        doc.get("services") == null
            ? MapNode.empty(doc.mark())
            : Read.map(doc.get("services"), "services");
    Set<String> active = activeProfiles(lookup);
    Map<String, Service> all = new LinkedHashMap<>();
    for (Map.Entry<String, Node> e : servicesNode.entries().entrySet()) {
      if (!VALID_SERVICE_NAME.matcher(e.getKey()).matches()) {
        throw Read.error(
            e.getValue(),
            Read.path("services", e.getKey()),
            "service names may contain letters, digits, '.', '_' and '-' only");
      }
      all.put(
          e.getKey(),
          builder.service(e.getKey(), Read.map(e.getValue(), Read.path("services", e.getKey()))));
    }
    Map<String, Service> enabled = new LinkedHashMap<>();
    Set<String> disabled = new LinkedHashSet<>();
    for (Service s : all.values()) {
      if (s.profiles().isEmpty()
          || active.contains("*")
          || s.profiles().stream().anyMatch(active::contains)) {
        enabled.put(s.name(), s);
      } else {
        disabled.add(s.name());
      }
    }
    enabled = checkDependencies(withImplicitDependencies(enabled), all, disabled, servicesNode);

    boolean defaultNeeded = false;
    Map<String, Service> withNetworks = new LinkedHashMap<>();
    for (Service s : enabled.values()) {
      if (s.networks().isEmpty() && s.networkMode() == null) {
        defaultNeeded = true;
        s = withDefaultNetwork(s);
      } else if (s.networks().containsKey("default")) {
        // Naming the implicit network (for aliases, say) still means the project's default one.
        defaultNeeded = true;
      }
      withNetworks.put(s.name(), s);
    }
    Map<String, NetworkDef> networks = builder.networks(doc.get("networks"), defaultNeeded);
    Map<String, VolumeDef> volumes = builder.volumes(doc.get("volumes"));
    Map<String, SecretDef> secrets = builder.secrets(doc.get("secrets"), "secrets");
    Map<String, SecretDef> configs = builder.secrets(doc.get("configs"), "configs");
    for (Service s : withNetworks.values()) {
      checkReferences(s, withNetworks, networks, volumes, secrets, configs, servicesNode);
    }
    var policy = builder.policy(doc.get("x-selvedge"));

    return new Project(
        name,
        projectDir.toString(),
        withNetworks,
        disabled,
        networks,
        volumes,
        secrets,
        configs,
        policy,
        uses,
        new TreeLocations(doc),
        builder.secretKeys(),
        builder.pinnedEnv(),
        sources,
        warnings,
        SecretValues.NONE,
        builder.parityIgnore(),
        builder.tenantUnique());
  }

  /**
   * A service that shares another's network, IPC or PID namespace ({@code service:x}) depends on
   * it, as Compose adds: started first, restarted with it.
   */
  private static Map<String, Service> withImplicitDependencies(Map<String, Service> services) {
    Map<String, Service> out = new LinkedHashMap<>();
    for (Service s : services.values()) {
      Map<String, Dependency> deps = new LinkedHashMap<>(s.dependsOn());
      for (String mode : new String[] {s.networkMode(), s.options().ipc(), s.options().pid()}) {
        if (mode != null && mode.startsWith("service:")) {
          deps.putIfAbsent(
              mode.substring("service:".length()), new Dependency(Dependency.STARTED, true, true));
        }
      }
      out.put(s.name(), deps.size() == s.dependsOn().size() ? s : s.withDependsOn(deps));
    }
    return out;
  }

  private static final Pattern VALID_SERVICE_NAME = Pattern.compile("[a-zA-Z0-9._-]+");

  private static Service withDefaultNetwork(Service s) {
    return s.withNetworks(Map.of("default", ServiceNetwork.DEFAULT));
  }

  private Map<String, Service> checkDependencies(
      Map<String, Service> enabled,
      Map<String, Service> all,
      Set<String> disabled,
      MapNode servicesNode) {
    Map<String, Service> out = new LinkedHashMap<>();
    for (Service s : enabled.values()) {
      Map<String, Dependency> deps = new LinkedHashMap<>();
      for (Map.Entry<String, Dependency> d : s.dependsOn().entrySet()) {
        String target = d.getKey();
        String path = "services." + s.name() + ".depends_on." + target;
        Node at = servicesNode.get(s.name());
        if (!all.containsKey(target)) {
          if (!d.getValue().required()) {
            warnings.add(path + ": optional dependency on undefined service " + target);
            continue;
          }
          throw Read.error(at, path, "depends on undefined service '" + target + "'");
        }
        if (disabled.contains(target)) {
          if (!d.getValue().required()) {
            continue;
          }
          throw Read.error(
              at,
              path,
              "depends on service '"
                  + target
                  + "', which is disabled by profiles "
                  + all.get(target).profiles()
                  + "; activate one with --profile");
        }
        deps.put(target, d.getValue());
      }
      out.put(s.name(), deps.size() == s.dependsOn().size() ? s : s.withDependsOn(deps));
    }
    detectCycles(out, servicesNode);
    return out;
  }

  private static void detectCycles(Map<String, Service> services, MapNode servicesNode) {
    Map<String, Integer> state = new HashMap<>();
    for (String name : services.keySet()) {
      visit(name, services, state, new ArrayList<>(), servicesNode);
    }
  }

  private static void visit(
      String name,
      Map<String, Service> services,
      Map<String, Integer> state,
      List<String> stack,
      MapNode servicesNode) {
    Integer st = state.get(name);
    if (st != null && st == 2) {
      return;
    }
    stack.add(name);
    if (st != null && st == 1) {
      throw Read.error(
          servicesNode.get(name),
          "services." + name + ".depends_on",
          "dependency cycle: " + String.join(" -> ", stack));
    }
    state.put(name, 1);
    Service s = services.get(name);
    if (s != null) {
      for (String d : s.dependsOn().keySet()) {
        visit(d, services, state, stack, servicesNode);
      }
    }
    state.put(name, 2);
    stack.remove(stack.size() - 1);
  }

  private static void checkReferences(
      Service s,
      Map<String, Service> services,
      Map<String, NetworkDef> networks,
      Map<String, VolumeDef> volumes,
      Map<String, SecretDef> secrets,
      Map<String, SecretDef> configs,
      MapNode servicesNode) {
    Node at = servicesNode.get(s.name());
    String p = "services." + s.name();
    for (String n : s.networks().keySet()) {
      if (!networks.containsKey(n)) {
        throw Read.error(
            at,
            p + ".networks." + n,
            "refers to undefined network '" + n + "'; declare it under networks:");
      }
    }
    if (s.networkMode() != null && !s.networks().isEmpty()) {
      throw Read.error(
          at, p + ".network_mode", "network_mode and networks exclude each other; keep one");
    }
    if (s.networkMode() != null && s.networkMode().startsWith("service:")) {
      String target = s.networkMode().substring("service:".length());
      if (!services.containsKey(target)) {
        throw Read.error(at, p + ".network_mode", "refers to undefined service '" + target + "'");
      }
    }
    for (int i = 0; i < s.volumes().size(); i++) {
      ServiceVolume v = s.volumes().get(i);
      if (v.type().equals(ServiceVolume.VOLUME)
          && v.source() != null
          && !v.source().isEmpty()
          && !volumes.containsKey(v.source())) {
        throw Read.error(
            at,
            p + ".volumes[" + i + "]",
            "refers to undefined volume '" + v.source() + "'; declare it under volumes:");
      }
    }
    checkFileRefs(s.secrets(), secrets, "secret", at, p + ".secrets");
    checkFileRefs(s.configs(), configs, "config", at, p + ".configs");
  }

  private static void checkFileRefs(
      List<FileReference> refs, Map<String, SecretDef> defs, String what, Node at, String path) {
    for (int i = 0; i < refs.size(); i++) {
      if (!defs.containsKey(refs.get(i).source())) {
        throw Read.error(
            at,
            path + "[" + i + "]",
            "refers to undefined "
                + what
                + " '"
                + refs.get(i).source()
                + "'; declare it at the top level");
      }
    }
  }

  private Set<String> activeProfiles(Function<String, String> lookup) {
    Set<String> active = new LinkedHashSet<>(options.profiles());
    // As docker compose: COMPOSE_PROFILES applies only when no --profile is given.
    String fromEnv = active.isEmpty() ? lookup.apply("COMPOSE_PROFILES") : null;
    if (fromEnv != null) {
      for (String p : fromEnv.split(",")) {
        if (!p.isBlank()) {
          active.add(p.trim());
        }
      }
    }
    return active;
  }

  private String projectName(MapNode doc, Path projectDir, Function<String, String> lookup) {
    if (options.projectName() != null) {
      return validName(options.projectName(), Mark.NONE, "-p/--project-name");
    }
    String fromEnv = lookup.apply("COMPOSE_PROJECT_NAME");
    if (fromEnv != null && !fromEnv.isEmpty()) {
      return validName(fromEnv, Mark.NONE, "COMPOSE_PROJECT_NAME");
    }
    Node n = doc.get("name");
    if (n != null && Read.str(n, "name") != null) {
      return validName(Read.str(n, "name"), n.mark(), "name");
    }
    Path dirName = projectDir.getFileName();
    String normalized = normalizeProjectName(dirName == null ? "" : dirName.toString());
    if (normalized.isEmpty()) {
      throw new ContractException(
          Mark.of(projectDir.toString()),
          "",
          "cannot derive a project name from the directory name; pass -p or set name:");
    }
    return normalized;
  }

  private static String validName(String name, Mark mark, String where) {
    if (!VALID_NAME.matcher(name).matches()) {
      throw new ContractException(
          mark,
          where,
          "invalid project name '"
              + name
              + "': use lowercase letters, digits, '-' and '_', starting with a letter or digit");
    }
    return name;
  }

  /** Compose's normalization of a directory name into a project name. */
  public static String normalizeProjectName(String raw) {
    String lower = raw.toLowerCase(Locale.ROOT);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < lower.length(); i++) {
      char c = lower.charAt(i);
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-') {
        sb.append(c);
      }
    }
    int start = 0;
    while (start < sb.length() && (sb.charAt(start) == '_' || sb.charAt(start) == '-')) {
      start++;
    }
    return sb.substring(start);
  }

  /** Nothing in it but {@code version:}, which docker compose drops before it looks. */
  private static boolean isEmpty(MapNode doc) {
    return doc.entries().isEmpty() || (doc.entries().size() == 1 && doc.has("version"));
  }

  /**
   * A project must define a service. docker compose refuses a file with nothing in it ("empty
   * compose file"); Selvedge also refuses {@code services: {}} and a file of networks or volumes
   * alone, because a contract that runs nothing is a truncated or wrong file, and it must not pass
   * a CI gate.
   */
  private void requireServices(MapNode merged, List<Path> files) {
    String names = String.join(", ", files.stream().map(this::display).toList());
    if (isEmpty(merged)) {
      throw new ContractException(
          Mark.of(names),
          "",
          (files.size() == 1 ? "empty compose file" : "empty compose files")
              + " (only blank lines, comments or version:); is it truncated? A contract defines"
              + " services:");
    }
    Node services = merged.get("services");
    if (services == null
        || (services instanceof MapNode m && m.entries().isEmpty())
        || (services instanceof ScalarNode s && s.isNull())) {
      throw new ContractException(
          services != null ? services.mark() : Mark.of(names),
          "services",
          "no services defined; a contract needs at least one service (is the file truncated?)");
    }
  }

  private static MapNode asMap(Node node, Path file) {
    if (node instanceof MapNode m) {
      return m;
    }
    throw new ContractException(
        node.mark(), "", "a Compose file must be a mapping at the top, found " + node.kind());
  }

  private String display(Path file) {
    if (file.equals(stdinFile)) {
      return "stdin";
    }
    Path wd = options.workingDir();
    try {
      Path rel = wd.relativize(file);
      return rel.startsWith("..") && rel.getNameCount() > 3 ? file.toString() : rel.toString();
    } catch (IllegalArgumentException e) {
      return file.toString();
    }
  }

  /** Reads an env file through the sources, recording it as an input. */
  private String readEnvText(Path file, String whatToDo) {
    byte[] bytes =
        options
            .sources()
            .read(file)
            .orElseThrow(
                () ->
                    new ContractException(
                        Mark.of(display(file)), "", "env file not found; " + whatToDo));
    addSource(file, bytes, "env");
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /**
   * Records an input for evidence: its path relative to the project directory, and the SHA-256 of
   * its content — except for env files, which hold secrets: a plain hash of a short .env lets
   * anyone holding the evidence guess a weak password offline.
   */
  private void addSource(Path file, byte[] bytes, String role) {
    if (seenSources.add(file)) {
      sources.add(
          new SourceFile(
              evidencePath(file), role, role.equals("env") ? null : sha256(bytes), display(file)));
    }
  }

  private String evidencePath(Path file) {
    Path base = projectDir != null ? projectDir : options.workingDir();
    Path abs = file.toAbsolutePath().normalize();
    return abs.startsWith(base) ? base.relativize(abs).toString() : abs.toString();
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always present", e);
    }
  }
}
