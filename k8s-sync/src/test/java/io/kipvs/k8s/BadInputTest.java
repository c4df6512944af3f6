package io.kipvs.k8s;

import static io.kipvs.k8s.Fixtures.NODE;
import static io.kipvs.k8s.Fixtures.addresses;
import static io.kipvs.k8s.Fixtures.ep;
import static io.kipvs.k8s.Fixtures.service;
import static io.kipvs.k8s.Fixtures.simpleService;
import static io.kipvs.k8s.Fixtures.slice;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Bad objects are skipped one by one, named in a warning; everything else goes on. */
class BadInputTest {
  private final Fixtures.CollectingReporter reporter = new Fixtures.CollectingReporter();
  private final ClusterStateTracker tracker =
      new ClusterStateTracker(NODE, reporter, new Fixtures.ManualClock());

  @Test
  void badServiceDoesNotAffectTheOthers() {
    tracker.upsertService(simpleService("ns", "good-1", "10.96.0.1"));
    tracker.upsertService(
        service("ns", "bad").editSpec().editFirstPort().withPort(0).endPort().endSpec().build());
    tracker.upsertService(simpleService("ns", "good-2", "10.96.0.2"));
    ClusterSnapshot snapshot = tracker.snapshot();
    assertThat(snapshot.serviceCount()).isEqualTo(2);
    assertThat(snapshot.portsOf(new ServiceName("ns", "bad"))).isEmpty();
    assertThat(reporter.warnings())
        .containsExactly("Service ns/bad: skipped: port 'http' 0 is outside 1-65535");
  }

  @Test
  void badEndpointsAreSkippedOneByOne() {
    tracker.upsertService(simpleService("ns", "web", "10.96.0.1"));
    EndpointSlice s =
        slice(
                "ns",
                "web-1",
                "web",
                ep("10.0.0.1/R"),
                ep("10.0.0.256/R"),
                ep("fd00::1/R"),
                new EndpointBuilder().withNewConditions().withReady(true).endConditions().build(),
                ep("10.0.0.2/R"))
            .build();
    tracker.upsertSlice(s);
    ServicePort port = tracker.snapshot().portsOf(new ServiceName("ns", "web")).get(0);
    assertThat(addresses(port.clusterEndpoints()))
        .containsExactly("10.0.0.1:8080", "10.0.0.2:8080");
    assertThat(reporter.warnings())
        .containsExactly(
            "EndpointSlice ns/web-1: endpoint skipped: invalid address '10.0.0.256'",
            "EndpointSlice ns/web-1: endpoint skipped: address 'fd00::1' is not of addressType IPv4",
            "EndpointSlice ns/web-1: endpoint skipped: no address");
  }

  @Test
  void badSlicePortsAreSkippedOneByOne() {
    tracker.upsertService(simpleService("ns", "web", "10.96.0.1"));
    EndpointSlice s =
        slice("ns", "web-1", "web", ep("10.0.0.1/R"))
            .addNewPort()
            .withName("x")
            .withProtocol("TCP")
            .withPort(70000)
            .endPort()
            .addNewPort()
            .withName("y")
            .withProtocol("QUIC")
            .withPort(443)
            .endPort()
            .build();
    tracker.upsertSlice(s);
    ServicePort port = tracker.snapshot().portsOf(new ServiceName("ns", "web")).get(0);
    assertThat(addresses(port.clusterEndpoints())).containsExactly("10.0.0.1:8080");
    assertThat(reporter.warnings())
        .containsExactly(
            "EndpointSlice ns/web-1: port skipped: port 'x' 70000 is outside 1-65535",
            "EndpointSlice ns/web-1: port skipped: port 'y' has unknown protocol 'QUIC'");
  }

  @Test
  void sliceWithoutServiceLabelOrWithUnknownAddressTypeIsIgnored() {
    tracker.upsertService(simpleService("ns", "web", "10.96.0.1"));
    EndpointSlice noLabel = slice("ns", "orphan", "web", ep("10.0.0.1/R")).build();
    noLabel.getMetadata().getLabels().clear();
    tracker.upsertSlice(noLabel);
    tracker.upsertSlice(slice("ns", "odd", "web", ep("10.0.0.2/R")).withAddressType("IPX").build());
    assertThat(tracker.snapshot().portsOf(new ServiceName("ns", "web")).get(0).clusterEndpoints())
        .isEmpty();
    assertThat(reporter.warnings())
        .containsExactly(
            "EndpointSlice ns/orphan: ignored: no label kubernetes.io/service-name",
            "EndpointSlice ns/odd: ignored: unknown addressType 'IPX'");
  }

  @Test
  void warningsAreRateLimitedPerObjectAndProblem() {
    List<String> lines = new ArrayList<>();
    Fixtures.ManualClock clock = new Fixtures.ManualClock();
    RateLimitedReporter limited = new RateLimitedReporter(lines::add, clock, Duration.ofMinutes(5));
    ClusterStateTracker t = new ClusterStateTracker(NODE, limited, clock);
    for (int i = 0; i < 1000; i++) {
      // A relist or a stream of updates of the same bad object.
      t.upsertService(
          service("ns", "bad")
              .editMetadata()
              .withResourceVersion(Integer.toString(i))
              .endMetadata()
              .editSpec()
              .withClusterIPs("nope")
              .endSpec()
              .build());
    }
    t.upsertService(service("ns", "bad2").editSpec().withClusterIPs("nope").endSpec().build());
    assertThat(lines)
        .containsExactly(
            "Service ns/bad: skipped: invalid clusterIP 'nope'",
            "Service ns/bad2: skipped: invalid clusterIP 'nope'");
    clock.advance(Duration.ofMinutes(4));
    t.upsertService(service("ns", "bad").editSpec().withClusterIPs("nope").endSpec().build());
    assertThat(lines).hasSize(2);
    clock.advance(Duration.ofMinutes(1));
    t.upsertService(service("ns", "bad").editSpec().withClusterIPs("nope").endSpec().build());
    assertThat(lines).hasSize(3);
  }

  @Test
  void ipLiteralsNeverResolveNames() {
    assertThat(IpLiterals.parse("localhost")).isEmpty();
    assertThat(IpLiterals.parse("example.com")).isEmpty();
    assertThat(IpLiterals.parse("fe80::1%eth0")).isEmpty();
    assertThat(IpLiterals.parse("1::2::3")).isEmpty();
    assertThat(IpLiterals.parse("1.2.3.4.5")).isEmpty();
    assertThat(IpLiterals.parse("")).isEmpty();
    assertThat(IpLiterals.parse("010.001.0.1")).contains(Fixtures.ip("10.1.0.1"));
    assertThat(IpLiterals.parse("2001:db8::1")).contains(Fixtures.ip("2001:db8::1"));
    assertThat(IpLiterals.parseCidr("10.1.2.3/8").map(Cidr::toString)).contains("10.0.0.0/8");
    assertThat(IpLiterals.parseCidr("2001:db8::1/129")).isEmpty();
    assertThat(IpLiterals.parseCidr("10.0.0.0")).isEmpty();
  }
}
