import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.StandardProtocolFamily;
import java.net.URLDecoder;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fleet of simulated Docker engines for the fleet benchmarks, in one process, plus the generator
 * of the fleet file and the contract they are in sync with. No dependencies: run it with {@code
 * java bench/fleet/EngineStandIn.java MODE ...}.
 *
 * <p>Why a stand-in: a sweep of 10,000 nodes cannot be measured against 10,000 real engines on one
 * machine. Each simulated node is a Unix socket ({@code SOCKETS/node-00001.sock}, which the
 * Selvedge client and the docker CLI both take as {@code unix://PATH}); one NIO selector thread
 * serves them all, so 10,000 nodes cost 10,000 listening descriptors and no thread each, and no
 * loopback port can collide with another program's. Each node runs one Compose project of five
 * services ({@link #SERVICES}) and answers the Engine API calls a sweep makes: {@code _ping},
 * {@code /version}, {@code /info} (a distinct {@code ID} and {@code Name} per node), {@code
 * /containers/json} with label filters, {@code /containers/{id}/json}, {@code /images/{id}/json}
 * and {@code /system/df}; anything else is a 404 and is counted. The answers are what {@code docker
 * compose up} of the generated contract would leave on a Docker 24 engine, so a sweep finds every
 * node in sync and healthy, except the nodes made drifted (service {@code api} runs with {@code
 * MODE=staging}) or down (the socket file exists, nobody listens: connection refused).
 *
 * <pre>
 * java EngineStandIn.java fleet --nodes N --out DIR --sockets DIR [--project shop]
 *     [--deploy-dir true|false] [--interval 60s] [--timeout 10s] [--concurrency 64]
 *   writes DIR/fleet.yaml, DIR/contracts/PROJECT/compose.yaml and DIR/deploy/PROJECT/compose.yaml
 * java EngineStandIn.java serve --nodes N --sockets DIR [--project shop] [--down D] [--drifted K]
 *     [--idle-timeout SECONDS] [--max-connections M]
 *   binds the sockets, prints "ready ..." on stdout, serves until killed (SIGTERM removes them)
 * </pre>
 *
 * A real engine keeps an idle kept-alive connection open; here all nodes share one process's
 * descriptors, so beyond {@code M} open connections (default 6,000) the ones idle for a second or
 * more are closed, as an engine restart would (clients reconnect), and counted ({@code
 * closed_idle}); without that, a client keeping every node's connections open would exhaust the
 * stand-in's descriptors, not its own.
 *
 * <p>Nodes are numbered from 1; the last {@code D} are down and the {@code K} before them drifted.
 * {@code GET /_standin/stats} on any node's socket answers the request counts per call as JSON.
 */
public final class EngineStandIn {
  static final String[] SERVICES = {"web", "api", "worker", "cache", "db"};
  static final String[] IMAGES = {
    "bench/shop-web:1.4.2",
    "bench/shop-api:1.4.2",
    "bench/shop-worker:1.4.2",
    "bench/redis:7.2",
    "bench/postgres:15.6"
  };
  static final String[][] COMMANDS = {
    {"serve", "--port", "8080"},
    {"serve", "--port", "8080", "--api"},
    {"work", "--queue", "default"},
    {"redis-server", "--port", "8080"},
    {"postgres", "-p", "8080"}
  };
  static final int BASE_PORT = 18081;
  static final String API_VERSION = "1.43";
  static final String ENGINE_VERSION = "24.0.7";

  public static void main(String[] args) throws Exception {
    if (args.length == 0 || !(args[0].equals("fleet") || args[0].equals("serve"))) {
      System.err.println(
          "usage: java EngineStandIn.java fleet|serve --nodes N ... (see the source)");
      System.exit(2);
    }
    Map<String, String> opts = new HashMap<>();
    for (int i = 1; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        System.err.println("EngineStandIn: expected --key value, got " + args[i]);
        System.exit(2);
      }
      opts.put(args[i].substring(2), args[++i]);
    }
    int nodes = Integer.parseInt(need(opts, "nodes"));
    String project = opts.getOrDefault("project", "shop");
    Path sockets = Path.of(need(opts, "sockets")).toAbsolutePath();
    if (args[0].equals("fleet")) {
      writeFleet(
          nodes,
          Path.of(need(opts, "out")).toAbsolutePath(),
          sockets,
          project,
          Boolean.parseBoolean(opts.getOrDefault("deploy-dir", "true")),
          opts.getOrDefault("interval", "60s"),
          opts.getOrDefault("timeout", "10s"),
          Integer.parseInt(opts.getOrDefault("concurrency", "64")));
    } else {
      new Server(
              nodes,
              sockets,
              project,
              Integer.parseInt(opts.getOrDefault("down", "0")),
              Integer.parseInt(opts.getOrDefault("drifted", "0")),
              Long.parseLong(opts.getOrDefault("idle-timeout", "300")) * 1000,
              Integer.parseInt(opts.getOrDefault("max-connections", "6000")))
          .run();
    }
  }

  private static String need(Map<String, String> opts, String key) {
    String v = opts.get(key);
    if (v == null) {
      System.err.println("EngineStandIn: --" + key + " is required");
      System.exit(2);
    }
    return v;
  }

  static String nodeName(int node, int nodes) {
    int width = Math.max(5, Integer.toString(nodes).length());
    return "node-" + String.format("%0" + width + "d", node);
  }

  static Path socket(Path dir, int node, int nodes) {
    return dir.resolve(nodeName(node, nodes) + ".sock");
  }

  // ------------------------------------------------------------------ the generated files

  static void writeFleet(
      int nodes,
      Path out,
      Path sockets,
      String project,
      boolean deployDir,
      String interval,
      String timeout,
      int concurrency)
      throws IOException {
    Path contract = out.resolve("contracts").resolve(project);
    Path deploy = out.resolve("deploy").resolve(project);
    Files.createDirectories(contract);
    String compose = compose();
    Files.writeString(contract.resolve("compose.yaml"), compose);
    if (deployDir) {
      // The copy materialized "on the node": every node's host layer reads it.
      Files.createDirectories(deploy);
      Files.writeString(deploy.resolve("compose.yaml"), compose);
    }
    StringBuilder y = new StringBuilder(nodes * 220 + 200);
    y.append("# Generated by bench/fleet/EngineStandIn.java: ")
        .append(nodes)
        .append(" simulated engines\n");
    y.append("poll: {interval: ")
        .append(interval)
        .append(", timeout: ")
        .append(timeout)
        .append(", concurrency: ")
        .append(concurrency)
        .append("}\nnodes:\n");
    String[] zones = {"eu", "us", "ap"};
    for (int i = 1; i <= nodes; i++) {
      y.append("  ").append(nodeName(i, nodes)).append(":\n");
      y.append("    engine: unix://").append(socket(sockets, i, nodes)).append('\n');
      y.append("    environment: ").append(i % 10 == 0 ? "staging" : "prod").append('\n');
      y.append("    tags: [bench, ").append(zones[i % zones.length]).append("]\n");
      y.append("    stacks:\n      ")
          .append(project)
          .append(": {contract: contracts/")
          .append(project)
          .append(", project: ")
          .append(project);
      if (deployDir) {
        y.append(", deploy_dir: ").append(deploy);
      }
      y.append("}\n");
    }
    Files.writeString(out.resolve("fleet.yaml"), y);
  }

  /** The contract every node runs (and the stand-in's answers agree with). */
  static String compose() {
    StringBuilder y = new StringBuilder("services:\n");
    for (int s = 0; s < SERVICES.length; s++) {
      y.append("  ").append(SERVICES[s]).append(":\n");
      y.append("    image: ").append(IMAGES[s]).append('\n');
      y.append("    command: [");
      for (int a = 0; a < COMMANDS[s].length; a++) {
        y.append(a == 0 ? "" : ", ").append('"').append(COMMANDS[s][a]).append('"');
      }
      y.append("]\n");
      y.append("    ports: [\"127.0.0.1:").append(BASE_PORT + s).append(":8080\"]\n");
      y.append("    environment:\n      SERVICE: ").append(SERVICES[s]);
      y.append("\n      MODE: prod\n");
      y.append("    labels:\n      dev.selvedge.bench: \"1\"\n");
      y.append("    restart: unless-stopped\n");
      if (s == 4) {
        y.append("    volumes: [\"data:/var/lib/data\"]\n");
      }
      y.append("    healthcheck:\n");
      y.append(
          "      test: [\"CMD\", \"wget\", \"-q\", \"-O-\", \"http://127.0.0.1:8080/healthz\"]\n");
      y.append(
          "      interval: 30s\n      timeout: 5s\n      retries: 3\n      start_period: 10s\n");
    }
    y.append("volumes:\n  data: {}\n");
    return y.toString();
  }

  // ------------------------------------------------------------------ the simulated engines

  /** One selector thread for every node's listening socket and every connection. */
  static final class Server {
    private final int nodes;
    private final Path sockets;
    private final String project;
    private final int down;
    private final int drifted;
    private final long idleMillis;
    private final int maxConnections;
    private int open;
    private long closedIdle;
    private final Map<String, AtomicLong> counts = new LinkedHashMap<>();
    private final List<Path> bound = new ArrayList<>();
    private final byte[][] imageAnswers = new byte[IMAGES.length][];
    private final String[] imageIds = new String[IMAGES.length];
    private final byte[] ping;
    private final byte[] pingHead;
    private final byte[] version;
    private final byte[] df;
    private final Template[] containers = new Template[SERVICES.length];
    private final Template[] driftedContainers = new Template[SERVICES.length];
    private final Template[] summaries = new Template[SERVICES.length];
    private long connections;

    Server(
        int nodes,
        Path sockets,
        String project,
        int down,
        int drifted,
        long idleMillis,
        int maxConnections) {
      this.maxConnections = maxConnections;
      this.nodes = nodes;
      this.sockets = sockets;
      this.project = project;
      this.down = down;
      this.drifted = drifted;
      this.idleMillis = idleMillis;
      for (String k :
          new String[] {
            "ping", "version", "info", "list", "inspect", "image", "df", "not_found", "other"
          }) {
        counts.put(k, new AtomicLong());
      }
      for (int i = 0; i < IMAGES.length; i++) {
        imageIds[i] = String.format("%064x", 0xbe4c0000L + i).replace(' ', '0');
        imageAnswers[i] = response(200, imageJson(i));
      }
      ping = response(200, "text/plain; charset=utf-8", "OK".getBytes(StandardCharsets.UTF_8));
      byte[] full = ping;
      String head = new String(full, StandardCharsets.ISO_8859_1);
      pingHead =
          head.substring(0, head.indexOf("\r\n\r\n") + 4).getBytes(StandardCharsets.ISO_8859_1);
      version = response(200, versionJson());
      for (int s = 0; s < SERVICES.length; s++) {
        containers[s] = new Template(containerJson(s, false));
        driftedContainers[s] = new Template(containerJson(s, true));
        summaries[s] = new Template(summaryJson(s));
      }
      df =
          response(
              200,
              "{\"LayersSize\":1092588544,\"Images\":[],\"Containers\":[],\"Volumes\":[],"
                  + "\"BuildCache\":[]}");
    }

    boolean isDown(int node) {
      return node > nodes - down;
    }

    boolean isDrifted(int node) {
      return !isDown(node) && node > nodes - down - drifted;
    }

    void run() throws IOException {
      Files.createDirectories(sockets);
      Selector selector = Selector.open();
      long start = System.nanoTime();
      for (int i = 1; i <= nodes; i++) {
        Path path = socket(sockets, i, nodes);
        Files.deleteIfExists(path);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path), 512);
        bound.add(path);
        if (isDown(i)) {
          server.close(); // the file stays: connecting to it is refused, as with a stopped dockerd
          continue;
        }
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT, i);
      }
      Runtime.getRuntime().addShutdownHook(new Thread(this::removeSockets));
      System.out.printf(
          "ready %d nodes (%d down, %d drifted) on %s in %d ms, pid %d%n",
          nodes,
          down,
          drifted,
          sockets,
          (System.nanoTime() - start) / 1_000_000,
          ProcessHandle.current().pid());
      System.out.flush();
      long lastIdleCheck = System.currentTimeMillis();
      while (true) {
        selector.select(1000);
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
          SelectionKey key = it.next();
          it.remove();
          try {
            if (!key.isValid()) {
              continue;
            }
            if (key.isAcceptable()) {
              accept(selector, key);
            } else {
              Conn c = (Conn) key.attachment();
              if (key.isReadable()) {
                read(key, c);
              }
              if (key.isValid() && key.isWritable()) {
                flush(key, c);
              }
            }
          } catch (IOException | RuntimeException e) {
            if (key.attachment() instanceof Conn) {
              close(key);
            } else {
              // An accept that failed (out of descriptors): say so, keep serving the others.
              System.err.println("EngineStandIn: accept failed: " + e);
            }
          }
        }
        long now = System.currentTimeMillis();
        if (now - lastIdleCheck >= 1000) {
          lastIdleCheck = now;
          for (SelectionKey key : selector.keys()) {
            if (key.attachment() instanceof Conn c && now - c.lastActive > idleMillis) {
              close(key);
            }
          }
        }
      }
    }

    /** Over the cap: close the connections idle for a second or more (they reconnect). */
    private void shed(Selector selector) {
      long now = System.currentTimeMillis();
      for (SelectionKey key : selector.keys()) {
        if (key.attachment() instanceof Conn c
            && c.out == null
            && c.in.position() == 0
            && now - c.lastActive >= 1000) {
          close(key);
          closedIdle++;
        }
      }
    }

    private void removeSockets() {
      for (Path p : bound) {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          // best effort at exit
        }
      }
      System.err.println("EngineStandIn: " + statsJson());
    }

    private void accept(Selector selector, SelectionKey key) throws IOException {
      if (open >= maxConnections && System.currentTimeMillis() - lastShed >= 100) {
        lastShed = System.currentTimeMillis();
        shed(selector);
      }
      SocketChannel ch;
      while ((ch = ((ServerSocketChannel) key.channel()).accept()) != null) {
        ch.configureBlocking(false);
        connections++;
        open++;
        ch.register(selector, SelectionKey.OP_READ, new Conn((Integer) key.attachment()));
      }
    }

    private long lastShed;

    private void close(SelectionKey key) {
      if (key.isValid() && key.attachment() instanceof Conn) {
        open--;
      }
      key.cancel();
      try {
        key.channel().close();
      } catch (IOException e) {
        // already gone
      }
    }

    private void read(SelectionKey key, Conn c) throws IOException {
      SocketChannel ch = (SocketChannel) key.channel();
      int n = ch.read(c.in);
      if (n < 0) {
        close(key);
        return;
      }
      c.lastActive = System.currentTimeMillis();
      // Every complete request in the buffer (clients here do not pipeline, but may).
      while (true) {
        int end = headEnd(c.in);
        if (end < 0) {
          if (!c.in.hasRemaining()) {
            c.in = ByteBuffer.allocate(c.in.capacity() * 2).put(c.in.flip());
          }
          break;
        }
        String head = new String(c.in.array(), 0, end, StandardCharsets.ISO_8859_1);
        int length = contentLength(head);
        if (c.in.position() < end + 4 + length) {
          if (c.in.capacity() < end + 4 + length) {
            c.in = ByteBuffer.allocate(end + 4 + length).put(c.in.flip());
          }
          break;
        }
        int line = head.indexOf("\r\n");
        String[] parts = (line < 0 ? head : head.substring(0, line)).split(" ");
        byte[] answer = answer(c.node, parts[0], parts.length > 1 ? parts[1] : "/");
        boolean close = head.toLowerCase(java.util.Locale.ROOT).contains("\r\nconnection: close");
        c.queue(answer, close);
        // Drop the request from the buffer.
        c.in.flip().position(end + 4 + length);
        c.in.compact();
      }
      flush(key, c);
    }

    private static int headEnd(ByteBuffer in) {
      byte[] b = in.array();
      for (int i = 3; i < in.position(); i++) {
        if (b[i] == '\n' && b[i - 1] == '\r' && b[i - 2] == '\n' && b[i - 3] == '\r') {
          return i - 3;
        }
      }
      return -1;
    }

    private static int contentLength(String head) {
      for (String h : head.split("\r\n")) {
        int colon = h.indexOf(':');
        if (colon > 0 && h.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
          return Integer.parseInt(h.substring(colon + 1).trim());
        }
      }
      return 0;
    }

    private void flush(SelectionKey key, Conn c) throws IOException {
      SocketChannel ch = (SocketChannel) key.channel();
      while (c.out != null) {
        ch.write(c.out);
        if (c.out.hasRemaining()) {
          key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
          return;
        }
        c.out = c.pending.isEmpty() ? null : ByteBuffer.wrap(c.pending.remove(0));
      }
      if (c.closeAfter) {
        close(key);
        return;
      }
      key.interestOps(SelectionKey.OP_READ);
    }

    // ---------------------------------------------------------------- the Engine API answers

    private static final Pattern VERSIONED = Pattern.compile("^/v[0-9]+\\.[0-9]+(/.*)$");

    byte[] answer(int node, String method, String target) {
      int q = target.indexOf('?');
      String path = q < 0 ? target : target.substring(0, q);
      String query = q < 0 ? "" : target.substring(q + 1);
      Matcher m = VERSIONED.matcher(path);
      if (m.matches()) {
        path = m.group(1);
      }
      boolean get = method.equals("GET");
      if (path.equals("/_ping") && (get || method.equals("HEAD"))) {
        counts.get("ping").incrementAndGet();
        return get ? ping : pingHead;
      }
      if (!get) {
        counts.get("other").incrementAndGet();
        return notFound("page not found");
      }
      switch (path) {
        case "/version" -> {
          counts.get("version").incrementAndGet();
          return version;
        }
        case "/info" -> {
          counts.get("info").incrementAndGet();
          return response(200, infoJson(node));
        }
        case "/containers/json" -> {
          counts.get("list").incrementAndGet();
          return listAnswer(node, query);
        }
        case "/system/df" -> {
          counts.get("df").incrementAndGet();
          return df;
        }
        case "/_standin/stats" -> {
          return response(200, statsJson());
        }
        default -> {}
      }
      if (path.startsWith("/containers/") && path.endsWith("/json")) {
        counts.get("inspect").incrementAndGet();
        String ref = decode(path.substring("/containers/".length(), path.length() - 5));
        int s = serviceOf(node, ref);
        return s < 0
            ? notFound("No such container: " + ref)
            : (s == 1 && isDrifted(node) ? driftedContainers : containers)
                [s].render(values(node, s));
      }
      if (path.startsWith("/images/") && path.endsWith("/json")) {
        counts.get("image").incrementAndGet();
        String ref = decode(path.substring("/images/".length(), path.length() - 5));
        for (int i = 0; i < IMAGES.length; i++) {
          if (ref.equals(IMAGES[i])
              || ref.equals("sha256:" + imageIds[i])
              || (ref.length() >= 12 && ("sha256:" + imageIds[i]).startsWith(ref))
              || (ref.length() >= 12 && imageIds[i].startsWith(ref))) {
            return imageAnswers[i];
          }
        }
        return notFound("No such image: " + ref);
      }
      counts.get("other").incrementAndGet();
      return notFound("page not found");
    }

    private byte[] notFound(String message) {
      counts.get("not_found").incrementAndGet();
      return response(404, "{\"message\":" + quote(message) + "}\n");
    }

    String statsJson() {
      StringBuilder b = new StringBuilder("{");
      counts.forEach((k, v) -> b.append(quote(k)).append(':').append(v.get()).append(','));
      long cpu = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
      return b.append("\"connections\":")
          .append(connections)
          .append(",\"open\":")
          .append(open)
          .append(",\"closed_idle\":")
          .append(closedIdle)
          .append(",\"selector_cpu_ms\":")
          .append(cpu / 1_000_000)
          .append("}\n")
          .toString();
    }

    /** Container {@code s} of {@code node}: 64 hex digits, node and service first (short ids). */
    static String containerId(int node, int s) {
      return String.format("%08x%04x", node, s)
          + "5e1ed9e0c0ffee00d15ea5e00000000000000000000000000000";
    }

    /** The service a container reference (id, id prefix or name) names on this node, or -1. */
    int serviceOf(int node, String ref) {
      for (int s = 0; s < SERVICES.length; s++) {
        String id = containerId(node, s);
        if (ref.equals(containerName(s))
            || ref.equals("/" + containerName(s))
            || (ref.length() >= 4 && id.startsWith(ref))) {
          return s;
        }
      }
      return -1;
    }

    String containerName(int s) {
      return project + "-" + SERVICES[s] + "-1";
    }

    /** The {@code label} terms of a {@code filters} query (list or map form). */
    static List<String> labelTerms(String query) {
      List<String> terms = new ArrayList<>();
      for (String param : query.split("&")) {
        if (!param.startsWith("filters=")) {
          continue;
        }
        String filters = decode(param.substring("filters=".length()));
        int at = filters.indexOf("\"label\"");
        if (at < 0) {
          return terms;
        }
        int open = at + 7;
        while (open < filters.length()
            && filters.charAt(open) != '['
            && filters.charAt(open) != '{') {
          open++;
        }
        char closer = open < filters.length() && filters.charAt(open) == '[' ? ']' : '}';
        int close = filters.indexOf(closer, open);
        Matcher s =
            Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(filters.substring(open, close));
        while (s.find()) {
          terms.add(s.group(1).replace("\\\"", "\"").replace("\\\\", "\\"));
        }
      }
      return terms;
    }

    Map<String, String> labels(int s) {
      Map<String, String> l = new LinkedHashMap<>();
      l.put("com.docker.compose.config-hash", String.format("%064x", 0xc0f1600L + s));
      l.put("com.docker.compose.container-number", "1");
      l.put("com.docker.compose.depends_on", "");
      l.put("com.docker.compose.image", "sha256:" + imageIds[s]);
      l.put("com.docker.compose.oneoff", "False");
      l.put("com.docker.compose.project", project);
      l.put("com.docker.compose.project.config_files", "/srv/" + project + "/compose.yaml");
      l.put("com.docker.compose.project.working_dir", "/srv/" + project);
      l.put("com.docker.compose.service", SERVICES[s]);
      l.put("com.docker.compose.version", "2.21.0");
      l.put("dev.selvedge.bench", "1");
      return l;
    }

    boolean matches(int s, List<String> terms) {
      Map<String, String> l = labels(s);
      for (String t : terms) {
        int eq = t.indexOf('=');
        if (eq < 0 ? !l.containsKey(t) : !t.substring(eq + 1).equals(l.get(t.substring(0, eq)))) {
          return false;
        }
      }
      return true;
    }

    /** Service {@code s}'s entry of the container list, with markers for the node's values. */
    String summaryJson(int s) {
      StringBuilder b = new StringBuilder(2048);
      {
        String id = Template.ID;
        b.append("{\"Id\":\"").append(id).append("\",\"Names\":[\"/").append(containerName(s));
        b.append("\"],\"Image\":\"").append(IMAGES[s]).append("\",\"ImageID\":\"sha256:");
        b.append(imageIds[s])
            .append("\",\"Command\":")
            .append(quote(String.join(" ", COMMANDS[s])));
        b.append(",\"Created\":1767605400,\"Ports\":[{\"IP\":\"127.0.0.1\",\"PrivatePort\":8080,");
        b.append("\"PublicPort\":").append(BASE_PORT + s).append(",\"Type\":\"tcp\"}],\"Labels\":");
        appendMap(b, labels(s));
        b.append(",\"State\":\"running\",\"Status\":\"Up 2 hours (healthy)\",");
        b.append("\"HostConfig\":{\"NetworkMode\":\"").append(project).append("_default\"},");
        b.append("\"NetworkSettings\":{\"Networks\":{\"").append(project).append("_default\":");
        b.append("{\"IPAMConfig\":null,\"Links\":null,\"Aliases\":null,\"NetworkID\":\"");
        b.append(Template.NET).append("\",\"EndpointID\":\"").append(id, 0, 12);
        b.append("\",\"Gateway\":\"172.30.0.1\",\"IPAddress\":\"172.30.0.").append(s + 2);
        b.append("\",\"IPPrefixLen\":16,\"MacAddress\":\"02:42:ac:1e:00:0").append(s + 2);
        b.append("\",\"DriverOpts\":null}}},\"Mounts\":").append(mountsJson(s)).append('}');
      }
      return b.toString();
    }

    /** The list answer: the services the label filter matches (filters cached by query). */
    byte[] listAnswer(int node, String query) {
      boolean[] match =
          filterCache.computeIfAbsent(
              query,
              q -> {
                List<String> terms = labelTerms(q);
                boolean[] m = new boolean[SERVICES.length];
                for (int s = 0; s < SERVICES.length; s++) {
                  m[s] = matches(s, terms);
                }
                return m;
              });
      List<Template> parts = new ArrayList<>();
      for (int s = 0; s < SERVICES.length; s++) {
        if (match[s]) {
          parts.add(summaries[s]);
        }
      }
      List<byte[][]> vals = new ArrayList<>();
      for (int s = 0; s < SERVICES.length; s++) {
        if (match[s]) {
          vals.add(values(node, s));
        }
      }
      return Template.renderList(parts, vals);
    }

    private final Map<String, boolean[]> filterCache = new HashMap<>();

    /** The node's values for container {@code s}'s markers. */
    byte[][] values(int node, int s) {
      String id = containerId(node, s);
      return new byte[][] {
        id.getBytes(StandardCharsets.ISO_8859_1),
        id.substring(0, 12).getBytes(StandardCharsets.ISO_8859_1),
        networkId(node).getBytes(StandardCharsets.ISO_8859_1)
      };
    }

    static String networkId(int node) {
      return String.format("%012x", 0x9f8e0000L + node);
    }

    String mountsJson(int s) {
      if (s != 4) {
        return "[]";
      }
      return "[{\"Type\":\"volume\",\"Name\":\""
          + project
          + "_data\",\"Source\":\"/var/lib/docker/volumes/"
          + project
          + "_data/_data\",\"Destination\":\"/var/lib/data\",\"Driver\":\"local\",\"Mode\":\"z\","
          + "\"RW\":true,\"Propagation\":\"\"}]";
    }

    /** Container {@code s} with markers where the node's values go (see {@link Template}). */
    String containerJson(int s, boolean drifted) {
      String id = Template.ID;
      String name = containerName(s);
      String net = project + "_default";
      StringBuilder b = new StringBuilder(6000);
      b.append("{\"Id\":\"").append(id).append("\",\"Created\":\"2026-01-05T09:30:00.123456789Z\"");
      b.append(",\"Path\":").append(quote(COMMANDS[s][0])).append(",\"Args\":");
      appendList(b, List.of(COMMANDS[s]).subList(1, COMMANDS[s].length));
      b.append(",\"State\":{\"Status\":\"running\",\"Running\":true,\"Paused\":false,");
      b.append("\"Restarting\":false,\"OOMKilled\":false,\"Dead\":false,\"Pid\":");
      b.append(4000 + s).append(",\"ExitCode\":0,\"Error\":\"\",");
      b.append("\"StartedAt\":\"2026-01-05T09:30:01.5Z\",\"FinishedAt\":\"0001-01-01T00:00:00Z\",");
      b.append("\"Health\":{\"Status\":\"healthy\",\"FailingStreak\":0,\"Log\":[{\"Start\":");
      b.append("\"2026-01-05T09:31:01.0Z\",\"End\":\"2026-01-05T09:31:01.1Z\",\"ExitCode\":0,");
      b.append("\"Output\":\"ok\\n\"}]}},\"Image\":\"sha256:").append(imageIds[s]).append('"');
      b.append(",\"ResolvConfPath\":\"/var/lib/docker/containers/").append(id);
      b.append("/resolv.conf\",\"HostnamePath\":\"/var/lib/docker/containers/").append(id);
      b.append("/hostname\",\"HostsPath\":\"/var/lib/docker/containers/").append(id);
      b.append("/hosts\",\"LogPath\":\"/var/lib/docker/containers/").append(id).append('/');
      b.append(id).append("-json.log\",\"Name\":\"/").append(name);
      b.append("\",\"RestartCount\":0,\"Driver\":\"overlay2\",\"Platform\":\"linux\",");
      b.append("\"MountLabel\":\"\",\"ProcessLabel\":\"\",\"AppArmorProfile\":\"docker-default\",");
      b.append("\"ExecIDs\":null,\"HostConfig\":{\"Binds\":");
      b.append(s == 4 ? "[\"" + project + "_data:/var/lib/data:rw\"]" : "null");
      b.append(",\"ContainerIDFile\":\"\",\"LogConfig\":{\"Type\":\"json-file\",\"Config\":{}},");
      b.append("\"NetworkMode\":\"").append(net).append("\",\"PortBindings\":{\"8080/tcp\":");
      b.append("[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"").append(BASE_PORT + s);
      b.append("\"}]},\"RestartPolicy\":{\"Name\":\"unless-stopped\",\"MaximumRetryCount\":0},");
      b.append("\"AutoRemove\":false,\"VolumeDriver\":\"\",\"VolumesFrom\":null,");
      b.append(
          "\"ConsoleSize\":[0,0],\"CapAdd\":null,\"CapDrop\":null,\"CgroupnsMode\":\"private\",");
      b.append("\"Dns\":null,\"DnsOptions\":null,\"DnsSearch\":null,\"ExtraHosts\":[],");
      b.append("\"GroupAdd\":null,\"IpcMode\":\"private\",\"Cgroup\":\"\",\"Links\":null,");
      b.append(
          "\"OomScoreAdj\":0,\"PidMode\":\"\",\"Privileged\":false,\"PublishAllPorts\":false,");
      b.append(
          "\"ReadonlyRootfs\":false,\"SecurityOpt\":null,\"UTSMode\":\"\",\"UsernsMode\":\"\",");
      b.append("\"ShmSize\":67108864,\"Runtime\":\"runc\",\"Isolation\":\"\",\"CpuShares\":0,");
      b.append("\"Memory\":0,\"NanoCpus\":0,\"CgroupParent\":\"\",\"BlkioWeight\":0,");
      b.append("\"BlkioWeightDevice\":null,\"BlkioDeviceReadBps\":null,");
      b.append("\"BlkioDeviceWriteBps\":null,\"BlkioDeviceReadIOps\":null,");
      b.append("\"BlkioDeviceWriteIOps\":null,\"CpuPeriod\":0,\"CpuQuota\":0,");
      b.append("\"CpuRealtimePeriod\":0,\"CpuRealtimeRuntime\":0,\"CpusetCpus\":\"\",");
      b.append("\"CpusetMems\":\"\",\"Devices\":null,\"DeviceCgroupRules\":null,");
      b.append("\"DeviceRequests\":null,\"MemoryReservation\":0,\"MemorySwap\":0,");
      b.append("\"MemorySwappiness\":null,\"OomKillDisable\":null,\"PidsLimit\":null,");
      b.append("\"Ulimits\":null,\"CpuCount\":0,\"CpuPercent\":0,\"IOMaximumIOps\":0,");
      b.append("\"IOMaximumBandwidth\":0,\"MaskedPaths\":[\"/proc/asound\",\"/proc/acpi\",");
      b.append("\"/proc/kcore\",\"/proc/keys\",\"/proc/latency_stats\",\"/proc/timer_list\",");
      b.append("\"/proc/scsi\",\"/sys/firmware\"],\"ReadonlyPaths\":[\"/proc/bus\",\"/proc/fs\",");
      b.append("\"/proc/irq\",\"/proc/sys\",\"/proc/sysrq-trigger\"]},");
      b.append("\"GraphDriver\":{\"Data\":{\"LowerDir\":\"/var/lib/docker/overlay2/").append(id);
      b.append("-init/diff\",\"MergedDir\":\"/var/lib/docker/overlay2/").append(id);
      b.append("/merged\",\"UpperDir\":\"/var/lib/docker/overlay2/").append(id);
      b.append("/diff\",\"WorkDir\":\"/var/lib/docker/overlay2/").append(id);
      b.append("/work\"},\"Name\":\"overlay2\"},\"Mounts\":").append(mountsJson(s));
      b.append(",\"Config\":{\"Hostname\":\"").append(id, 0, 12);
      b.append("\",\"Domainname\":\"\",\"User\":\"\",\"AttachStdin\":false,");
      b.append("\"AttachStdout\":true,\"AttachStderr\":true,\"ExposedPorts\":{\"8080/tcp\":{}},");
      b.append("\"Tty\":false,\"OpenStdin\":false,\"StdinOnce\":false,\"Env\":[\"SERVICE=");
      b.append(SERVICES[s]).append("\",\"MODE=");
      // The drifted nodes: someone changed one service's environment by hand.
      b.append(s == 1 && drifted ? "staging" : "prod");
      b.append("\",\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],");
      b.append("\"Cmd\":");
      appendList(b, List.of(COMMANDS[s]));
      b.append(",\"Healthcheck\":{\"Test\":[\"CMD\",\"wget\",\"-q\",\"-O-\",");
      b.append("\"http://127.0.0.1:8080/healthz\"],\"Interval\":30000000000,");
      b.append("\"Timeout\":5000000000,\"StartPeriod\":10000000000,\"Retries\":3},");
      b.append("\"Image\":\"").append(IMAGES[s]).append("\",\"Volumes\":");
      b.append(s == 4 ? "{\"/var/lib/data\":{}}" : "null");
      b.append(",\"WorkingDir\":\"\",\"Entrypoint\":null,\"OnBuild\":null,\"Labels\":");
      appendMap(b, labels(s));
      b.append(",\"StopSignal\":\"SIGTERM\"},\"NetworkSettings\":{\"Bridge\":\"\",");
      b.append("\"SandboxID\":\"").append(id).append("\",\"HairpinMode\":false,");
      b.append("\"LinkLocalIPv6Address\":\"\",\"LinkLocalIPv6PrefixLen\":0,\"Ports\":");
      b.append("{\"8080/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"").append(BASE_PORT + s);
      b.append("\"}]},\"SandboxKey\":\"/var/run/docker/netns/").append(id, 0, 12);
      b.append("\",\"SecondaryIPAddresses\":null,\"SecondaryIPv6Addresses\":null,");
      b.append("\"EndpointID\":\"\",\"Gateway\":\"\",\"GlobalIPv6Address\":\"\",");
      b.append("\"GlobalIPv6PrefixLen\":0,\"IPAddress\":\"\",\"IPPrefixLen\":0,");
      b.append("\"IPv6Gateway\":\"\",\"MacAddress\":\"\",\"Networks\":{\"").append(net);
      b.append("\":{\"IPAMConfig\":null,\"Links\":null,\"Aliases\":[\"").append(name);
      b.append("\",\"").append(SERVICES[s]).append("\",\"").append(id, 0, 12);
      b.append("\"],\"NetworkID\":\"").append(Template.NET).append("\",\"EndpointID\":\"");
      b.append(id, 0, 12).append("\",\"Gateway\":\"172.30.0.1\",\"IPAddress\":\"172.30.0.");
      b.append(s + 2).append("\",\"IPPrefixLen\":16,\"IPv6Gateway\":\"\",");
      b.append("\"GlobalIPv6Address\":\"\",\"GlobalIPv6PrefixLen\":0,\"MacAddress\":");
      b.append("\"02:42:ac:1e:00:0").append(s + 2).append("\",\"DriverOpts\":null}}}}\n");
      return b.toString();
    }

    String imageJson(int i) {
      String id = "sha256:" + imageIds[i];
      String repo = IMAGES[i].substring(0, IMAGES[i].lastIndexOf(':'));
      return "{\"Id\":\""
          + id
          + "\",\"RepoTags\":[\""
          + IMAGES[i]
          + "\"],\"RepoDigests\":[\""
          + repo
          + "@sha256:"
          + String.format("%064x", 0xd16e5700L + i)
          + "\"],\"Parent\":\"\",\"Comment\":\"\",\"Created\":\"2026-01-01T00:00:00Z\","
          + "\"Container\":\"\",\"DockerVersion\":\"24.0.7\",\"Author\":\"\",\"Config\":{"
          + "\"Hostname\":\"\",\"User\":\"\",\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:"
          + "/usr/sbin:/usr/bin:/sbin:/bin\"],\"Cmd\":[\"sh\"],\"Image\":\"\",\"WorkingDir\":\"\","
          + "\"Entrypoint\":null,\"Labels\":null},\"Architecture\":\"amd64\",\"Os\":\"linux\","
          + "\"Size\":12345678,\"VirtualSize\":12345678,\"GraphDriver\":{\"Data\":{},"
          + "\"Name\":\"overlay2\"},\"RootFS\":{\"Type\":\"layers\",\"Layers\":[\""
          + id
          + "\"]},\"Metadata\":{\"LastTagTime\":\"0001-01-01T00:00:00Z\"}}\n";
    }

    String versionJson() {
      return "{\"Platform\":{\"Name\":\"Docker Engine - Community\"},\"Components\":[{\"Name\":"
          + "\"Engine\",\"Version\":\""
          + ENGINE_VERSION
          + "\",\"Details\":{\"ApiVersion\":\""
          + API_VERSION
          + "\",\"Arch\":\"amd64\",\"MinAPIVersion\":\"1.12\",\"Os\":\"linux\"}}],"
          + "\"Version\":\""
          + ENGINE_VERSION
          + "\",\"ApiVersion\":\""
          + API_VERSION
          + "\",\"MinAPIVersion\":\"1.12\",\"GitCommit\":\"311b9ff\",\"GoVersion\":\"go1.20.10\","
          + "\"Os\":\"linux\",\"Arch\":\"amd64\",\"KernelVersion\":\"6.1.0-18-amd64\","
          + "\"BuildTime\":\"2023-10-26T09:08:02.000000000+00:00\"}\n";
    }

    String infoJson(int node) {
      String name = nodeName(node, nodes);
      String id =
          String.format(
              "BNCH:%04X:%04X:%04X:0000:0000:0000:0000:0000:0000:0000:0000",
              (node >> 16) & 0xffff, node & 0xffff, SERVICES.length);
      return "{\"ID\":\""
          + id
          + "\",\"Containers\":5,\"ContainersRunning\":5,\"ContainersPaused\":0,"
          + "\"ContainersStopped\":0,\"Images\":5,\"Driver\":\"overlay2\","
          + "\"DockerRootDir\":\"/var/lib/docker\",\"NCPU\":4,\"MemTotal\":8331640832,"
          + "\"Name\":\""
          + name
          + "\",\"ServerVersion\":\""
          + ENGINE_VERSION
          + "\",\"OperatingSystem\":\"Debian GNU/Linux 12 (bookworm)\",\"OSType\":\"linux\","
          + "\"Architecture\":\"x86_64\",\"KernelVersion\":\"6.1.0-18-amd64\",\"Labels\":[]}\n";
    }

    // ---------------------------------------------------------------- HTTP and JSON helpers

    static byte[] response(int status, String json) {
      return response(status, "application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] head(int status, String type, int length) {
      return ("HTTP/1.1 "
              + (status == 200 ? "200 OK" : "404 Not Found")
              + "\r\nApi-Version: "
              + API_VERSION
              + "\r\nContent-Type: "
              + type
              + "\r\nDocker-Experimental: false\r\nOstype: linux\r\nServer: Docker/"
              + ENGINE_VERSION
              + " (linux)\r\nContent-Length: "
              + length
              + "\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] response(int status, String type, byte[] body) {
      String head =
          "HTTP/1.1 "
              + (status == 200 ? "200 OK" : "404 Not Found")
              + "\r\nApi-Version: "
              + API_VERSION
              + "\r\nContent-Type: "
              + type
              + "\r\nDocker-Experimental: false\r\nOstype: linux\r\nServer: Docker/"
              + ENGINE_VERSION
              + " (linux)\r\nContent-Length: "
              + body.length
              + "\r\n\r\n";
      byte[] h = head.getBytes(StandardCharsets.ISO_8859_1);
      byte[] out = new byte[h.length + body.length];
      System.arraycopy(h, 0, out, 0, h.length);
      System.arraycopy(body, 0, out, h.length, body.length);
      return out;
    }

    static String decode(String s) {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    static String quote(String s) {
      StringBuilder b = new StringBuilder(s.length() + 2).append('"');
      for (char c : s.toCharArray()) {
        switch (c) {
          case '"' -> b.append("\\\"");
          case '\\' -> b.append("\\\\");
          case '\n' -> b.append("\\n");
          default -> b.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
      }
      return b.append('"').toString();
    }

    static void appendList(StringBuilder b, List<String> items) {
      b.append('[');
      for (int i = 0; i < items.size(); i++) {
        b.append(i == 0 ? "" : ",").append(quote(items.get(i)));
      }
      b.append(']');
    }

    static void appendMap(StringBuilder b, Map<String, String> map) {
      b.append('{');
      boolean first = true;
      for (Map.Entry<String, String> e : map.entrySet()) {
        b.append(first ? "" : ",")
            .append(quote(e.getKey()))
            .append(':')
            .append(quote(e.getValue()));
        first = false;
      }
      b.append('}');
    }
  }

  /**
   * An answer body cut at its markers ({@link #ID}, {@link #SHORT}, {@link #NET}) once, so an
   * answer is a few array copies: the stand-in's CPU shares the machine with the sweep it serves.
   */
  static final class Template {
    static final String ID = "\u0000" + "0" + "x".repeat(62);
    static final String SHORT = ID.substring(0, 12);
    static final String NET = "\u0000" + "2" + "x".repeat(10);
    private final List<byte[]> literals = new ArrayList<>();
    private final List<Integer> slots = new ArrayList<>();

    Template(String text) {
      int from = 0;
      while (true) {
        int at = text.indexOf('\u0000', from);
        if (at < 0) {
          literals.add(text.substring(from).getBytes(StandardCharsets.UTF_8));
          return;
        }
        literals.add(text.substring(from, at).getBytes(StandardCharsets.UTF_8));
        char kind = text.charAt(at + 1);
        boolean full = text.startsWith(ID, at);
        int slot = kind == '2' ? 2 : full ? 0 : 1;
        slots.add(slot);
        from = at + (slot == 0 ? ID.length() : slot == 1 ? SHORT.length() : NET.length());
      }
    }

    int length(byte[][] values) {
      int n = 0;
      for (byte[] l : literals) {
        n += l.length;
      }
      for (int slot : slots) {
        n += values[slot].length;
      }
      return n;
    }

    int write(byte[] out, int pos, byte[][] values) {
      for (int i = 0; i < literals.size(); i++) {
        byte[] l = literals.get(i);
        System.arraycopy(l, 0, out, pos, l.length);
        pos += l.length;
        if (i < slots.size()) {
          byte[] v = values[slots.get(i)];
          System.arraycopy(v, 0, out, pos, v.length);
          pos += v.length;
        }
      }
      return pos;
    }

    byte[] render(byte[][] values) {
      byte[] head = Server.head(200, "application/json", length(values));
      byte[] out = new byte[head.length + length(values)];
      System.arraycopy(head, 0, out, 0, head.length);
      write(out, head.length, values);
      return out;
    }

    static byte[] renderList(List<Template> parts, List<byte[][]> values) {
      int n = 3; // [ ] and the newline
      for (int i = 0; i < parts.size(); i++) {
        n += parts.get(i).length(values.get(i)) + (i == 0 ? 0 : 1);
      }
      byte[] head = Server.head(200, "application/json", n);
      byte[] out = new byte[head.length + n];
      System.arraycopy(head, 0, out, 0, head.length);
      int pos = head.length;
      out[pos++] = '[';
      for (int i = 0; i < parts.size(); i++) {
        if (i > 0) {
          out[pos++] = ',';
        }
        pos = parts.get(i).write(out, pos, values.get(i));
      }
      out[pos++] = ']';
      out[pos] = '\n';
      return out;
    }
  }

  /** One client connection: the request bytes read so far and the answers not yet written. */
  static final class Conn {
    final int node;
    ByteBuffer in = ByteBuffer.allocate(4096);
    ByteBuffer out;
    final List<byte[]> pending = new ArrayList<>(2);
    boolean closeAfter;
    long lastActive = System.currentTimeMillis();

    Conn(int node) {
      this.node = node;
    }

    void queue(byte[] answer, boolean close) {
      if (out == null) {
        out = ByteBuffer.wrap(answer);
      } else {
        pending.add(answer);
      }
      closeAfter |= close;
    }
  }

  static {
    // Fail early with a clear message when the JDK is too old for Unix sockets in NIO.
    if (Runtime.version().feature() < 16) {
      throw new UncheckedIOException(new IOException("EngineStandIn needs Java 16+"));
    }
  }
}
