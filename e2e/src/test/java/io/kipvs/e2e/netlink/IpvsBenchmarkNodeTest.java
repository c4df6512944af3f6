package io.kipvs.e2e.netlink;

import static org.assertj.core.api.Assertions.assertThat;

import io.kipvs.e2e.testbed.JavaProcess;
import io.kipvs.e2e.testbed.Node;
import io.kipvs.e2e.testbed.NodeOptions;
import io.kipvs.e2e.testbed.TestbedExtension;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Our client against ipvsadm in one node, 10,000 TCP services x 10 masquerade real servers: writing
 * from empty (our apply, then ipvsadm -R into a fresh network namespace) and reading all of it (our
 * dumpAll, ipvsadm -Sn). Prints figures and ratios; asserts only that the work was done. Run with
 * {@code -Dkipvs.bench=true} (about 3 minutes). {@link #resyncReads} times the reads of a light
 * resync; {@link #writeAgainAfterAFlush} what the kernel's trash of flushed real servers costs
 * (several minutes).
 */
@EnabledIfSystemProperty(named = "kipvs.bench", matches = "true")
class IpvsBenchmarkNodeTest {
  @RegisterExtension static final TestbedExtension testbed = new TestbedExtension();
  private static final int SERVICES = Integer.getInteger("kipvs.bench.services", 10_000);
  private static final int REALS = 10;

  private static final String RULES = Node.OUTPUT_DIR_IN_NODE + "/bench-rules.txt";

  /**
   * Writes the benchmark's table (SERVICES x REALS) with our client, its rules saved to {@link
   * #RULES} as {@code ipvsadm -R} reads them; returns the probe's report.
   */
  private static Map<String, String> writeTable(Node node) throws Exception {
    Map<String, String> write =
        probe(node, "bench-write", String.valueOf(SERVICES), String.valueOf(REALS), RULES);
    assertThat(write.get("failures")).isEqualTo("0");
    return write;
  }

  private static Map<String, String> probe(Node node, String... args) throws Exception {
    String file = "bench-" + args[0] + ".txt";
    List<String> all = new java.util.ArrayList<>();
    all.add(args[0]);
    all.add(Node.OUTPUT_DIR_IN_NODE + "/" + file);
    all.addAll(List.of(args).subList(1, args.length));
    JavaProcess jvm = node.startJava(List.of("-Xmx512m"), NetlinkProbe.class.getName(), all);
    assertThat(jvm.awaitExit(Duration.ofMinutes(10))).as(jvm.log()).isZero();
    return IpvsClientNodeTest.keyValues(Files.readString(node.outputDir().resolve(file)), " ");
  }

  /** Seconds a shell command takes in the node, measured in the node. */
  private static double timed(Node node, String command) {
    String out =
        node.run(
            "s=$(date +%s%N); " + command + "; e=$(date +%s%N); echo $(( (e - s) / 1000000 ))",
            Duration.ofMinutes(10));
    return Long.parseLong(out.strip()) / 1000.0;
  }

  /**
   * The reads of a light resync at this scale, in one JVM and interleaved so that a loaded machine
   * skews both sides alike: the dump of every virtual server with 4 KiB dump datagrams (the old
   * size, the reference) and with the client's default, the real servers of a tenth of them, and
   * the legacy iptables summaries (BENCHMARKS.md, "Where the CPU goes"). Prints each read.
   */
  @Test
  void resyncReads() throws Exception {
    Node node = testbed.startNode(NodeOptions.named("nlresync").withMemory("2G"));
    writeTable(node);
    // The legacy tables exist once something used them, as on a node running kipvs.
    node.run("iptables -t nat -S >/dev/null; iptables -S >/dev/null");
    node.run("ip6tables -t nat -S >/dev/null; ip6tables -S >/dev/null || true");
    JavaProcess jvm =
        node.startJava(
            List.of("-Xmx512m"),
            io.kipvs.ipvs.ResyncReadProbe.class.getName(),
            List.of(Node.OUTPUT_DIR_IN_NODE + "/resync-reads.txt", "5"));
    assertThat(jvm.awaitExit(Duration.ofMinutes(10))).as(jvm.log()).isZero();
    String report = Files.readString(node.outputDir().resolve("resync-reads.txt"));
    System.out.printf(
        "Reads of a light resync, %d services x %d real servers, one UML node:%n%s",
        SERVICES, REALS, report.indent(2));
    assertThat(report).contains("virtual servers, 32 KiB slots (" + SERVICES + ")");
  }

  /**
   * The same table written into an empty kernel, then again right after {@code ipvsadm -C}: the
   * second write's real servers each walk the kernel's trash of the flushed ones.
   */
  @Test
  void writeAgainAfterAFlush() throws Exception {
    Node node = testbed.startNode(NodeOptions.named("nlbench").withMemory("2G"));
    Map<String, String> first = writeTable(node);
    node.run("ipvsadm -C", Duration.ofMinutes(5));
    Map<String, String> again = writeTable(node);
    System.out.printf(
        "IPVS write of %d services x %d real servers: %.2f s into an empty kernel, %.2f s right"
            + " after ipvsadm -C of the same table (%s and %s system calls)%n",
        SERVICES,
        REALS,
        Double.parseDouble(first.get("write_seconds")),
        Double.parseDouble(again.get("write_seconds")),
        first.get("syscalls"),
        again.get("syscalls"));
  }

  @Test
  void writeAndReadAgainstIpvsadm() throws Exception {
    Node node = testbed.startNode(NodeOptions.named("nlbench").withMemory("2G"));
    Map<String, String> write = writeTable(node);
    double ourWrite = Double.parseDouble(write.get("write_seconds"));
    // Into a fresh network namespace, as ours went into an empty table: restored after ipvsadm -C
    // instead, each real server added walks the kernel's trash of the ones just flushed
    // (BENCHMARKS.md, "The kernel's trash").
    node.addRoutedNamespace("ipvs-reference");
    double ipvsadmWrite = timed(node, "ip netns exec ipvs-reference ipvsadm -R < " + RULES);
    assertThat(
            node.run("ip netns exec ipvs-reference ipvsadm -Ln | grep -c -- '->' || true").strip())
        .isEqualTo(String.valueOf(SERVICES * REALS + 1));

    Map<String, String> read = probe(node, "bench-read");
    assertThat(read.get("read1_reals")).isEqualTo(String.valueOf(SERVICES * REALS));
    double ourRead = Double.parseDouble(read.get("read1_seconds"));
    double ourWarmRead = Double.parseDouble(read.get("read3_seconds"));
    double ipvsadmRead = timed(node, "ipvsadm -Sn > /run/out/bench-save.txt");

    System.out.printf(
        "IPVS benchmark, %d services x %d real servers (%d operations), one UML node:%n"
            + "  write: kipvs apply %.2f s (%s system calls), ipvsadm -R %.2f s: %.1fx%n"
            + "  read:  kipvs dumpAll %.2f s first in its JVM (%s system calls), %.2f s warm;"
            + " ipvsadm -Sn %.2f s: %.1fx (warm %.1fx)%n",
        SERVICES,
        REALS,
        SERVICES * (REALS + 1),
        ourWrite,
        write.get("syscalls"),
        ipvsadmWrite,
        ipvsadmWrite / ourWrite,
        ourRead,
        read.get("read1_syscalls"),
        ourWarmRead,
        ipvsadmRead,
        ipvsadmRead / ourRead,
        ipvsadmRead / ourWarmRead);
  }
}
