package io.kipvs.e2e.netlink;

import io.kipvs.ipvs.AddressFamily;
import io.kipvs.ipvs.AddressText;
import io.kipvs.ipvs.ForwardingMethod;
import io.kipvs.ipvs.IpvsOperation;
import io.kipvs.ipvs.Protocol;
import io.kipvs.ipvs.RealServer;
import io.kipvs.ipvs.RealServerKey;
import io.kipvs.ipvs.RealServerSettings;
import io.kipvs.ipvs.RealServerStatus;
import io.kipvs.ipvs.ServiceFlag;
import io.kipvs.ipvs.Stats;
import io.kipvs.ipvs.TunnelSettings;
import io.kipvs.ipvs.VirtualServer;
import io.kipvs.ipvs.VirtualServerKey;
import io.kipvs.ipvs.VirtualServerSettings;
import io.kipvs.ipvs.VirtualServerStatus;
import io.kipvs.ipvs.tool.IpvsadmFormat;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A rule set that covers what the client can express and ipvsadm can restore: IPv4 and IPv6; tcp,
 * udp, sctp and fwmark; every scheduler given; persistence with netmasks and a persistence engine;
 * one-packet scheduling; scheduler flags; every forwarding method with every tunnel type;
 * thresholds; an IPv6 real server on an IPv4 service (tunnel).
 */
record RuleSet(List<Entry> entries) {

  /** A virtual server with its real servers, as written and as expected back. */
  record Entry(VirtualServer server, List<RealServer> reals) {}

  static InetAddress ip(String text) {
    try {
      return InetAddress.getByName(text);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(text, e);
    }
  }

  static RealServer real(String address, int port, RealServerSettings settings) {
    return new RealServer(new RealServerKey(ip(address), port), settings);
  }

  static RuleSet covering(List<String> schedulers) {
    List<Entry> entries = new ArrayList<>();
    int i = 0;
    for (String scheduler : schedulers) {
      i++;
      var key = new VirtualServerKey.Address(Protocol.TCP, ip("10.96.0." + i), 80);
      entries.add(
          new Entry(
              new VirtualServer(key, VirtualServerSettings.of(scheduler, AddressFamily.INET)),
              List.of(
                  real("10.244.1." + (10 + i), 8080, RealServerSettings.masquerade(1)),
                  real("10.244.2." + (10 + i), 8080, RealServerSettings.masquerade(3)))));
    }
    var udp = new VirtualServerKey.Address(Protocol.UDP, ip("10.96.1.1"), 53);
    entries.add(
        new Entry(
            new VirtualServer(
                udp,
                new VirtualServerSettings(
                    "rr",
                    Set.of(ServiceFlag.PERSISTENT, ServiceFlag.ONE_PACKET),
                    300,
                    0xffffff00,
                    Optional.empty())),
            List.of(
                real(
                    "10.244.3.1",
                    53,
                    new RealServerSettings(
                        ForwardingMethod.DIRECT_ROUTE, 5, 100, 10, TunnelSettings.IPIP)),
                real(
                    "10.244.3.2",
                    53,
                    new RealServerSettings(ForwardingMethod.TUNNEL, 0, 0, 0, TunnelSettings.IPIP)),
                real(
                    "10.244.3.3",
                    53,
                    new RealServerSettings(
                        ForwardingMethod.TUNNEL, 2, 0, 0, new TunnelSettings(1, 6080, 1))),
                real(
                    "10.244.3.4",
                    53,
                    new RealServerSettings(
                        ForwardingMethod.TUNNEL, 2, 0, 0, new TunnelSettings(1, 6081, 2))),
                real(
                    "10.244.3.5",
                    53,
                    new RealServerSettings(
                        ForwardingMethod.TUNNEL, 2, 7, 0, new TunnelSettings(2, 0, 0))),
                real(
                    "fd00:244::9",
                    53,
                    new RealServerSettings(
                        ForwardingMethod.TUNNEL, 3, 0, 0, TunnelSettings.IPIP)))));
    var sip = new VirtualServerKey.Address(Protocol.UDP, ip("10.96.1.2"), 5060);
    entries.add(
        new Entry(
            new VirtualServer(
                sip,
                new VirtualServerSettings(
                    "rr", Set.of(ServiceFlag.PERSISTENT), 90, 0xffffffff, Optional.of("sip"))),
            List.of(real("10.244.3.6", 5060, RealServerSettings.masquerade(1)))));
    var sctp = new VirtualServerKey.Address(Protocol.SCTP, ip("10.96.1.3"), 3868);
    entries.add(
        new Entry(
            new VirtualServer(
                sctp,
                new VirtualServerSettings(
                    "sh",
                    Set.of(ServiceFlag.PERSISTENT, ServiceFlag.SCHED1, ServiceFlag.SCHED2),
                    60,
                    0xffff0000,
                    Optional.empty())),
            List.of(
                real(
                    "10.244.3.7",
                    3868,
                    new RealServerSettings(
                        ForwardingMethod.MASQUERADE, 1, 1000, 0, TunnelSettings.IPIP)))));
    var tcp6 = new VirtualServerKey.Address(Protocol.TCP, ip("fd00:96::1"), 443);
    entries.add(
        new Entry(
            new VirtualServer(
                tcp6,
                new VirtualServerSettings(
                    "wlc", Set.of(ServiceFlag.PERSISTENT), 30, 64, Optional.empty())),
            List.of(
                real("fd00:244::1", 8443, RealServerSettings.masquerade(7)),
                real(
                    "fd00:244::2",
                    443, // ipvsadm gives direct-routing real servers the service port
                    new RealServerSettings(
                        ForwardingMethod.DIRECT_ROUTE, 2, 50, 5, TunnelSettings.IPIP)))));
    var udp6 = new VirtualServerKey.Address(Protocol.UDP, ip("fd00:96::2"), 53);
    entries.add(
        new Entry(
            new VirtualServer(udp6, VirtualServerSettings.of("rr", AddressFamily.INET6)),
            List.of(real("fd00:244::3", 53, RealServerSettings.masquerade(1)))));
    var fw = new VirtualServerKey.Fwmark(AddressFamily.INET, 7);
    entries.add(
        new Entry(
            new VirtualServer(fw, VirtualServerSettings.of("wrr", AddressFamily.INET)),
            List.of(
                // LOCAL: ipvsadm has no switch for it (it prints and restores -g, direct routing).
                real(
                    "127.0.0.1",
                    0,
                    new RealServerSettings(ForwardingMethod.LOCAL, 1, 0, 0, TunnelSettings.IPIP)),
                real("10.244.3.8", 0, RealServerSettings.masquerade(2)))));
    var fw6 = new VirtualServerKey.Fwmark(AddressFamily.INET6, 8);
    entries.add(
        new Entry(
            new VirtualServer(
                fw6,
                new VirtualServerSettings(
                    "mh",
                    Set.of(ServiceFlag.SCHED1, ServiceFlag.SCHED2),
                    0,
                    128,
                    Optional.empty())),
            List.of(real("fd00:244::4", 0, RealServerSettings.masquerade(1)))));
    return new RuleSet(entries);
  }

  List<IpvsOperation> additions() {
    List<IpvsOperation> ops = new ArrayList<>();
    for (Entry e : entries) {
      ops.add(new IpvsOperation.AddVirtualServer(e.server()));
      for (RealServer r : e.reals()) {
        ops.add(new IpvsOperation.AddRealServer(e.server().key(), r));
      }
    }
    return ops;
  }

  /**
   * The table as a canonical text of model values (keys, settings, real servers with thresholds and
   * tunnels), sorted, for exact comparison with what a client reads.
   */
  static String canonical(List<Entry> entries) {
    return entries.stream()
        .map(
            e ->
                canonical(e.server())
                    + e.reals().stream()
                        .map(r -> "\n  " + canonical(r))
                        .sorted()
                        .collect(Collectors.joining()))
        .sorted(Comparator.naturalOrder())
        .collect(Collectors.joining("\n"));
  }

  private static String canonical(VirtualServer server) {
    VirtualServerSettings s = server.settings();
    String key =
        server.key() instanceof VirtualServerKey.Address a
            ? a.protocol() + " " + AddressText.of(a.address()) + " " + a.port()
            : "fwmark " + server.key();
    return key
        + " sched="
        + s.scheduler()
        + " flags="
        + s.flags().stream().map(Enum::name).sorted().toList()
        + " timeout="
        + s.timeoutSeconds()
        + " netmask="
        + Integer.toHexString(s.netmask())
        + " pe="
        + s.persistenceEngine().orElse("-");
  }

  private static String canonical(RealServer real) {
    RealServerSettings s = real.settings();
    return AddressText.of(real.key().address())
        + " "
        + real.key().port()
        + " "
        + s.forwarding()
        + " weight="
        + s.weight()
        + " u="
        + s.upperThreshold()
        + " l="
        + s.lowerThreshold()
        + " tunnel="
        + s.tunnel();
  }

  String canonical() {
    return canonical(entries);
  }

  /**
   * This table as {@code ipvsadm -R} makes it from {@link #restoreText()}: ipvsadm cannot express
   * LOCAL forwarding, its -g makes direct routing.
   */
  RuleSet asIpvsadmRestores() {
    return new RuleSet(
        entries.stream()
            .map(
                e ->
                    new Entry(
                        e.server(),
                        e.reals().stream()
                            .map(
                                r ->
                                    r.settings().forwarding() != ForwardingMethod.LOCAL
                                        ? r
                                        : new RealServer(
                                            r.key(),
                                            new RealServerSettings(
                                                ForwardingMethod.DIRECT_ROUTE,
                                                r.settings().weight(),
                                                r.settings().upperThreshold(),
                                                r.settings().lowerThreshold(),
                                                r.settings().tunnel())))
                            .toList()))
            .toList());
  }

  /** The table as status values, for the formatter. */
  List<VirtualServerStatus> asStatuses() {
    return entries.stream()
        .map(
            e ->
                new VirtualServerStatus(
                    e.server(),
                    Stats.ZERO,
                    e.reals().stream()
                        .map(r -> new RealServerStatus(r, 0, 0, 0, Stats.ZERO))
                        .toList()))
        .toList();
  }

  /**
   * What {@code ipvsadm -R} reads to make this table: the {@code ipvsadm -S} text with the
   * thresholds added, which -S leaves out.
   */
  String restoreText() {
    StringBuilder out = new StringBuilder();
    for (Entry e : entries) {
      for (String line : IpvsadmFormat.save(new RuleSet(List.of(e)).asStatuses()).split("\n")) {
        out.append(line);
        if (line.startsWith("-a ")) {
          RealServer r = realOf(e, line);
          if (r.settings().upperThreshold() != 0) {
            out.append(" -x ").append(r.settings().upperThreshold());
          }
          if (r.settings().lowerThreshold() != 0) {
            out.append(" -y ").append(r.settings().lowerThreshold());
          }
        }
        out.append('\n');
      }
    }
    return out.toString();
  }

  private static RealServer realOf(Entry e, String line) {
    for (RealServer r : e.reals()) {
      String one =
          IpvsadmFormat.save(
              List.of(
                  new VirtualServerStatus(
                      e.server(),
                      Stats.ZERO,
                      List.of(new RealServerStatus(r, 0, 0, 0, Stats.ZERO)))));
      if (one.contains(line + "\n")) {
        return r;
      }
    }
    throw new IllegalStateException("no real server for " + line);
  }
}
