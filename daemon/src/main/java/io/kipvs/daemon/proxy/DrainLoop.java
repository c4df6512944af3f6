package io.kipvs.daemon.proxy;

import io.kipvs.ipvs.IpvsClient;
import io.kipvs.ipvs.NetlinkException;
import io.kipvs.ipvs.RealServerStatus;
import io.kipvs.ipvs.VirtualServerKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.Lock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes draining TCP real servers once their active and inactive connections reach 0, or once
 * they have drained for the maximum time. Runs on its own IPVS socket so that a long sync never
 * delays it; holds the write lock while it re-reads and deletes, so that a real server the sync
 * loop just gave its weight back is never deleted.
 */
final class DrainLoop {
  private static final Logger LOG = LoggerFactory.getLogger(DrainLoop.class);
  private final IpvsClient ipvs;
  private final DrainTracker drains;
  private final Duration maxDrain;
  private final Clock clock;
  private final Lock writeLock;

  DrainLoop(IpvsClient ipvs, DrainTracker drains, Duration maxDrain, Clock clock, Lock writeLock) {
    this.ipvs = ipvs;
    this.drains = drains;
    this.maxDrain = maxDrain;
    this.clock = clock;
    this.writeLock = writeLock;
  }

  void check() {
    try {
      checkOnce();
    } catch (RuntimeException e) {
      LOG.warn("Drain check failed; retrying at the next one", e);
    }
  }

  void checkOnce() {
    Map<IpvsPlan.RealServerRef, Instant> tracked = drains.snapshot();
    if (tracked.isEmpty()) {
      return;
    }
    Map<VirtualServerKey, Map<IpvsPlan.RealServerRef, Instant>> byVs = new HashMap<>();
    tracked.forEach(
        (r, t) -> byVs.computeIfAbsent(r.virtualServer(), k -> new HashMap<>()).put(r, t));
    for (var e : byVs.entrySet()) {
      writeLock.lock();
      try {
        List<RealServerStatus> reals;
        try {
          reals = ipvs.realServers(e.getKey());
        } catch (NetlinkException ex) {
          // The virtual server is gone: nothing left to drain there.
          e.getValue().keySet().forEach(drains::forget);
          continue;
        }
        Instant now = clock.instant();
        for (var d : e.getValue().entrySet()) {
          IpvsPlan.RealServerRef ref = d.getKey();
          Optional<RealServerStatus> rs =
              reals.stream().filter(r -> r.server().key().equals(ref.realServer())).findFirst();
          if (rs.isEmpty() || rs.get().server().settings().weight() != 0) {
            drains.forget(ref);
            continue;
          }
          int connections = rs.get().activeConnections() + rs.get().inactiveConnections();
          boolean expired = !now.isBefore(d.getValue().plus(maxDrain));
          if (connections == 0 || expired) {
            ipvs.deleteRealServer(ref.virtualServer(), ref.realServer());
            drains.deletedByDrain(ref);
            LOG.info(
                "Deleted drained real server {}:{} of {}{}",
                Addresses.text(ref.realServer().address()),
                ref.realServer().port(),
                Addresses.describe(ref.virtualServer()),
                connections == 0
                    ? ""
                    : " after the maximum drain time, with " + connections + " connections");
          }
        }
      } finally {
        writeLock.unlock();
      }
    }
  }
}
