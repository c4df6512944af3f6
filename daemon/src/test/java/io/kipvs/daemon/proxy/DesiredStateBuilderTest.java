package io.kipvs.daemon.proxy;

import static io.kipvs.daemon.proxy.Fixtures.cidr;
import static io.kipvs.daemon.proxy.Fixtures.ep;
import static io.kipvs.daemon.proxy.Fixtures.ip;
import static io.kipvs.daemon.proxy.Fixtures.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import io.kipvs.ipvs.Protocol;
import io.kipvs.ipvs.RealServerKey;
import io.kipvs.ipvs.ServiceFlag;
import io.kipvs.ipvs.VirtualServerKey;
import io.kipvs.k8s.L4Protocol;
import io.kipvs.k8s.ServiceName;
import io.kipvs.k8s.TrafficPolicy;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class DesiredStateBuilderTest {
  static final ServiceName WEB = new ServiceName("default", "web");
  static final NodeContext NODE =
      new NodeContext(
          List.of(ip("192.168.1.10"), ip("fd00::10")),
          Set.of(ip("192.168.1.10"), ip("fd00::10"), ip("127.0.0.1")),
          "rr");

  @Test
  void clusterIpGetsOneVirtualServerWithMasqueradeRealServersOfWeightOne() {
    var p = new Fixtures.Port();
    p.endpoints = List.of(ep("10.244.1.5", 8080, true), ep("10.244.2.5", 8080, false));
    ServiceRules rules = DesiredStateBuilder.build(WEB, List.of(p.build()), NODE);

    assertThat(rules.virtualServers()).containsOnlyKeys(tcp("10.96.0.10", 80));
    DesiredVirtualServer vs = rules.virtualServers().get(tcp("10.96.0.10", 80));
    assertThat(vs.server().settings().scheduler()).isEqualTo("rr");
    assertThat(vs.server().settings().flags()).isEmpty();
    assertThat(vs.realServers().values())
        .containsExactlyInAnyOrder(
            Fixtures.rs("10.244.1.5", 8080, 1), Fixtures.rs("10.244.2.5", 8080, 1));
    assertThat(rules.boundAddresses()).containsExactly(ip("10.96.0.10"));
    assertThat(members(rules))
        .containsExactlyInAnyOrder(
            "KUBE-CLUSTER-IP 10.96.0.10,tcp:80",
            "KUBE-IPVS-IPS 10.96.0.10",
            "KUBE-LOOP-BACK 10.244.1.5,tcp:8080,10.244.1.5");
  }

  @Test
  void annotationSchedulerAndAffinityBecomePersistence() {
    var p = new Fixtures.Port();
    p.scheduler = Optional.of("sh");
    p.affinity = OptionalInt.of(10800);
    ServiceRules rules = DesiredStateBuilder.build(WEB, List.of(p.build()), NODE);
    var settings = rules.virtualServers().get(tcp("10.96.0.10", 80)).server().settings();
    assertThat(settings.scheduler()).isEqualTo("sh");
    assertThat(settings.flags()).containsExactly(ServiceFlag.PERSISTENT);
    assertThat(settings.timeoutSeconds()).isEqualTo(10800);
    assertThat(settings.netmask()).isEqualTo(0xffffffff);
  }

  @Test
  void nodePortOnEveryNodeAddressOfTheServiceFamilyWithExternalEndpoints() {
    var p = new Fixtures.Port();
    p.nodePort = OptionalInt.of(30080);
    p.endpoints = List.of(ep("10.244.1.5", 8080, true), ep("10.244.2.5", 8080, false));
    p.externalEndpoints = List.of(ep("10.244.1.5", 8080, true));
    p.external = TrafficPolicy.LOCAL;
    p.healthCheck = OptionalInt.of(31000);
    ServiceRules rules = DesiredStateBuilder.build(WEB, List.of(p.build()), NODE);

    assertThat(rules.virtualServers())
        .containsOnlyKeys(tcp("10.96.0.10", 80), tcp("192.168.1.10", 30080));
    assertThat(rules.virtualServers().get(tcp("192.168.1.10", 30080)).realServers())
        .containsOnlyKeys(new RealServerKey(ip("10.244.1.5"), 8080));
    assertThat(members(rules))
        .contains(
            "KUBE-NODE-PORT-TCP 30080",
            "KUBE-NODE-PORT-LOCAL-TCP 30080",
            "KUBE-HEALTH-CHECK-NODE-PORT 31000");
    assertThat(rules.healthCheck()).contains(new ServiceRules.HealthCheck(31000, 1));
    assertThat(rules.boundAddresses()).doesNotContain(ip("192.168.1.10"));
  }

  @Test
  void sctpNodePortUsesTheHashSetPerNodeAddress() {
    var p = new Fixtures.Port();
    p.protocol = L4Protocol.SCTP;
    p.nodePort = OptionalInt.of(30090);
    ServiceRules rules = DesiredStateBuilder.build(WEB, List.of(p.build()), NODE);
    assertThat(members(rules)).contains("KUBE-NODE-PORT-SCTP-HASH 192.168.1.10,sctp:30090");
    assertThat(rules.virtualServers())
        .containsKey(new VirtualServerKey.Address(Protocol.SCTP, ip("192.168.1.10"), 30090));
  }

  @Test
  void externalAndLoadBalancerAddressesAreBoundExceptWhenAlreadyOnTheNode() {
    var p = new Fixtures.Port();
    p.externalIps = List.of(ip("203.0.113.7"), ip("192.168.1.10"));
    p.lbIps = List.of(ip("198.51.100.1"));
    p.sourceRanges = List.of(cidr("192.168.1.0/24"));
    ServiceRules rules = DesiredStateBuilder.build(WEB, List.of(p.build()), NODE);

    assertThat(rules.boundAddresses())
        .containsExactlyInAnyOrder(ip("10.96.0.10"), ip("203.0.113.7"), ip("198.51.100.1"));
    assertThat(rules.virtualServers())
        .containsOnlyKeys(
            tcp("10.96.0.10", 80),
            tcp("203.0.113.7", 80),
            tcp("192.168.1.10", 80),
            tcp("198.51.100.1", 80));
    assertThat(members(rules))
        .contains(
            "KUBE-EXTERNAL-IP 203.0.113.7,tcp:80",
            "KUBE-LOAD-BALANCER 198.51.100.1,tcp:80",
            "KUBE-LOAD-BALANCER-FW 198.51.100.1,tcp:80",
            "KUBE-LOAD-BALANCER-SOURCE-CIDR 198.51.100.1,tcp:80,192.168.1.0/24",
            "KUBE-LOAD-BALANCER-SOURCE-IP 198.51.100.1,tcp:80,198.51.100.1");
    assertThat(rules.noNodeAccess()).isEmpty();
  }

  @Test
  void sourceRangesWithoutTheNodeBlockTheNode() {
    var p = new Fixtures.Port();
    p.lbIps = List.of(ip("198.51.100.1"));
    p.sourceRanges = List.of(cidr("10.0.0.0/8"));
    ServiceRules rules = DesiredStateBuilder.build(WEB, List.of(p.build()), NODE);
    assertThat(rules.noNodeAccess())
        .containsExactly(new ServiceRules.NoNodeAccess(ip("198.51.100.1"), "tcp", 80));
  }

  /**
   * --bind-address names kube-proxy's node IP: only that address decides whether a source range
   * covers the node, whatever other addresses the node has.
   */
  @Test
  void theNodeIpAloneDecidesWhetherSourceRangesCoverTheNode() {
    NodeContext withNodeIp =
        new NodeContext(
            NODE.nodePortAddresses(),
            NODE.otherInterfaceAddresses(),
            "rr",
            Optional.of(ip("10.1.0.5")));
    var p = new Fixtures.Port();
    p.lbIps = List.of(ip("198.51.100.1"));
    p.sourceRanges = List.of(cidr("192.168.1.0/24"));
    // 192.168.1.10 is on the node, but it is not the node IP.
    ServiceRules other = DesiredStateBuilder.build(WEB, List.of(p.build()), withNodeIp);
    assertThat(other.noNodeAccess())
        .containsExactly(new ServiceRules.NoNodeAccess(ip("198.51.100.1"), "tcp", 80));
    assertThat(members(other)).noneMatch(m -> m.startsWith("KUBE-LOAD-BALANCER-SOURCE-IP "));

    p.sourceRanges = List.of(cidr("10.1.0.0/16"));
    ServiceRules covered = DesiredStateBuilder.build(WEB, List.of(p.build()), withNodeIp);
    assertThat(covered.noNodeAccess()).isEmpty();
    assertThat(members(covered))
        .contains("KUBE-LOAD-BALANCER-SOURCE-IP 198.51.100.1,tcp:80,198.51.100.1");
  }

  @Test
  void dualStackMakesOneVirtualServerPerFamilyWithThatFamilysEndpoints() {
    var p = new Fixtures.Port();
    p.clusterIps = List.of(ip("10.96.0.10"), ip("fd00:96::10"));
    p.nodePort = OptionalInt.of(30080);
    p.endpoints = List.of(ep("10.244.1.5", 8080, false), ep("fd00:244::5", 8080, false));
    ServiceRules rules = DesiredStateBuilder.build(WEB, List.of(p.build()), NODE);
    VirtualServerKey v6 = new VirtualServerKey.Address(Protocol.TCP, ip("fd00:96::10"), 80);
    assertThat(rules.virtualServers())
        .containsOnlyKeys(
            tcp("10.96.0.10", 80),
            v6,
            tcp("192.168.1.10", 30080),
            new VirtualServerKey.Address(Protocol.TCP, ip("fd00::10"), 30080));
    assertThat(rules.virtualServers().get(v6).realServers())
        .containsOnlyKeys(new RealServerKey(ip("fd00:244::5"), 8080));
    assertThat(rules.virtualServers().get(v6).server().settings().netmask()).isEqualTo(128);
    assertThat(members(rules)).contains("KUBE-6-CLUSTER-IP fd00:96::10,tcp:80");
  }

  @Test
  void localPolicyWithoutLocalEndpointsIsCounted() {
    var p = new Fixtures.Port();
    p.nodePort = OptionalInt.of(30080);
    p.external = TrafficPolicy.LOCAL;
    p.internal = TrafficPolicy.LOCAL;
    p.endpoints = List.of();
    p.hasAny = true;
    ServiceRules rules = DesiredStateBuilder.build(WEB, List.of(p.build()), NODE);
    assertThat(rules.noLocalInternal()).isEqualTo(1);
    assertThat(rules.noLocalExternal()).isEqualTo(1);
  }

  /**
   * Issue 16, externalTrafficPolicy Local without a local endpoint: the node port takes the
   * cluster's endpoints (as k8s-sync selects them, upstream's IPVS mode), the Local sets stay, and
   * the service still counts as one without a local endpoint.
   */
  @Test
  void localPolicyFallingBackToRemoteEndpointsKeepsTheLocalSetsAndIsCounted() {
    var p = new Fixtures.Port();
    p.nodePort = OptionalInt.of(30081);
    p.external = TrafficPolicy.LOCAL;
    p.endpoints = List.of(ep("10.244.2.5", 8080, false));
    ServiceRules rules = DesiredStateBuilder.build(WEB, List.of(p.build()), NODE);
    assertThat(rules.virtualServers().get(tcp("192.168.1.10", 30081)).realServers())
        .containsOnlyKeys(new RealServerKey(ip("10.244.2.5"), 8080));
    assertThat(members(rules)).contains("KUBE-NODE-PORT-LOCAL-TCP 30081");
    assertThat(rules.noLocalExternal()).isEqualTo(1);
  }

  /** Issue 16, mh: mh-fallback and mh-port, from the flag's scheduler or the annotation's. */
  @Test
  void mhVirtualServersGetMhFallbackAndMhPort() {
    var annotated = new Fixtures.Port();
    annotated.scheduler = Optional.of("mh");
    annotated.affinity = OptionalInt.of(60);
    var settings =
        DesiredStateBuilder.build(WEB, List.of(annotated.build()), NODE)
            .virtualServers()
            .get(tcp("10.96.0.10", 80))
            .server()
            .settings();
    assertThat(settings.flags())
        .containsExactlyInAnyOrder(ServiceFlag.SCHED1, ServiceFlag.SCHED2, ServiceFlag.PERSISTENT);
    NodeContext mhNode =
        new NodeContext(NODE.nodePortAddresses(), NODE.otherInterfaceAddresses(), "mh");
    var byFlag = new Fixtures.Port();
    byFlag.nodePort = OptionalInt.of(30082);
    assertThat(DesiredStateBuilder.build(WEB, List.of(byFlag.build()), mhNode).virtualServers())
        .allSatisfy(
            (k, vs) ->
                assertThat(vs.server().settings().flags())
                    .containsExactlyInAnyOrder(ServiceFlag.SCHED1, ServiceFlag.SCHED2));
    var rr = new Fixtures.Port();
    rr.scheduler = Optional.of("sh");
    assertThat(
            DesiredStateBuilder.build(WEB, List.of(rr.build()), mhNode)
                .virtualServers()
                .get(tcp("10.96.0.10", 80))
                .server()
                .settings()
                .flags())
        .as("sh keeps no flags, as upstream (kubernetes#121590)")
        .isEmpty();
  }

  /**
   * Issue 16, annotated scheduler: one the kernel lacks is probed once and replaced by the default;
   * one it has is kept; the default itself is never probed.
   */
  @Test
  void annotatedSchedulerTheKernelLacksFallsBackToTheDefault() {
    List<String> asked = new java.util.ArrayList<>();
    SchedulerChoice choice =
        new SchedulerChoice(
            s -> {
              asked.add(s);
              return !s.equals("ovf");
            });
    var ovf = new Fixtures.Port();
    ovf.scheduler = Optional.of("ovf");
    for (int i = 0; i < 2; i++) {
      var settings =
          DesiredStateBuilder.build(WEB, List.of(ovf.build()), NODE, choice)
              .virtualServers()
              .get(tcp("10.96.0.10", 80))
              .server()
              .settings();
      assertThat(settings.scheduler()).isEqualTo("rr");
    }
    var sh = new Fixtures.Port();
    sh.scheduler = Optional.of("sh");
    assertThat(
            DesiredStateBuilder.build(WEB, List.of(sh.build()), NODE, choice)
                .virtualServers()
                .get(tcp("10.96.0.10", 80))
                .server()
                .settings()
                .scheduler())
        .isEqualTo("sh");
    var rr = new Fixtures.Port();
    rr.scheduler = Optional.of("rr");
    DesiredStateBuilder.build(WEB, List.of(rr.build(), new Fixtures.Port().build()), NODE, choice);
    assertThat(asked)
        .as("each scheduler probed once, the default never")
        .containsExactly("ovf", "sh");
  }

  static Set<String> members(ServiceRules rules) {
    return rules.ipsetEntries().stream()
        .map(e -> e.setName() + " " + e.member())
        .collect(Collectors.toSet());
  }

  @Test
  void eachServiceProtocolIsTheIpvsProtocolOfTheSameName() {
    for (L4Protocol protocol : L4Protocol.values()) {
      assertThat(DesiredStateBuilder.ipvsProtocol(protocol).name()).isEqualTo(protocol.name());
    }
  }
}
