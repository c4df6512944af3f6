package io.kipvs.daemon.proxy;

import io.kipvs.ipvs.IpvsClient;
import io.kipvs.ipvs.IpvsOperation;
import io.kipvs.ipvs.NetlinkException;
import io.kipvs.ipvs.OperationResult;
import io.kipvs.ipvs.RealServerStatus;
import io.kipvs.ipvs.VirtualServerKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
 * delays it.
 *
 * <p>It reads the connection counts without the write lock, then takes the lock for its deletions,
 * in batches of {@value #BATCH}. Under the lock it deletes only a real server that the tracker
 * still shows draining since the same instant: the sync loop records under that lock each real
 * server it gives its weight back, so a restored one is never deleted. Why not read under the lock
 * too: the reads of a check held the lock, and the one CPU of a small node, for up to 100 ms at
 * 10,000 services, and an endpoint change waited that long (BENCHMARKS.md).
 */
final class DrainLoop {
  private static final Logger LOG = LoggerFactory.getLogger(DrainLoop.class);
  // Deletions per hold of the write lock: a change's sync waits for one batch at most. 82 in one
  // batch held it 58 ms in a node (BENCHMARKS.md).
  private static final int BATCH = 16;
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

  /** A real server the check found done draining, or gone, as the tracker showed it. */
  private record Verdict(
      IpvsPlan.RealServerRef ref, Instant since, boolean delete, int connections) {}

  void checkOnce() {
    Map<IpvsPlan.RealServerRef, Instant> tracked = drains.snapshot();
    if (tracked.isEmpty()) {
      return;
    }
    Map<VirtualServerKey, Map<IpvsPlan.RealServerRef, Instant>> byVs = new HashMap<>();
    tracked.forEach(
        (r, t) -> byVs.computeIfAbsent(r.virtualServer(), k -> new HashMap<>()).put(r, t));
    List<Verdict> verdicts = new ArrayList<>();
    for (var e : byVs.entrySet()) {
      verdicts.addAll(judge(e.getKey(), e.getValue()));
    }
    if (!verdicts.isEmpty()) {
      act(verdicts);
    }
  }

  private List<Verdict> judge(VirtualServerKey vs, Map<IpvsPlan.RealServerRef, Instant> refs) {
    List<Verdict> out = new ArrayList<>();
    List<RealServerStatus> reals;
    try {
      reals = ipvs.realServersBrief(vs);
    } catch (NetlinkException ex) {
      // The virtual server is gone: nothing left to drain there.
      refs.forEach((ref, since) -> out.add(new Verdict(ref, since, false, 0)));
      return out;
    }
    Instant now = clock.instant();
    refs.forEach(
        (ref, since) -> {
          Optional<RealServerStatus> rs =
              reals.stream().filter(r -> r.server().key().equals(ref.realServer())).findFirst();
          if (rs.isEmpty() || rs.get().server().settings().weight() != 0) {
            out.add(new Verdict(ref, since, false, 0));
            return;
          }
          int connections = rs.get().activeConnections() + rs.get().inactiveConnections();
          if (connections == 0 || !now.isBefore(since.plus(maxDrain))) {
            out.add(new Verdict(ref, since, true, connections));
          }
        });
    return out;
  }

  private void act(List<Verdict> verdicts) {
    List<Verdict> deleting = new ArrayList<>();
    List<OperationResult> results = new ArrayList<>();
    for (int from = 0; from < verdicts.size(); from += BATCH) {
      actUnderLock(
          verdicts.subList(from, Math.min(verdicts.size(), from + BATCH)), deleting, results);
    }
    report(deleting, results);
  }

  private void actUnderLock(
      List<Verdict> verdicts, List<Verdict> deleting, List<OperationResult> results) {
    writeLock.lock();
    try {
      List<Verdict> batch = new ArrayList<>();
      List<IpvsOperation> ops = new ArrayList<>();
      for (Verdict v : verdicts) {
        // Restored, or drained again from a later instant, since it was read: not ours to touch.
        if (!drains.since(v.ref()).equals(Optional.of(v.since()))) {
          continue;
        }
        if (!v.delete()) {
          drains.forget(v.ref());
          continue;
        }
        batch.add(v);
        ops.add(new IpvsOperation.DeleteRealServer(v.ref().virtualServer(), v.ref().realServer()));
      }
      if (ops.isEmpty()) {
        return;
      }
      List<OperationResult> done = ipvs.apply(ops).results();
      for (int i = 0; i < batch.size(); i++) {
        if (deletedOrGone(done.get(i))) {
          drains.deletedByDrain(batch.get(i).ref());
        }
      }
      deleting.addAll(batch);
      results.addAll(done);
    } finally {
      writeLock.unlock();
    }
  }

  /** ENOENT: the real server is gone already, which is what the deletion wanted. */
  private static boolean deletedOrGone(OperationResult r) {
    return r.error().map(e -> e.errno() == 2).orElse(true);
  }

  private static void report(List<Verdict> deleting, List<OperationResult> results) {
    int deleted = 0;
    for (int i = 0; i < deleting.size(); i++) {
      Verdict v = deleting.get(i);
      OperationResult r = results.get(i);
      String what =
          Addresses.text(v.ref().realServer().address())
              + ":"
              + v.ref().realServer().port()
              + " of "
              + Addresses.describe(v.ref().virtualServer());
      if (!deletedOrGone(r)) {
        LOG.warn(
            "Deleting drained real server {} failed; retrying at the next check: {}",
            what,
            r.error().map(NetlinkException::getMessage).orElse(""));
        continue;
      }
      deleted++;
      if (v.connections() > 0) {
        LOG.info(
            "Deleted drained real server {} after the maximum drain time, with {} connections",
            what,
            v.connections());
      } else {
        LOG.debug("Deleted drained real server {}", what);
      }
    }
    if (deleted > 0) {
      LOG.info("Deleted {} drained real servers", deleted);
    }
  }
}
