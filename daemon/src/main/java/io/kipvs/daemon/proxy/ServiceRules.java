package io.kipvs.daemon.proxy;

import io.kipvs.ipvs.VirtualServerKey;
import io.kipvs.k8s.ServiceName;
import java.net.InetAddress;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Everything one service asks of this node: its virtual servers, the addresses to bind on
 * kube-ipvs0, its ipset members, its health-check node port and load-balancer addresses the node
 * itself must not reach (source ranges that exclude the node), and how many of its ports have a
 * Local traffic policy without a local endpoint (for the no_local_endpoints metric).
 */
record ServiceRules(
    ServiceName service,
    Map<VirtualServerKey, DesiredVirtualServer> virtualServers,
    Set<InetAddress> boundAddresses,
    Set<IpsetEntry> ipsetEntries,
    Optional<HealthCheck> healthCheck,
    Set<NoNodeAccess> noNodeAccess,
    int noLocalInternal,
    int noLocalExternal) {
  ServiceRules {
    virtualServers = Map.copyOf(virtualServers);
    boundAddresses = Set.copyOf(boundAddresses);
    ipsetEntries = Set.copyOf(ipsetEntries);
    noNodeAccess = Set.copyOf(noNodeAccess);
  }

  /** A health-check node port and the number of endpoints of the service on this node. */
  record HealthCheck(int port, int localEndpoints) {}

  /** A load-balancer address and port the node must not reach (upstream's KUBE-IPVS-OUT-FILTER). */
  record NoNodeAccess(InetAddress address, String protocol, int port) {}
}
