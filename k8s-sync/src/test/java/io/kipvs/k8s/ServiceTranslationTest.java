package io.kipvs.k8s;

import static io.kipvs.k8s.Fixtures.ip;
import static io.kipvs.k8s.Fixtures.service;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Service -> service ports, without endpoints: one row per case upstream's proxier tests cover. */
class ServiceTranslationTest {

  record Case(String name, Service service, Consumer<List<ServicePort>> expect) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> cases() {
    return Stream.of(
        new Case(
            "ClusterIP",
            service("ns", "web").build(),
            ports -> {
              assertThat(ports).hasSize(1);
              ServicePort p = ports.get(0);
              assertThat(p.name()).isEqualTo(name("ns", "web", "http", L4Protocol.TCP));
              assertThat(p.clusterIps()).containsExactly(ip("10.96.0.10"));
              assertThat(p.port()).isEqualTo(80);
              assertThat(p.nodePort()).isEmpty();
              assertThat(p.externalIps()).isEmpty();
              assertThat(p.loadBalancerIps()).isEmpty();
              assertThat(p.affinityTimeoutSeconds()).isEmpty();
              assertThat(p.externalPolicy()).isEqualTo(TrafficPolicy.CLUSTER);
              assertThat(p.internalPolicy()).isEqualTo(TrafficPolicy.CLUSTER);
              assertThat(p.healthCheckNodePort()).isEmpty();
              assertThat(p.trafficDistribution()).isEmpty();
              assertThat(p.scheduler()).isEmpty();
            }),
        new Case(
            "clusterIP only (no clusterIPs list)",
            service("ns", "web").editSpec().withClusterIPs().endSpec().build(),
            ports -> assertThat(ports.get(0).clusterIps()).containsExactly(ip("10.96.0.10"))),
        new Case(
            "protocol defaults to TCP, UDP and SCTP kept",
            service("ns", "dns")
                .editSpec()
                .withPorts(
                    new ServicePortBuilder().withName("a").withPort(53).build(),
                    new ServicePortBuilder().withName("b").withProtocol("UDP").withPort(53).build(),
                    new ServicePortBuilder()
                        .withName("c")
                        .withProtocol("SCTP")
                        .withPort(7777)
                        .build())
                .endSpec()
                .build(),
            ports ->
                assertThat(ports)
                    .extracting(p -> p.name().protocol())
                    .containsExactly(L4Protocol.TCP, L4Protocol.UDP, L4Protocol.SCTP)),
        new Case(
            "multi-port",
            service("ns", "multi")
                .editSpec()
                .addNewPort()
                .withName("https")
                .withProtocol("TCP")
                .withPort(443)
                .endPort()
                .endSpec()
                .build(),
            ports ->
                assertThat(ports)
                    .extracting(p -> p.name().portName() + "=" + p.port())
                    .containsExactly("http=80", "https=443")),
        new Case(
            "NodePort",
            service("ns", "np")
                .editSpec()
                .withType("NodePort")
                .editFirstPort()
                .withNodePort(30080)
                .endPort()
                .endSpec()
                .build(),
            ports -> assertThat(ports.get(0).nodePort()).isEqualTo(OptionalInt.of(30080))),
        new Case(
            "ExternalIPs",
            service("ns", "ext")
                .editSpec()
                .withExternalIPs("192.0.2.1", "2001:db8::1")
                .endSpec()
                .build(),
            ports ->
                assertThat(ports.get(0).externalIps())
                    .containsExactly(ip("192.0.2.1"), ip("2001:db8::1"))),
        new Case(
            "LoadBalancer with source ranges, health check port, ipMode Proxy skipped",
            service("ns", "lb")
                .editSpec()
                .withType("LoadBalancer")
                .withExternalTrafficPolicy("Local")
                .withHealthCheckNodePort(32000)
                .withLoadBalancerSourceRanges(" 203.0.113.0/24 ", "198.51.100.7/16")
                .editFirstPort()
                .withNodePort(30080)
                .endPort()
                .endSpec()
                .withNewStatus()
                .withNewLoadBalancer()
                .withIngress(
                    new LoadBalancerIngressBuilder().withIp("198.51.100.10").build(),
                    new LoadBalancerIngressBuilder()
                        .withIp("198.51.100.11")
                        .withIpMode("VIP")
                        .build(),
                    new LoadBalancerIngressBuilder()
                        .withIp("198.51.100.12")
                        .withIpMode("Proxy")
                        .build(),
                    new LoadBalancerIngressBuilder().withHostname("lb.example.com").build())
                .endLoadBalancer()
                .endStatus()
                .build(),
            ports -> {
              ServicePort p = ports.get(0);
              assertThat(p.loadBalancerIps())
                  .containsExactly(ip("198.51.100.10"), ip("198.51.100.11"));
              assertThat(p.loadBalancerSourceRanges())
                  .extracting(Cidr::toString)
                  .containsExactly("203.0.113.0/24", "198.51.0.0/16");
              assertThat(p.externalPolicy()).isEqualTo(TrafficPolicy.LOCAL);
              assertThat(p.healthCheckNodePort()).isEqualTo(OptionalInt.of(32000));
              assertThat(p.nodePort()).isEqualTo(OptionalInt.of(30080));
            }),
        new Case(
            "externalTrafficPolicy Local counts for a ClusterIP service's external IPs (issue 16,"
                + " as upstream), without a health check port",
            service("ns", "cip")
                .editSpec()
                .withExternalTrafficPolicy("Local")
                .withHealthCheckNodePort(32000)
                .withExternalIPs("192.0.2.1")
                .endSpec()
                .build(),
            ports -> {
              assertThat(ports.get(0).externalPolicy()).isEqualTo(TrafficPolicy.LOCAL);
              assertThat(ports.get(0).healthCheckNodePort()).isEmpty();
            }),
        new Case(
            "externalTrafficPolicy Local means nothing for a ClusterIP service without external IPs",
            service("ns", "cip2").editSpec().withExternalTrafficPolicy("Local").endSpec().build(),
            ports -> assertThat(ports.get(0).externalPolicy()).isEqualTo(TrafficPolicy.CLUSTER)),
        new Case(
            "NodePort with externalTrafficPolicy Local has no health check port",
            service("ns", "np")
                .editSpec()
                .withType("NodePort")
                .withExternalTrafficPolicy("Local")
                .withHealthCheckNodePort(32000)
                .endSpec()
                .build(),
            ports -> {
              assertThat(ports.get(0).externalPolicy()).isEqualTo(TrafficPolicy.LOCAL);
              assertThat(ports.get(0).healthCheckNodePort()).isEmpty();
            }),
        new Case(
            "internalTrafficPolicy Local",
            service("ns", "itp").editSpec().withInternalTrafficPolicy("Local").endSpec().build(),
            ports -> assertThat(ports.get(0).internalPolicy()).isEqualTo(TrafficPolicy.LOCAL)),
        new Case(
            "session affinity ClientIP, default timeout",
            service("ns", "sa").editSpec().withSessionAffinity("ClientIP").endSpec().build(),
            ports ->
                assertThat(ports.get(0).affinityTimeoutSeconds()).isEqualTo(OptionalInt.of(10800))),
        new Case(
            "session affinity ClientIP, timeout given",
            service("ns", "sa")
                .editSpec()
                .withSessionAffinity("ClientIP")
                .withNewSessionAffinityConfig()
                .withNewClientIP(300)
                .endSessionAffinityConfig()
                .endSpec()
                .build(),
            ports ->
                assertThat(ports.get(0).affinityTimeoutSeconds()).isEqualTo(OptionalInt.of(300))),
        new Case(
            "session affinity None",
            service("ns", "sa").editSpec().withSessionAffinity("None").endSpec().build(),
            ports -> assertThat(ports.get(0).affinityTimeoutSeconds()).isEmpty()),
        new Case(
            "headless",
            service("ns", "hl")
                .editSpec()
                .withClusterIP("None")
                .withClusterIPs("None")
                .endSpec()
                .build(),
            ports -> assertThat(ports).isEmpty()),
        new Case(
            "no cluster IP yet",
            service("ns", "x").editSpec().withClusterIP(null).withClusterIPs().endSpec().build(),
            ports -> assertThat(ports).isEmpty()),
        new Case(
            "ExternalName",
            service("ns", "en")
                .editSpec()
                .withType("ExternalName")
                .withExternalName("db.example.com")
                .withClusterIP(null)
                .withClusterIPs()
                .endSpec()
                .build(),
            ports -> assertThat(ports).isEmpty()),
        new Case(
            "no ports",
            service("ns", "np").editSpec().withPorts().endSpec().build(),
            ports -> assertThat(ports).isEmpty()),
        new Case(
            "dual-stack, one cluster IP per family",
            service("ns", "ds")
                .editSpec()
                .withClusterIPs("10.96.0.10", "fd00::10")
                .withIpFamilies("IPv4", "IPv6")
                .endSpec()
                .build(),
            ports ->
                assertThat(ports.get(0).clusterIps())
                    .containsExactly(ip("10.96.0.10"), ip("fd00::10"))),
        new Case(
            "IPv6 single stack",
            service("ns", "v6")
                .editSpec()
                .withClusterIP("fd00::10")
                .withClusterIPs("fd00::10")
                .withIpFamilies("IPv6")
                .endSpec()
                .build(),
            ports -> assertThat(ports.get(0).clusterIps()).containsExactly(ip("fd00::10"))),
        new Case(
            "trafficDistribution",
            service("ns", "td").editSpec().withTrafficDistribution("PreferClose").endSpec().build(),
            ports ->
                assertThat(ports.get(0).trafficDistribution())
                    .isEqualTo(Optional.of("PreferClose"))),
        new Case(
            "scheduler annotation valid",
            service("ns", "s")
                .editMetadata()
                .addToAnnotations(ServiceTranslation.SCHEDULER_ANNOTATION, "wlc")
                .endMetadata()
                .build(),
            ports -> assertThat(ports.get(0).scheduler()).isEqualTo(Optional.of("wlc"))),
        new Case(
            "scheduler annotation mh",
            service("ns", "s")
                .editMetadata()
                .addToAnnotations(ServiceTranslation.SCHEDULER_ANNOTATION, "mh")
                .endMetadata()
                .build(),
            ports -> assertThat(ports.get(0).scheduler()).isEqualTo(Optional.of("mh"))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void translates(Case c) {
    Fixtures.CollectingReporter reporter = new Fixtures.CollectingReporter();
    List<ServicePort> ports = new ServiceTranslation(reporter).translate(c.service());
    c.expect().accept(ports);
    assertThat(reporter.warnings()).isEmpty();
    ports.forEach(
        p -> {
          assertThat(p.clusterEndpoints()).isEmpty();
          assertThat(p.externalEndpoints()).isEmpty();
        });
  }

  record Bad(String name, Service service, String reason) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Bad> badServices() {
    return Stream.of(
        new Bad(
            "invalid cluster IP",
            service("bad", "s").editSpec().withClusterIPs("10.96.0.300").endSpec().build(),
            "invalid clusterIP '10.96.0.300'"),
        new Bad(
            "host name instead of cluster IP",
            service("bad", "s").editSpec().withClusterIPs("example.com").endSpec().build(),
            "invalid clusterIP 'example.com'"),
        new Bad(
            "port 0",
            service("bad", "s").editSpec().editFirstPort().withPort(0).endPort().endSpec().build(),
            "port 'http' 0 is outside 1-65535"),
        new Bad(
            "port 70000",
            service("bad", "s")
                .editSpec()
                .editFirstPort()
                .withPort(70000)
                .endPort()
                .endSpec()
                .build(),
            "port 'http' 70000 is outside 1-65535"),
        new Bad(
            "missing port number",
            service("bad", "s")
                .editSpec()
                .editFirstPort()
                .withPort(null)
                .endPort()
                .endSpec()
                .build(),
            "port 'http' has no port number"),
        new Bad(
            "node port out of range",
            service("bad", "s")
                .editSpec()
                .editFirstPort()
                .withNodePort(65536)
                .endPort()
                .endSpec()
                .build(),
            "nodePort of port 'http' 65536 is outside 1-65535"),
        new Bad(
            "unknown protocol",
            service("bad", "s")
                .editSpec()
                .editFirstPort()
                .withProtocol("ICMP")
                .endPort()
                .endSpec()
                .build(),
            "port 'http' has unknown protocol 'ICMP'"),
        new Bad(
            "two cluster IPs of one family",
            service("bad", "s")
                .editSpec()
                .withClusterIPs("10.96.0.10", "10.96.0.11")
                .endSpec()
                .build(),
            "are of the same family"),
        new Bad(
            "family mismatch",
            service("bad", "s").editSpec().withIpFamilies("IPv6").endSpec().build(),
            "clusterIP 10.96.0.10 is not of family IPv6"),
        new Bad(
            "invalid external IP",
            service("bad", "s").editSpec().withExternalIPs("1.2.3").endSpec().build(),
            "invalid externalIP '1.2.3'"),
        new Bad(
            "invalid source range",
            service("bad", "s")
                .editSpec()
                .withType("LoadBalancer")
                .withLoadBalancerSourceRanges("10.0.0.0/40")
                .endSpec()
                .build(),
            "invalid loadBalancerSourceRange '10.0.0.0/40'"),
        new Bad(
            "invalid load balancer IP",
            service("bad", "s")
                .withNewStatus()
                .withNewLoadBalancer()
                .addNewIngress()
                .withIp("nope")
                .endIngress()
                .endLoadBalancer()
                .endStatus()
                .build(),
            "invalid status.loadBalancer.ingress ip 'nope'"),
        new Bad(
            "affinity timeout out of range",
            service("bad", "s")
                .editSpec()
                .withSessionAffinity("ClientIP")
                .withNewSessionAffinityConfig()
                .withNewClientIP(0)
                .endSessionAffinityConfig()
                .endSpec()
                .build(),
            "timeoutSeconds 0 is outside 1-86400"),
        new Bad(
            "no spec",
            new io.fabric8.kubernetes.api.model.ServiceBuilder()
                .withNewMetadata()
                .withNamespace("bad")
                .withName("s")
                .endMetadata()
                .build(),
            "no spec"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badServices")
  void skipsInvalidServiceWithAWarningNamingItAndTheCause(Bad bad) {
    Fixtures.CollectingReporter reporter = new Fixtures.CollectingReporter();
    assertThat(new ServiceTranslation(reporter).translate(bad.service())).isEmpty();
    assertThat(reporter.warnings())
        .singleElement()
        .asString()
        .startsWith("Service bad/s: skipped: ")
        .contains(bad.reason());
  }

  @org.junit.jupiter.api.Test
  void invalidSchedulerIsReportedAndTheDefaultUsed() {
    Fixtures.CollectingReporter reporter = new Fixtures.CollectingReporter();
    List<ServicePort> ports =
        new ServiceTranslation(reporter)
            .translate(
                service("ns", "web")
                    .editMetadata()
                    .addToAnnotations(ServiceTranslation.SCHEDULER_ANNOTATION, "fastest")
                    .endMetadata()
                    .build());
    assertThat(ports).hasSize(1);
    assertThat(ports.get(0).scheduler()).isEmpty();
    assertThat(reporter.warnings())
        .singleElement()
        .asString()
        .contains("Service ns/web", "kipvs.io/scheduler", "'fastest'", "default");
  }

  private static ServicePortName name(String ns, String svc, String port, L4Protocol protocol) {
    return new ServicePortName(new ServiceName(ns, svc), port, protocol);
  }
}
