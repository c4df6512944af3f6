package io.kipvs.daemon.proxy;

import io.kipvs.ipvs.IpvsOperation;
import io.kipvs.ipvs.Protocol;
import io.kipvs.ipvs.RealServer;
import io.kipvs.ipvs.RealServerKey;
import io.kipvs.ipvs.RealServerSettings;
import io.kipvs.ipvs.RealServerStatus;
import io.kipvs.ipvs.ServiceFlag;
import io.kipvs.ipvs.VirtualServerKey;
import io.kipvs.ipvs.VirtualServerSettings;
import io.kipvs.ipvs.VirtualServerStatus;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Desired against actual IPVS state: the operations that make the actual state desired, with
 * upstream's graceful termination. A pure function; the caller chooses the scope (the whole table
 * on a full resync, the virtual servers of the changed services on an incremental one).
 */
final class IpvsPlanner {
  private IpvsPlanner() {}

  /**
   * @param desired the virtual servers wanted in this scope
   * @param actual the virtual servers present in this scope, with their real servers
   * @param owned whether a present virtual server is kipvs's to change or delete
   */
  static IpvsPlan plan(
      Collection<DesiredVirtualServer> desired,
      Collection<VirtualServerStatus> actual,
      Predicate<VirtualServerKey> owned) {
    Map<VirtualServerKey, VirtualServerStatus> present = new HashMap<>();
    for (VirtualServerStatus s : actual) {
      present.put(s.server().key(), s);
    }
    List<IpvsOperation> ops = new ArrayList<>();
    List<IpvsPlan.RealServerRef> draining = new ArrayList<>();
    List<IpvsPlan.RealServerRef> restored = new ArrayList<>();
    List<IpvsPlan.ConntrackFlush> flushes = new ArrayList<>();
    Map<VirtualServerKey, DesiredVirtualServer> wanted = new HashMap<>();
    for (DesiredVirtualServer d : desired) {
      VirtualServerKey key = d.server().key();
      wanted.put(key, d);
      VirtualServerStatus now = present.get(key);
      if (now == null) {
        ops.add(new IpvsOperation.AddVirtualServer(d.server()));
        for (RealServer rs : d.realServers().values()) {
          ops.add(new IpvsOperation.AddRealServer(key, rs));
        }
        continue;
      }
      if (!owned.test(key)) {
        continue;
      }
      if (!sameSettings(d.server().settings(), now.server().settings())) {
        ops.add(new IpvsOperation.UpdateVirtualServer(d.server()));
      }
      Map<RealServerKey, RealServerStatus> reals = new HashMap<>();
      for (RealServerStatus rs : now.realServers()) {
        reals.put(rs.server().key(), rs);
      }
      if (reals.isEmpty()
          && !d.realServers().isEmpty()
          && key instanceof VirtualServerKey.Address a
          && !gracefulTermination(a.protocol())) {
        // Flows that arrived while the service had no backend sit in conntrack without a
        // destination and would keep the client's packets away from the new backends.
        flushes.add(
            new IpvsPlan.ConntrackFlush(a.protocol(), a.address(), a.port(), Optional.empty()));
      }
      for (RealServer rs : d.realServers().values()) {
        RealServerStatus have = reals.get(rs.key());
        if (have == null) {
          ops.add(new IpvsOperation.AddRealServer(key, rs));
        } else if (!sameSettings(rs.settings(), have.server().settings())) {
          ops.add(new IpvsOperation.UpdateRealServer(key, rs));
          if (have.server().settings().weight() == 0) {
            restored.add(new IpvsPlan.RealServerRef(key, rs.key()));
          }
        }
      }
      for (RealServerStatus have : now.realServers()) {
        RealServerKey rk = have.server().key();
        if (d.realServers().containsKey(rk)) {
          continue;
        }
        removeRealServer(key, have, ops, draining, flushes);
      }
    }
    for (VirtualServerStatus s : actual) {
      VirtualServerKey key = s.server().key();
      if (!wanted.containsKey(key) && owned.test(key)) {
        ops.add(new IpvsOperation.DeleteVirtualServer(key));
        if (key instanceof VirtualServerKey.Address a && !gracefulTermination(a.protocol())) {
          flushes.add(
              new IpvsPlan.ConntrackFlush(a.protocol(), a.address(), a.port(), Optional.empty()));
        }
      }
    }
    return new IpvsPlan(ops, draining, restored, flushes);
  }

  private static void removeRealServer(
      VirtualServerKey key,
      RealServerStatus have,
      List<IpvsOperation> ops,
      List<IpvsPlan.RealServerRef> draining,
      List<IpvsPlan.ConntrackFlush> flushes) {
    RealServerKey rk = have.server().key();
    if (key instanceof VirtualServerKey.Address a && !gracefulTermination(a.protocol())) {
      // UDP and SCTP have no connection end to wait for: IPVS would keep sending a flow's packets
      // to a dead backend (kubernetes/kubernetes#71514), so delete now and drop the flows.
      ops.add(new IpvsOperation.DeleteRealServer(key, rk));
      flushes.add(
          new IpvsPlan.ConntrackFlush(
              a.protocol(), a.address(), a.port(), Optional.of(rk.address())));
      return;
    }
    if (have.server().settings().weight() != 0) {
      ops.add(
          new IpvsOperation.UpdateRealServer(
              key, new RealServer(rk, have.server().settings().withWeight(0))));
    }
    draining.add(new IpvsPlan.RealServerRef(key, rk));
  }

  /** As upstream: only TCP real servers drain; UDP and SCTP ones go at once. */
  static boolean gracefulTermination(Protocol protocol) {
    return protocol == Protocol.TCP;
  }

  static boolean sameSettings(VirtualServerSettings want, VirtualServerSettings have) {
    boolean persistent = want.flags().contains(ServiceFlag.PERSISTENT);
    return want.scheduler().equals(have.scheduler())
        && want.flags().equals(have.flags())
        && want.netmask() == have.netmask()
        && (!persistent || want.timeoutSeconds() == have.timeoutSeconds());
  }

  static boolean sameSettings(RealServerSettings want, RealServerSettings have) {
    return want.forwarding() == have.forwarding()
        && want.weight() == have.weight()
        && want.upperThreshold() == have.upperThreshold()
        && want.lowerThreshold() == have.lowerThreshold();
  }
}
