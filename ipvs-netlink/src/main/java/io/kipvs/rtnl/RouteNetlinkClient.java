package io.kipvs.rtnl;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * Links and addresses over rtnetlink (NETLINK_ROUTE).
 *
 * <p>Thread safety: as {@link io.kipvs.ipvs.IpvsClient}; calls on one client are serialised on its
 * socket, and every call fails with {@link io.kipvs.ipvs.NetlinkException} rather than hang.
 */
public interface RouteNetlinkClient extends AutoCloseable {

  static RouteNetlinkClient open() {
    return NetlinkRouteClient.open();
  }

  Optional<Link> findLink(String name);

  List<Link> links();

  /** Creates a dummy link with this name and sets it up; returns it. */
  default Link createDummyLink(String name) {
    return createDummyLink(name, true);
  }

  /** Creates a dummy link with this name, up or left down; returns it. */
  Link createDummyLink(String name, boolean up);

  void setLinkUp(int linkIndex);

  void deleteLink(int linkIndex);

  /** Addresses of one link, IPv4 and IPv6. */
  List<LinkAddress> addresses(int linkIndex);

  /** Every address of every link of this node (the network namespace). */
  List<LinkAddress> allAddresses();

  void addAddress(int linkIndex, InetAddress address, int prefixLength);

  void deleteAddress(int linkIndex, InetAddress address, int prefixLength);

  /**
   * Applies these address changes in order, many per system call, each acknowledged on its own. A
   * failed change does not stop the others; the result says, per change and in the order given,
   * whether it succeeded.
   */
  List<AddressResult> apply(List<AddressOperation> operations);

  @Override
  void close();
}
