package io.kipvs.ipvs;

import static io.kipvs.ipvs.IpvsWire.*;

import io.kipvs.netlink.GenericNetlink;
import io.kipvs.netlink.Message;
import io.kipvs.netlink.Netlink;
import io.kipvs.netlink.NetlinkConnection;
import io.kipvs.netlink.NetlinkOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * {@link IpvsClient} over one generic netlink socket. Calls are serialised on the socket by the
 * connection's lock; writes in {@link #apply} go many per system call.
 */
final class GenericNetlinkIpvsClient implements IpvsClient {
  private static final int ESRCH = 3;

  private final NetlinkConnection connection;
  private final IpvsCodec codec;
  // Opened on first use (guarded by this); when it cannot be opened, reads go over netlink.
  private IpvsSockopt sockopt;
  private boolean sockoptUnavailable;

  private GenericNetlinkIpvsClient(NetlinkConnection connection, int familyId) {
    this.connection = connection;
    this.codec = new IpvsCodec(familyId);
  }

  static IpvsClient open() {
    return open(NetlinkOptions.defaults());
  }

  static IpvsClient open(NetlinkOptions options) {
    NetlinkConnection connection = NetlinkConnection.open(Netlink.NETLINK_GENERIC, options);
    try {
      Optional<Integer> family = GenericNetlink.resolveFamily(connection, FAMILY_NAME);
      if (family.isEmpty()) {
        throw new IpvsUnavailableException(
            "IPVS is not available in this kernel (load the ip_vs module: modprobe ip_vs):"
                + " the generic netlink family \"IPVS\" does not exist");
      }
      return new GenericNetlinkIpvsClient(connection, family.get());
    } catch (RuntimeException e) {
      connection.close();
      throw e;
    }
  }

  @Override
  public IpvsInfo info() {
    return single(
        connection.request(
            (w, f, s) -> codec.plain(w, f, s, CMD_GET_INFO),
            () -> "IPVS_CMD_GET_INFO",
            codec::decodeInfo),
        "IPVS_CMD_GET_INFO");
  }

  @Override
  public void flush() {
    connection.request(
        (w, f, s) -> codec.plain(w, f, s, CMD_FLUSH), () -> "IPVS_CMD_FLUSH", m -> null);
  }

  @Override
  public void zero() {
    connection.request(
        (w, f, s) -> codec.plain(w, f, s, CMD_ZERO), () -> "IPVS_CMD_ZERO", m -> null);
  }

  @Override
  public IpvsTimeouts timeouts() {
    return single(
        connection.request(
            (w, f, s) -> codec.plain(w, f, s, CMD_GET_CONFIG),
            () -> "IPVS_CMD_GET_CONFIG",
            codec::decodeTimeouts),
        "IPVS_CMD_GET_CONFIG");
  }

  @Override
  public void setTimeouts(IpvsTimeouts timeouts) {
    connection.request(
        (w, f, s) -> codec.setConfig(w, f, s, timeouts),
        () -> "IPVS_CMD_SET_CONFIG " + timeouts,
        m -> null);
  }

  @Override
  public void addVirtualServer(VirtualServer server) {
    applyOne(new IpvsOperation.AddVirtualServer(server));
  }

  @Override
  public void updateVirtualServer(VirtualServer server) {
    applyOne(new IpvsOperation.UpdateVirtualServer(server));
  }

  @Override
  public void deleteVirtualServer(VirtualServerKey key) {
    applyOne(new IpvsOperation.DeleteVirtualServer(key));
  }

  @Override
  public Optional<VirtualServerStatus> virtualServer(VirtualServerKey key) {

    try {
      List<VirtualServerStatus> found =
          connection.request(
              (w, f, s) -> codec.serviceKey(w, f, s, CMD_GET_SERVICE, key),
              () -> "IPVS_CMD_GET_SERVICE " + Describe.key(key),
              codec::decodeService);
      return found.stream().findFirst();
    } catch (NetlinkException e) {
      if (e.errno() == ESRCH) {
        return Optional.empty();
      }
      throw e;
    }
  }

  @Override
  public List<VirtualServerStatus> virtualServers() {
    return serviceDump(codec::decodeService);
  }

  @Override
  public List<VirtualServer> virtualServerTable() {
    return serviceDump(codec::decodeServer);
  }

  private <T> List<T> serviceDump(Function<Message, T> decoder) {
    return connection.dump(
        (w, f, s) -> codec.plain(w, f, s, CMD_GET_SERVICE),
        () -> "IPVS_CMD_GET_SERVICE dump",
        decoder);
  }

  @Override
  public void addRealServer(VirtualServerKey virtualServer, RealServer server) {
    applyOne(new IpvsOperation.AddRealServer(virtualServer, server));
  }

  @Override
  public void updateRealServer(VirtualServerKey virtualServer, RealServer server) {
    applyOne(new IpvsOperation.UpdateRealServer(virtualServer, server));
  }

  @Override
  public void deleteRealServer(VirtualServerKey virtualServer, RealServerKey server) {
    applyOne(new IpvsOperation.DeleteRealServer(virtualServer, server));
  }

  @Override
  public List<RealServerStatus> realServers(VirtualServerKey virtualServer) {
    AddressFamily family = virtualServer.family();
    return connection.dump(
        (w, f, s) -> codec.serviceKey(w, f, s, CMD_GET_DEST, virtualServer),
        () -> "IPVS_CMD_GET_DEST dump " + Describe.key(virtualServer),
        m -> codec.decodeDest(m, family));
  }

  @Override
  public List<RealServerStatus> realServersBrief(VirtualServerKey virtualServer) {
    if (virtualServer.family() != AddressFamily.INET) {
      return realServers(virtualServer);
    }
    synchronized (this) {
      if (sockopt() != null) {
        try {
          return sockopt.realServers(virtualServer);
        } catch (NetlinkException e) {
          refused(e);
        }
      }
    }
    return realServers(virtualServer);
  }

  /**
   * A request the socket-option interface refused. A missing virtual server (ESRCH) is the caller's
   * to handle; any other refusal (EINVAL: a kernel whose structures differ from ours) turns the
   * interface off for this client, and the reads go over netlink from then on.
   */
  private void refused(NetlinkException e) {
    if (e.errno() == ESRCH) {
      throw e;
    }
    sockopt.close();
    sockopt = null;
    sockoptUnavailable = true;
  }

  /** The socket-option reader, opened on first use; null when it cannot be opened. */
  private IpvsSockopt sockopt() {
    if (sockopt == null && !sockoptUnavailable) {
      try {
        sockopt = IpvsSockopt.open();
      } catch (NetlinkException e) {
        sockoptUnavailable = true;
      }
    }
    return sockopt;
  }

  /**
   * The kernel runs one dump at a time per socket (a second gets EBUSY), so the per-service dumps
   * cannot overlap on one socket; each costs one send and usually one recvmmsg that collects the
   * data and the NLMSG_DONE together.
   */
  @Override
  public List<VirtualServerStatus> dumpAll() {
    List<VirtualServerStatus> services = virtualServers();
    List<VirtualServerStatus> result = new ArrayList<>(services.size());
    for (VirtualServerStatus service : services) {
      result.add(
          new VirtualServerStatus(
              service.server(), service.stats(), realServers(service.server().key())));
    }
    return result;
  }

  @Override
  public BatchResult apply(List<IpvsOperation> operations) {
    List<IpvsOperation> ops = List.copyOf(operations);
    NetlinkException[] errors =
        connection.batch(
            ops.size(),
            new NetlinkConnection.BatchEncoder() {
              @Override
              public void encode(int index, io.kipvs.netlink.MessageWriter w, int flags, int seq) {
                encodeOperation(ops.get(index), w, flags, seq);
              }

              @Override
              public String describe(int index) {
                return Describe.operation(ops.get(index));
              }
            });
    List<OperationResult> results = new ArrayList<>(ops.size());
    for (int i = 0; i < ops.size(); i++) {
      IpvsOperation op = ops.get(i);
      Optional<NetlinkException> error =
          Optional.ofNullable(errors[i]).map(e -> IpvsErrors.explain(e, op));
      results.add(new OperationResult(op, error));
    }
    return new BatchResult(results);
  }

  void encodeOperation(IpvsOperation op, io.kipvs.netlink.MessageWriter w, int flags, int seq) {
    if (op instanceof IpvsOperation.AddVirtualServer o) {
      codec.service(w, flags, seq, CMD_NEW_SERVICE, o.server());
    } else if (op instanceof IpvsOperation.UpdateVirtualServer o) {
      codec.service(w, flags, seq, CMD_SET_SERVICE, o.server());
    } else if (op instanceof IpvsOperation.DeleteVirtualServer o) {
      codec.serviceKey(w, flags, seq, CMD_DEL_SERVICE, o.key());
    } else if (op instanceof IpvsOperation.AddRealServer o) {
      codec.dest(w, flags, seq, CMD_NEW_DEST, o.virtualServer(), o.server());
    } else if (op instanceof IpvsOperation.UpdateRealServer o) {
      codec.dest(w, flags, seq, CMD_SET_DEST, o.virtualServer(), o.server());
    } else if (op instanceof IpvsOperation.DeleteRealServer o) {
      codec.destKeyOnly(w, flags, seq, CMD_DEL_DEST, o.virtualServer(), o.server());
    } else {
      throw new IllegalArgumentException("unknown IPVS operation " + op);
    }
  }

  private void applyOne(IpvsOperation operation) {
    BatchResult result = apply(List.of(operation));
    Optional<NetlinkException> error = result.results().get(0).error();
    if (error.isPresent()) {
      throw error.get();
    }
  }

  private static <T> T single(List<T> replies, String description) {
    if (replies.isEmpty()) {
      throw new io.kipvs.netlink.NetlinkDecodeException(description, "no reply before the ack");
    }
    return replies.get(0);
  }

  @Override
  public OptionalLong systemCalls() {
    long sockoptCalls;
    synchronized (this) {
      sockoptCalls = sockopt == null ? 0 : sockopt.systemCalls();
    }
    return OptionalLong.of(connection.systemCalls() + sockoptCalls);
  }

  @Override
  public void close() {
    synchronized (this) {
      if (sockopt != null) {
        sockopt.close();
      }
    }
    connection.close();
  }
}
