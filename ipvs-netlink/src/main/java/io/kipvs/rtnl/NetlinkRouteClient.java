package io.kipvs.rtnl;

import static io.kipvs.rtnl.RtnlWire.*;

import io.kipvs.ipvs.AddressText;
import io.kipvs.ipvs.NetlinkException;
import io.kipvs.netlink.MessageWriter;
import io.kipvs.netlink.Netlink;
import io.kipvs.netlink.NetlinkConnection;
import io.kipvs.netlink.NetlinkOptions;
import java.net.InetAddress;
import java.util.ArrayList;
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
  public Link createDummyLink(String name, boolean up) {
    connection.request(
        (w, f, s) -> RtnlCodec.newDummy(w, f, s, name, up),
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
    applyOne(new AddressOperation.Add(linkIndex, address, prefixLength));
  }

  @Override
  public void deleteAddress(int linkIndex, InetAddress address, int prefixLength) {
    applyOne(new AddressOperation.Delete(linkIndex, address, prefixLength));
  }

  @Override
  public List<AddressResult> apply(List<AddressOperation> operations) {
    List<AddressOperation> ops = List.copyOf(operations);
    NetlinkException[] errors =
        connection.batch(
            ops.size(),
            new NetlinkConnection.BatchEncoder() {
              @Override
              public void encode(int index, MessageWriter w, int flags, int seq) {
                RtnlCodec.address(w, flags, seq, ops.get(index));
              }

              @Override
              public String describe(int index) {
                return describeOperation(ops.get(index));
              }
            });
    List<AddressResult> results = new ArrayList<>(ops.size());
    for (int i = 0; i < ops.size(); i++) {
      results.add(new AddressResult(ops.get(i), Optional.ofNullable(errors[i])));
    }
    return results;
  }

  private void applyOne(AddressOperation operation) {
    Optional<NetlinkException> error = apply(List.of(operation)).get(0).error();
    if (error.isPresent()) {
      throw error.get();
    }
  }

  static String describeOperation(AddressOperation op) {
    String type = op instanceof AddressOperation.Add ? "RTM_NEWADDR " : "RTM_DELADDR ";
    return type
        + AddressText.of(op.address())
        + "/"
        + op.prefixLength()
        + " index "
        + op.linkIndex();
  }

  @Override
  public void close() {
    connection.close();
  }
}
