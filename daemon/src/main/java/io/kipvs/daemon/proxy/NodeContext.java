package io.kipvs.daemon.proxy;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;

/**
 * What the desired state depends on beyond the cluster: this node's addresses.
 *
 * @param nodePortAddresses the addresses NodePort virtual servers are made on
 * @param otherInterfaceAddresses every address on an interface other than kube-ipvs0; a service IP
 *     already there is not bound to kube-ipvs0
 * @param defaultScheduler the scheduler of services without an annotation
 */
record NodeContext(
    List<InetAddress> nodePortAddresses,
    Set<InetAddress> otherInterfaceAddresses,
    String defaultScheduler) {
  NodeContext {
    nodePortAddresses = List.copyOf(nodePortAddresses);
    otherInterfaceAddresses = Set.copyOf(otherInterfaceAddresses);
  }
}
