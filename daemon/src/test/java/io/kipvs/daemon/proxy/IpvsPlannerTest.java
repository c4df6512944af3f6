package io.kipvs.daemon.proxy;

import static io.kipvs.daemon.proxy.Fixtures.cidr;
import static io.kipvs.daemon.proxy.Fixtures.ip;
import static io.kipvs.daemon.proxy.Fixtures.rs;
import static io.kipvs.daemon.proxy.Fixtures.rsStatus;
import static io.kipvs.daemon.proxy.Fixtures.tcp;
import static io.kipvs.daemon.proxy.Fixtures.udp;
import static io.kipvs.daemon.proxy.Fixtures.vsStatus;
import static org.assertj.core.api.Assertions.assertThat;

import io.kipvs.ipvs.IpvsOperation;
import io.kipvs.ipvs.IpvsOperation.AddRealServer;
import io.kipvs.ipvs.IpvsOperation.AddVirtualServer;
import io.kipvs.ipvs.IpvsOperation.DeleteRealServer;
import io.kipvs.ipvs.IpvsOperation.DeleteVirtualServer;
import io.kipvs.ipvs.IpvsOperation.UpdateRealServer;
import io.kipvs.ipvs.IpvsOperation.UpdateVirtualServer;
import io.kipvs.ipvs.Protocol;
import io.kipvs.ipvs.RealServer;
import io.kipvs.ipvs.VirtualServer;
import io.kipvs.ipvs.VirtualServerKey;
import io.kipvs.ipvs.VirtualServerSettings;
import io.kipvs.ipvs.VirtualServerStatus;
import io.kipvs.k8s.Cidr;
import io.kipvs.k8s.L4Protocol;
import io.kipvs.k8s.ServiceName;
import io.kipvs.k8s.ServicePortName;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class IpvsPlannerTest {
  static final VirtualServerKey VIP = tcp("10.96.0.10", 80);
  static final VirtualServerKey DNS = udp("10.96.0.53", 53);
  static final List<Cidr> EXCLUDE = List.of(cidr("10.200.0.0/16"));
  static final Predicate<VirtualServerKey> OWNED = IpvsOwnership.outside(EXCLUDE);

  record Case(
      String name,
      List<DesiredVirtualServer> desired,
      List<VirtualServerStatus> actual,
      List<IpvsOperation> operations,
      List<IpvsPlan.RealServerRef> draining,
      List<IpvsPlan.RealServerRef> restored,
      List<IpvsPlan.ConntrackFlush> flushes) {
    @Override
    public String toString() {
      return name;
    }
  }

  static DesiredVirtualServer want(VirtualServerKey key, String scheduler, RealServer... reals) {
    Map<io.kipvs.ipvs.RealServerKey, RealServer> map = new LinkedHashMap<>();
    for (RealServer r : reals) {
      map.put(r.key(), r);
    }
    return new DesiredVirtualServer(
        new VirtualServer(key, VirtualServerSettings.of(scheduler, key.family())),
        map,
        new ServicePortName(new ServiceName("default", "web"), "", L4Protocol.TCP));
  }

  static IpvsPlan.RealServerRef ref(VirtualServerKey vs, String address, int port) {
    return new IpvsPlan.RealServerRef(vs, new io.kipvs.ipvs.RealServerKey(ip(address), port));
  }

  static Stream<Arguments> cases() {
    DesiredVirtualServer web = want(VIP, "rr", rs("10.244.1.5", 8080, 1));
    return Stream.of(
            new Case(
                "new service: add virtual server then its real servers",
                List.of(web),
                List.of(),
                List.of(
                    new AddVirtualServer(web.server()),
                    new AddRealServer(VIP, rs("10.244.1.5", 8080, 1))),
                List.of(),
                List.of(),
                List.of()),
            new Case(
                "in sync: nothing",
                List.of(web),
                List.of(vsStatus(VIP, "rr", rsStatus("10.244.1.5", 8080, 1, 3, 4))),
                List.of(),
                List.of(),
                List.of(),
                List.of()),
            new Case(
                "scheduler changed: update in place",
                List.of(want(VIP, "lc", rs("10.244.1.5", 8080, 1))),
                List.of(vsStatus(VIP, "rr", rsStatus("10.244.1.5", 8080, 1, 0, 0))),
                List.of(new UpdateVirtualServer(want(VIP, "lc").server())),
                List.of(),
                List.of(),
                List.of()),
            new Case(
                "stale owned virtual server deleted",
                List.of(),
                List.of(vsStatus(VIP, "rr")),
                List.of(new DeleteVirtualServer(VIP)),
                List.of(),
                List.of(),
                List.of()),
            new Case(
                "virtual server in an excluded range left alone",
                List.of(),
                List.of(vsStatus(tcp("10.200.1.1", 80), "rr", rsStatus("10.1.1.1", 80, 3, 0, 0))),
                List.of(),
                List.of(),
                List.of(),
                List.of()),
            new Case(
                "fwmark virtual server never owned",
                List.of(),
                List.of(
                    vsStatus(
                        new VirtualServerKey.Fwmark(io.kipvs.ipvs.AddressFamily.INET, 7), "rr")),
                List.of(),
                List.of(),
                List.of(),
                List.of()),
            new Case(
                "TCP endpoint gone: weight 0, drains",
                List.of(want(VIP, "rr")),
                List.of(vsStatus(VIP, "rr", rsStatus("10.244.1.5", 8080, 1, 2, 0))),
                List.of(new UpdateRealServer(VIP, rs("10.244.1.5", 8080, 0))),
                List.of(ref(VIP, "10.244.1.5", 8080)),
                List.of(),
                List.of()),
            new Case(
                "TCP already draining: no write, still draining",
                List.of(want(VIP, "rr")),
                List.of(vsStatus(VIP, "rr", rsStatus("10.244.1.5", 8080, 0, 2, 0))),
                List.of(),
                List.of(ref(VIP, "10.244.1.5", 8080)),
                List.of(),
                List.of()),
            new Case(
                "endpoint back while draining gets its weight back",
                List.of(web),
                List.of(vsStatus(VIP, "rr", rsStatus("10.244.1.5", 8080, 0, 2, 0))),
                List.of(new UpdateRealServer(VIP, rs("10.244.1.5", 8080, 1))),
                List.of(),
                List.of(ref(VIP, "10.244.1.5", 8080)),
                List.of()),
            new Case(
                "weight changed by hand is reset (kubernetes#92019)",
                List.of(web),
                List.of(vsStatus(VIP, "rr", rsStatus("10.244.1.5", 8080, 5, 0, 0))),
                List.of(new UpdateRealServer(VIP, rs("10.244.1.5", 8080, 1))),
                List.of(),
                List.of(),
                List.of()),
            new Case(
                "UDP endpoint gone: deleted at once, conntrack flushed",
                List.of(want(DNS, "rr", rs("10.244.1.9", 53, 1))),
                List.of(
                    vsStatus(
                        DNS,
                        "rr",
                        rsStatus("10.244.1.9", 53, 1, 0, 0),
                        rsStatus("10.244.1.8", 53, 1, 0, 5))),
                List.of(new DeleteRealServer(DNS, rs("10.244.1.8", 53, 1).key())),
                List.of(),
                List.of(),
                List.of(
                    new IpvsPlan.ConntrackFlush(
                        Protocol.UDP, ip("10.96.0.53"), 53, Optional.of(ip("10.244.1.8"))))),
            new Case(
                "UDP service gets its first backend: flows without one flushed",
                List.of(want(DNS, "rr", rs("10.244.1.9", 53, 1))),
                List.of(vsStatus(DNS, "rr")),
                List.of(new AddRealServer(DNS, rs("10.244.1.9", 53, 1))),
                List.of(),
                List.of(),
                List.of(
                    new IpvsPlan.ConntrackFlush(
                        Protocol.UDP, ip("10.96.0.53"), 53, Optional.empty()))),
            new Case(
                "UDP service gone: deleted, its flows flushed",
                List.of(),
                List.of(vsStatus(DNS, "rr")),
                List.of(new DeleteVirtualServer(DNS)),
                List.of(),
                List.of(),
                List.of(
                    new IpvsPlan.ConntrackFlush(
                        Protocol.UDP, ip("10.96.0.53"), 53, Optional.empty()))))
        .map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void plans(Case c) {
    IpvsPlan plan = IpvsPlanner.plan(c.desired(), c.actual(), OWNED);
    assertThat(plan.operations()).as("operations").containsExactlyElementsOf(c.operations());
    assertThat(plan.draining()).as("draining").containsExactlyElementsOf(c.draining());
    assertThat(plan.restored()).as("restored").containsExactlyElementsOf(c.restored());
    assertThat(plan.conntrackFlushes()).as("flushes").containsExactlyElementsOf(c.flushes());
  }
}
