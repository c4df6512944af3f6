package io.kipvs.e2e.bench;

import io.kipvs.e2e.testbed.JavaProcess;
import io.kipvs.e2e.testbed.Node;
import io.kipvs.e2e.testbed.NodeOptions;
import io.kipvs.e2e.testbed.TestbedExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The collectors compared in a node on {@link AllocationMain}, interleaved: the serial collector
 * with the daemon's heap options against G1 with the ones kipvs shipped before. Prints each run's
 * wall time in the node and its pauses, then the medians and their ratio. {@code
 * -Dkipvs.bench.gc=true}; {@code -Dkipvs.bench.gc.rounds} (3), {@code -Dkipvs.bench.gc.objects}
 * (400,000).
 */
class GcBenchmarkTest {
  @RegisterExtension static final TestbedExtension testbed = new TestbedExtension();

  private static final Pattern PAUSE = Pattern.compile("Pause .* ([0-9.]+)ms");
  private static final Pattern ALLOCATED = Pattern.compile("allocated in (\\d+) ms");

  @Test
  @EnabledIfSystemProperty(named = "kipvs.bench.gc", matches = "true")
  void serialAgainstG1() throws Exception {
    Node node =
        testbed.startNode(
            NodeOptions.named("gc").withMemory("1G").withBootTimeout(Duration.ofMinutes(3)));
    int rounds = Integer.getInteger("kipvs.bench.gc.rounds", 3);
    String objects = System.getProperty("kipvs.bench.gc.objects", "400000");
    Map<String, List<String>> variants = new LinkedHashMap<>();
    variants.put(
        "serial",
        List.of(
            "-XX:+UseSerialGC",
            "-XX:-ShrinkHeapInSteps",
            "-XX:MinHeapFreeRatio=10",
            "-XX:MaxHeapFreeRatio=40"));
    variants.put(
        "G1",
        List.of(
            "-XX:+UseG1GC",
            "-XX:MinHeapFreeRatio=10",
            "-XX:MaxHeapFreeRatio=40",
            "-XX:-G1UseAdaptiveIHOP",
            "-XX:InitiatingHeapOccupancyPercent=85"));
    Map<String, List<Long>> walls = new LinkedHashMap<>();
    for (int r = 0; r < rounds; r++) {
      for (var v : variants.entrySet()) {
        List<String> jvm = new ArrayList<>(List.of("-Xmx384m", "-Xms32m", "-Xlog:gc:stdout"));
        jvm.addAll(v.getValue());
        long start = System.nanoTime();
        JavaProcess p = node.startJava(jvm, AllocationMain.class.getName(), List.of(objects));
        int exit = p.awaitExit(Duration.ofMinutes(10));
        long wall = (System.nanoTime() - start) / 1_000_000;
        String log = p.log();
        if (exit != 0) {
          throw new AssertionError(v.getKey() + " exited " + exit + ": " + log);
        }
        Matcher allocated = ALLOCATED.matcher(log);
        if (!allocated.find()) {
          throw new AssertionError(v.getKey() + " printed no time: " + log);
        }
        Matcher pause = PAUSE.matcher(log);
        int pauses = 0;
        double paused = 0;
        while (pause.find()) {
          pauses++;
          paused += Double.parseDouble(pause.group(1));
        }
        walls.computeIfAbsent(v.getKey(), k -> new ArrayList<>()).add(wall);
        System.out.printf(
            "[gc] round %d %-6s process %,d ms (allocation %s ms), %d pauses %,.0f ms%n",
            r + 1, v.getKey(), wall, allocated.group(1), pauses, paused);
      }
    }
    long serial = median(walls.get("serial"));
    long g1 = median(walls.get("G1"));
    System.out.printf(
        "[gc] medians of %d: serial %,d ms, G1 %,d ms: G1 takes %.1fx as long (%s objects)%n",
        rounds, serial, g1, (double) g1 / serial, objects);
  }

  private static long median(List<Long> values) {
    List<Long> sorted = new ArrayList<>(values);
    sorted.sort(null);
    return sorted.get(sorted.size() / 2);
  }
}
