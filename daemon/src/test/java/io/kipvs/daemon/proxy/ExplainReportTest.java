package io.kipvs.daemon.proxy;

import static io.kipvs.daemon.proxy.Fixtures.ep;
import static io.kipvs.daemon.proxy.Fixtures.ip;
import static io.kipvs.daemon.proxy.Fixtures.rsStatus;
import static io.kipvs.daemon.proxy.Fixtures.tcp;
import static io.kipvs.daemon.proxy.Fixtures.vsStatus;
import static org.assertj.core.api.Assertions.assertThat;

import io.kipvs.ipvs.VirtualServerStatus;
import io.kipvs.k8s.ExcludedEndpoint;
import io.kipvs.k8s.Exclusion;
import io.kipvs.k8s.ServiceExplanation;
import io.kipvs.k8s.ServiceName;
import io.kipvs.k8s.ServicePort;
import io.kipvs.k8s.TrafficPolicy;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Issue 16, {@code kipvs explain}: the report puts the rules the sync builds beside the kernel's,
 * flags each difference, and shows every endpoint left out with the reason it was given.
 */
class ExplainReportTest {
  private static final ServiceName WEB = new ServiceName("default", "web");
  private static final NodeContext NODE =
      new NodeContext(List.of(ip("192.168.1.1")), Set.of(ip("192.168.1.1")), "rr");

  private static ExcludedEndpoint left(String address, Exclusion cause, String reason) {
    return new ExcludedEndpoint(
        ip(address), OptionalInt.of(8080), Optional.of("node-b"), cause, reason);
  }

  /** A NodePort port, externalTrafficPolicy Local: 10.0.0.1 local, 10.0.0.2 on node-b. */
  private static ServiceExplanation nodePortLocal() {
    Fixtures.Port p = new Fixtures.Port();
    p.nodePort = OptionalInt.of(30080);
    p.external = TrafficPolicy.LOCAL;
    p.endpoints = List.of(ep("10.0.0.1", 8080, true), ep("10.0.0.2", 8080, false));
    p.externalEndpoints = List.of(ep("10.0.0.1", 8080, true));
    ServicePort port = p.build();
    return new ServiceExplanation(
        WEB,
        Optional.empty(),
        List.of(
            new ServiceExplanation.PortExplanation(
                port,
                List.of(
                    new ExcludedEndpoint(
                        ip("10.0.0.9"),
                        OptionalInt.empty(),
                        Optional.of("node-c"),
                        Exclusion.PORT_NAME_MISMATCH,
                        "its EndpointSlice has no port named 'http'")),
                List.of(left("10.0.0.3", Exclusion.NOT_READY, "not ready (ready=false)")),
                List.of(
                    left("10.0.0.2", Exclusion.OTHER_NODE_LOCAL_POLICY, "on node node-b, Local"),
                    left("10.0.0.3", Exclusion.NOT_READY, "not ready (ready=false)")))),
        1,
        Optional.of("zone-a"));
  }

  /** Everything the kernel should have for {@link #nodePortLocal}. */
  private static ExplainReport.Kernel complete() {
    return new ExplainReport.Kernel(
        List.of(
            vsStatus(
                tcp("10.96.0.10", 80),
                "rr",
                rsStatus("10.0.0.1", 8080, 1, 0, 0),
                rsStatus("10.0.0.2", 8080, 1, 0, 0)),
            vsStatus(tcp("192.168.1.1", 30080), "rr", rsStatus("10.0.0.1", 8080, 1, 0, 0))),
        Set.of(ip("10.96.0.10")),
        Map.of(
            "KUBE-CLUSTER-IP", Set.of("10.96.0.10,tcp:80"),
            "KUBE-IPVS-IPS", Set.of("10.96.0.10"),
            "KUBE-NODE-PORT-TCP", Set.of("30080"),
            "KUBE-NODE-PORT-LOCAL-TCP", Set.of("30080"),
            "KUBE-LOOP-BACK", Set.of("10.0.0.1,tcp:8080,10.0.0.1")));
  }

  private static ExplainReport report(ServiceExplanation e, ExplainReport.Kernel kernel) {
    return ExplainReport.of(e, "node-a", NODE, kernel, List.of());
  }

  /** Each endpoint shows its use per kind of address, with the reason it was left out. */
  @Test
  void endpointsWithReasonsPerKindOfAddress() {
    ExplainReport r = report(nodePortLocal(), complete());
    List<ExplainReport.EndpointReport> eps = r.ports().get(0).endpoints();
    assertThat(eps)
        .extracting(ExplainReport.EndpointReport::endpoint)
        .containsExactly("10.0.0.1:8080", "10.0.0.2:8080", "10.0.0.3:8080", "10.0.0.9");
    assertThat(eps.get(0).clusterIps().realServer()).isTrue();
    assertThat(eps.get(0).externalAddresses().realServer()).isTrue();
    assertThat(eps.get(1).clusterIps().realServer()).isTrue();
    assertThat(eps.get(1).externalAddresses().cause()).isEqualTo("OTHER_NODE_LOCAL_POLICY");
    assertThat(eps.get(2).clusterIps().cause()).isEqualTo("NOT_READY");
    assertThat(eps.get(3).clusterIps().cause()).isEqualTo("PORT_NAME_MISMATCH");
    String text = r.text();
    assertThat(text)
        .contains(
            "endpoint 10.0.0.2:8080 (node node-b): cluster IP: real server; node port/external"
                + "/load-balancer IPs: not a real server: on node node-b, Local")
        .contains("endpoint 10.0.0.3:8080 (node node-b): not a real server: not ready")
        .contains("endpoint 10.0.0.9 (node node-c): not a real server: its EndpointSlice has no")
        .contains("The kernel has what kipvs wants");
    assertThat(r.mismatches()).isZero();
  }

  /** The wanted rules are the sync's: virtual servers, real servers, address and ipset members. */
  @Test
  void wantedStateIsTheDesiredStateBuildersAndMatches() {
    ExplainReport r = report(nodePortLocal(), complete());
    assertThat(r.virtualServers())
        .extracting(ExplainReport.VirtualServerReport::virtualServer)
        .containsExactly("tcp 10.96.0.10:80", "tcp 192.168.1.1:30080");
    assertThat(r.virtualServers().get(1).realServers())
        .extracting(ExplainReport.RealServerReport::realServer)
        .containsExactly("10.0.0.1:8080");
    assertThat(r.addresses())
        .containsExactly(new ExplainReport.ItemReport("10.96.0.10", ExplainReport.Status.OK));
    assertThat(r.ipsetEntries())
        .extracting(ExplainReport.ItemReport::item)
        .contains("KUBE-CLUSTER-IP 10.96.0.10,tcp:80", "KUBE-NODE-PORT-LOCAL-TCP 30080");
    assertThat(r.ipsetEntries()).allMatch(i -> i.status() == ExplainReport.Status.OK);
  }

  /**
   * What the kernel lacks, has differently or has beyond what is wanted is flagged; a removed TCP
   * real server at weight 0 is draining, not a mismatch.
   */
  @Test
  void mismatchesAreFlagged() {
    VirtualServerStatus wrongScheduler =
        vsStatus(
            tcp("10.96.0.10", 80),
            "wrr",
            rsStatus("10.0.0.1", 8080, 1, 0, 0),
            rsStatus("10.0.0.7", 8080, 1, 0, 0),
            rsStatus("10.0.0.8", 8080, 0, 1, 0));
    VirtualServerStatus stale = vsStatus(tcp("192.168.1.1", 80), "rr");
    ExplainReport r =
        report(
            nodePortLocal(),
            new ExplainReport.Kernel(
                List.of(wrongScheduler, stale),
                Set.of(),
                Map.of("KUBE-NODE-PORT-TCP", Set.of("30080", "30999"))));
    Map<String, ExplainReport.Status> vs = new java.util.HashMap<>();
    r.virtualServers().forEach(v -> vs.put(v.virtualServer(), v.status()));
    assertThat(vs)
        .containsEntry("tcp 10.96.0.10:80", ExplainReport.Status.DIFFERS)
        .containsEntry("tcp 192.168.1.1:30080", ExplainReport.Status.MISSING)
        .doesNotContainKey("tcp 192.168.1.1:80");
    Map<String, ExplainReport.Status> reals = new java.util.HashMap<>();
    r.virtualServers().get(0).realServers().forEach(x -> reals.put(x.realServer(), x.status()));
    assertThat(reals)
        .containsEntry("10.0.0.1:8080", ExplainReport.Status.OK)
        .containsEntry("10.0.0.2:8080", ExplainReport.Status.MISSING)
        .containsEntry("10.0.0.7:8080", ExplainReport.Status.NOT_WANTED)
        .containsEntry("10.0.0.8:8080", ExplainReport.Status.DRAINING);
    assertThat(r.addresses())
        .containsExactly(new ExplainReport.ItemReport("10.96.0.10", ExplainReport.Status.MISSING));
    assertThat(r.ipsetEntries())
        .contains(
            new ExplainReport.ItemReport(
                "KUBE-CLUSTER-IP 10.96.0.10,tcp:80", ExplainReport.Status.MISSING))
        .doesNotContain(
            new ExplainReport.ItemReport(
                "KUBE-NODE-PORT-TCP 30999", ExplainReport.Status.NOT_WANTED));
    // DIFFERS 1, MISSING vs 1 (+1 real server), MISSING rs 1, NOT_WANTED rs 1, address 1,
    // and every ipset member but the node port one.
    assertThat(r.mismatches()).isGreaterThanOrEqualTo(7);
    assertThat(r.text())
        .contains("tcp 10.96.0.10:80  rr | wrr  MISMATCH: the kernel's differs")
        .contains("-> 10.0.0.8:8080  - | masquerade, weight 0  draining at weight 0")
        .contains("MISMATCH(ES) between what kipvs wants and the kernel");
  }

  /** A virtual server of the service's node port that kipvs does not want is flagged. */
  @Test
  void unwantedVirtualServerOnTheServicesAddressIsFlagged() {
    ServiceExplanation e = nodePortLocal();
    ExplainReport.Kernel k = complete();
    List<VirtualServerStatus> ipvs = new java.util.ArrayList<>(k.ipvs());
    ipvs.add(vsStatus(tcp("192.168.1.2", 30080), "rr"));
    ExplainReport r = report(e, new ExplainReport.Kernel(ipvs, k.kubeIpvs0(), k.ipsets()));
    assertThat(r.virtualServers())
        .filteredOn(v -> v.virtualServer().equals("tcp 192.168.1.2:30080"))
        .extracting(ExplainReport.VirtualServerReport::status)
        .containsExactly(ExplainReport.Status.NOT_WANTED);
    assertThat(r.mismatches()).isEqualTo(1);
  }

  /** A skipped service says why, and nothing else. */
  @Test
  void skippedService() {
    ExplainReport r =
        report(
            new ServiceExplanation(
                WEB,
                Optional.of("type ExternalName: a DNS name only"),
                List.of(),
                0,
                Optional.empty()),
            new ExplainReport.Kernel(List.of(), Set.<InetAddress>of(), Map.of()));
    assertThat(r.skipped()).contains("ExternalName");
    assertThat(r.text()).contains("SKIPPED: type ExternalName").doesNotContain("IPVS");
  }
}
