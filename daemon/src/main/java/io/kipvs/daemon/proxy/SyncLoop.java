package io.kipvs.daemon.proxy;

import io.kipvs.ipvs.BatchResult;
import io.kipvs.ipvs.IpvsClient;
import io.kipvs.ipvs.IpvsOperation;
import io.kipvs.ipvs.OperationResult;
import io.kipvs.ipvs.VirtualServerKey;
import io.kipvs.ipvs.VirtualServerStatus;
import io.kipvs.k8s.ClusterChanges;
import io.kipvs.k8s.ClusterSnapshot;
import io.kipvs.k8s.ClusterWatch;
import io.kipvs.k8s.ServiceName;
import io.kipvs.k8s.ServicePort;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that writes the node's state. Full syncs (at start and every sync period) read the
 * kernel and repair everything; between them, event-driven incremental syncs rebuild and diff only
 * the changed services against what was written, at most once per min sync period (a burst of
 * events is one sync).
 */
final class SyncLoop {
  private static final Logger LOG = LoggerFactory.getLogger(SyncLoop.class);
  private static final Duration RETRY_DELAY = Duration.ofSeconds(1);
  private static final Duration SYNC_WAIT_LOG = Duration.ofSeconds(10);

  private final ProxierSettings settings;
  private final ClusterWatch watch;
  private final ProxyMetrics metrics;
  private final SyncHealth health;
  private final IpvsClient ipvs;
  private final KubeIpvs0 link;
  private final Netfilter netfilter;
  private final Conntrack conntrack;
  private final DrainTracker drains;
  private final HealthCheckServers healthCheckServers;
  private final Clock clock;
  private final Predicate<VirtualServerKey> owned;

  private final ReentrantLock writeLock = new ReentrantLock();
  private final ReentrantLock signalLock = new ReentrantLock();
  private final Condition signalled = signalLock.newCondition();
  private boolean pending;
  private volatile boolean running = true;

  private final DesiredIndex index = new DesiredIndex();
  private final KernelView view = new KernelView();
  private final Set<InetAddress> bound = new HashSet<>();
  private final Set<ServiceName> dirty = new TreeSet<>();
  private NodeContext node;
  private boolean netfilterFailed;
  private Instant lastSync = Instant.EPOCH;
  private Duration retryDelay = RETRY_DELAY;
  private Instant lastFull = Instant.EPOCH;

  SyncLoop(
      ProxierSettings settings,
      ClusterWatch watch,
      ProxyMetrics metrics,
      SyncHealth health,
      IpvsClient ipvs,
      KubeIpvs0 link,
      Netfilter netfilter,
      Conntrack conntrack,
      DrainTracker drains,
      HealthCheckServers healthCheckServers,
      Clock clock) {
    this.settings = settings;
    this.watch = watch;
    this.metrics = metrics;
    this.health = health;
    this.ipvs = ipvs;
    this.link = link;
    this.netfilter = netfilter;
    this.conntrack = conntrack;
    this.drains = drains;
    this.healthCheckServers = healthCheckServers;
    this.clock = clock;
    this.owned = IpvsOwnership.outside(settings.excludeCidrs());
  }

  Lock writeLock() {
    return writeLock;
  }

  /** Called on informer threads: only wakes the loop. */
  void signal() {
    signalLock.lock();
    try {
      pending = true;
      signalled.signalAll();
    } finally {
      signalLock.unlock();
    }
  }

  void stop() {
    running = false;
    signal();
  }

  void run() {
    try {
      while (running && !watch.awaitSynced(SYNC_WAIT_LOG)) {
        LOG.info("Waiting for the informers to list services and endpoint slices");
      }
      while (running) {
        Instant now = clock.instant();
        Instant nextFull = lastFull.plus(settings.syncPeriod());
        boolean wanted;
        signalLock.lock();
        try {
          wanted = pending || !dirty.isEmpty() || netfilterFailed;
        } finally {
          signalLock.unlock();
        }
        Instant earliest = lastSync.plus(settings.minSyncPeriod());
        if (!dirty.isEmpty() || netfilterFailed) {
          Instant retry = lastSync.plus(retryDelay);
          earliest = earliest.isAfter(retry) ? earliest : retry;
        }
        if (!now.isBefore(nextFull)) {
          fullSync();
        } else if (wanted && !now.isBefore(earliest)) {
          incrementalSync();
        } else {
          Instant until = wanted && earliest.isBefore(nextFull) ? earliest : nextFull;
          waitUntil(until);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    LOG.info("Sync loop stopped; rules left in place");
  }

  private void waitUntil(Instant until) throws InterruptedException {
    signalLock.lock();
    try {
      long millis = Duration.between(clock.instant(), until).toMillis();
      if (!pending && millis > 0 && running) {
        signalled.await(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
      }
    } finally {
      signalLock.unlock();
    }
  }

  private ClusterChanges takeChanges() {
    signalLock.lock();
    try {
      pending = false;
    } finally {
      signalLock.unlock();
    }
    return watch.takeChanges();
  }

  /** The whole desired state against the kernel as it is. */
  void fullSync() {
    Instant start = clock.instant();
    lastSync = start;
    lastFull = start;
    try {
      long t0 = System.nanoTime();
      ClusterChanges changes = takeChanges();
      ClusterSnapshot snapshot = changes.snapshot();
      long tSnapshot = System.nanoTime();
      node = link.nodeContext(settings.nodePortAddresses(), settings.scheduler());
      index.clear();
      Map<ServiceName, List<ServicePort>> byService = new HashMap<>();
      for (ServicePort p : snapshot.ports()) {
        byService.computeIfAbsent(p.name().service(), k -> new ArrayList<>()).add(p);
      }
      for (var e : byService.entrySet()) {
        index.put(
            e.getKey(), Optional.of(DesiredStateBuilder.build(e.getKey(), e.getValue(), node)));
      }
      long tDesired = System.nanoTime();
      dirty.clear();
      // Rules before addresses and virtual servers: a service is never live without them.
      boolean nfOk = netfilter.prepare(index, Optional.empty(), true);
      long tNetfilter = System.nanoTime();
      bound.clear();
      bound.addAll(link.addresses());
      bindMissing(index.addresses());
      long tAddresses = System.nanoTime();
      List<VirtualServerStatus> dump = ipvs.dumpAll();
      view.reset(dump);
      drains.takeDeleted();
      IpvsPlan plan = IpvsPlanner.plan(index.virtualServers(), dump, owned);
      long tRead = System.nanoTime();
      int failures = apply(plan, Map.of());
      long tWrite = System.nanoTime();
      unbindStale(new ArrayList<>(bound));
      nfOk &= netfilter.prune(index);
      long tPrune = System.nanoTime();
      // The phases of a full sync, so that its cost at scale can be told apart (BENCHMARKS.md).
      LOG.info(
          "Full sync phases: snapshot {} ms, desired state {} ms, ipsets and iptables {} ms,"
              + " kube-ipvs0 addresses {} ms, IPVS read and plan {} ms, IPVS write {} ms,"
              + " stale ipset members {} ms",
          millis(t0, tSnapshot),
          millis(tSnapshot, tDesired),
          millis(tDesired, tNetfilter),
          millis(tNetfilter, tAddresses),
          millis(tAddresses, tRead),
          millis(tRead, tWrite),
          millis(tWrite, tPrune));
      finish(changes, start, plan, failures, nfOk, true);
    } catch (RuntimeException e) {
      LOG.error("Full sync failed; retrying", e);
      fullSoon();
    }
  }

  private static long millis(long fromNanos, long toNanos) {
    return (toNanos - fromNanos) / 1_000_000;
  }

  /** Only the changed (and previously failed) services, against what was written. */
  void incrementalSync() {
    Instant start = clock.instant();
    lastSync = start;
    try {
      ClusterChanges changes = takeChanges();
      ClusterSnapshot snapshot = changes.snapshot();
      for (IpvsPlan.RealServerRef r : drains.takeDeleted()) {
        view.applied(new IpvsOperation.DeleteRealServer(r.virtualServer(), r.realServer()));
      }
      Set<ServiceName> services = new TreeSet<>(changes.changedServices());
      services.addAll(dirty);
      dirty.clear();
      if (changes.nodeChanged()) {
        services.addAll(index.serviceNames());
        for (ServicePort p : snapshot.ports()) {
          services.add(p.name().service());
        }
      }
      Set<VirtualServerKey> keys = new HashSet<>();
      Set<InetAddress> addresses = new HashSet<>();
      Set<IpsetEntry> entries = new HashSet<>();
      Map<VirtualServerKey, ServiceName> owners = new HashMap<>();
      for (ServiceName s : services) {
        List<ServicePort> ports = snapshot.portsOf(s);
        Optional<ServiceRules> rules =
            ports.isEmpty()
                ? Optional.empty()
                : Optional.of(DesiredStateBuilder.build(s, ports, node));
        DesiredIndex.Delta d = index.put(s, rules);
        keys.addAll(d.virtualServers());
        d.virtualServers().forEach(k -> owners.putIfAbsent(k, s));
        addresses.addAll(d.addresses());
        entries.addAll(d.entries());
      }
      // Rules before addresses and virtual servers: a service is never live without them.
      boolean nfOk =
          netfilter.prepare(
              index, netfilterFailed ? Optional.empty() : Optional.of(entries), netfilterFailed);
      List<InetAddress> toBind = addresses.stream().filter(index::wantsAddress).toList();
      bindMissing(toBind);
      List<DesiredVirtualServer> desired = new ArrayList<>();
      List<VirtualServerStatus> actual = new ArrayList<>();
      for (VirtualServerKey k : keys) {
        index.virtualServer(k).ifPresent(desired::add);
        view.get(k).ifPresent(actual::add);
      }
      IpvsPlan plan = IpvsPlanner.plan(desired, actual, owned);
      int failures = apply(plan, owners);
      unbindStale(addresses);
      nfOk &= netfilter.prune(index);
      finish(changes, start, plan, failures, nfOk, false);
    } catch (RuntimeException e) {
      LOG.error("Sync failed; a full sync follows", e);
      fullSoon();
    }
  }

  private void finish(
      ClusterChanges changes,
      Instant start,
      IpvsPlan plan,
      int failures,
      boolean netfilterOk,
      boolean full) {
    netfilterFailed = !netfilterOk;
    // Retries of a failing write back off (doubling up to the sync period): a failed restore at
    // scale costs seconds, and trying again at once rarely helps.
    boolean failing = !netfilterOk || failures > 0;
    retryDelay = failing ? min(retryDelay.multipliedBy(2), settings.syncPeriod()) : RETRY_DELAY;
    healthCheckServers.update(index.healthChecks());
    int noLocalInternal = 0;
    int noLocalExternal = 0;
    int reals = 0;
    for (ServiceRules r : index.services()) {
      noLocalInternal += r.noLocalInternal();
      noLocalExternal += r.noLocalExternal();
    }
    List<DesiredVirtualServer> all = index.virtualServers();
    for (DesiredVirtualServer d : all) {
      reals += d.realServers().size();
    }
    metrics.noLocalEndpoints(noLocalInternal, noLocalExternal);
    metrics.tableSize(all.size(), reals);
    metrics.changes(changes.changedServices().size());
    Instant end = clock.instant();
    Duration took = Duration.between(start, end);
    if (netfilterOk) {
      health.updated(end);
      metrics.syncDone(took, end.toEpochMilli());
      for (Instant trigger : changes.triggerTimes().values()) {
        metrics.networkProgramming(Duration.between(trigger, end));
      }
    }
    String kind = full ? "Full sync" : "Sync";
    if (plan.operations().isEmpty() && !full) {
      LOG.debug(
          "{} of {} services took {} ms, no IPVS change",
          kind,
          changes.changedServices().size(),
          took.toMillis());
    } else {
      LOG.info(
          "{} took {} ms: {} IPVS operations, {} failed, {} real servers draining",
          kind,
          took.toMillis(),
          plan.operations().size(),
          failures,
          drains.size());
    }
  }

  /** Applies a plan under the write lock; failed services are marked dirty. */
  private int apply(IpvsPlan plan, Map<VirtualServerKey, ServiceName> owners) {
    int failures = 0;
    if (!plan.operations().isEmpty()) {
      writeLock.lock();
      try {
        BatchResult result = ipvs.apply(plan.operations());
        Instant now = clock.instant();
        Set<VirtualServerKey> failedKeys = new HashSet<>();
        for (OperationResult r : result.results()) {
          IpvsOperation op = r.operation();
          metrics.operation(op, !r.succeeded());
          if (r.succeeded() || alreadyDone(r)) {
            view.applied(op);
            continue;
          }
          failures++;
          VirtualServerKey key = keyOf(op);
          failedKeys.add(key);
          Optional<ServiceName> service =
              index.owner(key).or(() -> Optional.ofNullable(owners.get(key)));
          service.ifPresent(dirty::add);
          LOG.error(
              "IPVS {} for service {} failed: {}",
              ProxyMetrics.operationName(op).replace('_', ' '),
              service.map(ServiceName::toString).orElse("(none, stale) " + Addresses.describe(key)),
              r.error().map(e -> e.getMessage() + " (errno " + e.errno() + ")").orElse(""));
        }
        for (IpvsPlan.RealServerRef ref : plan.draining()) {
          if (!failedKeys.contains(ref.virtualServer())) {
            drains.draining(ref, now);
          }
        }
        for (IpvsPlan.RealServerRef ref : plan.restored()) {
          drains.restored(ref);
        }
      } finally {
        writeLock.unlock();
      }
    } else {
      Instant now = clock.instant();
      plan.draining().forEach(ref -> drains.draining(ref, now));
    }
    conntrack.flush(plan.conntrackFlushes());
    return failures;
  }

  /** A delete of what is already gone leaves the table as wanted. */
  private static boolean alreadyDone(OperationResult r) {
    int errno = r.error().map(e -> e.errno()).orElse(0);
    boolean delete =
        r.operation() instanceof IpvsOperation.DeleteRealServer
            || r.operation() instanceof IpvsOperation.DeleteVirtualServer;
    return delete && (errno == 2 || errno == 3);
  }

  static VirtualServerKey keyOf(IpvsOperation op) {
    if (op instanceof IpvsOperation.AddVirtualServer a) {
      return a.server().key();
    } else if (op instanceof IpvsOperation.UpdateVirtualServer u) {
      return u.server().key();
    } else if (op instanceof IpvsOperation.DeleteVirtualServer d) {
      return d.key();
    } else if (op instanceof IpvsOperation.AddRealServer a) {
      return a.virtualServer();
    } else if (op instanceof IpvsOperation.UpdateRealServer u) {
      return u.virtualServer();
    }
    return ((IpvsOperation.DeleteRealServer) op).virtualServer();
  }

  private void bindMissing(Collection<InetAddress> wanted) {
    for (InetAddress a : wanted) {
      if (bound.contains(a) || node.otherInterfaceAddresses().contains(a)) {
        continue;
      }
      try {
        link.add(a);
        bound.add(a);
      } catch (RuntimeException e) {
        LOG.error("Cannot bind {} to {}: {}", Addresses.text(a), KubeIpvs0.NAME, e.getMessage());
        fullSoon();
      }
    }
  }

  private void unbindStale(Collection<InetAddress> candidates) {
    for (InetAddress a : candidates) {
      if (a.isLinkLocalAddress()
          || !bound.contains(a)
          || index.wantsAddress(a)
          || Addresses.inAny(settings.excludeCidrs(), a)) {
        continue;
      }
      try {
        link.remove(a);
        bound.remove(a);
      } catch (RuntimeException e) {
        LOG.error(
            "Cannot unbind {} from {}: {}", Addresses.text(a), KubeIpvs0.NAME, e.getMessage());
      }
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /** Makes the next sync a full one, after the retry delay. */
  private void fullSoon() {
    lastFull = clock.instant().minus(settings.syncPeriod()).plus(RETRY_DELAY);
  }
}
