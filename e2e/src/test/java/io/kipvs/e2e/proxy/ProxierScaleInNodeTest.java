package io.kipvs.e2e.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.kipvs.e2e.cluster.KipvsDaemon;
import io.kipvs.e2e.testbed.JavaProcess;
import io.kipvs.e2e.testbed.Node;
import io.kipvs.e2e.testbed.TestbedExtension;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The proxier at scale in a node: N services of M endpoints. Prints the first full sync, an idle
 * full sync and a one-service incremental sync, beside {@code ipvsadm -Sn} (reading the same table)
 * as the reference of this run. Asserts only counts: the idle resync writes nothing, the
 * incremental sync writes one operation. Size with -Dkipvs.scale.services (default 10000) and
 * -Dkipvs.scale.endpoints (default 10); -Dkipvs.scale.resyncs (default 1) idle resyncs are printed
 * (more give a steadier figure), -Dkipvs.scale.period (default 60 s) apart. The proxier's JVM runs
 * with the options kipvs ships with (the daemon's jvm.options), and -Dkipvs.scale.jvmOptions
 * (space-separated) after them.
 */
class ProxierScaleInNodeTest {
  @RegisterExtension static final TestbedExtension testbed = new TestbedExtension();

  static final Pattern SYNC =
      Pattern.compile("(Full sync|Sync) took (\\d+) ms: (\\d+) IPVS operations, (\\d+) failed");

  @Test
  void idleResyncWritesNothingAndOneChangeWritesOne() {
    int services = Integer.getInteger("kipvs.scale.services", 10_000);
    int endpoints = Integer.getInteger("kipvs.scale.endpoints", 10);
    int period = Integer.getInteger("kipvs.scale.period", 60);
    int resyncs = Integer.getInteger("kipvs.scale.resyncs", 1);
    Node node = testbed.startNode("scale1");
    // Endpoints are addresses without pods: routed into a dummy link so the kernel takes them.
    node.run(
        """
        ip link add pods0 type dummy
        ip link set pods0 up
        ip route add 10.128.0.0/9 dev pods0
        """);
    // The JVM options kipvs ships with: the sync thread's CPU depends on the compiler and the
    // collector as much as on the code.
    List<String> jvm = new java.util.ArrayList<>(KipvsDaemon.jvmOptions());
    String extra = System.getProperty("kipvs.scale.jvmOptions", "").strip();
    if (!extra.isEmpty()) {
      jvm.addAll(List.of(extra.split(" +")));
    }
    JavaProcess p =
        node.startJava(
            jvm,
            ProxierNodeMain.class.getName(),
            List.of("scale", Integer.toString(services), Integer.toString(endpoints), "" + period));
    Duration limit = Duration.ofMinutes(15);
    String first = p.awaitLogLine("Full sync took", limit);
    long[] before = cpuTicks(node, p);
    String idle = awaitNth(p, "Full sync took", 2, limit.plusSeconds(period));
    long[] after = cpuTicks(node, p);
    String firstPhases = awaitNth(p, "Full sync phases", 1, Duration.ofSeconds(10));
    String idlePhases = awaitNth(p, "Full sync phases", 2, Duration.ofSeconds(10));
    StringBuilder later = new StringBuilder();
    for (int n = 3; n <= resyncs + 1; n++) {
      String took = awaitNth(p, "Full sync took", n, limit.plusSeconds(period));
      assertThat(ops(took)).as("idle resync writes").isZero();
      String phases = awaitNth(p, "Full sync phases", n, Duration.ofSeconds(10));
      later.append("[scale]     ").append(phases.substring(phases.indexOf("Full sync phases")));
      later.append('\n');
    }
    long start = System.nanoTime();
    String table = node.run("ipvsadm -Sn | wc -l", Duration.ofMinutes(5));
    long ipvsadmMillis = (System.nanoTime() - start) / 1_000_000;
    node.run("touch /run/out/drop-b");
    String incremental = p.awaitLogLine(": Sync took", limit);

    System.out.printf(
        "[scale] %d services x %d endpoints (%s lines in ipvsadm -Sn)%n"
            + "[scale]   first full sync: %s%n"
            + "[scale]     %s%n"
            + "[scale]   idle full sync:  %s%n"
            + "[scale]     CPU over the period holding it: process %d ms, child processes %d ms%n"
            + "[scale]     %s%n"
            + "%s"
            + "[scale]   one-service sync: %s%n"
            + "[scale]   reference, ipvsadm -Sn of the same table: %d ms%n",
        services,
        endpoints,
        table.strip(),
        brief(first),
        firstPhases.substring(firstPhases.indexOf("Full sync phases")),
        brief(idle),
        (after[0] - before[0]) * 1000 / after[2],
        (after[1] - before[1]) * 1000 / after[2],
        idlePhases.substring(idlePhases.indexOf("Full sync phases")),
        later,
        brief(incremental),
        ipvsadmMillis);
    assertThat(ops(first)).isEqualTo(services * (1L + endpoints));
    assertThat(failed(first)).isZero();
    assertThat(ops(idle)).as("idle resync writes").isZero();
    assertThat(ops(incremental)).as("one endpoint gone: weight 0").isEqualTo(1);
    p.terminate();
    p.awaitExit(Duration.ofMinutes(2));
  }

  /** utime + stime, cutime + cstime (clock ticks) of the process, and the ticks per second. */
  static long[] cpuTicks(Node node, JavaProcess p) {
    String out = node.run("cut -d')' -f2- /proc/" + p.pid() + "/stat; getconf CLK_TCK").strip();
    String[] lines = out.split("\n");
    // After "pid (comm)": state is field 3, so utime (14) is index 11 here.
    String[] f = lines[0].strip().split(" ");
    return new long[] {
      Long.parseLong(f[11]) + Long.parseLong(f[12]),
      Long.parseLong(f[13]) + Long.parseLong(f[14]),
      Long.parseLong(lines[1].strip())
    };
  }

  static String awaitNth(JavaProcess p, String text, int n, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      List<String> lines = p.completeLogLines().filter(l -> l.contains(text)).toList();
      if (lines.size() >= n) {
        return lines.get(n - 1);
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
    throw new AssertionError(
        n + " lines with '" + text + "' not within " + within + ":\n" + p.log());
  }

  static Matcher match(String line) {
    Matcher m = SYNC.matcher(line);
    assertThat(m.find()).as(line).isTrue();
    return m;
  }

  static long ops(String line) {
    return Long.parseLong(match(line).group(3));
  }

  static long failed(String line) {
    return Long.parseLong(match(line).group(4));
  }

  static String brief(String line) {
    Matcher m = match(line);
    return m.group(2) + " ms, " + m.group(3) + " IPVS operations";
  }
}
