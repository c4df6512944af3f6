package io.kipvs.ipset;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * ipset over nfnetlink (NETLINK_NETFILTER, subsystem NFNL_SUBSYS_IPSET): creates sets, adds and
 * deletes members in batches, and reads sets' sizes and members, without the {@code ipset} binary.
 * Covers the set types kube-proxy's IPVS mode uses: hash:ip, hash:ip,port, hash:ip,port,ip,
 * hash:ip,port,net and bitmap:port.
 *
 * <p>Thread safety: as {@link io.kipvs.ipvs.IpvsClient}; calls on one client are serialised on its
 * socket, and every call fails with {@link io.kipvs.ipvs.NetlinkException} rather than hang.
 */
public interface IpsetClient extends AutoCloseable {

  static IpsetClient open() {
    return NetlinkIpsetClient.open();
  }

  /**
   * Applies these operations in order with {@code ipset -exist} semantics, many per system call:
   * each create is a message, and consecutive adds (or deletes) of one set share messages of many
   * members each, as {@code ipset restore} sends them. A refused operation does not stop the
   * others.
   *
   * @return the refused operations, in order, each with the kernel's error naming the set and the
   *     member; empty when everything applied
   */
  List<IpsetFailure> apply(List<IpsetOperation> operations);

  /** Every set of this network namespace, without members, as {@code ipset list -terse}. */
  List<SetHeader> headers();

  /**
   * The members of the named sets, as {@code ipset save} lists them; a set that does not exist is
   * left out of the map.
   */
  Map<String, List<IpsetMember>> members(Collection<String> setNames);

  /** How many send and receive system calls this client made, if it counts them. */
  OptionalLong systemCalls();

  @Override
  void close();
}
