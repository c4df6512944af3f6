package io.kipvs.daemon.proxy;

import java.net.InetAddress;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What the desired state depends on beyond the cluster: this node's addresses.
 *
 * @param nodePortAddresses the addresses NodePort virtual servers are made on
 * @param otherInterfaceAddresses every address on an interface other than kube-ipvs0; a service IP
 *     already there is not bound to kube-ipvs0
 * @param defaultScheduler the scheduler of services without an annotation
 * @param nodeIp the node IP given by --bind-address, if any
 */
record NodeContext(
    List<InetAddress> nodePortAddresses,
    Set<InetAddress> otherInterfaceAddresses,
    String defaultScheduler,
    Optional<InetAddress> nodeIp) {
  NodeContext {
    nodePortAddresses = List.copyOf(nodePortAddresses);
    otherInterfaceAddresses = Set.copyOf(otherInterfaceAddresses);
    Objects.requireNonNull(nodeIp, "nodeIp");
  }

  NodeContext(
      List<InetAddress> nodePortAddresses,
      Set<InetAddress> otherInterfaceAddresses,
      String defaultScheduler) {
    this(nodePortAddresses, otherInterfaceAddresses, defaultScheduler, Optional.empty());
  }

  /**
   * The addresses that stand for this node in loadBalancerSourceRanges: kube-proxy's node IP when
   * --bind-address names one (as upstream), else every address of the node.
   */
  Set<InetAddress> sourceRangeAddresses() {
    return nodeIp.map(Set::of).orElse(otherInterfaceAddresses);
  }
}
