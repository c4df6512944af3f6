package io.kipvs.k8s;

import static io.kipvs.k8s.Fixtures.NODE;
import static io.kipvs.k8s.Fixtures.ep;
import static io.kipvs.k8s.Fixtures.node;
import static io.kipvs.k8s.Fixtures.service;
import static io.kipvs.k8s.Fixtures.slice;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Issue 16, {@code kipvs explain}: the tracker explains a service with the same selection the
 * snapshot makes, each endpoint left out carrying the rule that left it out.
 */
class ServiceExplanationTest {
  private final Fixtures.CollectingReporter reporter = new Fixtures.CollectingReporter();
  private final ClusterStateTracker tracker =
      new ClusterStateTracker(NODE, reporter, new Fixtures.ManualClock());
  private static final ServiceName WEB = new ServiceName("ns", "web");

  private ServiceExplanation explain(Service service, EndpointSlice... slices) {
    tracker.upsertNode(node(NODE, "zone-a"));
    tracker.upsertService(service);
    for (EndpointSlice s : slices) {
      tracker.upsertSlice(s);
    }
    return tracker.explain(WEB).orElseThrow();
  }

  /** address -> cause of each endpoint left out of this list. */
  private static Map<String, Exclusion> causes(List<ExcludedEndpoint> excluded) {
    Map<String, Exclusion> out = new LinkedHashMap<>();
    for (ExcludedEndpoint e : excluded) {
      out.put(e.address().getHostAddress(), e.cause());
    }
    return out;
  }

  /** Not ready, not serving, and terminating while ready ones exist: each its own cause. */
  @Test
  void conditionsExcludeWithTheirCause() {
    ServiceExplanation e =
        explain(
            service("ns", "web").build(),
            slice("ns", "s1", "web", ep("10.0.0.1/R"), ep("10.0.0.2/-"), ep("10.0.0.3/T")).build(),
            slice("ns", "s2", "web", ep("10.0.0.4/ST")).build());
    ServiceExplanation.PortExplanation port = e.ports().get(0);
    assertThat(Fixtures.addresses(port.port().clusterEndpoints())).containsExactly("10.0.0.1:8080");
    assertThat(causes(port.notForCluster()))
        .containsExactly(
            Map.entry("10.0.0.2", Exclusion.NOT_READY),
            Map.entry("10.0.0.3", Exclusion.NOT_SERVING),
            Map.entry("10.0.0.4", Exclusion.TERMINATING_WHILE_READY_EXIST));
    assertThat(port.notForCluster().get(0).reason()).contains("not ready", "ready=false");
    assertThat(port.notForExternal()).isEmpty();
    assertThat(e.skipped()).isEmpty();
    assertThat(e.slices()).isEqualTo(2);
  }

  /** With no ready endpoint the serving terminating ones are used, and not reported. */
  @Test
  void servingTerminatingUsedWhenNoneReady() {
    ServiceExplanation.PortExplanation port =
        explain(
                service("ns", "web").build(),
                slice("ns", "s1", "web", ep("10.0.0.1/ST"), ep("10.0.0.2/-")).build())
            .ports()
            .get(0);
    assertThat(Fixtures.addresses(port.port().clusterEndpoints())).containsExactly("10.0.0.1:8080");
    assertThat(causes(port.notForCluster()))
        .containsExactly(Map.entry("10.0.0.2", Exclusion.NOT_READY));
  }

  /** Zone hints for another zone leave the endpoint out, naming both zones. */
  @Test
  void otherZoneByHints() {
    var here =
        new EndpointBuilder(ep("10.0.0.1/R")).withNewHints().addNewForZone("zone-a").endHints();
    var there =
        new EndpointBuilder(ep("10.0.0.2/R")).withNewHints().addNewForZone("zone-b").endHints();
    ServiceExplanation.PortExplanation port =
        explain(
                service("ns", "web").build(),
                slice("ns", "s1", "web", here.build(), there.build()).build())
            .ports()
            .get(0);
    assertThat(Fixtures.addresses(port.port().clusterEndpoints())).containsExactly("10.0.0.1:8080");
    assertThat(causes(port.notForCluster()))
        .containsExactly(Map.entry("10.0.0.2", Exclusion.OTHER_ZONE_BY_HINTS));
    assertThat(port.notForCluster().get(0).reason()).contains("zone-b", "zone-a");
  }

  /**
   * externalTrafficPolicy Local: the cluster IP keeps every ready endpoint, the node port leaves
   * the other node's out, saying which policy; internalTrafficPolicy Local does it for the cluster
   * IP.
   */
  @Test
  void otherNodeUnderLocalPolicies() {
    Service external =
        service("ns", "web")
            .editSpec()
            .withType("NodePort")
            .withExternalTrafficPolicy("Local")
            .editFirstPort()
            .withNodePort(30080)
            .endPort()
            .endSpec()
            .build();
    EndpointSlice slice = slice("ns", "s1", "web", ep("10.0.0.1/RL"), ep("10.0.0.2/R")).build();
    ServiceExplanation.PortExplanation port = explain(external, slice).ports().get(0);
    assertThat(port.notForCluster()).isEmpty();
    assertThat(causes(port.notForExternal()))
        .containsExactly(Map.entry("10.0.0.2", Exclusion.OTHER_NODE_LOCAL_POLICY));
    assertThat(port.notForExternal().get(0).reason())
        .contains("node-other", "externalTrafficPolicy is Local");

    tracker.upsertService(
        service("ns", "web").editSpec().withInternalTrafficPolicy("Local").endSpec().build());
    port = tracker.explain(WEB).orElseThrow().ports().get(0);
    assertThat(causes(port.notForCluster()))
        .containsExactly(Map.entry("10.0.0.2", Exclusion.OTHER_NODE_LOCAL_POLICY));
    assertThat(port.notForCluster().get(0).reason()).contains("internalTrafficPolicy is Local");
  }

  /** A slice without the service port's name, and an IPv6 slice of an IPv4-only service. */
  @Test
  void portNameAndFamilyMismatch() {
    EndpointSlice otherPort =
        slice("ns", "s1", "web", ep("10.0.0.1/R"))
            .editFirstPort()
            .withName("metrics")
            .endPort()
            .build();
    EndpointSlice v6 = slice("ns", "s2", "web", ep("fd00::1/R")).withAddressType("IPv6").build();
    EndpointSlice good = slice("ns", "s3", "web", ep("10.0.0.3/R")).build();
    ServiceExplanation.PortExplanation port =
        explain(service("ns", "web").build(), otherPort, v6, good).ports().get(0);
    assertThat(Fixtures.addresses(port.port().clusterEndpoints())).containsExactly("10.0.0.3:8080");
    assertThat(causes(port.notCandidates()))
        .containsOnly(
            Map.entry("10.0.0.1", Exclusion.PORT_NAME_MISMATCH),
            Map.entry("fd00:0:0:0:0:0:0:1", Exclusion.WRONG_ADDRESS_FAMILY));
    ExcludedEndpoint mismatch =
        port.notCandidates().stream()
            .filter(x -> x.cause() == Exclusion.PORT_NAME_MISMATCH)
            .findFirst()
            .orElseThrow();
    assertThat(mismatch.reason()).contains("'http'", "'metrics' TCP 8080");
    assertThat(port.notForCluster()).isEmpty();
  }

  /** The explanation's endpoints are the snapshot's: one selection code for both. */
  @Test
  void explanationAgreesWithSnapshot() {
    ServiceExplanation e =
        explain(
            service("ns", "web").build(),
            slice("ns", "s1", "web", ep("10.0.0.1/R"), ep("10.0.0.2/STL"), ep("10.0.0.3/RL"))
                .build());
    assertThat(e.ports())
        .extracting(ServiceExplanation.PortExplanation::port)
        .containsExactlyElementsOf(tracker.snapshot().portsOf(WEB));
  }

  /** Headless, ExternalName and malformed services are explained by the reason they are skipped. */
  @Test
  void skippedServices() {
    tracker.upsertService(
        service("ns", "web")
            .editSpec()
            .withClusterIP("None")
            .withClusterIPs("None")
            .endSpec()
            .build());
    assertThat(tracker.explain(WEB).orElseThrow().skipped())
        .hasValueSatisfying(r -> assertThat(r).contains("headless"));
    tracker.upsertService(
        service("ns", "web")
            .editSpec()
            .withType("ExternalName")
            .withExternalName("example.com")
            .endSpec()
            .build());
    assertThat(tracker.explain(WEB).orElseThrow().skipped())
        .hasValueSatisfying(r -> assertThat(r).contains("ExternalName"));
    tracker.upsertService(
        service("ns", "web")
            .editSpec()
            .editFirstPort()
            .withProtocol("ICMP")
            .endPort()
            .endSpec()
            .build());
    ServiceExplanation malformed = tracker.explain(WEB).orElseThrow();
    assertThat(malformed.skipped())
        .hasValueSatisfying(r -> assertThat(r).contains("malformed", "unknown protocol 'ICMP'"));
    assertThat(reporter.warnings()).anyMatch(w -> w.contains("unknown protocol 'ICMP'"));
    tracker.upsertService(service("ns", "web").build());
    assertThat(tracker.explain(WEB).orElseThrow().skipped()).isEmpty();
    assertThat(tracker.explain(new ServiceName("ns", "nothing"))).isEqualTo(Optional.empty());
  }
}
