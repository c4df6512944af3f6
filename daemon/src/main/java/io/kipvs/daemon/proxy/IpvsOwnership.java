package io.kipvs.daemon.proxy;

import io.kipvs.ipvs.VirtualServerKey;
import io.kipvs.k8s.Cidr;
import java.util.List;
import java.util.function.Predicate;

/**
 * Which virtual servers kipvs may change or delete: as upstream, every address virtual server
 * outside --ipvs-exclude-cidrs. Firewall-mark virtual servers are never kube-proxy's.
 */
final class IpvsOwnership {
  private IpvsOwnership() {}

  static Predicate<VirtualServerKey> outside(List<Cidr> excluded) {
    return key ->
        key instanceof VirtualServerKey.Address a && !Addresses.inAny(excluded, a.address());
  }
}
