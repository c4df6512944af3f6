package io.kipvs.k8s;

import static io.kipvs.k8s.Fixtures.NODE;
import static io.kipvs.k8s.Fixtures.addresses;
import static io.kipvs.k8s.Fixtures.ep;
import static io.kipvs.k8s.Fixtures.node;
import static io.kipvs.k8s.Fixtures.service;
import static io.kipvs.k8s.Fixtures.slice;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Endpoint selection through the whole translation path (tracker fed directly, no server): the
 * cases of upstream's CategorizeEndpoints tests. Endpoint specs are "address/flags" (R ready, S
 * serving, T terminating, L on this node; see {@link Fixtures#ep}).
 */
class EndpointSelectionTest {

  enum Policy {
    CLUSTER,
    LOCAL
  }

  record Case(
      String name,
      Policy internalPolicy,
      Policy externalPolicy,
      boolean nodePort,
      List<Endpoint> endpoints,
      List<String> cluster,
      List<String> external,
      boolean hasAny) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Case c(
      String name,
      Policy internalPolicy,
      Policy externalPolicy,
      List<String> endpoints,
      List<String> cluster,
      List<String> external,
      boolean hasAny) {
    return new Case(
        name,
        internalPolicy,
        externalPolicy,
        true,
        endpoints.stream().map(Fixtures::ep).toList(),
        cluster,
        external,
        hasAny);
  }

  static List<String> l(String... s) {
    return Arrays.asList(s);
  }

  static final Policy C = Policy.CLUSTER;
  static final Policy L = Policy.LOCAL;

  static Stream<Case> policyCases() {
    return Stream.of(
        c(
            "cluster/cluster: all ready",
            C,
            C,
            l("10.0.0.1/R", "10.0.0.2/RL"),
            l("10.0.0.1", "10.0.0.2"),
            l("10.0.0.1", "10.0.0.2"),
            true),
        c(
            "cluster/cluster: ready wins over serving-terminating",
            C,
            C,
            l("10.0.0.1/R", "10.0.0.2/STL"),
            l("10.0.0.1"),
            l("10.0.0.1"),
            true),
        c(
            "cluster/cluster: none ready, serving-terminating used",
            C,
            C,
            l("10.0.0.1/ST", "10.0.0.2/TL", "10.0.0.3/-"),
            l("10.0.0.1"),
            l("10.0.0.1"),
            true),
        c(
            "cluster/cluster: serving but not terminating nor ready is unusable",
            C,
            C,
            l("10.0.0.1/S", "10.0.0.2/-"),
            l(),
            l(),
            false),
        c(
            "cluster/cluster: terminating not serving is unusable",
            C,
            C,
            l("10.0.0.1/T", "10.0.0.2/TL"),
            l(),
            l(),
            false),
        c("cluster/cluster: no endpoints", C, C, l(), l(), l(), false),
        c(
            "local/cluster: local ready for cluster IP, all for external",
            L,
            C,
            l("10.0.0.1/R", "10.0.0.2/RL"),
            l("10.0.0.2"),
            l("10.0.0.1", "10.0.0.2"),
            true),
        c(
            "local/cluster: no local endpoint: cluster IP empty but endpoints exist",
            L,
            C,
            l("10.0.0.1/R"),
            l(),
            l("10.0.0.1"),
            true),
        c(
            "local/cluster: local serving-terminating when no local ready",
            L,
            C,
            l("10.0.0.1/R", "10.0.0.2/STL"),
            l("10.0.0.2"),
            l("10.0.0.1"),
            true),
        c(
            "cluster/local: remote ready, local ready",
            C,
            L,
            l("10.0.0.1/R", "10.0.0.2/RL"),
            l("10.0.0.1", "10.0.0.2"),
            l("10.0.0.2"),
            true),
        c(
            "cluster/local: local serving-terminating used externally",
            C,
            L,
            l("10.0.0.1/R", "10.0.0.2/STL"),
            l("10.0.0.1"),
            l("10.0.0.2"),
            true),
        c(
            "cluster/local: no local endpoint: the cluster's, as upstream's IPVS mode (#97081)",
            C,
            L,
            l("10.0.0.1/R", "10.0.0.2/ST"),
            l("10.0.0.1"),
            l("10.0.0.1"),
            true),
        c(
            "cluster/local: only remote serving-terminating: the cluster's",
            C,
            L,
            l("10.0.0.1/ST"),
            l("10.0.0.1"),
            l("10.0.0.1"),
            true),
        c(
            "local/local: local ready only, local terminating dropped",
            L,
            L,
            l("10.0.0.1/R", "10.0.0.2/RL", "10.0.0.3/STL"),
            l("10.0.0.2"),
            l("10.0.0.2"),
            true),
        c(
            "local/local: local serving-terminating fallback",
            L,
            L,
            l("10.0.0.1/-", "10.0.0.2/STL", "10.0.0.3/TL"),
            l("10.0.0.2"),
            l("10.0.0.2"),
            true),
        c(
            "local/local: remote ready only: cluster IP empty, external the cluster's",
            L,
            L,
            l("10.0.0.1/R"),
            l(),
            l("10.0.0.1"),
            true),
        c(
            "local/local: remote serving-terminating only: external the cluster's",
            L,
            L,
            l("10.0.0.1/ST"),
            l(),
            l("10.0.0.1"),
            true),
        c("local/local: nothing usable", L, L, l("10.0.0.1/-", "10.0.0.2/TL"), l(), l(), false),
        new Case(
            "local internal, not externally reachable",
            L,
            L,
            false,
            List.of(ep("10.0.0.1/R"), ep("10.0.0.2/RL")),
            l("10.0.0.2"),
            l(),
            true),
        new Case(
            "cluster, not externally reachable: no external endpoints",
            C,
            C,
            false,
            List.of(ep("10.0.0.1/R")),
            l("10.0.0.1"),
            l(),
            true),
        new Case(
            "ready condition absent counts as ready",
            C,
            C,
            true,
            List.of(new EndpointBuilder().withAddresses("10.0.0.1").build()),
            l("10.0.0.1"),
            l("10.0.0.1"),
            true),
        new Case(
            "serving absent follows ready (false): terminating unusable",
            C,
            C,
            true,
            List.of(
                new EndpointBuilder()
                    .withAddresses("10.0.0.1")
                    .withNewConditions()
                    .withReady(false)
                    .withTerminating(true)
                    .endConditions()
                    .build()),
            l(),
            l(),
            false),
        new Case(
            "serving absent follows ready (true)",
            C,
            C,
            true,
            List.of(
                new EndpointBuilder()
                    .withAddresses("10.0.0.1")
                    .withNewConditions()
                    .withReady(true)
                    .endConditions()
                    .build()),
            l("10.0.0.1"),
            l("10.0.0.1"),
            true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("policyCases")
  void selectsAsUpstream(Case c) {
    var svc = service("ns", "web").editSpec().withType(c.nodePort() ? "NodePort" : "ClusterIP");
    if (c.nodePort()) {
      svc.editFirstPort().withNodePort(30080).endPort();
    }
    Service service =
        svc.withInternalTrafficPolicy(c.internalPolicy() == L ? "Local" : "Cluster")
            .withExternalTrafficPolicy(c.externalPolicy() == L ? "Local" : "Cluster")
            .endSpec()
            .build();
    ServicePort port =
        only(
            ports(
                null,
                service,
                slice("ns", "web-1", "web", c.endpoints().toArray(Endpoint[]::new)).build()));
    assertThat(addresses(port.clusterEndpoints())).isEqualTo(withPort(c.cluster()));
    assertThat(addresses(port.externalEndpoints())).isEqualTo(withPort(c.external()));
    assertThat(port.hasAnyEndpoints()).isEqualTo(c.hasAny());
  }

  record TopologyCase(
      String name,
      String zone,
      Policy externalPolicy,
      List<Endpoint> endpoints,
      List<String> cluster,
      List<String> external) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Endpoint hinted(String spec, List<String> zones, List<String> nodes) {
    EndpointBuilder b = Fixtures.epBuilder(spec).withNewHints().endHints();
    for (String z : zones) {
      b.editHints().addNewForZone(z).endHints();
    }
    if (!nodes.isEmpty()) {
      b.editHints()
          .addToAdditionalProperties(
              "forNodes", nodes.stream().map(n -> Map.of("name", n)).toList())
          .endHints();
    }
    return b.build();
  }

  static Stream<TopologyCase> topologyCases() {
    return Stream.of(
        new TopologyCase(
            "zone hints for this zone narrow the cluster endpoints",
            "a",
            C,
            List.of(
                hinted("10.0.0.1/R", l("a"), l()),
                hinted("10.0.0.2/R", l("b"), l()),
                hinted("10.0.0.3/R", l("a", "b"), l())),
            l("10.0.0.1", "10.0.0.3"),
            l("10.0.0.1", "10.0.0.3")),
        new TopologyCase(
            "one ready endpoint without hint: hints ignored",
            "a",
            C,
            List.of(hinted("10.0.0.1/R", l("a"), l()), ep("10.0.0.2/R")),
            l("10.0.0.1", "10.0.0.2"),
            l("10.0.0.1", "10.0.0.2")),
        new TopologyCase(
            "unready endpoint without hint does not matter",
            "a",
            C,
            List.of(
                hinted("10.0.0.1/R", l("a"), l()),
                hinted("10.0.0.2/R", l("b"), l()),
                ep("10.0.0.3/-")),
            l("10.0.0.1"),
            l("10.0.0.1")),
        new TopologyCase(
            "no hint for this zone: hints ignored",
            "c",
            C,
            List.of(hinted("10.0.0.1/R", l("a"), l()), hinted("10.0.0.2/R", l("b"), l())),
            l("10.0.0.1", "10.0.0.2"),
            l("10.0.0.1", "10.0.0.2")),
        new TopologyCase(
            "node without zone label: hints ignored",
            null,
            C,
            List.of(hinted("10.0.0.1/R", l("a"), l()), hinted("10.0.0.2/R", l("b"), l())),
            l("10.0.0.1", "10.0.0.2"),
            l("10.0.0.1", "10.0.0.2")),
        new TopologyCase(
            "node hints for this node win over zone hints",
            "a",
            C,
            List.of(
                hinted("10.0.0.1/R", l("a"), l("node-other")),
                hinted("10.0.0.2/R", l("a"), l(NODE))),
            l("10.0.0.2"),
            l("10.0.0.2")),
        new TopologyCase(
            "node hints not on every endpoint: zone hints used",
            "a",
            C,
            List.of(hinted("10.0.0.1/R", l("a"), l()), hinted("10.0.0.2/R", l("b"), l(NODE))),
            l("10.0.0.1"),
            l("10.0.0.1")),
        new TopologyCase(
            "no ready endpoint: serving-terminating without topology",
            "a",
            C,
            List.of(hinted("10.0.0.1/ST", l("b"), l()), hinted("10.0.0.2/ST", l("a"), l())),
            l("10.0.0.1", "10.0.0.2"),
            l("10.0.0.1", "10.0.0.2")),
        new TopologyCase(
            "external Local ignores hints",
            "a",
            L,
            List.of(hinted("10.0.0.1/R", l("a"), l()), hinted("10.0.0.2/RL", l("b"), l())),
            l("10.0.0.1"),
            l("10.0.0.2")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("topologyCases")
  void topologyHints(TopologyCase c) {
    Service service =
        service("ns", "web")
            .editSpec()
            .withType("NodePort")
            .withExternalTrafficPolicy(c.externalPolicy() == L ? "Local" : "Cluster")
            .editFirstPort()
            .withNodePort(30080)
            .endPort()
            .endSpec()
            .build();
    ServicePort port =
        only(
            ports(
                c.zone(),
                service,
                slice("ns", "web-1", "web", c.endpoints().toArray(Endpoint[]::new)).build()));
    assertThat(addresses(port.clusterEndpoints())).isEqualTo(withPort(c.cluster()));
    assertThat(addresses(port.externalEndpoints())).isEqualTo(withPort(c.external()));
  }

  @org.junit.jupiter.api.Test
  void dualStackSelectsPerFamily() {
    Service service =
        service("ns", "ds")
            .editSpec()
            .withClusterIPs("10.96.0.10", "fd00::10")
            .withIpFamilies("IPv4", "IPv6")
            .endSpec()
            .build();
    EndpointSlice v4 = slice("ns", "ds-v4", "ds", ep("10.0.0.1/ST"), ep("10.0.0.2/-")).build();
    EndpointSlice v6 =
        slice("ns", "ds-v6", "ds", ep("fd00::1/R"), ep("fd00::2/ST"))
            .withAddressType("IPv6")
            .build();
    ServicePort port = only(ports(null, service, v4, v6));
    // IPv4 has no ready endpoint and falls back to serving-terminating; IPv6 has a ready one.
    assertThat(addresses(port.clusterEndpoints()))
        .containsExactly("10.0.0.1:8080", "fd00:0:0:0:0:0:0:1:8080");
    assertThat(port.clusterIps()).hasSize(2);
  }

  @org.junit.jupiter.api.Test
  void endpointsOfAFamilyWithoutClusterIpAreNotUsed() {
    EndpointSlice v6 =
        slice("ns", "web-v6", "web", ep("fd00::1/R")).withAddressType("IPv6").build();
    ServicePort port =
        only(ports(null, service("ns", "web").build(), v6, slice("ns", "web-v4", "web").build()));
    assertThat(port.clusterEndpoints()).isEmpty();
    assertThat(port.hasAnyEndpoints()).isFalse();
  }

  @org.junit.jupiter.api.Test
  void loadBalancerWithoutNodePortIsExternallyReachable() {
    Service lb =
        service("ns", "lb")
            .editSpec()
            .withType("LoadBalancer")
            .withAllocateLoadBalancerNodePorts(false)
            .withExternalTrafficPolicy("Local")
            .endSpec()
            .withNewStatus()
            .withNewLoadBalancer()
            .addNewIngress()
            .withIp("198.51.100.10")
            .endIngress()
            .endLoadBalancer()
            .endStatus()
            .build();
    ServicePort port =
        only(
            ports(
                null, lb, slice("ns", "lb-1", "lb", ep("10.0.0.1/R"), ep("10.0.0.2/RL")).build()));
    assertThat(port.nodePort()).isEmpty();
    assertThat(addresses(port.clusterEndpoints()))
        .containsExactly("10.0.0.1:8080", "10.0.0.2:8080");
    assertThat(addresses(port.externalEndpoints())).containsExactly("10.0.0.2:8080");
  }

  @org.junit.jupiter.api.Test
  void externalIpsMakeAClusterIpServiceExternallyReachable() {
    Service ext =
        service("ns", "ext")
            .editSpec()
            .withExternalIPs("192.0.2.1")
            .withInternalTrafficPolicy("Local")
            .endSpec()
            .build();
    ServicePort port =
        only(
            ports(
                null,
                ext,
                slice("ns", "ext-1", "ext", ep("10.0.0.1/R"), ep("10.0.0.2/RL")).build()));
    assertThat(addresses(port.clusterEndpoints())).containsExactly("10.0.0.2:8080");
    assertThat(addresses(port.externalEndpoints()))
        .containsExactly("10.0.0.1:8080", "10.0.0.2:8080");
  }

  /**
   * Issue 16: externalTrafficPolicy Local applies to the external IPs of a ClusterIP service too,
   * as upstream reads it (a ClusterIP service with external IPs is externally accessible).
   */
  @org.junit.jupiter.api.Test
  void localExternalPolicyAppliesToTheExternalIpsOfAClusterIpService() {
    Service ext =
        service("ns", "ext-local")
            .editSpec()
            .withExternalIPs("192.0.2.2")
            .withExternalTrafficPolicy("Local")
            .endSpec()
            .build();
    ServicePort port =
        only(
            ports(
                null,
                ext,
                slice("ns", "ext-local-1", "ext-local", ep("10.0.0.1/R"), ep("10.0.0.2/RL"))
                    .build()));
    assertThat(port.externalPolicy()).isEqualTo(TrafficPolicy.LOCAL);
    assertThat(addresses(port.clusterEndpoints()))
        .containsExactly("10.0.0.1:8080", "10.0.0.2:8080");
    assertThat(addresses(port.externalEndpoints())).containsExactly("10.0.0.2:8080");
  }

  @org.junit.jupiter.api.Test
  void multiPortMatchesSlicePortsByNameAndProtocol() {
    Service service =
        service("ns", "m")
            .editSpec()
            .addNewPort()
            .withName("dns")
            .withProtocol("UDP")
            .withPort(53)
            .endPort()
            .addNewPort()
            .withName("dns-tcp")
            .withProtocol("TCP")
            .withPort(53)
            .endPort()
            .endSpec()
            .build();
    EndpointSlice s =
        slice("ns", "m-1", "m", ep("10.0.0.1/R"))
            .addNewPort()
            .withName("dns")
            .withProtocol("UDP")
            .withPort(5353)
            .endPort()
            .addNewPort()
            .withName("dns")
            .withProtocol("TCP")
            .withPort(9999) // same name, other protocol: belongs to no service port
            .endPort()
            .build();
    List<ServicePort> ports = ports(null, service, s);
    assertThat(ports).hasSize(3);
    assertThat(addresses(ports.get(0).clusterEndpoints())).containsExactly("10.0.0.1:8080");
    assertThat(addresses(ports.get(1).clusterEndpoints())).containsExactly("10.0.0.1:5353");
    assertThat(ports.get(2).clusterEndpoints()).isEmpty();
    assertThat(ports.get(2).hasAnyEndpoints()).isFalse();
  }

  @org.junit.jupiter.api.Test
  void mergesSlicesAndRemovesDuplicates() {
    Service service = service("ns", "web").build();
    List<ServicePort> ports =
        ports(
            null,
            service,
            slice("ns", "web-1", "web", ep("10.0.0.1/R"), ep("10.0.0.2/R")).build(),
            slice("ns", "web-2", "web", ep("10.0.0.2/RL"), ep("10.0.0.3/R")).build(),
            slice("ns", "web-3", "web", ep("10.0.0.10/R")).build(),
            slice("ns", "web-fqdn", "web", ep("10.0.0.99/R")).withAddressType("FQDN").build());
    ServicePort port = only(ports);
    assertThat(addresses(port.clusterEndpoints()))
        .containsExactly("10.0.0.1:8080", "10.0.0.2:8080", "10.0.0.3:8080", "10.0.0.10:8080");
    // The duplicate on this node wins, as upstream.
    assertThat(port.clusterEndpoints().get(1).local()).isTrue();
    assertThat(port.clusterEndpoints().get(1).nodeName()).contains(NODE);
  }

  @org.junit.jupiter.api.Test
  void thousandsOfEndpointsInOneService() {
    Endpoint[] eps = new Endpoint[5000];
    for (int i = 0; i < eps.length; i++) {
      eps[i] = ep("10." + (i / 65536) + "." + (i / 256 % 256) + "." + (i % 256) + "/R");
    }
    ServicePort port =
        only(ports(null, service("ns", "big").build(), slice("ns", "big-1", "big", eps).build()));
    assertThat(port.clusterEndpoints()).hasSize(5000);
  }

  private static List<String> withPort(List<String> ips) {
    return ips.stream().map(ip -> ip + ":8080").toList();
  }

  private static ServicePort only(List<ServicePort> ports) {
    assertThat(ports).hasSize(1);
    return ports.get(0);
  }

  static List<ServicePort> ports(String zone, Service service, EndpointSlice... slices) {
    Fixtures.CollectingReporter reporter = new Fixtures.CollectingReporter();
    ClusterStateTracker tracker =
        new ClusterStateTracker(NODE, reporter, new Fixtures.ManualClock());
    tracker.upsertNode(node(NODE, zone));
    tracker.upsertService(service);
    for (EndpointSlice s : slices) {
      tracker.upsertSlice(s);
    }
    assertThat(reporter.warnings()).isEmpty();
    return tracker
        .snapshot()
        .portsOf(
            new ServiceName(service.getMetadata().getNamespace(), service.getMetadata().getName()));
  }
}
