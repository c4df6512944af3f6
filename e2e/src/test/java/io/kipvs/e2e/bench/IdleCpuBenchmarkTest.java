package io.kipvs.e2e.bench;

import io.kipvs.e2e.cluster.ApiServer;
import io.kipvs.e2e.cluster.KipvsDaemon;
import io.kipvs.e2e.cluster.Workloads;
import io.kipvs.e2e.testbed.JavaProcess;
import io.kipvs.e2e.testbed.Node;
import io.kipvs.e2e.testbed.NodeOptions;
import io.kipvs.e2e.testbed.TestbedExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Where a daemon's CPU goes, thread by thread (from /proc/PID/task), at {@code kipvs.idle.services}
 * services (default 2,000) x 10 endpoints in one node: every few seconds from its start to the end
 * of its first full sync, then over {@code kipvs.idle.periods} idle windows (20 s from the end of
 * one periodic resync) and the resyncs that follow. One daemon per entry of {@code
 * kipvs.idle.variants} (";"-separated extra JVM options; the first starts from an empty node, the
 * others adopt its state); a {@code -cp PATH} among them runs the daemon from that class path
 * instead of this test's (another build, to compare two builds in one node, interleaved). Extra
 * daemon flags in {@code kipvs.idle.args} (e.g. {@code -v=2} for each command's wall time and CPU).
 * Prints figures only (and the daemon's VmRSS after each idle period); {@code
 * -Dkipvs.bench.idle=true}.
 */
class IdleCpuBenchmarkTest {
  @RegisterExtension static final TestbedExtension testbed = new TestbedExtension();

  private static final Pattern FULL_SYNC = Pattern.compile("Full sync took");
  private static final Duration LONG = Duration.ofMinutes(15);

  static {
    Logger.getLogger("okhttp3.mockwebserver.MockWebServer").setLevel(Level.WARNING);
  }

  @Test
  @EnabledIfSystemProperty(named = "kipvs.bench.idle", matches = "true")
  void idleCpuByThread() throws Exception {
    int services = Integer.getInteger("kipvs.idle.services", 2000);
    int periods = Integer.getInteger("kipvs.idle.periods", 2);
    Node node =
        testbed.startNode(
            NodeOptions.named("bench")
                .withHostLink()
                .withMemory("2G")
                .withBootTimeout(Duration.ofMinutes(3)));
    node.run(
        """
        ip link add pods0 type dummy
        ip link set pods0 up
        ip route add 10.128.0.0/9 dev pods0
        """);
    try (ApiServer api = ApiServer.start()) {
      BenchCluster cluster = new BenchCluster(api.client(), services, 10);
      new Workloads(api::client).node(node, "zone-a");
      cluster.populate(16);
      for (String variant : System.getProperty("kipvs.idle.variants", "").split(";", -1)) {
        run(node, api, services, periods, variant.strip());
      }
    }
  }

  /** One daemon, with these extra JVM options: its first sync, then idle periods. */
  private static void run(Node node, ApiServer api, int services, int periods, String extra)
      throws InterruptedException {
    List<String> jvm = new ArrayList<>(List.of("-Xmx384m"));
    if (!extra.isEmpty()) {
      jvm.addAll(Arrays.asList(extra.split(" +")));
    }
    String classPath = System.getProperty("java.class.path");
    int cp = jvm.indexOf("-cp");
    if (cp >= 0) {
      classPath = jvm.get(cp + 1);
      jvm.subList(cp, cp + 2).clear();
    }
    List<String> args =
        new ArrayList<>(KipvsDaemon.daemonSetArgs(node, api, "--ipvs-sync-period=30s"));
    String extraArgs = System.getProperty("kipvs.idle.args", "").strip();
    if (!extraArgs.isEmpty()) {
      args.addAll(Arrays.asList(extraArgs.split(" +")));
    }
    JavaProcess daemon = node.startJava(jvm, classPath, KipvsDaemon.MAIN_CLASS, args);
    String build = cp >= 0 ? "class path " + classPath.split(":")[0] + "..." : "this build";
    // Thread by thread from the start to the end of the first full sync, every few seconds.
    ThreadCpu last = null;
    while (count(daemon) < 1) {
      if (!daemon.isAlive()) {
        throw new AssertionError("daemon exited:\n" + daemon.log());
      }
      ThreadCpu now = ThreadCpu.sample(node, daemon.pid());
      if (last != null) {
        String[] lines = daemon.log().split("\n");
        System.out.printf(
            "[first] %s | last log: %.140s%n%s",
            java.time.Instant.now(), lines[lines.length - 1], top(now.since(last), 7));
      }
      last = now;
      Thread.sleep(3_000);
    }
    System.out.printf(
        "[first] to the end of the first full sync: %s",
        ThreadCpu.sample(node, daemon.pid()).since(last));
    // The first full sync, then one periodic resync: everything after is steady state.
    awaitSyncs(daemon, 2);
    for (int p = 0; p < periods; p++) {
      int n = count(daemon);
      ThreadCpu afterSync = ThreadCpu.sample(node, daemon.pid());
      Thread.sleep(20_000);
      ThreadCpu idle = ThreadCpu.sample(node, daemon.pid());
      awaitSyncs(daemon, n + 1);
      ThreadCpu resynced = ThreadCpu.sample(node, daemon.pid());
      String rss =
          node.run("grep VmRSS /proc/" + daemon.pid() + "/status").strip()
              + memory(node, daemon, jvm);
      System.out.printf(
          "[idle] %,d services, JVM %s, %s, period %d%n[idle] 20 s idle: %s[idle] then up to the"
              + " end of the next resync: %s[idle] %s%n",
          services, jvm, build, p, idle.since(afterSync), resynced.since(idle), rss);
    }
    System.out.println("[idle] daemon log (last lines):\n" + tail(daemon.log(), 6));
    daemon.terminate();
    daemon.awaitExit(Duration.ofMinutes(2));
  }

  /**
   * The heap's size and use ({@code jcmd GC.heap_info}), and with {@code
   * -XX:NativeMemoryTracking=summary} among the JVM options the committed memory per category.
   */
  private static String memory(Node node, JavaProcess daemon, List<String> jvm) {
    String jcmd = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    StringBuilder out = new StringBuilder();
    node.run(jcmd + " " + daemon.pid() + " GC.heap_info 2>&1 || true")
        .lines()
        .filter(l -> l.contains("total") && l.contains("used"))
        .forEach(l -> out.append("\n[idle]   heap: ").append(l.strip()));
    if (jvm.stream().anyMatch(o -> o.startsWith("-XX:NativeMemoryTracking="))) {
      node.run(jcmd + " " + daemon.pid() + " VM.native_memory summary 2>&1 || true")
          .lines()
          .filter(l -> l.matches("^(Total|-\\s+[A-Za-z ]+\\().*committed=.*"))
          .forEach(l -> out.append("\n[idle]   NMT: ").append(l.strip()));
    }
    return out.toString();
  }

  private static String top(String since, int n) {
    String[] lines = since.split("\n");
    return String.join("\n", Arrays.copyOfRange(lines, 0, Math.min(lines.length, n + 1))) + "\n";
  }

  private static String tail(String log, int n) {
    String[] lines = log.split("\n");
    return String.join(
        "\n", Arrays.copyOfRange(lines, Math.max(0, lines.length - n), lines.length));
  }

  private static int count(JavaProcess p) {
    return (int) p.completeLogLines().filter(l -> FULL_SYNC.matcher(l).find()).count();
  }

  private static void awaitSyncs(JavaProcess daemon, int n) throws InterruptedException {
    long deadline = System.nanoTime() + LONG.toNanos();
    while (count(daemon) < n) {
      if (System.nanoTime() > deadline || !daemon.isAlive()) {
        throw new AssertionError("no full sync #" + n + ":\n" + daemon.log());
      }
      Thread.sleep(200);
    }
  }
}
