package io.kipvs.daemon.proxy;

import static io.kipvs.daemon.proxy.Fixtures.cidr;
import static io.kipvs.daemon.proxy.Fixtures.ep;
import static io.kipvs.daemon.proxy.Fixtures.ip;
import static io.kipvs.daemon.proxy.Fixtures.rs;
import static io.kipvs.daemon.proxy.Fixtures.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import io.kipvs.ipvs.IpvsOperation;
import io.kipvs.ipvs.Protocol;
import io.kipvs.k8s.ServiceName;
import io.kipvs.rtnl.LinkAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The smaller pure parts of the sync: index, view, health, sysctls, backend choice, node IPs. */
class SyncPartsTest {
  static final NodeContext NODE = new NodeContext(List.of(), Set.of(), "rr");
  static final NodeContext NODE_IP =
      new NodeContext(List.of(), Set.of(), "rr", Optional.of(ip("192.168.1.10")));

  static ServiceRules rules(String name, String clusterIp) {
    var p = new Fixtures.Port();
    p.service = new ServiceName("default", name);
    p.clusterIps = List.of(ip(clusterIp));
    p.endpoints = List.of(ep("10.244.1.5", 8080, true));
    return DesiredStateBuilder.build(p.service, List.of(p.build()), NODE);
  }

  @Test
  void indexReportsOnlyWhatAReplacementTouchedAndCountsSharedMembers() {
    DesiredIndex index = new DesiredIndex();
    ServiceName a = new ServiceName("default", "a");
    ServiceName b = new ServiceName("default", "b");
    index.put(a, Optional.of(rules("a", "10.96.0.1")));
    index.put(b, Optional.of(rules("b", "10.96.0.2")));
    // Both services have the same local endpoint: one KUBE-LOOP-BACK member, counted twice.
    IpsetEntry loop = new IpsetEntry(KubeIpset.LOOP_BACK, false, "10.244.1.5,tcp:8080,10.244.1.5");
    assertThat(index.wantsEntry(loop)).isTrue();

    DesiredIndex.Delta gone = index.put(a, Optional.empty());
    assertThat(gone.virtualServers()).containsExactly(tcp("10.96.0.1", 80));
    assertThat(gone.addresses()).containsExactly(ip("10.96.0.1"));
    assertThat(index.wantsAddress(ip("10.96.0.1"))).isFalse();
    assertThat(index.wantsEntry(loop)).as("still wanted by b").isTrue();
    assertThat(index.virtualServer(tcp("10.96.0.1", 80))).isEmpty();
    assertThat(index.virtualServer(tcp("10.96.0.2", 80))).isPresent();
  }

  /**
   * The totals the index keeps up to date on each replacement must equal what a walk over every
   * service gives, whatever the order of replacements: shared virtual servers, shared set members,
   * health-check ports two services ask for, services removed and put back.
   */
  @Test
  void runningTotalsEqualAWalkOverEveryServiceAfterAnySequenceOfReplacements() {
    DesiredIndex index = new DesiredIndex();
    java.util.Random random = new java.util.Random(7);
    for (int step = 0; step < 400; step++) {
      int n = random.nextInt(12);
      ServiceName name = new ServiceName("default", "s" + n);
      if (random.nextInt(4) == 0) {
        index.put(name, Optional.empty());
      } else {
        var p = new Fixtures.Port();
        p.service = name;
        p.clusterIps = List.of(ip(random.nextBoolean() ? "fd00::" + (n + 1) : "10.96.0." + n));
        // A few external IPs and health-check ports shared by several services.
        p.externalIps = List.of(ip("192.0.2." + random.nextInt(3)));
        p.lbIps = random.nextBoolean() ? List.of(ip("198.51.100." + random.nextInt(3))) : List.of();
        p.sourceRanges =
            p.lbIps.isEmpty()
                ? List.of()
                : List.of(cidr(random.nextBoolean() ? "203.0.113.0/24" : "192.168.1.0/24"));
        p.external =
            random.nextBoolean()
                ? io.kipvs.k8s.TrafficPolicy.LOCAL
                : io.kipvs.k8s.TrafficPolicy.CLUSTER;
        p.internal =
            random.nextBoolean()
                ? io.kipvs.k8s.TrafficPolicy.LOCAL
                : io.kipvs.k8s.TrafficPolicy.CLUSTER;
        p.healthCheck =
            p.external == io.kipvs.k8s.TrafficPolicy.LOCAL
                ? java.util.OptionalInt.of(30000 + random.nextInt(3))
                : java.util.OptionalInt.empty();
        List<io.kipvs.k8s.Endpoint> endpoints = new java.util.ArrayList<>();
        for (int e = random.nextInt(4); e > 0; e--) {
          endpoints.add(ep("10.244." + n + "." + e, 8080, random.nextBoolean()));
        }
        p.endpoints = List.copyOf(endpoints);
        index.put(name, Optional.of(DesiredStateBuilder.build(name, List.of(p.build()), NODE_IP)));
      }

      int reals = index.virtualServers().stream().mapToInt(d -> d.realServers().size()).sum();
      assertThat(index.realServerCount()).as("real servers after step %d", step).isEqualTo(reals);
      assertThat(index.virtualServerCount()).isEqualTo(index.virtualServers().size());
      assertThat(index.noLocalInternal())
          .isEqualTo(index.services().stream().mapToInt(ServiceRules::noLocalInternal).sum());
      assertThat(index.noLocalExternal())
          .isEqualTo(index.services().stream().mapToInt(ServiceRules::noLocalExternal).sum());
      for (boolean v6 : List.of(false, true)) {
        assertThat(index.nonEmptySets(v6))
            .as("non-empty sets, v6 %s, after step %d", v6, step)
            .containsExactlyInAnyOrderElementsOf(
                index.entries().stream()
                    .filter(e -> e.v6() == v6)
                    .map(IpsetEntry::set)
                    .collect(java.util.stream.Collectors.toSet()));
        assertThat(index.noNodeAccess(v6))
            .containsExactlyInAnyOrderElementsOf(
                index.services().stream()
                    .flatMap(r -> r.noNodeAccess().stream())
                    .filter(a -> Addresses.isV6(a.address()) == v6)
                    .collect(java.util.stream.Collectors.toSet()));
      }
      assertThat(index.wantsIpv6Entries())
          .isEqualTo(index.entries().stream().anyMatch(IpsetEntry::v6));
      java.util.Map<Integer, HealthCheckServers.Check> checks = new java.util.TreeMap<>();
      index.services().stream()
          .sorted(java.util.Comparator.comparing(ServiceRules::service))
          .forEach(
              r ->
                  r.healthCheck()
                      .ifPresent(
                          h ->
                              checks.putIfAbsent(
                                  h.port(),
                                  new HealthCheckServers.Check(r.service(), h.localEndpoints()))));
      assertThat(index.healthChecks()).as("health checks after step %d", step).isEqualTo(checks);
    }
    assertThat(index.healthChecks()).as("the sequence exercised health checks").isNotEmpty();
    assertThat(index.noNodeAccess(false)).as("and addresses the node must not reach").isNotEmpty();
  }

  @Test
  void kernelViewFollowsAppliedOperations() {
    KernelView view = new KernelView();
    var vs = rules("a", "10.96.0.1").virtualServers().get(tcp("10.96.0.1", 80)).server();
    view.applied(new IpvsOperation.AddVirtualServer(vs));
    view.applied(new IpvsOperation.AddRealServer(vs.key(), rs("10.244.1.5", 8080, 1)));
    view.applied(new IpvsOperation.UpdateRealServer(vs.key(), rs("10.244.1.5", 8080, 0)));
    assertThat(view.get(vs.key()).orElseThrow().realServers())
        .singleElement()
        .satisfies(r -> assertThat(r.server().settings().weight()).isZero());
    view.applied(new IpvsOperation.DeleteRealServer(vs.key(), rs("10.244.1.5", 8080, 0).key()));
    assertThat(view.realServerCount()).isZero();
    view.applied(new IpvsOperation.DeleteVirtualServer(vs.key()));
    assertThat(view.get(vs.key())).isEmpty();
  }

  @Test
  void healthyWithinTwiceTheSyncPeriodOfTheLastSync() {
    SyncHealth health = new SyncHealth(WiringTest.settings());
    Instant t = Instant.parse("2026-01-01T00:00:00Z");
    assertThat(health.healthy(t)).isFalse();
    health.updated(t);
    assertThat(health.lastUpdated()).contains(t);
    assertThat(health.healthy(t.plusSeconds(60))).isTrue();
    assertThat(health.healthy(t.plusSeconds(61))).isFalse();
  }

  @Test
  void sysctlsAsUpstreamByKernelVersion() {
    assertThat(Sysctls.wanted(false, Sysctls.parseKernelVersion("6.1.0-18-amd64")))
        .containsOnlyKeys(
            "net/ipv4/vs/conntrack",
            "net/ipv4/vs/expire_nodest_conn",
            "net/ipv4/vs/expire_quiescent_template",
            "net/ipv4/ip_forward");
    assertThat(Sysctls.wanted(true, Sysctls.parseKernelVersion("5.4.0")))
        .containsEntry("net/ipv4/vs/conn_reuse_mode", "0")
        .containsEntry("net/ipv4/conf/all/arp_ignore", "1")
        .containsEntry("net/ipv4/conf/all/arp_announce", "2");
    assertThat(Sysctls.wanted(false, Sysctls.parseKernelVersion("4.0.9")))
        .doesNotContainKey("net/ipv4/vs/conn_reuse_mode");
  }

  @Test
  void sysctlsWrittenOnlyWhenDifferent(@TempDir Path root) throws Exception {
    Path forward = root.resolve("net/ipv4/ip_forward");
    Files.createDirectories(forward.getParent());
    Files.writeString(forward, "0\n");
    Path conntrack = root.resolve("net/ipv4/vs/conntrack");
    Files.createDirectories(conntrack.getParent());
    Files.writeString(conntrack, "1\n");
    new Sysctls(root)
        .apply(
            new java.util.LinkedHashMap<>(
                java.util.Map.of("net/ipv4/ip_forward", "1", "net/ipv4/vs/conntrack", "1")));
    assertThat(Files.readString(forward)).isEqualTo("1");
    assertThat(Files.readString(conntrack)).isEqualTo("1\n");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new Sysctls(root).apply(java.util.Map.of("net/ipv4/vs/missing", "1")))
        .hasMessageContaining("net/ipv4/vs/missing");
  }

  @Test
  void backendWithKubeRulesWinsElseMoreRules() {
    String kube = "*nat\n:KUBE-SERVICES - [0:0]\n-A PREROUTING -j KUBE-SERVICES\nCOMMIT\n";
    String busy = "*filter\n-A INPUT -j ACCEPT\n-A INPUT -j DROP\n-A OUTPUT -j ACCEPT\nCOMMIT\n";
    assertThat(IptablesBackend.choose(kube, busy)).isTrue();
    assertThat(IptablesBackend.choose(busy, kube)).isFalse();
    assertThat(IptablesBackend.choose(busy, "")).isTrue();
    assertThat(IptablesBackend.choose("", "")).as("tie: nft").isFalse();
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> IptablesBackend.select("iptables", new CommandRunner()))
        .hasMessageContaining("\"iptables\"");
  }

  /**
   * Issue 16, iptables backend: with neither backend holding Kubernetes rules, the node's own
   * iptables decides (an empty nft table set that merely answers reads must not win, as it did).
   */
  @Test
  void nodesOwnIptablesDecidesWhenNeitherBackendHoldsKubeRules() {
    String kube = "*nat\n:KUBE-SERVICES - [0:0]\n-A PREROUTING -j KUBE-SERVICES\nCOMMIT\n";
    String busy = "*filter\n-A INPUT -j ACCEPT\n-A INPUT -j DROP\nCOMMIT\n";
    Optional<String> legacy = IptablesBackend.variantOf("iptables v1.8.9 (legacy)\n");
    Optional<String> nft = IptablesBackend.variantOf("iptables v1.8.9 (nf_tables)\n");
    assertThat(legacy).contains("legacy");
    assertThat(nft).contains("nft");
    assertThat(IptablesBackend.variantOf("iptables v1.4.21\n")).isEmpty();
    assertThat(IptablesBackend.preferLegacy("", "", legacy)).as("both empty: node's").isTrue();
    assertThat(IptablesBackend.preferLegacy("", "", nft)).isFalse();
    assertThat(IptablesBackend.preferLegacy("", busy, legacy)).as("rules are no hint").isTrue();
    assertThat(IptablesBackend.preferLegacy(kube, "", nft)).as("Kubernetes rules win").isTrue();
    assertThat(IptablesBackend.preferLegacy("", kube, legacy)).isFalse();
    assertThat(IptablesBackend.preferLegacy(kube, kube, nft)).as("both: node's").isFalse();
    assertThat(IptablesBackend.preferLegacy(busy, "", Optional.empty()))
        .as("no plain iptables: more rules")
        .isTrue();
  }

  /** Issue 16, --random-fully: from iptables 1.6.2 on, as upstream checks the version. */
  @Test
  void randomFullyFromIptables162On() {
    assertThat(IptablesBackend.versionAtLeast("iptables-restore v1.8.9 (legacy)", 1, 6, 2))
        .isTrue();
    assertThat(IptablesBackend.versionAtLeast("iptables-restore v1.6.2", 1, 6, 2)).isTrue();
    assertThat(IptablesBackend.versionAtLeast("iptables-restore v1.6.1", 1, 6, 2)).isFalse();
    assertThat(IptablesBackend.versionAtLeast("iptables-restore v1.4.21", 1, 6, 2)).isFalse();
    assertThat(IptablesBackend.versionAtLeast("iptables-restore v1.10", 1, 6, 2)).isTrue();
    assertThat(IptablesBackend.versionAtLeast("no version", 1, 6, 2)).isFalse();
  }

  @Test
  void nodePortAddressesDefaultToAllButLoopbackKubeIpvs0AndLinkLocal() {
    List<LinkAddress> all =
        List.of(
            new LinkAddress(1, ip("127.0.0.1"), 8),
            new LinkAddress(1, ip("::1"), 128),
            new LinkAddress(2, ip("192.168.1.10"), 24),
            new LinkAddress(2, ip("fe80::1"), 64),
            new LinkAddress(3, ip("10.0.0.5"), 24),
            new LinkAddress(9, ip("10.96.0.1"), 32));
    NodeContext any = KubeIpvs0.select(all, 9, List.of(), "rr");
    assertThat(any.nodePortAddresses()).containsExactly(ip("192.168.1.10"), ip("10.0.0.5"));
    assertThat(any.otherInterfaceAddresses()).doesNotContain(ip("10.96.0.1"));
    NodeContext chosen = KubeIpvs0.select(all, 9, List.of(cidr("10.0.0.0/8")), "rr");
    assertThat(chosen.nodePortAddresses()).containsExactly(ip("10.0.0.5"));
    NodeContext loopbackRange = KubeIpvs0.select(all, 9, List.of(cidr("127.0.0.0/8")), "rr");
    assertThat(loopbackRange.nodePortAddresses()).as("loopback addresses never").isEmpty();
  }

  /**
   * Upstream chooses NodePort addresses by what they are, not by their interface: an address on
   * {@code lo} that is no loopback address (a pod gateway, an anycast address) gets NodePorts, so a
   * node that kube-proxy served keeps the virtual servers there and their connections.
   */
  @Test
  void nodePortAddressesIncludeNonLoopbackAddressesOnLo() {
    List<LinkAddress> all =
        List.of(
            new LinkAddress(1, ip("127.0.0.1"), 8),
            new LinkAddress(1, ip("10.244.1.1"), 32),
            new LinkAddress(1, ip("fd00:244:1::1"), 128),
            new LinkAddress(2, ip("10.0.2.15"), 24));
    assertThat(KubeIpvs0.select(all, 9, List.of(), "rr").nodePortAddresses())
        .containsExactly(ip("10.244.1.1"), ip("fd00:244:1::1"), ip("10.0.2.15"));
  }

  @Test
  void conntrackCommandDropsFlowsToTheGoneBackend() {
    assertThat(
            Conntrack.command(
                new IpvsPlan.ConntrackFlush(
                    Protocol.UDP, ip("10.96.0.10"), 53, Optional.of(ip("10.244.1.8")))))
        .containsExactly(
            "conntrack",
            "-D",
            "-p",
            "udp",
            "--orig-dst",
            "10.96.0.10",
            "--orig-port-dst",
            "53",
            "--dst-nat",
            "10.244.1.8");
    assertThat(
            Conntrack.command(
                new IpvsPlan.ConntrackFlush(Protocol.UDP, ip("fd00::a"), 53, Optional.empty())))
        .containsExactly(
            "conntrack",
            "-D",
            "-f",
            "ipv6",
            "-p",
            "udp",
            "--orig-dst",
            "fd00::a",
            "--orig-port-dst",
            "53");
  }

  @Test
  void cleanupDeletesJumpsAsSavedThenOurChains() {
    String save =
        "*nat\n:PREROUTING ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]\n:KUBE-MARK-MASQ - [0:0]\n"
            + "-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n"
            + "-A KUBE-SERVICES -j KUBE-MARK-MASQ\nCOMMIT\n";
    assertThat(IptablesScript.cleanup(IptablesSave.parse(save)))
        .isEqualTo(
            "*nat\n"
                + "-D PREROUTING -m comment --comment \"kubernetes service portals\" -j"
                + " KUBE-SERVICES\n"
                + ":KUBE-SERVICES - [0:0]\n:KUBE-MARK-MASQ - [0:0]\n"
                + "-X KUBE-SERVICES\n-X KUBE-MARK-MASQ\nCOMMIT\n");
    assertThat(IptablesScript.cleanup(IptablesSave.parse("*nat\nCOMMIT\n"))).isEmpty();
  }
}
