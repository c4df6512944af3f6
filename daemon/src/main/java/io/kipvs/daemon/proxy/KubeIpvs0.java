package io.kipvs.daemon.proxy;

import io.kipvs.k8s.Cidr;
import io.kipvs.rtnl.AddressOperation;
import io.kipvs.rtnl.AddressResult;
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

  /**
   * Creates the link when missing, left down as upstream leaves it; never re-creates an existing
   * one nor changes its state. Addresses on a down dummy link are local all the same (the kernel
   * adds their local routes whatever the link's state), and a down link gets no IPv6 link-local
   * address.
   */
  void ensure() {
    Link link =
        rtnl.findLink(NAME)
            .orElseGet(
                () -> {
                  LOG.info("Creating dummy interface {}", NAME);
                  return rtnl.createDummyLink(NAME, false);
                });
    index = link.index();
  }

  /**
   * Finds the link without creating or changing it (for reading only); without it, no address is
   * read as kube-ipvs0's.
   */
  boolean find() {
    index = rtnl.findLink(NAME).map(Link::index).orElse(-1);
    return index >= 0;
  }

  /** Binds these addresses in one batch (many per system call); one result each, in order. */
  List<AddressResult> bind(List<InetAddress> addresses) {
    List<AddressOperation> ops = new ArrayList<>(addresses.size());
    for (InetAddress a : addresses) {
      ops.add(new AddressOperation.Add(index, a, Addresses.hostPrefix(a)));
    }
    return rtnl.apply(ops);
  }

  /** Unbinds these addresses in one batch; one result each, in order. */
  List<AddressResult> unbind(List<InetAddress> addresses) {
    List<AddressOperation> ops = new ArrayList<>(addresses.size());
    for (InetAddress a : addresses) {
      ops.add(new AddressOperation.Delete(index, a, Addresses.hostPrefix(a)));
    }
    return rtnl.apply(ops);
  }

  /**
   * The node's addresses, read with one dump: what the desired state depends on, and kube-ipvs0's.
   */
  record NodeAddresses(NodeContext context, Set<InetAddress> kubeIpvs0) {}

  /** Reads the node's addresses: kube-ipvs0's, and the others with the NodePort ones selected. */
  NodeAddresses read(List<Cidr> nodePortCidrs, String scheduler, Optional<InetAddress> nodeIp) {
    List<LinkAddress> all = rtnl.allAddresses();
    Set<InetAddress> own = new HashSet<>();
    for (LinkAddress a : all) {
      if (a.linkIndex() == index) {
        own.add(a.address());
      }
    }
    NodeContext selected = select(all, index, nodePortCidrs, scheduler);
    return new NodeAddresses(
        new NodeContext(
            selected.nodePortAddresses(),
            selected.otherInterfaceAddresses(),
            selected.defaultScheduler(),
            nodeIp),
        own);
  }

  /**
   * Without --nodeport-addresses, every address except kube-ipvs0's, loopback addresses (127/8,
   * ::1) and IPv6 link-local ones; with it, the addresses inside one of its ranges, except
   * kube-ipvs0's and loopback addresses. As upstream (its netlink handle's address filter), an
   * address is chosen by what it is, not by its interface: an address such as a pod gateway or an
   * anycast address on {@code lo} gets the NodePorts, and a node moving from kube-proxy keeps the
   * virtual servers kube-proxy made there (and the connections through them).
   */
  static NodeContext select(
      List<LinkAddress> all, int kubeIpvs0Index, List<Cidr> nodePortCidrs, String scheduler) {
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
            !ip.isLoopbackAddress() && !(ip instanceof Inet6Address && ip.isLinkLocalAddress());
      } else {
        selected = !ip.isLoopbackAddress() && Addresses.inAny(nodePortCidrs, ip);
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
