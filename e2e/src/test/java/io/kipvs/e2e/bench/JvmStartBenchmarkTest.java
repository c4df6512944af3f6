package io.kipvs.e2e.bench;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.kipvs.e2e.cluster.ApiServer;
import io.kipvs.e2e.cluster.DaemonClassPath;
import io.kipvs.e2e.cluster.KipvsDaemon;
import io.kipvs.e2e.cluster.Workloads;
import io.kipvs.e2e.testbed.JavaProcess;
import io.kipvs.e2e.testbed.Node;
import io.kipvs.e2e.testbed.NodeOptions;
import io.kipvs.e2e.testbed.Pod;
import io.kipvs.e2e.testbed.TestbedExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The daemon's start in one node (BENCHMARKS.md, "JVM start"), with what kipvs ships (the
 * class-data sharing archive and jffi's library folder) against the same without the archive and
 * without either, runs interleaved. Against one service: what is left is the start itself. Prints
 * medians, asserts nothing on time. {@code -Dkipvs.bench.start=true} runs it; {@code
 * -Dkipvs.bench.start.repeats=N} (3); {@code -Dkipvs.bench.start.classList=true} first writes the
 * class list of one run (its first full sync, then three endpoint changes) into the node's output
 * folder, for {@code classes.lst}. {@code -Dkipvs.bench.start.options="OPTS;OPTS"} adds a variant
 * of what kipvs ships with these JVM options for each.
 */
class JvmStartBenchmarkTest {
  @RegisterExtension static final TestbedExtension testbed = new TestbedExtension();

  private static final Duration LONG = Duration.ofMinutes(4);

  private static Endpoint trainingEndpoint(String ip) {
    return new EndpointBuilder()
        .withAddresses(ip)
        .withNodeName("elsewhere")
        .withNewConditions()
        .withReady(true)
        .withServing(true)
        .withTerminating(false)
        .endConditions()
        .build();
  }

  @Test
  void startWithAndWithoutTheArchive() {
    assumeTrue(Boolean.getBoolean("kipvs.bench.start"), "-Dkipvs.bench.start=true runs it");
    int repeats = Integer.getInteger("kipvs.bench.start.repeats", 3);
    DaemonClassPath shipped =
        DaemonClassPath.create(
            Path.of("target", "jvm-start-bench").toAbsolutePath(), KipvsDaemon.jvmOptions());
    try (ApiServer api = ApiServer.start()) {
      Node node = testbed.startNode(NodeOptions.named("start").withHostLink());
      Workloads k8s = new Workloads(api::client);
      k8s.node(node, "zone-a");
      k8s.clusterIpService("web", "10.96.0.10", 80);
      List<String> args = KipvsDaemon.daemonSetArgs(node, api);

      if (Boolean.getBoolean("kipvs.bench.start.classList")) {
        String list = Node.OUTPUT_DIR_IN_NODE + "/classes.lst";
        JavaProcess training =
            start(node, shipped, List.of("-XX:DumpLoadedClassList=" + list), args);
        training.awaitLogLine(ScaleRun.FULL_SYNC.pattern(), LONG);
        // Then endpoint changes, as the benchmark makes them (one endpoint replaced, the one it
        // replaces drained), so that the list holds what the first changes load too: left out,
        // they made the first changes after a start the slowest (BENCHMARKS.md).
        for (int change = 0; change < 3; change++) {
          k8s.endpoints(
              "web",
              "web",
              "http",
              "TCP",
              Pod.HTTP_PORT,
              List.of(
                  trainingEndpoint("10.244.9.1"), trainingEndpoint("10.244.9." + (10 + change))));
          training.awaitLogLine("Sync took .* " + change + " real servers draining", LONG);
        }
        training.terminate();
        training.awaitExit(LONG);
        System.out.printf(
            "[start] class list of one run to its first full sync and three endpoint changes: %s%n",
            node.outputDir().resolve("classes.lst"));
      }

      Map<String, List<String>> variants = new LinkedHashMap<>();
      variants.put("shipped (archive, jffi folder)", shipped.jvmOptions());
      variants.put(
          "jffi folder, no archive",
          shipped.jvmOptions().stream().filter(o -> o.startsWith("-Djffi")).toList());
      variants.put("neither", List.of());
      // More JVM options on top of what kipvs ships, each as a variant of its own.
      for (String extra : System.getProperty("kipvs.bench.start.options", "").split(";")) {
        if (!extra.isBlank()) {
          List<String> options = new ArrayList<>(shipped.jvmOptions());
          options.addAll(List.of(extra.strip().split(" +")));
          variants.put("shipped " + extra.strip(), options);
        }
      }
      Map<String, List<long[]>> results = new LinkedHashMap<>();
      for (int run = 0; run < repeats; run++) {
        for (var variant : variants.entrySet()) {
          long[] times = once(node, shipped, variant.getValue(), args);
          results.computeIfAbsent(variant.getKey(), k -> new ArrayList<>()).add(times);
          System.out.printf(
              "[start] %s, run %d: first log line %d ms, informers started %d ms, IPVS found %d"
                  + " ms, kipvs running %d ms%n",
              variant.getKey(), run, times[0], times[1], times[2], times[3]);
        }
      }
      System.out.println("[start] medians from the start command, in ms:");
      System.out.println(
          "[start] | JVM options | first log line | informers started | IPVS found | running |");
      results.forEach(
          (name, times) ->
              System.out.printf(
                  "[start] | %s | %,d | %,d | %,d | %,d |%n",
                  name, median(times, 0), median(times, 1), median(times, 2), median(times, 3)));
    }
  }

  private static JavaProcess start(
      Node node, DaemonClassPath shipped, List<String> options, List<String> args) {
    List<String> jvm = new ArrayList<>(KipvsDaemon.jvmOptions());
    jvm.addAll(options);
    return node.startJava(jvm, shipped.classPath(), KipvsDaemon.MAIN_CLASS, args);
  }

  /** From the start command: first log line, informers started, IPVS found, kipvs running. */
  private static long[] once(
      Node node, DaemonClassPath shipped, List<String> options, List<String> args) {
    Instant start = Instant.now();
    JavaProcess daemon = start(node, shipped, options, args);
    try {
      String running = daemon.awaitLogLine("kipvs running for node", LONG);
      String informers = daemon.awaitLogLine(ScaleRun.INFORMERS.pattern(), LONG);
      Matcher listing = ScaleRun.INFORMERS.matcher(informers);
      listing.find();
      Instant listStart = ScaleRun.timeOf(informers).minusMillis(Long.parseLong(listing.group(1)));
      String first = daemon.awaitLogLine("^\\d{4}-\\d\\d-\\d\\dT", LONG);
      String ipvs = daemon.awaitLogLine("IPVS [\\d.]+ found", LONG);
      return new long[] {
        Duration.between(start, ScaleRun.timeOf(first)).toMillis(),
        Duration.between(start, listStart).toMillis(),
        Duration.between(start, ScaleRun.timeOf(ipvs)).toMillis(),
        Duration.between(start, ScaleRun.timeOf(running)).toMillis()
      };
    } finally {
      daemon.terminate();
      daemon.awaitExit(LONG);
    }
  }

  private static long median(List<long[]> times, int column) {
    long[] values = times.stream().mapToLong(t -> t[column]).sorted().toArray();
    return values[values.length / 2];
  }
}
