package io.kipvs.e2e.cluster;

import io.kipvs.e2e.testbed.JavaProcess;
import io.kipvs.e2e.testbed.Node;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The kipvs daemon running inside a test bed node, started with what the DaemonSet in deploy/ gives
 * it (kubeadm's config.conf there: mode ipvs, scheduler rr) as flags: {@code --mode=ipvs
 * --ipvs-scheduler=rr --hostname-override=<node>}, against the test's API server.
 */
public final class KipvsDaemon {
  private static final String JVM_OPTIONS = "/io/kipvs/daemon/jvm.options";

  public static final String MAIN_CLASS = "io.kipvs.daemon.Main";

  // A deadline, not a figure: three daemons start at once on a busy 2-core machine.
  private static final Duration HEALTHY_WITHIN = Duration.ofSeconds(180);

  private final Node node;
  private final List<String> args;
  private final Function<List<String>, JavaProcess> starter;
  private JavaProcess process;

  private KipvsDaemon(Node node, List<String> args) {
    this(node, args, a -> startJava(node, List.of(), a));
  }

  private KipvsDaemon(Node node, List<String> args, Function<List<String>, JavaProcess> starter) {
    this.node = node;
    this.args = List.copyOf(args);
    this.starter = starter;
  }

  /** The flags the DaemonSet passes, pointed at this API server, plus the extra ones given. */
  public static List<String> daemonSetArgs(Node node, ApiServer api, String... extra) {
    List<String> args = new ArrayList<>();
    args.add("--mode=ipvs");
    args.add("--ipvs-scheduler=rr");
    args.add("--hostname-override=" + node.name());
    args.add("--master=" + api.urlFromNode());
    args.add("--healthz-bind-address=0.0.0.0:10256");
    args.add("--metrics-bind-address=127.0.0.1:10249");
    args.addAll(List.of(extra));
    return args;
  }

  /** Starts the daemon with these flags; {@link #process()} is its JVM. */
  public static KipvsDaemon start(Node node, List<String> args) {
    KipvsDaemon daemon = new KipvsDaemon(node, args);
    daemon.restart();
    return daemon;
  }

  /**
   * Starts the daemon on a node with the DaemonSet's flags pointed at this API server, then {@code
   * flags}, and waits until it is healthy (synced).
   */
  public static KipvsDaemon startHealthy(Node node, ApiServer api, List<String> flags) {
    KipvsDaemon daemon = start(node, daemonSetArgs(node, api, flags.toArray(String[]::new)));
    daemon.awaitHealthy(HEALTHY_WITHIN);
    return daemon;
  }

  /**
   * Starts the daemon on every node at once, as a DaemonSet would, with {@link #startHealthy(Node,
   * ApiServer, List)}; the list is in the nodes' order.
   */
  public static List<KipvsDaemon> startHealthyOnEach(
      List<Node> nodes, ApiServer api, List<String> flags) {
    List<CompletableFuture<KipvsDaemon>> starting =
        nodes.stream()
            .map(n -> CompletableFuture.supplyAsync(() -> startHealthy(n, api, flags)))
            .toList();
    return starting.stream().map(CompletableFuture::join).toList();
  }

  /**
   * Starts the daemon as the image does: its entry script ({@link ImageLayout#entryScript()}) with
   * {@code KIPVS_HOME} at {@code image}'s folder, the {@code environment} given (a pod's, such as
   * {@code KUBERNETES_SERVICE_HOST}) and these flags; the node's {@code java} runs it.
   */
  public static KipvsDaemon startFromImage(
      Node node, ImageLayout image, Map<String, String> environment, List<String> args) {
    List<String> prefix = new ArrayList<>(List.of("env", "KIPVS_HOME=" + image.home()));
    environment.forEach((name, value) -> prefix.add(name + "=" + value));
    prefix.add(image.entryScript().toString());
    KipvsDaemon daemon =
        new KipvsDaemon(
            node,
            args,
            a -> {
              List<String> command = new ArrayList<>(prefix);
              command.addAll(a);
              return node.startJavaCommand(MAIN_CLASS, command);
            });
    daemon.restart();
    return daemon;
  }

  /** Starts the daemon (again) with the same flags. */
  public synchronized void restart() {
    process = starter.apply(args);
  }

  /**
   * Starts the daemon's JVM as the image's entry script does: the options kipvs ships with, the
   * class-data sharing archive (made once per test run, {@link DaemonClassPath}), then {@code
   * extraJvmOptions}, from jars only.
   */
  public static JavaProcess startJava(Node node, List<String> extraJvmOptions, List<String> args) {
    DaemonClassPath shipped = Shipped.CLASS_PATH;
    List<String> jvm = new ArrayList<>(jvmOptions());
    jvm.addAll(shipped.jvmOptions());
    jvm.addAll(extraJvmOptions);
    return node.startJava(jvm, shipped.classPath(), MAIN_CLASS, args);
  }

  /**
   * Makes the daemon's jar and class-data sharing archive now, if this test JVM has not yet: what
   * times a daemon's start calls it first, or the first start also times the archive's dump on the
   * host (7 to 8 s).
   */
  public static void prepareClassPath() {
    Objects.requireNonNull(Shipped.CLASS_PATH);
  }

  /**
   * The shell command that runs kipvs's main class once in a node with these arguments, from the
   * daemon's shipped class path and options: a one-shot subcommand such as {@code kipvs explain},
   * as {@code ./kipvs explain} runs it on a node.
   */
  public static String commandLine(List<String> args) {
    DaemonClassPath shipped = Shipped.CLASS_PATH;
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions());
    command.addAll(shipped.jvmOptions());
    command.add("-cp");
    command.add(shipped.classPath());
    command.add(MAIN_CLASS);
    command.addAll(args);
    return command.stream()
        .map(a -> "'" + a.replace("'", "'\\''") + "'")
        .collect(java.util.stream.Collectors.joining(" "));
  }

  /** Made on first use: one jar and one archive for every daemon this test JVM starts. */
  private static final class Shipped {
    static final DaemonClassPath CLASS_PATH =
        DaemonClassPath.create(Path.of("target", "kipvs-daemon").toAbsolutePath(), jvmOptions());
  }

  /**
   * The JVM options kipvs ships with (the daemon's {@code jvm.options}, which the image and {@code
   * ./kipvs} use too), so that the tests run the daemon as users do.
   */
  public static List<String> jvmOptions() {
    try (InputStream in = KipvsDaemon.class.getResourceAsStream(JVM_OPTIONS)) {
      if (in == null) {
        throw new IllegalStateException(JVM_OPTIONS + " is not on the class path");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8)
          .lines()
          .map(String::strip)
          .filter(l -> !l.isEmpty() && !l.startsWith("#"))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public synchronized JavaProcess process() {
    return process;
  }

  public Node node() {
    return node;
  }

  /** Waits until the daemon's /healthz answers 200, i.e. it has synced. */
  public void awaitHealthy(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      String code =
          node.exec(
                  "curl -s -o /dev/null -w '%{http_code}' --max-time 2 http://127.0.0.1:10256/healthz")
              .stdout()
              .strip();
      if (code.equals("200")) {
        return;
      }
      if (!process().isAlive()) {
        throw new AssertionError(
            "kipvs on "
                + node.name()
                + " exited with "
                + process().exitCode()
                + ":\n"
                + process().log());
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "kipvs on "
                + node.name()
                + " not healthy within "
                + timeout
                + " (last /healthz "
                + code
                + "):\n"
                + process().log());
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }
  }

  /** kill -9, as a crash or an OOM kill would. */
  public void kill() {
    process().kill();
  }

  /** SIGTERM and wait for the exit code. */
  public int terminate(Duration timeout) {
    process().terminate();
    return process().awaitExit(timeout);
  }
}
