package io.kipvs.e2e.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Service;
import io.kipvs.e2e.cluster.ApiServer;
import io.kipvs.e2e.cluster.KipvsDaemon;
import io.kipvs.e2e.cluster.Traffic;
import io.kipvs.e2e.cluster.Workloads;
import io.kipvs.e2e.testbed.ExecResult;
import io.kipvs.e2e.testbed.Node;
import io.kipvs.e2e.testbed.NodeOptions;
import io.kipvs.e2e.testbed.Pod;
import io.kipvs.e2e.testbed.TestbedExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * kipvs doing kube-proxy's job on a cluster of three nodes: a daemon on each node started with the
 * DaemonSet's flags, pods on a pod network between the nodes, the mock API server on the host.
 * Every scenario sends real traffic and uses its own services, so the order does not matter.
 */
class ThreeNodeClusterTest {
  @RegisterExtension static final TestbedExtension testbed = new TestbedExtension();

  private static final Duration SYNC_PERIOD = Duration.ofSeconds(10);
  // A deadline, not a figure: on a busy 2-core machine one round of 30 requests from a node can
  // take several seconds, and a first attempt may start before every real server is in.
  private static final Duration CONVERGE = Duration.ofSeconds(90);

  static ApiServer api;
  static Workloads k8s;
  static List<Node> nodes;
  static Node node1;
  static Node node2;
  static Node node3;
  static List<KipvsDaemon> daemons = new ArrayList<>();

  @BeforeAll
  static void bootCluster() {
    api = ApiServer.start();
    k8s = new Workloads(api::client);
    nodes = testbed.startCluster(3, NodeOptions.named("node").withHostLink());
    node1 = nodes.get(0);
    node2 = nodes.get(1);
    node3 = nodes.get(2);
    nodes.forEach(n -> k8s.node(n, "zone-a"));
    daemons.addAll(
        KipvsDaemon.startHealthyOnEach(
            nodes,
            api,
            List.of(
                "--ipvs-sync-period=" + SYNC_PERIOD.toSeconds() + "s",
                "--cluster-cidr=10.244.0.0/16")));
  }

  @AfterAll
  static void stopApi() {
    if (api != null) {
      api.close();
    }
  }

  /** 1. A web pod reaches a database through its cluster IP, also after the database moves. */
  @Test
  void clusterIpFollowsAPodReplacedOnAnotherNode() {
    Pod web = node1.addPod("web-1");
    Pod db = node2.addPod("db-1");
    k8s.clusterIpService("db", "10.96.1.10", 80);
    k8s.httpEndpoints("db", List.of(db));
    Traffic fromWeb = new Traffic(web::exec);
    await()
        .atMost(CONVERGE)
        .until(() -> fromWeb.http("10.96.1.10", 80, 1).equals(Map.of("db-1", 1)));

    db.delete();
    Pod newDb = node3.addPod("db-2");
    k8s.httpEndpoints("db", List.of(newDb));

    await()
        .atMost(CONVERGE)
        .until(() -> fromWeb.http("10.96.1.10", 80, 3).equals(Map.of("db-2", 3)));
    // The old real server drains (weight 0) until IPVS forgets node 1's finished connections to
    // it: TIME_WAIT lasts two minutes in IPVS, as for kube-proxy.
    for (Node n : nodes) {
      await()
          .atMost(Duration.ofMinutes(3))
          .untilAsserted(
              () ->
                  assertThat(realServersOf(n, "10.96.1.10:80"))
                      .containsExactly(newDb.ip() + ":8080"));
    }
  }

  /** 2. NodePort reaches pods on any node; with externalTrafficPolicy Local only local pods. */
  @Test
  void nodePortReachesPodsAndLocalPolicyKeepsTrafficOnTheNode() {
    Pod np = node3.addPod("np-1");
    k8s.apply(nodePortService("np", "10.96.2.10", 30080, "Cluster"));
    k8s.httpEndpoints("np", List.of(np));
    Traffic fromNode1 = new Traffic(node1::exec);
    String node2Address = node2.switchAddress().orElseThrow();
    await()
        .atMost(CONVERGE)
        .until(() -> fromNode1.http(node2Address, 30080, 2).equals(Map.of("np-1", 2)));

    Pod local2 = node2.addPod("npl-2");
    Pod local3 = node3.addPod("npl-3");
    k8s.apply(nodePortService("npl", "10.96.2.11", 30081, "Local"));
    k8s.httpEndpoints("npl", List.of(local2, local3));
    await()
        .atMost(CONVERGE)
        .until(() -> fromNode1.http(node2Address, 30081, 6).equals(Map.of("npl-2", 6)));
    String node3Address = node3.switchAddress().orElseThrow();
    await()
        .atMost(CONVERGE)
        .until(() -> fromNode1.http(node3Address, 30081, 6).equals(Map.of("npl-3", 6)));
  }

  /** 3. rr spreads evenly, sh pins each client, the annotation overrides the flag. */
  @Test
  void schedulersFromTheFlagAndFromTheAnnotation() {
    List<Pod> rrPods = List.of(node1.addPod("rr-1"), node2.addPod("rr-2"), node3.addPod("rr-3"));
    k8s.clusterIpService("rr", "10.96.3.10", 80);
    k8s.httpEndpoints("rr", rrPods);
    Traffic fromNode1 = new Traffic(node1::exec);
    await()
        .atMost(CONVERGE)
        .until(
            () ->
                fromNode1
                    .http("10.96.3.10", 80, 30)
                    .equals(Map.of("rr-1", 10, "rr-2", 10, "rr-3", 10)));

    List<Pod> shPods = List.of(node1.addPod("sh-1"), node2.addPod("sh-2"), node3.addPod("sh-3"));
    Service sh =
        k8s.serviceBuilder("sh", "10.96.3.11", Workloads.tcp(80, Pod.HTTP_PORT))
            .editMetadata()
            .addToAnnotations("kipvs.io/scheduler", "sh")
            .endMetadata()
            .build();
    k8s.apply(sh);
    k8s.httpEndpoints("sh", shPods);
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () -> assertThat(node1.run("ipvsadm -Sn")).contains("-A -t 10.96.3.11:80 -s sh"));
    await()
        .atMost(CONVERGE)
        .untilAsserted(() -> assertThat(realServersOf(node1, "10.96.3.11:80")).hasSize(3));
    for (Pod client : List.of(nodeClientPod(node1, "shc-1"), nodeClientPod(node2, "shc-2"))) {
      Map<String, Integer> answers = new Traffic(client::exec).http("10.96.3.11", 80, 10);
      assertThat(answers).as("answers to %s", client).hasSize(1);
      assertThat(answers.values()).containsExactly(10);
    }
  }

  /** 4. ClientIP session affinity keeps one client on one pod. */
  @Test
  void sessionAffinityKeepsAClientOnOnePod() {
    List<Pod> pods = List.of(node2.addPod("aff-1"), node2.addPod("aff-2"), node3.addPod("aff-3"));
    Service affinity =
        k8s.serviceBuilder("aff", "10.96.4.10", Workloads.tcp(80, Pod.HTTP_PORT))
            .editSpec()
            .withSessionAffinity("ClientIP")
            .endSpec()
            .build();
    k8s.apply(affinity);
    k8s.httpEndpoints("aff", pods);
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () ->
                assertThat(node1.run("ipvsadm -Sn"))
                    .contains("-A -t 10.96.4.10:80 -s rr -p 10800"));
    await()
        .atMost(CONVERGE)
        .untilAsserted(() -> assertThat(realServersOf(node1, "10.96.4.10:80")).hasSize(3));
    Map<String, Integer> answers = new Traffic(node1::exec).http("10.96.4.10", 80, 12);
    assertThat(answers).hasSize(1);
    assertThat(answers.values()).containsExactly(12);
  }

  /** 5. Traffic follows scaling; with no endpoint a request fails fast. */
  @Test
  void scalingOneFiveZeroTwo() {
    List<Pod> pods = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      pods.add(nodes.get(i % 3).addPod("scale-" + i));
    }
    k8s.clusterIpService("scale", "10.96.5.10", 80);
    Traffic fromNode1 = new Traffic(node1::exec);
    for (int size : List.of(1, 5, 0, 2)) {
      List<Pod> endpoints = pods.subList(0, size);
      k8s.httpEndpoints("scale", endpoints);
      if (size == 0) {
        // Removed real servers may drain at weight 0; none may take new connections.
        await()
            .atMost(CONVERGE)
            .untilAsserted(
                () -> assertThat(weightedRealServersOf(node1, "10.96.5.10:80")).isEmpty());
        long start = System.nanoTime();
        ExecResult refused = node1.exec("curl -s --max-time 10 http://10.96.5.10/");
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(refused.exitCode()).as("curl exit code: 7 refused, 56 reset").isIn(7, 56);
        assertThat(took).as("fails fast, no hang").isLessThan(Duration.ofSeconds(5));
        continue;
      }
      Map<String, Integer> expected = new java.util.TreeMap<>();
      endpoints.forEach(p -> expected.put(p.name(), 2));
      await()
          .atMost(CONVERGE)
          .until(() -> fromNode1.http("10.96.5.10", 80, 2 * size).equals(expected));
    }
  }

  /** 6. A removed endpoint drains: its open connection lives on, new ones go elsewhere. */
  @Test
  void gracefulTerminationKeepsAnOpenConnection() {
    Pod old = node2.addPod("drain-1");
    Pod next = node3.addPod("drain-2");
    for (Pod p : List.of(old, next)) {
      p.run(
          "setsid perl -MIO::Socket::INET -e '"
              + "my $l = IO::Socket::INET->new(LocalPort => 9000, Listen => 5, ReuseAddr => 1) or die;"
              + " while (my $c = $l->accept) { if (fork() == 0) {"
              + " while (my $line = <$c>) { print $c \"'"
              + p.name()
              + "' $line\" } exit 0 } }' </dev/null >/dev/null 2>&1 &");
    }
    k8s.apply(k8s.serviceBuilder("drain", "10.96.6.10", Workloads.tcp(9000, 9000)).build());
    k8s.endpoints("drain", "http", "TCP", 9000, List.of(old));
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () ->
                assertThat(realServersOf(node1, "10.96.6.10:9000"))
                    .containsExactly(old.ip() + ":9000"));

    // A long-lived client on node 1: one line a second into one TCP connection.
    node1.run(
        "(i=0; while [ $i -lt 600 ]; do echo ping$i; i=$((i+1)); sleep 0.2; done)"
            + " | busybox nc 10.96.6.10 9000 > /run/out/drain-client.txt 2>&1 &"
            + " echo $! > /run/out/drain-client.pid");
    await()
        .atMost(CONVERGE)
        .until(() -> node1.run("cat /run/out/drain-client.txt").contains("drain-1 ping"));

    k8s.endpoints("drain", "http", "TCP", 9000, List.of(next));
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () ->
                assertThat(node1.run("ipvsadm -Sn"))
                    .contains("-a -t 10.96.6.10:9000 -r " + old.ip() + ":9000 -m -w 0")
                    .contains("-a -t 10.96.6.10:9000 -r " + next.ip() + ":9000 -m -w 1"));
    int linesBefore = node1.run("cat /run/out/drain-client.txt").lines().toList().size();
    await()
        .atMost(CONVERGE)
        .until(() -> node1.run("cat /run/out/drain-client.txt").lines().count() > linesBefore + 5);
    assertThat(node1.run("tail -n 1 /run/out/drain-client.txt")).startsWith("drain-1 ping");
    String fresh = node1.run("echo hello | timeout 3 busybox nc 10.96.6.10 9000; true").strip();
    assertThat(fresh).isEqualTo("drain-2 hello");

    node1.run(
        "kill $(cat /run/out/drain-client.pid) 2>/dev/null; pkill -f 'busybox nc 10.96.6.10' ; true");
    await()
        .atMost(Duration.ofMinutes(3))
        .untilAsserted(
            () ->
                assertThat(realServersOf(node1, "10.96.6.10:9000"))
                    .containsExactly(next.ip() + ":9000"));
  }

  /** 7. kill -9 and restart under steady traffic: no failed request, same IPVS state. */
  @Test
  void daemonRestartUnderTrafficDropsNothing() {
    List<Pod> pods = List.of(node2.addPod("steady-1"), node3.addPod("steady-2"));
    k8s.clusterIpService("steady", "10.96.7.10", 80);
    k8s.httpEndpoints("steady", pods);
    // Longer than CONVERGE: on a busy machine a full sync can outlast the sync period.
    await()
        .atMost(Duration.ofSeconds(90))
        .untilAsserted(() -> assertThat(realServersOf(node1, "10.96.7.10:80")).hasSize(2));
    String before = node1.run("ipvsadm -Sn");

    // 400 requests for / (the fragment only numbers them), each on a new connection, five a
    // second: a refused, reset, blackholed or HTTP-error one fails; 10 s leave room for a node
    // whose one CPU is busy starting the daemon's JVM. One curl makes them all, since starting a
    // process takes seconds on a busy node. Each line says when the request ended (epoch
    // seconds), curl's exit code, local port, connect and total time: a failure can be matched
    // with the daemon's log and the node's conntrack.
    node1.run(
        "cat > /run/out/steady.sh <<'EOF'\n"
            + "curl -sf -o /dev/null --rate 5/s --max-time 10 -H 'Connection: close'"
            // On stderr, which is not buffered: each line is written when its request ends.
            + " -w '%{stderr}%{exitcode} %{local_port} %{time_connect} %{time_total}\\n'"
            + " 'http://10.96.7.10/#[1-400]' 2>&1 |\n"
            + "while read -r rc rest; do\n"
            + "  if [ \"$rc\" = 0 ]; then r=ok; else r=fail; fi\n"
            + "  echo \"$r end=$EPOCHREALTIME exit=$rc port,connect,total=$rest\"\n"
            + "done > /run/out/steady.txt\n"
            + "echo done >> /run/out/steady.txt\n"
            + "EOF\n"
            + "(bash /run/out/steady.sh </dev/null >/dev/null 2>&1 &)");
    KipvsDaemon daemon = daemons.get(0);
    Instant killed = Instant.now();
    daemon.kill();
    daemon.restart();
    // A JVM start and a first list take minutes on a busy machine; requests meanwhile count.
    daemon.awaitHealthy(Duration.ofMinutes(5));
    await()
        .atMost(Duration.ofMinutes(10))
        .until(() -> node1.run("tail -n 1 /run/out/steady.txt").strip().equals("done"));

    List<String> results = node1.run("cat /run/out/steady.txt").lines().toList();
    assertThat(results.stream().filter(l -> l.startsWith("fail")).toList())
        .as("failed requests; the daemon was killed at %s", killed)
        .isEmpty();
    assertThat(results.stream().filter(l -> l.startsWith("ok ")).count()).isEqualTo(400);
    assertThat(node1.run("ipvsadm -Sn")).isEqualTo(before);
  }

  /** 8. While the API server is down, rules stay; changes made after it returns are applied. */
  @Test
  void apiServerOutageKeepsRulesAndResyncsAfter() {
    Pod pod = node2.addPod("outage-1");
    k8s.clusterIpService("outage", "10.96.8.10", 80);
    k8s.httpEndpoints("outage", List.of(pod));
    Traffic fromNode1 = new Traffic(node1::exec);
    await()
        .atMost(CONVERGE)
        .until(() -> fromNode1.http("10.96.8.10", 80, 1).equals(Map.of("outage-1", 1)));
    String before = node1.run("ipvsadm -Sn");

    api.stop();
    try {
      // Longer than a sync period: a resync without the API server must not remove anything.
      long until = System.nanoTime() + SYNC_PERIOD.plusSeconds(5).toNanos();
      while (System.nanoTime() < until) {
        assertThat(fromNode1.http("10.96.8.10", 80, 1)).isEqualTo(Map.of("outage-1", 1));
      }
      assertThat(node1.run("ipvsadm -Sn")).isEqualTo(before);
    } finally {
      api.restart();
    }

    Pod after = node3.addPod("outage-2");
    k8s.clusterIpService("after-outage", "10.96.8.11", 80);
    k8s.httpEndpoints("after-outage", List.of(after));
    for (Node n : nodes) {
      Traffic fromNode = new Traffic(n::exec);
      await()
          .atMost(Duration.ofSeconds(90))
          .until(() -> fromNode.http("10.96.8.11", 80, 1).equals(Map.of("outage-2", 1)));
    }
  }

  /** 9. A UDP service recovers within seconds after its pod comes back with a new IP. */
  @Test
  void udpServiceRecoversAfterItsPodMoves() {
    Pod dns = node2.addPod("dns-1");
    k8s.apply(k8s.serviceBuilder("dns", "10.96.9.10", Workloads.udp(53, Pod.UDP_PORT)).build());
    k8s.endpoints("dns", "udp", "UDP", Pod.UDP_PORT, List.of(dns));
    Traffic fromNode1 = new Traffic(node1::exec);
    await()
        .atMost(CONVERGE)
        .until(() -> fromNode1.udp("10.96.9.10", 53, 1).equals(Map.of("dns-1", 1)));
    // A conntrack entry to the old backend from a fixed source port, as a resolver would keep.
    assertThat(fromNode1.udp("10.96.9.10", 53, 1, 5353)).isEqualTo(Map.of("dns-1", 1));

    dns.delete();
    Pod moved = node3.addPod("dns-2");
    k8s.endpoints("dns", "udp", "UDP", Pod.UDP_PORT, List.of(moved));
    long start = System.nanoTime();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> fromNode1.udp("10.96.9.10", 53, 1, 5353).equals(Map.of("dns-2", 1)));
    System.out.printf(
        "UDP service answered again %d ms after its endpoint moved%n",
        Duration.ofNanos(System.nanoTime() - start).toMillis());
  }

  /** 10. A virtual server deleted by hand is back within the sync period. */
  @Test
  void driftIsRepairedWithinTheSyncPeriod() {
    Pod pod = node3.addPod("drift-1");
    k8s.clusterIpService("drift", "10.96.10.10", 80);
    k8s.httpEndpoints("drift", List.of(pod));
    await()
        .atMost(CONVERGE)
        .untilAsserted(() -> assertThat(realServersOf(node2, "10.96.10.10:80")).hasSize(1));
    node2.run("ipvsadm -D -t 10.96.10.10:80");
    await()
        .atMost(SYNC_PERIOD.multipliedBy(2).plusSeconds(5))
        .untilAsserted(
            () ->
                assertThat(realServersOf(node2, "10.96.10.10:80"))
                    .containsExactly(pod.ip() + ":8080"));
  }

  /** 11. A pod reaches itself through its own service. */
  @Test
  void hairpin() {
    Pod pod = node1.addPod("hairpin-1");
    k8s.clusterIpService("hairpin", "10.96.11.10", 80);
    k8s.httpEndpoints("hairpin", List.of(pod));
    Traffic fromPod = new Traffic(pod::exec);
    await()
        .atMost(CONVERGE)
        .until(() -> fromPod.http("10.96.11.10", 80, 2).equals(Map.of("hairpin-1", 2)));
  }

  /**
   * 12. The node reaches a service as soon as IPVS has it: the masquerade rule is in place first,
   * however slow iptables-restore is. Otherwise a daemon that dies between the two, or a client
   * that comes early, has its connection blackholed: the node sends from the service address, the
   * pod's node drops that source as its own, and conntrack keeps the connection unmasqueraded. The
   * first service with an external IP is the case where a new service needs new rules (the
   * KUBE-EXTERNAL-IP match is written only while that set has members; ipsets are written over
   * netlink, too fast to slow down from outside).
   */
  @Test
  void serviceInIpvsIsReachableFromTheNodeEvenWhileIptablesRestoreIsSlow() {
    assertThat(node1.run("iptables-legacy-save -t nat"))
        .as("no external IP service yet: the next one changes the rules")
        .doesNotContain("KUBE-EXTERNAL-IP");
    Pod pod = node2.addPod("early-1");
    // Every iptables-restore on node1 takes 5 s more: the daemon resolves it on PATH, where the
    // node's /run/kipvs/bin comes first.
    node1.run(
        "printf '#!/bin/sh\\nsleep 5\\nexec /usr/sbin/iptables-legacy-restore \"$@\"\\n' > "
            + "/run/kipvs/bin/iptables-legacy-restore && chmod +x /run/kipvs/bin/iptables-legacy-restore");
    try {
      // Endpoints first: the daemon then makes the service live in one sync.
      k8s.httpEndpoints("early", List.of(pod));
      Service early =
          k8s.serviceBuilder("early", "10.96.12.10", Workloads.tcp(80, Pod.HTTP_PORT))
              .editSpec()
              .withExternalIPs("192.0.2.12")
              .endSpec()
              .build();
      k8s.apply(early);
      await()
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(100))
          .untilAsserted(() -> assertThat(realServersOf(node1, "192.0.2.12:80")).hasSize(1));
      ExecResult first = node1.exec("curl -s --max-time 5 http://192.0.2.12/");
      assertThat(first.exitCode())
          .as(
              () ->
                  "curl's exit code; the connection in conntrack: "
                      + node1.exec("conntrack -L -p tcp --orig-dst 192.0.2.12").stdout())
          .isZero();
      assertThat(first.stdout()).isEqualTo("early-1");
      assertThat(node1.run("iptables-legacy-save -t nat")).contains("KUBE-EXTERNAL-IP");
    } finally {
      node1.run("rm -f /run/kipvs/bin/iptables-legacy-restore");
    }
  }

  private static Service nodePortService(
      String name, String clusterIp, int nodePort, String policy) {
    Service service = k8s.serviceBuilder(name, clusterIp, Workloads.tcp(80, Pod.HTTP_PORT)).build();
    service.getSpec().setType("NodePort");
    service.getSpec().getPorts().get(0).setNodePort(nodePort);
    service.getSpec().setExternalTrafficPolicy(policy);
    return service;
  }

  private static Pod nodeClientPod(Node node, String name) {
    return node.addPod(name);
  }

  /** The real servers of one TCP virtual server that take new connections (weight > 0). */
  static List<String> weightedRealServersOf(Node node, String virtualServer) {
    return node.run("ipvsadm -Sn")
        .lines()
        .filter(l -> l.startsWith("-a -t " + virtualServer + " "))
        .map(l -> l.split(" "))
        .filter(f -> !f[f.length - 1].equals("0"))
        .map(f -> f[4])
        .sorted()
        .toList();
  }

  /** The real servers of one TCP virtual server in a node, as "ip:port", sorted. */
  static List<String> realServersOf(Node node, String virtualServer) {
    return node.run("ipvsadm -Sn")
        .lines()
        .filter(l -> l.startsWith("-a -t " + virtualServer + " "))
        .map(l -> l.split(" ")[4])
        .sorted()
        .toList();
  }
}
