package io.kipvs.rtnl;

import static io.kipvs.rtnl.RtnlWire.*;

import io.kipvs.ipvs.AddressText;
import io.kipvs.ipvs.NetlinkException;
import io.kipvs.netlink.Netlink;
import io.kipvs.netlink.NetlinkConnection;
import io.kipvs.netlink.NetlinkOptions;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/** {@link RouteNetlinkClient} over one NETLINK_ROUTE socket; calls serialised on it. */
final class NetlinkRouteClient implements RouteNetlinkClient {
  private static final int ENODEV = 19;

  private final NetlinkConnection connection;

  private NetlinkRouteClient(NetlinkConnection connection) {
    this.connection = connection;
  }

  static RouteNetlinkClient open() {
    return new NetlinkRouteClient(
        NetlinkConnection.open(Netlink.NETLINK_ROUTE, NetlinkOptions.small()));
  }

  @Override
  public Optional<Link> findLink(String name) {
    try {
      return connection
          .request(
              (w, f, s) -> RtnlCodec.getLinkByName(w, f, s, name),
              () -> "RTM_GETLINK " + name,
              RtnlCodec::decodeLink)
          .stream()
          .findFirst();
    } catch (NetlinkException e) {
      if (e.errno() == ENODEV) {
        return Optional.empty();
      }
      throw e;
    }
  }

  @Override
  public List<Link> links() {
    return connection.dump(RtnlCodec::dumpLinks, () -> "RTM_GETLINK dump", RtnlCodec::decodeLink);
  }

  @Override
  public Link createDummyLink(String name) {
    connection.request(
        (w, f, s) -> RtnlCodec.newDummy(w, f, s, name),
        () -> "RTM_NEWLINK dummy " + name,
        m -> null);
    return findLink(name)
        .orElseThrow(
            () ->
                new NetlinkException(
                    ENODEV,
                    Optional.empty(),
                    "RTM_GETLINK " + name,
                    "link " + name + " vanished right after it was created"));
  }

  @Override
  public void setLinkUp(int linkIndex) {
    connection.request(
        (w, f, s) -> RtnlCodec.setUp(w, f, s, linkIndex),
        () -> "RTM_NEWLINK up index " + linkIndex,
        m -> null);
  }

  @Override
  public void deleteLink(int linkIndex) {
    connection.request(
        (w, f, s) -> RtnlCodec.deleteLink(w, f, s, linkIndex),
        () -> "RTM_DELLINK index " + linkIndex,
        m -> null);
  }

  @Override
  public List<LinkAddress> addresses(int linkIndex) {
    return allAddresses().stream().filter(a -> a.linkIndex() == linkIndex).toList();
  }

  @Override
  public List<LinkAddress> allAddresses() {
    return connection.dump(
        RtnlCodec::dumpAddresses, () -> "RTM_GETADDR dump", RtnlCodec::decodeAddress);
  }

  /** Adds the address, or replaces it if the link has it already (idempotent). */
  @Override
  public void addAddress(int linkIndex, InetAddress address, int prefixLength) {
    connection.request(
        (w, f, s) -> RtnlCodec.address(w, f, s, RTM_NEWADDR, linkIndex, address, prefixLength),
        () -> "RTM_NEWADDR " + AddressText.of(address) + "/" + prefixLength + " index " + linkIndex,
        m -> null);
  }

  @Override
  public void deleteAddress(int linkIndex, InetAddress address, int prefixLength) {
    connection.request(
        (w, f, s) -> RtnlCodec.address(w, f, s, RTM_DELADDR, linkIndex, address, prefixLength),
        () -> "RTM_DELADDR " + AddressText.of(address) + "/" + prefixLength + " index " + linkIndex,
        m -> null);
  }

  @Override
  public void close() {
    connection.close();
  }
}
