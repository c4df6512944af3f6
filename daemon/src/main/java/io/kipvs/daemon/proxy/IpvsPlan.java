package io.kipvs.daemon.proxy;

import io.kipvs.ipvs.IpvsOperation;
import io.kipvs.ipvs.Protocol;
import io.kipvs.ipvs.RealServerKey;
import io.kipvs.ipvs.VirtualServerKey;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * The writes that bring part of the IPVS table to the desired state, and what the reconciler must
 * do beside them.
 *
 * @param operations the writes, in the order to apply them
 * @param draining TCP real servers that are (now, or already) at weight 0 waiting for their
 *     connections to end
 * @param restored real servers that get their weight back (no longer draining)
 * @param conntrackFlushes UDP and SCTP flows to drop because their backend or service went away
 */
record IpvsPlan(
    List<IpvsOperation> operations,
    List<RealServerRef> draining,
    List<RealServerRef> restored,
    List<ConntrackFlush> conntrackFlushes) {
  IpvsPlan {
    operations = List.copyOf(operations);
    draining = List.copyOf(draining);
    restored = List.copyOf(restored);
    conntrackFlushes = List.copyOf(conntrackFlushes);
  }

  /** One real server of one virtual server. */
  record RealServerRef(VirtualServerKey virtualServer, RealServerKey realServer) {}

  /**
   * Flows of this protocol to this service address and port (and, when given, DNATed to this
   * backend) that must be dropped from conntrack.
   */
  record ConntrackFlush(
      Protocol protocol, InetAddress serviceAddress, int port, Optional<InetAddress> backend) {}
}
