package io.kipvs.daemon.proxy;

import io.kipvs.k8s.Cidr;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything the proxier needs from the configuration, already validated.
 *
 * @param nodeName this node's name (hostname, or --hostname-override)
 * @param scheduler default IPVS scheduler (--ipvs-scheduler)
 * @param syncPeriod full resync interval (--ipvs-sync-period)
 * @param minSyncPeriod minimum interval between two syncs (--ipvs-min-sync-period)
 * @param strictArp whether to set arp_ignore=1 and arp_announce=2 (--ipvs-strict-arp)
 * @param excludeCidrs virtual servers in these ranges are never touched (--ipvs-exclude-cidrs)
 * @param tcpTimeout IPVS TCP timeout, zero leaves the kernel's (--ipvs-tcp-timeout)
 * @param tcpFinTimeout IPVS TCP FIN timeout, zero leaves the kernel's (--ipvs-tcpfin-timeout)
 * @param udpTimeout IPVS UDP timeout, zero leaves the kernel's (--ipvs-udp-timeout)
 * @param masqueradeAll SNAT all service traffic (--masquerade-all)
 * @param clusterCidrs pod ranges; traffic from outside them is masqueraded (--cluster-cidr)
 * @param nodePortAddresses ranges that select node addresses for NodePorts; empty for all
 *     (--nodeport-addresses)
 * @param iptablesBackend "auto", "legacy" or "nft": which iptables to run
 * @param maxDrain longest a removed TCP real server is kept at weight 0 while it has connections
 * @param nodeIp kube-proxy's node IP when --bind-address names one: the only address of this node
 *     that decides whether a loadBalancerSourceRanges entry covers the node; empty: every address
 *     of the node does
 */
public record ProxierSettings(
    String nodeName,
    String scheduler,
    Duration syncPeriod,
    Duration minSyncPeriod,
    boolean strictArp,
    List<Cidr> excludeCidrs,
    Duration tcpTimeout,
    Duration tcpFinTimeout,
    Duration udpTimeout,
    boolean masqueradeAll,
    List<Cidr> clusterCidrs,
    List<Cidr> nodePortAddresses,
    String iptablesBackend,
    Duration maxDrain,
    Optional<InetAddress> nodeIp) {

  public ProxierSettings {
    Objects.requireNonNull(nodeName, "nodeName");
    Objects.requireNonNull(scheduler, "scheduler");
    Objects.requireNonNull(syncPeriod, "syncPeriod");
    Objects.requireNonNull(minSyncPeriod, "minSyncPeriod");
    excludeCidrs = List.copyOf(excludeCidrs);
    Objects.requireNonNull(tcpTimeout, "tcpTimeout");
    Objects.requireNonNull(tcpFinTimeout, "tcpFinTimeout");
    Objects.requireNonNull(udpTimeout, "udpTimeout");
    clusterCidrs = List.copyOf(clusterCidrs);
    nodePortAddresses = List.copyOf(nodePortAddresses);
    Objects.requireNonNull(iptablesBackend, "iptablesBackend");
    Objects.requireNonNull(maxDrain, "maxDrain");
    Objects.requireNonNull(nodeIp, "nodeIp");
  }
}
