package io.kipvs.e2e.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.kipvs.e2e.testbed.JavaProcess;
import io.kipvs.e2e.testbed.Node;
import io.kipvs.e2e.testbed.Pod;
import io.kipvs.e2e.testbed.TestbedExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The proxier against a real kernel: it programs IPVS, kube-ipvs0, ipsets and iptables so that
 * traffic (node to service, hairpin pod to its own service, NodePort) flows; repairs drift within a
 * sync period; a restart changes nothing; a removed endpoint drains; --cleanup leaves nothing.
 */
class ProxierInNodeTest {
  @RegisterExtension static final TestbedExtension testbed = new TestbedExtension();

  static final Duration START = Duration.ofSeconds(180);

  /**
   * Slack for the time resyncs themselves take on a host shared with other builds: at a load of 20
   * on 2 cores one resync's iptables-save and iptables-restore took 26 s in a node.
   */
  static final Duration BUSY_HOST = Duration.ofSeconds(60);

  /** The proxier running now, whose log a failure shows. */
  static JavaProcess current;

  @Test
  void programsRepairsRestartsDrainsAndCleansUp() {
    try {
      scenario();
    } catch (AssertionError e) {
      throw new AssertionError(
          e.getMessage() + "\n--- proxier log\n" + (current == null ? "" : current.log()), e);
    }
  }

  void scenario() {
    Node node = testbed.startNode("proxy1");
    Pod a = node.addPod("pod-a");
    Pod b = node.addPod("pod-b");
    // A virtual server in --ipvs-exclude-cidrs: someone else's, never touched.
    node.run("ipvsadm -A -t 10.200.0.1:80 -s wlc");
    // The node's own address (a lone node has none besides loopback's): NodePorts go there.
    node.run(
        """
        ip link add node0 type dummy
        ip addr add 192.168.50.10/24 dev node0
        ip link set node0 up
        """);

    JavaProcess proxier = startProxier(node, a, b);
    String ipvs = node.run("ipvsadm -Sn");
    assertThat(ipvs)
        .contains("-A -t 10.96.0.10:80 -s rr")
        .contains("-a -t 10.96.0.10:80 -r " + a.ip() + ":8080 -m -w 1")
        .contains("-a -t 10.96.0.10:80 -r " + b.ip() + ":8080 -m -w 1")
        .contains("-A -u 10.96.0.53:53 -s rr")
        .contains("-a -u 10.96.0.53:53 -r " + b.ip() + ":8080 -m -w 1")
        .contains("-A -t 192.168.50.10:30080 -s rr")
        .contains("-a -t 192.168.50.10:30080 -r " + a.ip() + ":8080 -m -w 1")
        .contains("-A -t 10.200.0.1:80 -s wlc");
    assertThat(node.run("ip -o addr show dev kube-ipvs0"))
        .contains("10.96.0.10/32")
        .contains("10.96.0.53/32");

    // Node to service: both pods answer.
    String answers =
        node.run("for i in 1 2 3 4; do curl -s --max-time 5 http://10.96.0.10/; echo; done");
    assertThat(answers.lines()).containsOnly("pod-a", "pod-b").contains("pod-a", "pod-b");
    // Hairpin: pod A reaches its own service, including itself.
    String hairpin =
        a.run("for i in 1 2 3 4; do curl -s --max-time 5 http://10.96.0.10/; echo; done");
    assertThat(hairpin.lines()).containsOnly("pod-a", "pod-b").contains("pod-a");

    // NodePort, from the node and from a pod.
    assertThat(node.run("curl -s --max-time 5 http://192.168.50.10:30080/")).isIn("pod-a", "pod-b");
    assertThat(b.run("curl -s --max-time 5 http://192.168.50.10:30080/")).isIn("pod-a", "pod-b");

    String before = state(node);
    // Drift every resync finds: a service deleted, a stale one added, a scheduler changed, an
    // address, an ipset member and a chain's rules removed.
    node.run(
        """
        ipvsadm -D -t 10.96.0.10:80
        ipvsadm -A -t 10.1.2.3:80 -s rr
        ipvsadm -e -u 10.96.0.53:53 -s lc
        ip addr del 10.96.0.53/32 dev kube-ipvs0
        ipset del KUBE-CLUSTER-IP 10.96.0.53,udp:53
        iptables -t nat -F KUBE-SERVICES
        """);
    String repaired =
        awaitEqual(
            before,
            () -> state(node),
            s -> s.equals(before),
            ProxierNodeMain.SYNC_PERIOD.multipliedBy(4).plus(BUSY_HOST),
            "drift repaired");
    assertThat(repaired).isEqualTo(before);
    assertThat(current.log())
        .contains("rules changed behind our back")
        // The resync that finds it may be the light one (a set's size differs) or, by timing, a
        // deep one (every member read); either reads every member and says what it repairs.
        .contains("ipset members changed behind our back (1 missing, 0 unexpected)");
    // Drift only the deep checks find, each resync reading the real servers of one slice of the
    // table and, once every SyncLoop.DEEP_ROUNDS (10) resyncs, every ipset member: a real server
    // deleted, a weight changed, an ipset member replaced by another (the set keeps its size).
    node.run(
        """
        ipvsadm -d -t 10.96.0.10:80 -r %1$s:8080
        ipvsadm -e -u 10.96.0.53:53 -r %2$s:8080 -m -w 5
        ipset del KUBE-CLUSTER-IP 10.96.0.10,tcp:80
        ipset add KUBE-CLUSTER-IP 10.9.9.9,tcp:1
        """
            .formatted(a.ip(), b.ip()));
    assertThat(state(node)).isNotEqualTo(before);
    repaired =
        awaitEqual(
            before,
            () -> state(node),
            s -> s.equals(before),
            ProxierNodeMain.SYNC_PERIOD.multipliedBy(12).plus(BUSY_HOST.multipliedBy(2)),
            "deep drift repaired");
    assertThat(repaired).isEqualTo(before);

    // Restart: the first full sync finds nothing to change.
    proxier.terminate();
    assertThat(proxier.awaitExit(Duration.ofSeconds(60))).isEqualTo(143);
    assertThat(state(node)).as("rules left in place on stop").isEqualTo(before);
    JavaProcess again = startProxier(node, a, b);
    // The sync marks itself healthy before it logs how long it took.
    again.awaitLogLine("Full sync took", Duration.ofSeconds(30));
    assertThat(again.log()).containsPattern("Full sync took \\d+ ms: 0 IPVS operations");
    assertThat(state(node)).isEqualTo(before);

    // Hold TCP connections through the service until one reaches pod B (busybox httpd waits up
    // to a minute for a request).
    await(
        () -> {
          node.run("sleep 120 | busybox nc 10.96.0.10 80 >/dev/null 2>&1 &");
          return node.run("ipvsadm -Ln -t 10.96.0.10:80");
        },
        s -> activeConnections(s, b.ip()) > 0,
        Duration.ofSeconds(30),
        "a held connection to pod B");

    // An endpoint removed: UDP at once; TCP weight 0, then deleted by the drain loop, here only
    // after the maximum drain time since the connection stays open.
    node.run("touch /run/out/drop-b");
    await(
        () -> node.run("ipvsadm -Ln -u 10.96.0.53:53"),
        s -> !s.contains(b.ip()),
        Duration.ofSeconds(10),
        "UDP real server deleted at once");
    await(
        () -> node.run("ipvsadm -Sn"),
        s -> !s.contains(b.ip() + ":8080"),
        Duration.ofSeconds(30),
        "pod B drained and deleted");
    assertThat(again.log())
        .containsPattern(
            "Deleted drained real server "
                + Pattern.quote(b.ip())
                + ":8080 of .* after the maximum drain time, with [1-9]\\d* connections");

    again.terminate();
    again.awaitExit(Duration.ofSeconds(60));
    for (int i = 0; i < 2; i++) {
      JavaProcess cleanup =
          node.startJava(
              JavaProcess.FAST_START_OPTIONS, ProxierNodeMain.class.getName(), List.of("cleanup"));
      assertThat(cleanup.awaitExit(START)).as("cleanup run %d: %s", i, cleanup.log()).isZero();
    }
    assertThat(node.run("ipvsadm -Sn").strip()).isEqualTo("-A -t 10.200.0.1:80 -s wlc");
    assertThat(node.exec("ip link show kube-ipvs0").exitCode()).isNotZero();
    assertThat(node.run("ipset list -n")).doesNotContain("KUBE-");
    assertThat(node.run("iptables-save")).doesNotContain("KUBE-");
  }

  static JavaProcess startProxier(Node node, Pod a, Pod b) {
    JavaProcess p =
        node.startJava(
            JavaProcess.FAST_START_OPTIONS,
            ProxierNodeMain.class.getName(),
            List.of("run", node.name(), a.ip(), b.ip(), node.podCidr()));
    current = p;
    p.awaitLogLine("proxier healthy", START);
    return p;
  }

  /** ActiveConn of this real server in {@code ipvsadm -Ln} output, 0 when absent. */
  static int activeConnections(String ipvsadm, String ip) {
    for (String line : ipvsadm.lines().toList()) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 6 && f[0].equals("->") && f[1].equals(ip + ":8080")) {
        return Integer.parseInt(f[4]);
      }
    }
    return 0;
  }

  /** What the proxier owns in the kernel, in a stable text form. */
  static String state(Node node) {
    return node.run(
        """
        ipvsadm -Sn | sort
        ip -o addr show dev kube-ipvs0 | awk '{print $4}' | sort
        ipset save | grep KUBE | sort
        iptables-save | grep -E '^(-A|:)' | grep KUBE | sed 's/\\[[0-9:]*\\]//' | sort
        """);
  }

  static String awaitEqual(
      String expected,
      Supplier<String> read,
      java.util.function.Predicate<String> done,
      Duration within,
      String what) {
    try {
      return await(read, done, within, what);
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "\n--- expected\n" + expected, e);
    }
  }

  static <T> T await(
      Supplier<T> read, java.util.function.Predicate<T> done, Duration within, String what) {
    Instant deadline = Instant.now().plus(within);
    T last = read.get();
    while (!done.test(last)) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError(what + ": not within " + within + "; last:\n" + last);
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
      last = read.get();
    }
    return last;
  }
}
