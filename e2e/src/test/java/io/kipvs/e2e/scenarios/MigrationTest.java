package io.kipvs.e2e.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceStatusBuilder;
import io.kipvs.e2e.cluster.ApiServer;
import io.kipvs.e2e.cluster.KipvsDaemon;
import io.kipvs.e2e.cluster.Kubeconfigs;
import io.kipvs.e2e.cluster.Workloads;
import io.kipvs.e2e.testbed.ExecResult;
import io.kipvs.e2e.testbed.JavaProcess;
import io.kipvs.e2e.testbed.Node;
import io.kipvs.e2e.testbed.NodeOptions;
import io.kipvs.e2e.testbed.Pod;
import io.kipvs.e2e.testbed.TestbedExtension;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 17, item 3: the switch from kube-proxy v1.30 in IPVS mode to kipvs on a node, and back,
 * under real traffic. The node's kernel first holds what kube-proxy writes for a set of services
 * (IPVS, {@code kube-ipvs0}, its ipsets and iptables chains, made with ipvsadm, ipset and
 * iptables-restore from the files in {@code src/test/resources/.../scenarios/migration}, written
 * from upstream's documented behaviour); kipvs then starts with kubeadm's kube-proxy command line
 * ({@code --config=<kubeadm's config.conf> --hostname-override=<node>}).
 *
 * <p>One node is enough: pods are network namespaces in it, and the clients are a pod and the node
 * itself. Both scenarios use the same Service and EndpointSlice objects (the files describe what
 * kube-proxy makes of exactly these), and each starts from a node cleaned by {@code kipvs
 * --cleanup}, so their order does not matter.
 */
class MigrationTest {
  @RegisterExtension static final TestbedExtension testbed = new TestbedExtension();

  private static final String RESOURCES = "/io/kipvs/e2e/scenarios/migration/";
  private static final List<String> FILES =
      List.of(
          "kube-proxy.ipvs",
          "kube-ipvs0.addresses",
          "kube-proxy.ipset",
          "kube-proxy.iptables",
          "kube-proxy.jumps",
          "kube-proxy-sync.sh");
  // Where the node finds the files (its writable folder, /run/out, is Node.outputDir()).
  private static final String DIR = "/run/out/migration";
  private static final String STOP_FILE = DIR + "/stop";
  private static final Duration HEALTHY = Duration.ofMinutes(4);
  private static final Duration PROGRESS = Duration.ofSeconds(120);
  // Longer than kubeadm-config.conf's IPVS sync period (10 s): a resync runs under traffic too.
  private static final int REPLIES_AFTER_TAKEOVER = 15;

  static ApiServer api;
  static Workloads k8s;
  static Node node;
  static Pod serverA;
  static Pod serverB;
  static Pod client;
  static String nodeAddress;
  static String gateway;
  static KipvsDaemon daemon;

  @BeforeAll
  static void bootNodeAndObjects() throws IOException {
    api = ApiServer.start();
    k8s = new Workloads(api::client);
    node = testbed.startNode(NodeOptions.named("mig1").withHostLink());
    k8s.node(node, "zone-a");
    serverA = node.addPod("mig-a");
    serverB = node.addPod("mig-b");
    client = node.addPod("mig-client");
    nodeAddress = node.run("ip -4 -o addr show dev eth0 | awk '{print $4}' | cut -d/ -f1").strip();
    gateway = node.podGateway();
    for (Pod p : List.of(serverA, serverB)) {
      // A line echo server on 9000 for the long-lived connections: each line comes back prefixed
      // with the pod's name.
      p.run(
          "setsid perl -MIO::Socket::INET -e '"
              + "my $l = IO::Socket::INET->new(LocalPort => 9000, Listen => 16, ReuseAddr => 1)"
              + " or die; $SIG{CHLD} = \"IGNORE\";"
              + " while (my $c = $l->accept) { if (fork() == 0) { $c->autoflush(1);"
              + " while (my $line = <$c>) { print $c \""
              + p.name()
              + " $line\" } exit 0 } }' </dev/null >/dev/null 2>&1 &");
    }
    writeFiles();
    createObjects();
    KipvsDaemon.prepareClassPath();
  }

  @AfterAll
  static void stopApi() {
    if (api != null) {
      api.close();
    }
  }

  @AfterEach
  void stopTrafficAndDaemon() {
    if (node != null && node.isRunning()) {
      node.exec(stopTrafficScript());
    }
    stopDaemon();
  }

  /**
   * Issue 17, item 3, the way in: kipvs started with kube-proxy's command line over the state
   * kube-proxy left, under long-lived connections and a steady request stream through a cluster IP,
   * NodePorts (also at the pod gateway address on {@code lo}), an external IP with ClientIP
   * affinity and a load-balancer IP with source ranges and externalTrafficPolicy Local: not one
   * request fails, no connection resets, and the node ends exactly as kipvs alone makes it.
   */
  @Test
  void kipvsAdoptsKubeProxysStateUnderTrafficAndEndsAsKipvsAlone() {
    cleanSlate();
    // What kipvs alone makes of these objects, on the same node: the state to end in.
    startKipvs();
    String kipvsAlone = kernelState();
    stopDaemon();
    cleanSlate();

    applyKubeProxyState();
    assertThat(sorted(node.run("ipvsadm -Sn")))
        .as("the IPVS table kube-proxy wrote")
        .isEqualTo(sorted(fileOnNode("kube-proxy.ipvs")));
    Map<String, String> longLived = startLongLivedConnections();
    Map<String, String> streams = startRequestStreams();
    Map<String, Integer> before = awaitReplies(longLived, Map.of(), 3);

    startKipvs();
    // The connections keep exchanging data past kipvs's first sync and a resync.
    awaitReplies(longLived, before, REPLIES_AFTER_TAKEOVER);
    awaitOkRequests(streams, 10);

    assertNoFailureAfterStop(longLived, streams);
    assertThat(kernelState()).as("the node after the migration").isEqualTo(kipvsAlone);
  }

  /**
   * Issue 17, item 3, the way back: kipvs stopped leaves its state in place, kube-proxy's next sync
   * (its files re-applied with the same tools) finds its IPVS table as it wants it and resets no
   * connection, then {@code kipvs --cleanup} leaves nothing of either: no virtual server, no {@code
   * kube-ipvs0}, no KUBE- ipset, chain or jump (as upstream's {@code --cleanup} removes).
   */
  @Test
  void kubeProxyTakesKipvsStateBackUnderTrafficAndCleanupLeavesNothing() {
    cleanSlate();
    startKipvs();
    Map<String, String> longLived = startLongLivedConnections();
    Map<String, String> streams = startRequestStreams();
    Map<String, Integer> underKipvs = awaitReplies(longLived, Map.of(), 3);

    assertThat(daemon.terminate(Duration.ofSeconds(60))).isEqualTo(143);
    daemon = null;
    Map<String, Integer> afterStop = awaitReplies(longLived, underKipvs, 3);
    applyKubeProxyState();
    assertThat(sorted(node.run("ipvsadm -Sn")))
        .as("kube-proxy finds the IPVS table it wants (nothing to add, update or delete)")
        .isEqualTo(sorted(fileOnNode("kube-proxy.ipvs")));
    awaitReplies(longLived, afterStop, 5);
    awaitOkRequests(streams, 10);
    assertNoFailureAfterStop(longLived, streams);

    JavaProcess cleanup = KipvsDaemon.startJava(node, List.of(), List.of("--cleanup"));
    assertThat(cleanup.awaitExit(Duration.ofMinutes(2))).as(cleanup::log).isZero();
    assertThat(leftovers()).isEqualTo(NOTHING_LEFT);
  }

  // --- kube-proxy's state ---

  /**
   * Writes kube-proxy's state as its sync does ({@code kube-proxy-sync.sh}): the dummy link if
   * missing (left down), the addresses, every set and member ({@code -exist}), the chains' content
   * ({@code --noflush}), each jump unless present, and each virtual and real server added, or
   * updated when it differs.
   */
  private static void applyKubeProxyState() {
    node.run("sh " + DIR + "/kube-proxy-sync.sh", Duration.ofMinutes(5));
  }

  private static void writeFiles() throws IOException {
    Path dir = node.outputDir().resolve("migration");
    Files.createDirectories(dir);
    for (String name : FILES) {
      String text =
          resource(name)
              .replace("@A@", serverA.ip())
              .replace("@B@", serverB.ip())
              .replace("@NODE@", nodeAddress)
              .replace("@GW@", gateway);
      Files.writeString(dir.resolve(name), text);
    }
    Files.writeString(
        dir.resolve("config.conf"),
        resource("kubeadm-config.conf").replace("@KUBECONFIG@", DIR + "/kubeconfig.conf"));
    // kubeadm's kubeconfig.conf names the API server and the service account's token and CA; the
    // test's API server is plain HTTP.
    Files.writeString(
        dir.resolve("kubeconfig.conf"),
        Kubeconfigs.kubeadm(api.urlFromNode(), Optional.empty(), Optional.empty()));
  }

  private static String resource(String name) {
    try (InputStream in = MigrationTest.class.getResourceAsStream(RESOURCES + name)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCES + name + " is not on the class path");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String fileOnNode(String name) {
    return node.run("cat " + DIR + "/" + name);
  }

  // --- the objects ---

  private static void createObjects() {
    List<Pod> both = List.of(serverA, serverB);
    k8s.clusterIpService("mig-web", "10.96.70.10", 80);
    k8s.httpEndpoints("mig-web", both);

    Service nodePort =
        k8s.serviceBuilder("mig-np", "10.96.70.11", Workloads.tcp(80, Pod.HTTP_PORT))
            .editSpec()
            .withType("NodePort")
            .withExternalTrafficPolicy("Cluster")
            .endSpec()
            .build();
    nodePort.getSpec().getPorts().get(0).setNodePort(30170);
    k8s.apply(nodePort);
    k8s.httpEndpoints("mig-np", both);

    Service lb =
        k8s.serviceBuilder("mig-lb", "10.96.70.12", Workloads.tcp(80, Pod.HTTP_PORT))
            .editSpec()
            .withType("LoadBalancer")
            .withExternalTrafficPolicy("Local")
            .withHealthCheckNodePort(30172)
            .withLoadBalancerSourceRanges("10.244.1.0/24")
            .endSpec()
            .build();
    lb.getSpec().getPorts().get(0).setNodePort(30171);
    k8s.apply(lb);
    Service stored =
        k8s.client().services().inNamespace(Workloads.NAMESPACE).withName("mig-lb").get();
    stored.setStatus(
        new ServiceStatusBuilder()
            .withNewLoadBalancer()
            .withIngress(
                new LoadBalancerIngressBuilder().withIp("192.0.2.71").withIpMode("VIP").build())
            .endLoadBalancer()
            .build());
    k8s.client().services().inNamespace(Workloads.NAMESPACE).resource(stored).updateStatus();
    k8s.httpEndpoints("mig-lb", List.of(serverA));

    Service echo =
        k8s.serviceBuilder("mig-echo", "10.96.70.13", Workloads.port("echo", "TCP", 9000, 9000))
            .editSpec()
            .withType("NodePort")
            .withExternalTrafficPolicy("Cluster")
            .withExternalIPs("192.0.2.73")
            .withSessionAffinity("ClientIP")
            .endSpec()
            .build();
    echo.getSpec().getPorts().get(0).setNodePort(30173);
    k8s.apply(echo);
    k8s.endpoints("mig-echo", "echo", "TCP", 9000, both);
  }

  // --- kipvs ---

  /** kipvs with kubeadm's kube-proxy command line, until it has synced. */
  private static void startKipvs() {
    daemon =
        KipvsDaemon.start(
            node,
            List.of("--config=" + DIR + "/config.conf", "--hostname-override=" + node.name()));
    daemon.awaitHealthy(HEALTHY);
  }

  private static void stopDaemon() {
    if (daemon != null) {
      if (daemon.process().isAlive()) {
        daemon.terminate(Duration.ofSeconds(60));
      }
      daemon = null;
    }
  }

  /** {@code kipvs --cleanup}, then nothing of kube-proxy's or kipvs's may be left. */
  private static void cleanSlate() {
    stopDaemon();
    JavaProcess cleanup = KipvsDaemon.startJava(node, List.of(), List.of("--cleanup"));
    assertThat(cleanup.awaitExit(Duration.ofMinutes(2))).as(cleanup::log).isZero();
    assertThat(leftovers()).isEqualTo(NOTHING_LEFT);
  }

  private static final String NOTHING_LEFT =
      "virtual servers: 0\nkube-ipvs0: none\nsets: 0\nrules: 0\nrules6: 0";

  /** What is left of either proxy: virtual servers, kube-ipvs0, KUBE- sets, rules naming KUBE-. */
  private static String leftovers() {
    return node.run(
            """
            echo "virtual servers: $(ipvsadm -Sn | wc -l)"
            if ip link show kube-ipvs0 >/dev/null 2>&1; then echo "kube-ipvs0: present"; else echo "kube-ipvs0: none"; fi
            echo "sets: $(ipset list -n | grep -c '^KUBE-')"
            echo "rules: $(iptables-save | grep -c 'KUBE-')"
            echo "rules6: $(ip6tables-save | grep -c 'KUBE-')"
            """)
        .strip();
  }

  /**
   * The node's proxy state, normalized: the IPVS table (sorted), kube-ipvs0's flags and addresses
   * (its random MAC address and link-local address aside), every ipset (members sorted, the random
   * hash seed aside), and the iptables and ip6tables rules without counters.
   */
  private static String kernelState() {
    return node.run(
        """
        echo '## ipvs'; ipvsadm -Sn | sort
        echo '## kube-ipvs0'
        ip -o link show kube-ipvs0 | sed -E 's/^[0-9]+: //; s/ link\\/ether .*//; s/ qlen [0-9]+//'
        ip -o addr show dev kube-ipvs0 | awk '{print $3, $4}' | sed -E 's/^inet6 fe80:[^ ]*/inet6 fe80::(link-local)/' | sort
        echo '## ipset'; ipset save | sed -E 's/ (bucketsize|initval) [0-9a-fx]+//g' | sort
        echo '## iptables'; iptables-save | grep -v '^#' | sed -E 's/\\[[0-9]+:[0-9]+\\]/[0:0]/'
        echo '## ip6tables'; ip6tables-save | grep -v '^#' | sed -E 's/\\[[0-9]+:[0-9]+\\]/[0:0]/'
        """);
  }

  private static String sorted(String lines) {
    return String.join(
        "\n", lines.lines().map(String::strip).filter(l -> !l.isEmpty()).sorted().toList());
  }

  // --- traffic ---

  /**
   * Opens one TCP connection per client and keeps it: a line a second, each answered by the echo
   * server of the pod the connection went to. A client writes each answer; a connection reset, a
   * failed write or an answer missing for 10 s ends it with a "failed" line; the stop file ends it
   * with "stopped N".
   */
  private static Map<String, String> startLongLivedConnections() {
    Map<String, String> files = new LinkedHashMap<>();
    Map<String, String> targets = new LinkedHashMap<>();
    targets.put("ll-cluster-ip", "pod 10.96.70.13 9000");
    targets.put("ll-external-ip", "pod 192.0.2.73 9000");
    targets.put("ll-node-port-gateway", "pod " + gateway + " 30173");
    targets.put("ll-node-port-node", "node " + nodeAddress + " 30173");
    node.run("mkdir -p " + DIR + " && rm -f " + STOP_FILE + " " + DIR + "/ll-* " + DIR + "/st-*");
    for (Map.Entry<String, String> t : targets.entrySet()) {
      String[] f = t.getValue().split(" ");
      String file = DIR + "/" + t.getKey() + ".txt";
      String script =
          """
          setsid perl -MIO::Socket::INET -e '
            $| = 1;
            my ($host, $port, $stop) = @ARGV;
            my $s = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Timeout => 10)
              or do { print "failed connect: $!\\n"; exit 1 };
            $s->autoflush(1);
            for (my $i = 0; ; $i++) {
              if (-e $stop) { print "stopped $i\\n"; close $s; exit 0 }
              print $s "ping$i\\n" or do { print "failed write: $!\\n"; exit 2 };
              my $line = eval {
                local $SIG{ALRM} = sub { die "timeout\\n" };
                alarm 10; my $l = <$s>; alarm 0; $l };
              defined $line or do { print "failed read: ", ($@ || $! || "closed"), "\\n"; exit 3 };
              print $line;
              sleep 1;
            }' %s %s %s </dev/null >%s 2>&1 &
          """
              .formatted(f[1], f[2], STOP_FILE, file);
      shell(f[0]).apply(script);
      files.put(t.getKey(), file);
    }
    return files;
  }

  /**
   * Starts one curl per target, each a new connection every half second, and writes curl's exit
   * code per request (0 = answered).
   */
  private static Map<String, String> startRequestStreams() {
    Map<String, String> targets = new LinkedHashMap<>();
    targets.put("st-cluster-ip-from-node", "node http://10.96.70.10/");
    targets.put("st-node-port-from-node", "node http://" + nodeAddress + ":30170/");
    targets.put("st-cluster-ip-from-pod", "pod http://10.96.70.11/");
    targets.put("st-node-port-gateway-from-pod", "pod http://" + gateway + ":30170/");
    targets.put("st-load-balancer-from-pod", "pod http://192.0.2.71/");
    Map<String, String> files = new LinkedHashMap<>();
    for (Map.Entry<String, String> t : targets.entrySet()) {
      String[] f = t.getValue().split(" ");
      String file = DIR + "/" + t.getKey() + ".txt";
      String script =
          ("setsid curl -s -f --rate 2/s --max-time 10 -H 'Connection: close'"
                  + " -w '%%{stderr}%%{exitcode} %%{time_total}\\n' '%s#[1-100000]'"
                  + " </dev/null >/dev/null 2>%s & echo $! > %s.pid")
              .formatted(f[1], file, file);
      shell(f[0]).apply(script);
      files.put(t.getKey(), file);
    }
    return files;
  }

  /** The shell of the node itself or of the client pod. */
  private static Function<String, ExecResult> shell(String where) {
    return where.equals("pod") ? client::exec : node::exec;
  }

  private static String stopTrafficScript() {
    return "mkdir -p "
        + DIR
        + "; touch "
        + STOP_FILE
        + "; for p in "
        + DIR
        + "/st-*.pid; do [ -e \"$p\" ] && kill $(cat \"$p\") 2>/dev/null; done; true";
  }

  /** Waits until every connection has {@code more} answers beyond {@code since}; the counts. */
  private static Map<String, Integer> awaitReplies(
      Map<String, String> files, Map<String, Integer> since, int more) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    await()
        .atMost(PROGRESS)
        .pollInterval(Duration.ofSeconds(2))
        .untilAsserted(
            () -> {
              Map<String, List<String>> read = readAll(files);
              for (Map.Entry<String, List<String>> f : read.entrySet()) {
                assertThat(f.getValue()).as(f.getKey()).noneMatch(l -> l.startsWith("failed"));
                long replies = f.getValue().stream().filter(l -> l.contains(" ping")).count();
                assertThat(replies)
                    .as("answers on %s", f.getKey())
                    .isGreaterThanOrEqualTo(since.getOrDefault(f.getKey(), 0) + more);
                counts.put(f.getKey(), (int) replies);
              }
            });
    return counts;
  }

  private static void awaitOkRequests(Map<String, String> files, int atLeast) {
    await()
        .atMost(PROGRESS)
        .pollInterval(Duration.ofSeconds(2))
        .untilAsserted(
            () -> {
              for (Map.Entry<String, List<String>> f : readAll(files).entrySet()) {
                long ok = f.getValue().stream().filter(l -> l.startsWith("0 ")).count();
                assertThat(ok)
                    .as("answered requests of %s", f.getKey())
                    .isGreaterThanOrEqualTo(atLeast);
              }
            });
  }

  /** The lines of every file, read in one command (a process start is costly in a busy node). */
  private static Map<String, List<String>> readAll(Map<String, String> files) {
    StringBuilder script = new StringBuilder();
    for (Map.Entry<String, String> f : files.entrySet()) {
      script
          .append("echo '@@ ")
          .append(f.getKey())
          .append("'; cat ")
          .append(f.getValue())
          .append(";\n");
    }
    Map<String, List<String>> lines = new LinkedHashMap<>();
    List<String> current = null;
    for (String l : node.run(script.toString()).lines().toList()) {
      if (l.startsWith("@@ ")) {
        current = new java.util.ArrayList<>();
        lines.put(l.substring(3), current);
      } else if (current != null) {
        current.add(l);
      }
    }
    return lines;
  }

  /**
   * Stops the traffic, then: every connection ended by the stop file, each answered by one pod only
   * (one connection throughout), and no request of any stream failed.
   */
  private static void assertNoFailureAfterStop(
      Map<String, String> longLived, Map<String, String> streams) {
    node.run(stopTrafficScript());
    // Each client sees the stop file within its next second.
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofSeconds(2))
        .until(
            () ->
                readAll(longLived).values().stream()
                    .allMatch(
                        l -> !l.isEmpty() && l.get(l.size() - 1).matches("(stopped|failed).*")));
    for (Map.Entry<String, List<String>> f : readAll(longLived).entrySet()) {
      List<String> lines = f.getValue();
      assertThat(lines.get(lines.size() - 1)).as("%s: %s", f.getKey(), lines).startsWith("stopped");
      assertThat(
              lines.stream()
                  .filter(l -> l.contains(" ping"))
                  .map(l -> l.substring(0, l.indexOf(' ')))
                  .distinct()
                  .count())
          .as("pods that answered on %s", f.getKey())
          .isEqualTo(1);
    }
    for (Map.Entry<String, List<String>> f : readAll(streams).entrySet()) {
      assertThat(f.getValue().stream().filter(l -> !l.startsWith("0 ")).toList())
          .as("failed requests of %s (curl exit code, time)", f.getKey())
          .isEmpty();
    }
  }
}
