package io.kipvs.daemon.proxy;

import io.kipvs.ipvs.RealServer;
import io.kipvs.ipvs.RealServerKey;
import io.kipvs.ipvs.RealServerSettings;
import io.kipvs.ipvs.RealServerStatus;
import io.kipvs.ipvs.ServiceFlag;
import io.kipvs.ipvs.VirtualServerKey;
import io.kipvs.ipvs.VirtualServerSettings;
import io.kipvs.ipvs.VirtualServerStatus;
import io.kipvs.k8s.Endpoint;
import io.kipvs.k8s.ExcludedEndpoint;
import io.kipvs.k8s.ServiceExplanation;
import io.kipvs.k8s.ServicePort;
import io.kipvs.k8s.TrafficPolicy;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * {@code kipvs explain} for one service: what kipvs wants on this node (the rules {@link
 * DesiredStateBuilder} makes of the service's ports, as the sync does) beside what the kernel has,
 * and for every endpoint that is not a real server the rule that left it out. A value (serialised
 * to JSON as is); {@link #text()} is the operator's view.
 *
 * @param service namespace/name
 * @param node this node's name
 * @param zone this node's zone, or null
 * @param skipped why the service has no rules at all, or null
 * @param notes facts that qualify the comparison (informers not synced, last sync)
 * @param ports the service ports and their endpoints
 * @param virtualServers the IPVS virtual servers wanted, and the kernel's of the service's
 *     addresses
 * @param addresses the addresses wanted on kube-ipvs0
 * @param ipsetEntries the ipset members wanted, and the kernel's of the service's addresses and
 *     node ports
 * @param mismatches how many items differ between wanted and kernel
 */
public record ExplainReport(
    String service,
    String node,
    String zone,
    String skipped,
    List<String> notes,
    List<PortReport> ports,
    List<VirtualServerReport> virtualServers,
    List<ItemReport> addresses,
    List<ItemReport> ipsetEntries,
    int mismatches) {

  /** How an item of the kernel compares with what kipvs wants. */
  public enum Status {
    OK("ok", false),
    MISSING("MISMATCH: missing from the kernel", true),
    DIFFERS("MISMATCH: the kernel's differs", true),
    NOT_WANTED("MISMATCH: in the kernel, not wanted", true),
    DRAINING("draining at weight 0: deleted once its connections end", false);

    private final String text;
    private final boolean mismatch;

    Status(String text, boolean mismatch) {
      this.text = text;
      this.mismatch = mismatch;
    }

    public String text() {
      return text;
    }

    public boolean mismatch() {
      return mismatch;
    }
  }

  /**
   * @param name port name ("" when unnamed)
   * @param protocol TCP, UDP or SCTP
   * @param port the service port
   * @param nodePort the node port, or null
   * @param externalTrafficPolicy Cluster or Local
   * @param internalTrafficPolicy Cluster or Local
   * @param external whether the port has node port, external or load-balancer addresses
   * @param endpoints every endpoint of the port, real server or not
   */
  public record PortReport(
      String name,
      String protocol,
      int port,
      Integer nodePort,
      String externalTrafficPolicy,
      String internalTrafficPolicy,
      boolean external,
      List<EndpointReport> endpoints) {}

  /**
   * @param endpoint address:port (address alone when its slice has no port of the name)
   * @param node the node it lives on, or null
   * @param clusterIps its use for the cluster IPs' virtual servers
   * @param externalAddresses its use for the node port, external and load-balancer virtual servers;
   *     null when the port has none
   */
  public record EndpointReport(
      String endpoint, String node, Use clusterIps, Use externalAddresses) {}

  /**
   * @param realServer whether it is a real server there
   * @param cause the rule that left it out (an {@link io.kipvs.k8s.Exclusion}), or null
   * @param reason the cause in words, or null
   */
  public record Use(boolean realServer, String cause, String reason) {
    static final Use REAL_SERVER = new Use(true, null, null);

    String text() {
      return realServer ? "real server" : "not a real server: " + reason;
    }
  }

  /**
   * @param virtualServer protocol, address and port ("tcp 10.96.0.10:80")
   * @param wanted the settings kipvs wants, or null when not wanted
   * @param kernel the kernel's settings, or null when absent
   */
  public record VirtualServerReport(
      String virtualServer,
      String wanted,
      String kernel,
      Status status,
      List<RealServerReport> realServers) {}

  /** One real server, wanted and as the kernel has it (null when absent). */
  public record RealServerReport(String realServer, String wanted, String kernel, Status status) {}

  /** A kube-ipvs0 address or an ipset member ("KUBE-CLUSTER-IP 10.96.0.10,tcp:80"). */
  public record ItemReport(String item, Status status) {}

  /**
   * What the kernel has, as read once for the request: the IPVS table, kube-ipvs0's addresses, and
   * the members of kipvs's ipsets (ipset save's text form) by set name.
   */
  record Kernel(
      List<VirtualServerStatus> ipvs,
      Set<InetAddress> kubeIpvs0,
      Map<String, Set<String>> ipsets) {}

  /** The report of one service on this node. */
  static ExplainReport of(
      ServiceExplanation explanation,
      String node,
      NodeContext context,
      Kernel kernel,
      List<String> notes) {
    String zone = explanation.nodeZone().orElse(null);
    String name = explanation.service().toString();
    if (explanation.skipped().isPresent() || explanation.ports().isEmpty()) {
      return new ExplainReport(
          name,
          node,
          zone,
          explanation.skipped().orElse("no ports"),
          notes,
          List.of(),
          List.of(),
          List.of(),
          List.of(),
          0);
    }
    List<ServicePort> ports = new ArrayList<>();
    List<PortReport> portReports = new ArrayList<>();
    for (ServiceExplanation.PortExplanation p : explanation.ports()) {
      ports.add(p.port());
      portReports.add(port(p));
    }
    // The very rules the sync writes for this service.
    ServiceRules rules = DesiredStateBuilder.build(explanation.service(), ports, context);
    List<VirtualServerReport> servers = virtualServers(rules, ports, context, kernel);
    List<ItemReport> addresses = new ArrayList<>();
    for (InetAddress a : sortedByText(rules.boundAddresses())) {
      addresses.add(
          new ItemReport(
              Addresses.text(a), kernel.kubeIpvs0().contains(a) ? Status.OK : Status.MISSING));
    }
    List<ItemReport> entries = ipsetEntries(rules, ports, kernel);
    int mismatches = 0;
    for (VirtualServerReport v : servers) {
      mismatches += v.status().mismatch() ? 1 : 0;
      for (RealServerReport r : v.realServers()) {
        mismatches += r.status().mismatch() ? 1 : 0;
      }
    }
    for (ItemReport i : addresses) {
      mismatches += i.status().mismatch() ? 1 : 0;
    }
    for (ItemReport i : entries) {
      mismatches += i.status().mismatch() ? 1 : 0;
    }
    return new ExplainReport(
        name, node, zone, null, notes, portReports, servers, addresses, entries, mismatches);
  }

  private static PortReport port(ServiceExplanation.PortExplanation p) {
    ServicePort port = p.port();
    boolean external =
        port.nodePort().isPresent()
            || !port.externalIps().isEmpty()
            || !port.loadBalancerIps().isEmpty();
    Map<String, String> nodes = new LinkedHashMap<>();
    Map<String, Use> cluster = new HashMap<>();
    Map<String, Use> outside = new HashMap<>();
    for (Endpoint e : port.clusterEndpoints()) {
      cluster.put(key(e), Use.REAL_SERVER);
      nodes.put(key(e), e.nodeName().orElse(null));
    }
    for (Endpoint e : port.externalEndpoints()) {
      outside.put(key(e), Use.REAL_SERVER);
      nodes.put(key(e), e.nodeName().orElse(null));
    }
    for (ExcludedEndpoint e : p.notForCluster()) {
      cluster.put(key(e), left(e));
      nodes.put(key(e), e.nodeName().orElse(null));
    }
    for (ExcludedEndpoint e : p.notForExternal()) {
      outside.put(key(e), left(e));
      nodes.put(key(e), e.nodeName().orElse(null));
    }
    for (ExcludedEndpoint e : p.notCandidates()) {
      cluster.put(key(e), left(e));
      outside.put(key(e), left(e));
      nodes.put(key(e), e.nodeName().orElse(null));
    }
    List<EndpointReport> endpoints = new ArrayList<>();
    for (String k : new TreeSet<>(nodes.keySet())) {
      endpoints.add(
          new EndpointReport(k, nodes.get(k), cluster.get(k), external ? outside.get(k) : null));
    }
    return new PortReport(
        port.name().portName(),
        port.name().protocol().name(),
        port.port(),
        port.nodePort().isPresent() ? port.nodePort().getAsInt() : null,
        policy(port.externalPolicy()),
        policy(port.internalPolicy()),
        external,
        endpoints);
  }

  private static String policy(TrafficPolicy p) {
    return p == TrafficPolicy.LOCAL ? "Local" : "Cluster";
  }

  private static Use left(ExcludedEndpoint e) {
    return new Use(false, e.cause().name(), e.reason());
  }

  private static String key(Endpoint e) {
    return hostPort(e.address(), e.port());
  }

  private static String key(ExcludedEndpoint e) {
    return e.port().isPresent()
        ? hostPort(e.address(), e.port().getAsInt())
        : Addresses.text(e.address());
  }

  private static String hostPort(InetAddress a, int port) {
    String ip = Addresses.text(a);
    return (Addresses.isV6(a) ? "[" + ip + "]" : ip) + ":" + port;
  }

  /**
   * The wanted virtual servers against the kernel's, and the kernel's virtual servers on the
   * service's addresses and node ports that kipvs does not want (another service cannot want those:
   * an address and port is one service's).
   */
  private static List<VirtualServerReport> virtualServers(
      ServiceRules rules, List<ServicePort> ports, NodeContext context, Kernel kernel) {
    Map<VirtualServerKey, VirtualServerStatus> present = new HashMap<>();
    for (VirtualServerStatus s : kernel.ipvs()) {
      present.put(s.server().key(), s);
    }
    Map<String, VirtualServerReport> out = new TreeMap<>();
    for (DesiredVirtualServer d : rules.virtualServers().values()) {
      VirtualServerKey key = d.server().key();
      VirtualServerStatus have = present.get(key);
      String wanted = settings(d.server().settings());
      if (have == null) {
        List<RealServerReport> reals = new ArrayList<>();
        for (RealServer r : d.realServers().values()) {
          reals.add(
              new RealServerReport(real(r.key()), settings(r.settings()), null, Status.MISSING));
        }
        out.put(
            Addresses.describe(key),
            new VirtualServerReport(
                Addresses.describe(key), wanted, null, Status.MISSING, sortReals(reals)));
        continue;
      }
      Status status =
          IpvsPlanner.sameSettings(d.server().settings(), have.server().settings())
              ? Status.OK
              : Status.DIFFERS;
      out.put(
          Addresses.describe(key),
          new VirtualServerReport(
              Addresses.describe(key),
              wanted,
              settings(have.server().settings()),
              status,
              reals(d.realServers(), have.realServers(), key)));
    }
    Set<VirtualServerKey> related = relatedKeys(ports, context, kernel);
    for (VirtualServerKey key : related) {
      if (!rules.virtualServers().containsKey(key) && present.containsKey(key)) {
        VirtualServerStatus have = present.get(key);
        out.put(
            Addresses.describe(key),
            new VirtualServerReport(
                Addresses.describe(key),
                null,
                settings(have.server().settings()),
                Status.NOT_WANTED,
                reals(Map.of(), have.realServers(), key)));
      }
    }
    return List.copyOf(out.values());
  }

  private static List<RealServerReport> reals(
      Map<RealServerKey, RealServer> wanted, List<RealServerStatus> have, VirtualServerKey vs) {
    Map<RealServerKey, RealServerStatus> present = new HashMap<>();
    for (RealServerStatus r : have) {
      present.put(r.server().key(), r);
    }
    List<RealServerReport> out = new ArrayList<>();
    for (RealServer r : wanted.values()) {
      RealServerStatus h = present.get(r.key());
      out.add(
          new RealServerReport(
              real(r.key()),
              settings(r.settings()),
              h == null ? null : settings(h.server().settings()),
              h == null
                  ? Status.MISSING
                  : IpvsPlanner.sameSettings(r.settings(), h.server().settings())
                      ? Status.OK
                      : Status.DIFFERS));
    }
    for (RealServerStatus h : have) {
      if (wanted.containsKey(h.server().key())) {
        continue;
      }
      // A removed TCP real server stays at weight 0 until its connections end (DrainLoop).
      boolean draining =
          h.server().settings().weight() == 0
              && vs instanceof VirtualServerKey.Address a
              && IpvsPlanner.gracefulTermination(a.protocol());
      out.add(
          new RealServerReport(
              real(h.server().key()),
              null,
              settings(h.server().settings()),
              draining ? Status.DRAINING : Status.NOT_WANTED));
    }
    return sortReals(out);
  }

  private static List<RealServerReport> sortReals(List<RealServerReport> reals) {
    List<RealServerReport> sorted = new ArrayList<>(reals);
    sorted.sort(java.util.Comparator.comparing(RealServerReport::realServer));
    return List.copyOf(sorted);
  }

  /** The kernel's virtual servers on the service's addresses and ports, and its node ports. */
  private static Set<VirtualServerKey> relatedKeys(
      List<ServicePort> ports, NodeContext context, Kernel kernel) {
    Set<VirtualServerKey> out = new HashSet<>();
    for (ServicePort p : ports) {
      Set<InetAddress> addresses = new HashSet<>(p.clusterIps());
      addresses.addAll(p.externalIps());
      addresses.addAll(p.loadBalancerIps());
      for (VirtualServerStatus s : kernel.ipvs()) {
        if (s.server().key() instanceof VirtualServerKey.Address a
            && a.protocol() == DesiredStateBuilder.ipvsProtocol(p.name().protocol())
            && ((a.port() == p.port() && addresses.contains(a.address()))
                || (p.nodePort().isPresent() && a.port() == p.nodePort().getAsInt()))) {
          out.add(a);
        }
      }
    }
    return out;
  }

  /**
   * The wanted members against the kernel's sets, and the kernel's members of the service's
   * address-and-port and node-port entries that kipvs does not want.
   */
  private static List<ItemReport> ipsetEntries(
      ServiceRules rules, List<ServicePort> ports, Kernel kernel) {
    Map<String, ItemReport> out = new TreeMap<>();
    Set<String> wanted = new HashSet<>();
    for (IpsetEntry e : rules.ipsetEntries()) {
      String item = e.setName() + " " + e.member();
      wanted.add(item);
      boolean present = kernel.ipsets().getOrDefault(e.setName(), Set.of()).contains(e.member());
      out.put(item, new ItemReport(item, present ? Status.OK : Status.MISSING));
    }
    Set<String> prefixes = new HashSet<>();
    Set<String> nodePorts = new HashSet<>();
    for (ServicePort p : ports) {
      String proto = DesiredStateBuilder.ipvsProtocol(p.name().protocol()).lowerName();
      List<InetAddress> addresses = new ArrayList<>(p.clusterIps());
      addresses.addAll(p.externalIps());
      addresses.addAll(p.loadBalancerIps());
      for (InetAddress a : addresses) {
        prefixes.add(Addresses.text(a) + "," + proto + ":" + p.port());
      }
      p.nodePort().ifPresent(n -> nodePorts.add(Integer.toString(n)));
    }
    for (var set : kernel.ipsets().entrySet()) {
      boolean portSet = set.getKey().contains("NODE-PORT") && !set.getKey().endsWith("-HASH");
      for (String member : set.getValue()) {
        String item = set.getKey() + " " + member;
        if (wanted.contains(item) || set.getKey().contains("LOOP-BACK")) {
          continue;
        }
        boolean related =
            portSet
                ? nodePorts.contains(member)
                : prefixes.stream().anyMatch(p -> member.equals(p) || member.startsWith(p + ","));
        if (related) {
          out.put(item, new ItemReport(item, Status.NOT_WANTED));
        }
      }
    }
    return List.copyOf(out.values());
  }

  private static String settings(VirtualServerSettings s) {
    StringBuilder out = new StringBuilder(s.scheduler());
    if (s.flags().contains(ServiceFlag.PERSISTENT)) {
      out.append(", persistent ").append(Integer.toUnsignedString(s.timeoutSeconds())).append('s');
    }
    List<String> flags = new ArrayList<>();
    for (ServiceFlag f : new TreeSet<>(s.flags())) {
      if (f != ServiceFlag.PERSISTENT) {
        flags.add(f.name().toLowerCase(java.util.Locale.ROOT));
      }
    }
    if (!flags.isEmpty()) {
      out.append(", flags ").append(String.join(",", flags));
    }
    return out.toString();
  }

  private static String settings(RealServerSettings s) {
    return s.forwarding().name().toLowerCase(java.util.Locale.ROOT) + ", weight " + s.weight();
  }

  private static String real(RealServerKey k) {
    return hostPort(k.address(), k.port());
  }

  /** The operator's view: one block per part, every mismatch marked MISMATCH. */
  public String text() {
    StringBuilder out = new StringBuilder();
    out.append("Service ").append(service).append(" on node ").append(node);
    if (zone != null) {
      out.append(" (zone ").append(zone).append(')');
    }
    out.append('\n');
    for (String note : notes) {
      out.append("  note: ").append(note).append('\n');
    }
    if (skipped != null) {
      out.append("  SKIPPED: ").append(skipped).append('\n');
      out.append("  kipvs makes no rule for this service on any node.\n");
      return out.toString();
    }
    for (PortReport p : ports) {
      out.append("  Port ")
          .append(p.name().isEmpty() ? "(unnamed)" : "'" + p.name() + "'")
          .append(' ')
          .append(p.protocol())
          .append(' ')
          .append(p.port());
      if (p.nodePort() != null) {
        out.append(", nodePort ").append(p.nodePort());
      }
      out.append(", externalTrafficPolicy ")
          .append(p.externalTrafficPolicy())
          .append(", internalTrafficPolicy ")
          .append(p.internalTrafficPolicy())
          .append('\n');
      if (p.endpoints().isEmpty()) {
        out.append("    no endpoint\n");
      }
      for (EndpointReport e : p.endpoints()) {
        out.append("    endpoint ").append(e.endpoint());
        out.append(e.node() == null ? " (no node)" : " (node " + e.node() + ")").append(": ");
        Use c = e.clusterIps();
        Use x = e.externalAddresses();
        if (x == null || x.equals(c)) {
          out.append(c.text());
        } else {
          out.append("cluster IP: ")
              .append(c.text())
              .append("; node port/external/load-balancer IPs: ")
              .append(x.text());
        }
        out.append('\n');
      }
    }
    out.append("  IPVS virtual servers (wanted | kernel):\n");
    if (virtualServers.isEmpty()) {
      out.append("    none\n");
    }
    for (VirtualServerReport v : virtualServers) {
      out.append("    ")
          .append(v.virtualServer())
          .append("  ")
          .append(orNone(v.wanted()))
          .append(" | ")
          .append(orNone(v.kernel()))
          .append("  ")
          .append(v.status().text())
          .append('\n');
      for (RealServerReport r : v.realServers()) {
        out.append("      -> ")
            .append(r.realServer())
            .append("  ")
            .append(orNone(r.wanted()))
            .append(" | ")
            .append(orNone(r.kernel()))
            .append("  ")
            .append(r.status().text())
            .append('\n');
      }
    }
    out.append("  kube-ipvs0 addresses:\n");
    if (addresses.isEmpty()) {
      out.append("    none\n");
    }
    for (ItemReport a : addresses) {
      out.append("    ").append(a.item()).append("  ").append(a.status().text()).append('\n');
    }
    out.append("  ipset entries:\n");
    for (ItemReport i : ipsetEntries) {
      out.append("    ").append(i.item()).append("  ").append(i.status().text()).append('\n');
    }
    out.append(
        mismatches == 0
            ? "  The kernel has what kipvs wants for this service.\n"
            : "  " + mismatches + " MISMATCH(ES) between what kipvs wants and the kernel.\n");
    return out.toString();
  }

  private static List<InetAddress> sortedByText(Set<InetAddress> addresses) {
    List<InetAddress> sorted = new ArrayList<>(addresses);
    sorted.sort(java.util.Comparator.comparing(Addresses::text));
    return sorted;
  }

  private static String orNone(String s) {
    return s == null ? "-" : s;
  }
}
