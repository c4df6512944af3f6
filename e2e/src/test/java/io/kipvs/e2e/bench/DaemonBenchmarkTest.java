package io.kipvs.e2e.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.kipvs.e2e.testbed.Node;
import io.kipvs.e2e.testbed.NodeOptions;
import io.kipvs.e2e.testbed.TestbedExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The kipvs daemon at scale (issue 7), as a process in one node against the mock API server: full
 * sync from empty, change latency, idle resync, memory, and {@code ipvsadm -R} of the same table as
 * the reference of the same run. Prints a table and PASS/MISS per goal; asserts only counts
 * (operations, failures, writes), never times. {@code ./kipvs bench} runs the full benchmark
 * ({@code -Dkipvs.bench=true}, minutes); a build runs the 50-service smoke version.
 */
class DaemonBenchmarkTest {
  @RegisterExtension static final TestbedExtension testbed = new TestbedExtension();

  // The mock server logs every request at INFO: 20,000 creates would bury the table.
  private static final Logger MOCK_SERVER_LOG =
      Logger.getLogger("okhttp3.mockwebserver.MockWebServer");

  static {
    MOCK_SERVER_LOG.setLevel(Level.WARNING);
  }

  @Test
  @EnabledIfSystemProperty(named = "kipvs.bench", matches = "true")
  void benchmark() throws Exception {
    run(BenchSettings.full());
  }

  @Test
  @DisabledIfSystemProperty(named = "kipvs.bench", matches = "true")
  void smoke() throws Exception {
    run(BenchSettings.smoke());
  }

  private static void run(BenchSettings settings) throws Exception {
    List<ScaleResult> results = new ArrayList<>();
    for (int services : settings.scales()) {
      ScaleRun.log("--- %,d services ---", services);
      // A fresh node for each scale: the kernel keeps every deleted real server in a trash list for
      // two to three minutes and walks that list for each real server added, so a scale after a
      // flushed one wrote its table several times slower (BENCHMARKS.md, "The kernel's trash").
      Node node = startNode(settings, services);
      ScaleResult r;
      try {
        r = new ScaleRun(node, settings, services).run();
      } finally {
        node.stop();
      }
      results.add(r);
      long expected = (long) services * (1 + settings.endpoints());
      assertThat(r.operations()).as("first full sync operations").isEqualTo(expected);
      assertThat(r.failed()).as("failed operations").isZero();
      assertThat(r.latenciesMicros()).hasSize(settings.changes());
      r.idle().ifPresent(i -> assertThat(i.writes()).as("idle resync writes").isZero());
    }
    BenchReport report = new BenchReport(results);
    System.out.println("[bench] results\n" + report.table() + "\n" + report.goals());
  }

  private static Node startNode(BenchSettings settings, int services) {
    Node node =
        testbed.startNode(
            NodeOptions.named("bench-" + services)
                .withHostLink()
                .withMemory(settings.nodeMemory())
                .withBootTimeout(Duration.ofMinutes(3)));
    // Endpoints live on another node: their pod network is routed through a dummy link.
    node.run(
        """
        ip link add pods0 type dummy
        ip link set pods0 up
        ip route add 10.128.0.0/9 dev pods0
        """);
    return node;
  }
}
