package io.kipvs.daemon.proxy;

import io.kipvs.k8s.Cidr;
import io.kipvs.rtnl.Link;
import io.kipvs.rtnl.LinkAddress;
import io.kipvs.rtnl.RouteNetlinkClient;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dummy interface service addresses are bound to, so that the node accepts their packets and
 * IPVS sees them; and the node's own addresses, read beside it.
 */
final class KubeIpvs0 {
  static final String NAME = "kube-ipvs0";
  private static final Logger LOG = LoggerFactory.getLogger(KubeIpvs0.class);
  private final RouteNetlinkClient rtnl;
  private int index = -1;

  KubeIpvs0(RouteNetlinkClient rtnl) {
    this.rtnl = rtnl;
  }

  /** Creates the link when missing and sets it up; never re-creates an existing one. */
  void ensure() {
    Link link =
        rtnl.findLink(NAME)
            .orElseGet(
                () -> {
                  LOG.info("Creating dummy interface {}", NAME);
                  return rtnl.createDummyLink(NAME);
                });
    if (!link.up()) {
      rtnl.setLinkUp(link.index());
    }
    index = link.index();
  }

  Set<InetAddress> addresses() {
    Set<InetAddress> out = new HashSet<>();
    for (LinkAddress a : rtnl.addresses(index)) {
      out.add(a.address());
    }
    return out;
  }

  void add(InetAddress address) {
    rtnl.addAddress(index, address, Addresses.hostPrefix(address));
  }

  void remove(InetAddress address) {
    rtnl.deleteAddress(index, address, Addresses.hostPrefix(address));
  }

  /** Reads the node's addresses and selects the NodePort ones. */
  NodeContext nodeContext(
      List<Cidr> nodePortCidrs, String scheduler, Optional<InetAddress> nodeIp) {
    Set<Integer> loopbacks = new HashSet<>();
    for (Link l : rtnl.links()) {
      if (l.name().equals("lo")) {
        loopbacks.add(l.index());
      }
    }
    List<LinkAddress> all = rtnl.allAddresses();
    NodeContext selected = select(all, index, loopbacks, nodePortCidrs, scheduler);
    return new NodeContext(
        selected.nodePortAddresses(),
        selected.otherInterfaceAddresses(),
        selected.defaultScheduler(),
        nodeIp);
  }

  /**
   * Without --nodeport-addresses, every address except kube-ipvs0's, the loopback interface's and
   * IPv6 link-local ones; with it, the addresses (kube-ipvs0's excepted) inside one of its ranges.
   */
  static NodeContext select(
      List<LinkAddress> all,
      int kubeIpvs0Index,
      Set<Integer> loopbackIndexes,
      List<Cidr> nodePortCidrs,
      String scheduler) {
    Set<InetAddress> other = new HashSet<>();
    List<InetAddress> nodePort = new ArrayList<>();
    for (LinkAddress a : all) {
      if (a.linkIndex() == kubeIpvs0Index) {
        continue;
      }
      InetAddress ip = a.address();
      other.add(ip);
      boolean selected;
      if (nodePortCidrs.isEmpty()) {
        selected =
            !loopbackIndexes.contains(a.linkIndex())
                && !ip.isLoopbackAddress()
                && !(ip instanceof Inet6Address && ip.isLinkLocalAddress());
      } else {
        selected = Addresses.inAny(nodePortCidrs, ip);
      }
      if (selected && !nodePort.contains(ip)) {
        nodePort.add(ip);
      }
    }
    return new NodeContext(nodePort, other, scheduler);
  }

  /** Deletes the link (for --cleanup); a missing link is fine. */
  static boolean delete(RouteNetlinkClient rtnl) {
    return rtnl.findLink(NAME)
        .map(
            l -> {
              rtnl.deleteLink(l.index());
              return true;
            })
        .orElse(false);
  }
}
