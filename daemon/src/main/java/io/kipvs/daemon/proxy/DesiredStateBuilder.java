package io.kipvs.daemon.proxy;

import io.kipvs.ipvs.AddressFamily;
import io.kipvs.ipvs.Protocol;
import io.kipvs.ipvs.RealServer;
import io.kipvs.ipvs.RealServerKey;
import io.kipvs.ipvs.RealServerSettings;
import io.kipvs.ipvs.ServiceFlag;
import io.kipvs.ipvs.VirtualServer;
import io.kipvs.ipvs.VirtualServerKey;
import io.kipvs.ipvs.VirtualServerSettings;
import io.kipvs.k8s.Cidr;
import io.kipvs.k8s.Endpoint;
import io.kipvs.k8s.L4Protocol;
import io.kipvs.k8s.ServiceName;
import io.kipvs.k8s.ServicePort;
import io.kipvs.k8s.TrafficPolicy;
import java.net.InetAddress;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The rules one service asks of this node, as upstream's IPVS proxier makes them: a virtual server
 * per cluster IP, external IP, load-balancer IP and node address (for a NodePort), masquerading
 * real servers of weight 1, ClientIP affinity as persistence. A pure function of its inputs.
 */
final class DesiredStateBuilder {
  /**
   * The flags of an mh virtual server, as upstream sets them: mh-port (SCHED2), so that the hash
   * takes the source port too and one client's connections spread (kubernetes#115527); mh-fallback
   * (SCHED1), so that a real server drained to weight 0, which the kernel keeps in mh's lookup
   * table, hands its new connections to another instead of failing them (kubernetes PR #138688).
   */
  static final Set<ServiceFlag> MH_FLAGS = Set.of(ServiceFlag.SCHED1, ServiceFlag.SCHED2);

  private DesiredStateBuilder() {}

  static ServiceRules build(ServiceName service, List<ServicePort> ports, NodeContext node) {
    return build(service, ports, node, new SchedulerChoice(scheduler -> true));
  }

  /** With each annotated scheduler checked against what the kernel has. */
  static ServiceRules build(
      ServiceName service, List<ServicePort> ports, NodeContext node, SchedulerChoice schedulers) {
    Map<VirtualServerKey, DesiredVirtualServer> servers = new LinkedHashMap<>();
    Set<InetAddress> bound = new HashSet<>();
    Set<IpsetEntry> entries = new HashSet<>();
    Set<ServiceRules.NoNodeAccess> noNodeAccess = new HashSet<>();
    Optional<ServiceRules.HealthCheck> healthCheck = Optional.empty();
    int noLocalInternal = 0;
    int noLocalExternal = 0;
    for (ServicePort port : ports) {
      String scheduler = schedulers.schedulerOf(service, port.scheduler(), node.defaultScheduler());
      new PortRules(port, node, scheduler, servers, bound, entries, noNodeAccess).add();
      if (port.healthCheckNodePort().isPresent()) {
        int local = (int) port.externalEndpoints().stream().filter(Endpoint::local).count();
        int hcPort = port.healthCheckNodePort().getAsInt();
        int best = healthCheck.map(h -> Math.max(h.localEndpoints(), local)).orElse(local);
        healthCheck = Optional.of(new ServiceRules.HealthCheck(hcPort, best));
      }
      if (port.internalPolicy() == TrafficPolicy.LOCAL
          && port.clusterEndpoints().isEmpty()
          && port.hasAnyEndpoints()) {
        noLocalInternal++;
      }
      // Without a local endpoint the external addresses take the cluster's endpoints (as upstream).
      if (port.externalPolicy() == TrafficPolicy.LOCAL
          && hasExternalAccess(port)
          && port.externalEndpoints().stream().noneMatch(Endpoint::local)
          && port.hasAnyEndpoints()) {
        noLocalExternal++;
      }
    }
    return new ServiceRules(
        service,
        servers,
        bound,
        entries,
        healthCheck,
        noNodeAccess,
        noLocalInternal,
        noLocalExternal);
  }

  /** By a switch rather than by name: it runs for every port of every sync. */
  static Protocol ipvsProtocol(L4Protocol protocol) {
    return switch (protocol) {
      case TCP -> Protocol.TCP;
      case UDP -> Protocol.UDP;
      case SCTP -> Protocol.SCTP;
    };
  }

  private static boolean hasExternalAccess(ServicePort port) {
    return port.nodePort().isPresent()
        || !port.externalIps().isEmpty()
        || !port.loadBalancerIps().isEmpty();
  }

  /** The rules of one service port; accumulates into the service's collections. */
  private static final class PortRules {
    private final ServicePort port;
    private final NodeContext node;
    private final String scheduler;
    private final Map<VirtualServerKey, DesiredVirtualServer> servers;
    private final Set<InetAddress> bound;
    private final Set<IpsetEntry> entries;
    private final Set<ServiceRules.NoNodeAccess> noNodeAccess;
    private final Protocol protocol;
    private final String proto;
    private final boolean externalLocal;

    PortRules(
        ServicePort port,
        NodeContext node,
        String scheduler,
        Map<VirtualServerKey, DesiredVirtualServer> servers,
        Set<InetAddress> bound,
        Set<IpsetEntry> entries,
        Set<ServiceRules.NoNodeAccess> noNodeAccess) {
      this.port = port;
      this.node = node;
      this.scheduler = scheduler;
      this.servers = servers;
      this.bound = bound;
      this.entries = entries;
      this.noNodeAccess = noNodeAccess;
      this.protocol = ipvsProtocol(port.name().protocol());
      this.proto = protocol.lowerName();
      this.externalLocal = port.externalPolicy() == TrafficPolicy.LOCAL;
    }

    void add() {
      Set<Boolean> families = new HashSet<>();
      for (InetAddress ip : port.clusterIps()) {
        families.add(Addresses.isV6(ip));
        virtualServer(ip, port.port(), port.clusterEndpoints());
        bind(ip);
        entry(KubeIpset.CLUSTER_IP, ip, ipPort(ip, port.port()));
      }
      for (Endpoint e : port.clusterEndpoints()) {
        loopBack(e);
      }
      for (Endpoint e : port.externalEndpoints()) {
        loopBack(e);
      }
      for (InetAddress ip : port.externalIps()) {
        virtualServer(ip, port.port(), port.externalEndpoints());
        bind(ip);
        entry(
            externalLocal ? KubeIpset.EXTERNAL_IP_LOCAL : KubeIpset.EXTERNAL_IP,
            ip,
            ipPort(ip, port.port()));
      }
      for (InetAddress ip : port.loadBalancerIps()) {
        loadBalancer(ip);
      }
      if (port.nodePort().isPresent()) {
        nodePort(port.nodePort().getAsInt(), families);
      }
      if (port.healthCheckNodePort().isPresent()) {
        for (boolean v6 : families) {
          entries.add(
              new IpsetEntry(
                  KubeIpset.HEALTH_CHECK_NODE_PORT,
                  v6,
                  Integer.toString(port.healthCheckNodePort().getAsInt())));
        }
      }
    }

    private void loadBalancer(InetAddress ip) {
      virtualServer(ip, port.port(), port.externalEndpoints());
      bind(ip);
      String member = ipPort(ip, port.port());
      entry(KubeIpset.LOAD_BALANCER, ip, member);
      if (externalLocal) {
        entry(KubeIpset.LOAD_BALANCER_LOCAL, ip, member);
      }
      List<Cidr> ranges =
          port.loadBalancerSourceRanges().stream()
              .filter(c -> Addresses.isV6(c.address()) == Addresses.isV6(ip))
              .toList();
      if (port.loadBalancerSourceRanges().isEmpty()) {
        return;
      }
      entry(KubeIpset.LOAD_BALANCER_FW, ip, member);
      boolean allowFromNode = false;
      for (Cidr range : ranges) {
        entry(
            KubeIpset.LOAD_BALANCER_SOURCE_CIDR,
            ip,
            member + "," + IpsetMembers.net(range.address(), range.prefixLength()));
        for (InetAddress own : node.sourceRangeAddresses()) {
          allowFromNode |= Addresses.contains(range, own);
        }
      }
      if (allowFromNode) {
        // The node reaches the load balancer address locally (it is on kube-ipvs0), with itself
        // as source: let that through when a range covers the node.
        entry(KubeIpset.LOAD_BALANCER_SOURCE_IP, ip, member + "," + Addresses.text(ip));
      } else {
        noNodeAccess.add(new ServiceRules.NoNodeAccess(ip, proto, port.port()));
      }
    }

    private void nodePort(int nodePort, Set<Boolean> families) {
      for (InetAddress address : node.nodePortAddresses()) {
        if (!families.contains(Addresses.isV6(address))) {
          continue;
        }
        virtualServer(address, nodePort, port.externalEndpoints());
        if (protocol == Protocol.SCTP) {
          String member = ipPort(address, nodePort);
          entry(KubeIpset.NODE_PORT_SCTP, address, member);
          if (externalLocal) {
            entry(KubeIpset.NODE_PORT_LOCAL_SCTP, address, member);
          }
        }
      }
      if (protocol == Protocol.SCTP) {
        return;
      }
      KubeIpset all = protocol == Protocol.TCP ? KubeIpset.NODE_PORT_TCP : KubeIpset.NODE_PORT_UDP;
      KubeIpset local =
          protocol == Protocol.TCP ? KubeIpset.NODE_PORT_LOCAL_TCP : KubeIpset.NODE_PORT_LOCAL_UDP;
      for (boolean v6 : families) {
        entries.add(new IpsetEntry(all, v6, Integer.toString(nodePort)));
        if (externalLocal) {
          entries.add(new IpsetEntry(local, v6, Integer.toString(nodePort)));
        }
      }
    }

    private void loopBack(Endpoint e) {
      if (e.local()) {
        String ip = Addresses.text(e.address());
        entry(KubeIpset.LOOP_BACK, e.address(), ip + "," + proto + ":" + e.port() + "," + ip);
      }
    }

    private void virtualServer(InetAddress address, int vport, List<Endpoint> endpoints) {
      AddressFamily family = AddressFamily.of(address);
      VirtualServerKey key = new VirtualServerKey.Address(protocol, address, vport);
      VirtualServerSettings settings = VirtualServerSettings.of(scheduler, family);
      if (scheduler.equals("mh")) {
        settings = settings.withFlags(MH_FLAGS);
      }
      if (port.affinityTimeoutSeconds().isPresent()) {
        settings = settings.withPersistence(port.affinityTimeoutSeconds().getAsInt());
      }
      Map<RealServerKey, RealServer> reals = new LinkedHashMap<>();
      for (Endpoint e : endpoints) {
        if (AddressFamily.of(e.address()) == family) {
          RealServerKey rk = new RealServerKey(e.address(), e.port());
          reals.put(rk, new RealServer(rk, RealServerSettings.masquerade(1)));
        }
      }
      servers.putIfAbsent(
          key, new DesiredVirtualServer(new VirtualServer(key, settings), reals, port.name()));
    }

    private void bind(InetAddress ip) {
      if (!node.otherInterfaceAddresses().contains(ip)) {
        bound.add(ip);
        entries.add(new IpsetEntry(KubeIpset.IPVS_IPS, Addresses.isV6(ip), Addresses.text(ip)));
      }
    }

    private void entry(KubeIpset set, InetAddress family, String member) {
      entries.add(new IpsetEntry(set, Addresses.isV6(family), member));
    }

    private String ipPort(InetAddress ip, int p) {
      return Addresses.text(ip) + "," + proto + ":" + p;
    }
  }
}
