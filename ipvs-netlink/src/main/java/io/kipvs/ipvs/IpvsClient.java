package io.kipvs.ipvs;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The kernel's IPVS table over generic netlink.
 *
 * <p>Thread safety: every method may be called from any thread. Calls on one client are serialised
 * on its own socket; a client that must not wait behind another (a drain loop beside the sync loop)
 * opens its own client, and the two never share a socket.
 *
 * <p>Every call fails with {@link NetlinkException} (or a subclass) on a kernel error or a socket
 * timeout; no call blocks forever.
 */
public interface IpvsClient extends AutoCloseable {

  /**
   * Opens a netlink socket and resolves the IPVS family.
   *
   * @throws IpvsUnavailableException when the kernel has no IPVS (ip_vs not loaded)
   * @throws NetlinkException with errno EPERM when the process lacks CAP_NET_ADMIN
   */
  static IpvsClient open() {
    return GenericNetlinkIpvsClient.open();
  }

  IpvsInfo info();

  /** Deletes every virtual server. Never used by the daemon's sync; for tools and tests. */
  void flush();

  /** Zeroes the counters of every virtual server. */
  void zero();

  IpvsTimeouts timeouts();

  void setTimeouts(IpvsTimeouts timeouts);

  void addVirtualServer(VirtualServer server);

  void updateVirtualServer(VirtualServer server);

  void deleteVirtualServer(VirtualServerKey key);

  /** One virtual server with its counters; its real servers are not read (empty list). */
  Optional<VirtualServerStatus> virtualServer(VirtualServerKey key);

  /** Every virtual server with its counters; real servers are not read (empty lists). */
  List<VirtualServerStatus> virtualServers();

  /**
   * Every virtual server, its key and settings only: the same dump as {@link #virtualServers()},
   * without decoding the counters, for a caller that compares the table with what it wrote.
   */
  List<VirtualServer> virtualServerTable();

  void addRealServer(VirtualServerKey virtualServer, RealServer server);

  void updateRealServer(VirtualServerKey virtualServer, RealServer server);

  void deleteRealServer(VirtualServerKey virtualServer, RealServerKey server);

  List<RealServerStatus> realServers(VirtualServerKey virtualServer);

  /**
   * The real servers of a virtual server as a resync compares them with what was written: address,
   * port, forwarding method, weight, thresholds and connection counts, with the fewest system calls
   * the kernel allows. For an IPv4 virtual server that is one {@code
   * getsockopt(IP_VS_SO_GET_DESTS)} instead of a netlink dump's send and receive; that interface
   * leaves out real servers of the other family (possible with tunnel forwarding only), tunnel
   * settings (given as {@link TunnelSettings#IPIP}) and counters (given as {@link Stats#ZERO}). Use
   * {@link #realServers} for all of it. Where the getsockopt interface is unavailable, the same as
   * {@link #realServers}.
   */
  default List<RealServerStatus> realServersBrief(VirtualServerKey virtualServer) {
    return realServers(virtualServer);
  }

  /**
   * The whole table: every virtual server with its real servers, read with pipelined dumps. The
   * order of virtual servers and real servers is the kernel's dump order.
   */
  List<VirtualServerStatus> dumpAll();

  /**
   * Applies these operations in order with as few system calls as possible. A failed operation does
   * not stop the others; the result says, per operation, whether it succeeded.
   */
  BatchResult apply(List<IpvsOperation> operations);

  /**
   * How many netlink send and receive system calls this client has made so far, where the
   * implementation counts them (to measure batching); empty otherwise.
   */
  default OptionalLong systemCalls() {
    return OptionalLong.empty();
  }

  /** Closes the socket. */
  @Override
  void close();
}
