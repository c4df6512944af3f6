package io.kipvs.daemon.proxy;

import io.kipvs.ipvs.BatchResult;
import io.kipvs.ipvs.IpvsClient;
import io.kipvs.ipvs.IpvsOperation;
import io.kipvs.ipvs.OperationResult;
import io.kipvs.ipvs.RealServerStatus;
import io.kipvs.ipvs.Stats;
import io.kipvs.ipvs.VirtualServer;
import io.kipvs.ipvs.VirtualServerKey;
import io.kipvs.ipvs.VirtualServerStatus;
import io.kipvs.k8s.ClusterChanges;
import io.kipvs.k8s.ClusterSnapshot;
import io.kipvs.k8s.ClusterWatch;
import io.kipvs.k8s.ServiceName;
import io.kipvs.k8s.ServicePort;
import io.kipvs.rtnl.AddressResult;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
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

  /**
   * A resync reads the real servers of one slice of the IPVS table in this many, and the members of
   * every ipset once in this many: the drift no cheaper check finds is repaired within this many
   * sync periods (daemon/README.md).
   */
  static final int DEEP_ROUNDS = 10;

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
  private final SchedulerChoice schedulers;

  private final ReentrantLock writeLock = new ReentrantLock();
  private final ReentrantLock signalLock = new ReentrantLock();
  private final Condition signalled = signalLock.newCondition();
  private boolean pending;
  private volatile boolean running = true;

  private final DesiredIndex index = new DesiredIndex();
  private final KernelView view = new KernelView();
  private final Set<InetAddress> bound = new HashSet<>();
  private final Set<ServiceName> dirty = new TreeSet<>();
  private boolean thoroughNext = true;
  private long fullSyncs;
  private NodeContext node;
  private boolean netfilterFailed;
  private Instant lastSync = Instant.EPOCH;
  private Duration retryDelay = RETRY_DELAY;
  private Instant lastFull = Instant.EPOCH;
  private boolean lastWasFull;

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
    this.schedulers = SchedulerChoice.probing(ipvs);
    metrics.watching(watch::changeCounts, netfilter::restoreFailures);
  }

  Lock writeLock() {
    return writeLock;
  }

  /** Called on informer threads: only wakes the loop. */
  void signal() {
    // As upstream's Sync(): each change queues a sync, whenever the loop gets to it.
    metrics.queued(clock.millis());
    wake();
  }

  private void wake() {
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
    wake();
  }

  void run() {
    try {
      while (running && !watch.awaitSynced(SYNC_WAIT_LOG)) {
        LOG.info("Waiting for the informers to list services and endpoint slices");
      }
      while (running) {
        Instant now = clock.instant();
        Instant nextFull =
            fullSyncAt(lastFull, lastSync, settings.syncPeriod(), settings.minSyncPeriod());
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
        Step step = next(!now.isBefore(nextFull), wanted && !now.isBefore(earliest), lastWasFull);
        if (step == Step.INCREMENTAL) {
          incrementalSync();
        } else if (step == Step.FULL) {
          fullSync();
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

  /**
   * When the next full sync is due: a sync period after the last one, and, like every sync, no
   * sooner than the min sync period after the last sync of any kind. Upstream's proxier runs every
   * sync (periodic or for a change) through one rate limiter bounded by --ipvs-min-sync-period; a
   * resync that ignored it would make a burst of changes within one min period cost three syncs
   * instead of two.
   */
  static Instant fullSyncAt(
      Instant lastFull, Instant lastSync, Duration syncPeriod, Duration minSyncPeriod) {
    Instant periodic = lastFull.plus(syncPeriod);
    Instant bounded = lastSync.plus(minSyncPeriod);
    return periodic.isAfter(bounded) ? periodic : bounded;
  }

  enum Step {
    FULL,
    INCREMENTAL,
    WAIT
  }

  /**
   * What the loop does next. A due change goes first after a full sync, even when the next full
   * sync is already overdue (a resync slower than the period, on a loaded node): otherwise full
   * syncs would run back to back and starve every change. The two then alternate.
   */
  static Step next(boolean fullDue, boolean incrementalDue, boolean lastWasFull) {
    if (incrementalDue && (!fullDue || lastWasFull)) {
      return Step.INCREMENTAL;
    }
    return fullDue ? Step.FULL : Step.WAIT;
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

  /**
   * The periodic resync: brings the whole kernel back to the desired state, reading it as cheaply
   * as the drift it must find allows (daemon/README.md, "How it syncs"). The first one, and the one
   * after a failure, is thorough: it rebuilds the desired state and reads everything.
   */
  void fullSync() {
    Instant start = clock.instant();
    lastSync = start;
    lastFull = start;
    lastWasFull = true;
    boolean thorough = thoroughNext;
    thoroughNext = false;
    long round = fullSyncs++;
    long cpu0 = threadCpuNanos();
    try {
      long t0 = System.nanoTime();
      ClusterChanges changes = takeChanges();
      ClusterSnapshot snapshot = changes.snapshot();
      long tSnapshot = System.nanoTime();
      KubeIpvs0.NodeAddresses addresses =
          link.read(settings.nodePortAddresses(), settings.scheduler(), settings.nodeIp());
      boolean rebuild = thorough || changes.nodeChanged() || !addresses.context().equals(node);
      node = addresses.context();
      Touched touched = rebuild ? rebuildIndex(snapshot) : updateIndex(changes, snapshot);
      metrics.virtualServersChanged(touched.keys, index::virtualServer);
      long tDesired = System.nanoTime();
      // Rules before addresses and virtual servers: a service is never live without them.
      boolean deep = thorough || netfilterFailed || round % DEEP_ROUNDS == DEEP_ROUNDS - 1;
      boolean nfOk = netfilter.resyncIpsets(index, touched.entries, deep);
      long tIpsets = System.nanoTime();
      nfOk &= netfilter.syncIptables(index, true, deep);
      long tIptables = System.nanoTime();
      bound.clear();
      bound.addAll(addresses.kubeIpvs0());
      bindMissing(index.addresses());
      long tAddresses = System.nanoTime();
      KernelRead read = readIpvs(thorough, round, touched.keys);
      long tRead = System.nanoTime();
      IpvsPlan plan = IpvsPlanner.plan(scopeDesired(read, thorough), read.present(), owned);
      long tPlan = System.nanoTime();
      int failures = apply(plan, touched.owners);
      long tWrite = System.nanoTime();
      unbindStale(new ArrayList<>(bound));
      nfOk &= netfilter.prune(index);
      long tPrune = System.nanoTime();
      // The phases of a full sync, in the order they run, so that its cost at scale can be told
      // apart (BENCHMARKS.md).
      LOG.info(
          "Full sync phases: snapshot {} ms, desired state {} ms, ipsets {} ms, iptables {} ms,"
              + " kube-ipvs0 addresses {} ms, IPVS read {} ms, IPVS plan {} ms, IPVS write {} ms,"
              + " stale ipset members {} ms ({}; sync thread CPU {} ms)",
          millis(t0, tSnapshot),
          millis(tSnapshot, tDesired),
          millis(tDesired, tIpsets),
          millis(tIpsets, tIptables),
          millis(tIptables, tAddresses),
          millis(tAddresses, tRead),
          millis(tRead, tPlan),
          millis(tPlan, tWrite),
          millis(tWrite, tPrune),
          thorough ? "thorough" : rebuild ? "desired state rebuilt" : deep ? "deep" : "light",
          (threadCpuNanos() - cpu0) / 1_000_000);
      finish(changes, start, plan, failures, nfOk, true);
      if (round == 0) {
        prepareForEvents();
        StartupMemory.release();
      }
    } catch (RuntimeException e) {
      LOG.error("Full sync failed; retrying", e);
      fullSoon();
    }
  }

  /** Now, while idle after the first sync, rather than during the first change (ClusterWatch). */
  private void prepareForEvents() {
    try {
      watch.prepareForEvents();
    } catch (RuntimeException e) {
      LOG.warn("Preparing for watch events failed; the first change will do it", e);
    }
  }

  /**
   * The virtual servers as the kernel has them now, with their real servers, for the virtual
   * servers this resync must plan: all of them when thorough. Otherwise one read of the virtual
   * servers (without real servers) finds those added, deleted or changed behind our back; their
   * real servers are read, and so are those of the changed services and of one slice of the table
   * in {@link #DEEP_ROUNDS}, so that every virtual server's real servers are read within that many
   * resyncs. A light resync reads those real servers with the client's brief read (fewer system
   * calls; what it leaves out is read over netlink, see below). The view learns what was read.
   */
  private KernelRead readIpvs(boolean thorough, long round, Set<VirtualServerKey> changed) {
    // Without counters: a resync compares keys, settings and real servers, and decoding every
    // virtual server's two sets of counters was a good part of reading the table (BENCHMARKS.md).
    List<VirtualServer> services = ipvs.virtualServerTable();
    for (IpvsPlan.RealServerRef r : drains.takeDeleted()) {
      view.applied(new IpvsOperation.DeleteRealServer(r.virtualServer(), r.realServer()));
    }
    if (thorough) {
      view.clear();
    }
    // One pass over the dump, without a map of it: at 10,000 virtual servers the maps and lookups
    // of every entry cost more than the handful of entries that differ. Whether the view or the
    // desired state holds keys the kernel lacks is told by counting the matches instead.
    Set<VirtualServerKey> scope = new HashSet<>(changed);
    boolean[] inScope = new boolean[services.size()];
    int known = 0;
    int desiredPresent = 0;
    int slice = (int) (round % DEEP_ROUNDS);
    for (int i = 0; i < services.size(); i++) {
      VirtualServer server = services.get(i);
      VirtualServerKey key = server.key();
      if (index.wants(key)) {
        desiredPresent++;
      }
      if (thorough) {
        inScope[i] = true;
        continue;
      }
      VirtualServer seen = view.serverOrNull(key);
      if (seen != null) {
        known++;
      }
      // As the planner compares: what we wrote and what the kernel reports differ in fields
      // the kernel fills in (the timeout of a service without persistence).
      inScope[i] =
          seen == null
              || !IpvsPlanner.sameSettings(seen.settings(), server.settings())
              || Math.floorMod(key.hashCode(), DEEP_ROUNDS) == slice
              || scope.contains(key);
    }
    Set<VirtualServerKey> inKernel = null;
    if (known < view.size() || desiredPresent < index.virtualServerCount()) {
      inKernel = new HashSet<>();
      for (VirtualServer s : services) {
        inKernel.add(s.key());
      }
      for (VirtualServerKey key : new ArrayList<>(view.keys())) {
        if (!inKernel.contains(key)) {
          scope.add(key);
          view.remove(key);
        }
      }
    }
    // Light resyncs read real servers briefly (IpvsClient.realServersBrief: one getsockopt per
    // IPv4 virtual server instead of a netlink dump's send and receive), which leaves out real
    // servers of the other family (tunnel forwarding only). Each slice is read in full over netlink
    // once in DEEP_ROUNDS of its turns, so those are found too (daemon/README.md).
    boolean brief = !thorough && (round / DEEP_ROUNDS) % DEEP_ROUNDS != slice;
    List<VirtualServerStatus> present = new ArrayList<>();
    for (int i = 0; i < services.size(); i++) {
      if (!inScope[i]) {
        continue;
      }
      VirtualServer s = services.get(i);
      VirtualServerKey key = s.key();
      scope.add(key);
      // Real servers matter only where the planner keeps the virtual server and changes it.
      List<RealServerStatus> reals =
          owned.test(key) && index.wants(key) ? realServers(key, brief) : List.of();
      // The planner and the view compare no counters; none were read.
      VirtualServerStatus read = new VirtualServerStatus(s, Stats.ZERO, reals);
      view.put(read);
      present.add(read);
    }
    return new KernelRead(present, scope, Optional.ofNullable(inKernel));
  }

  /**
   * What a resync read of the IPVS table.
   *
   * @param present the virtual servers in the plan's scope that the kernel has, with their real
   *     servers
   * @param scope the virtual servers the plan covers, present or not
   * @param inKernel every virtual server the kernel has, when some desired one may be missing from
   *     it (empty when the kernel has every desired virtual server)
   */
  private record KernelRead(
      List<VirtualServerStatus> present,
      Set<VirtualServerKey> scope,
      Optional<Set<VirtualServerKey>> inKernel) {}

  private List<RealServerStatus> realServers(VirtualServerKey key, boolean brief) {
    try {
      return brief ? ipvs.realServersBrief(key) : ipvs.realServers(key);
    } catch (io.kipvs.ipvs.NetlinkException e) {
      if (e.errno() == 3) {
        // Deleted since the virtual servers were read: re-added with its real servers next time.
        return List.of();
      }
      throw e;
    }
  }

  /** The desired virtual servers in the scope of this resync's plan. */
  private List<DesiredVirtualServer> scopeDesired(KernelRead read, boolean thorough) {
    if (thorough) {
      return index.virtualServers();
    }
    // A light resync plans a tenth of the table: look up only those, and the few desired virtual
    // servers the kernel lacks, rather than listing every desired one.
    List<DesiredVirtualServer> out = new ArrayList<>();
    for (VirtualServerKey key : read.scope()) {
      index.virtualServer(key).ifPresent(out::add);
    }
    if (read.inKernel().isPresent()) {
      Set<VirtualServerKey> inKernel = read.inKernel().get();
      for (VirtualServerKey key : index.virtualServerKeys()) {
        if (!inKernel.contains(key) && !read.scope().contains(key)) {
          index.virtualServer(key).ifPresent(out::add);
        }
      }
    }
    return out;
  }

  private static long threadCpuNanos() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    return threads.isCurrentThreadCpuTimeSupported() ? threads.getCurrentThreadCpuTime() : 0;
  }

  private static long millis(long fromNanos, long toNanos) {
    return (toNanos - fromNanos) / 1_000_000;
  }

  /** What the changes of one sync touched: only these need diffing against the kernel. */
  private static final class Touched {
    final Set<VirtualServerKey> keys = new HashSet<>();
    final Set<InetAddress> addresses = new HashSet<>();
    final Set<IpsetEntry> entries = new HashSet<>();
    final Map<VirtualServerKey, ServiceName> owners = new HashMap<>();
  }

  /**
   * Rebuilds the whole index from the snapshot (the node's addresses changed, or the index cannot
   * be trusted); what differs from the index before, and the services whose writes failed, are
   * touched.
   */
  private Touched rebuildIndex(ClusterSnapshot snapshot) {
    Map<VirtualServerKey, DesiredVirtualServer> before = new HashMap<>();
    for (DesiredVirtualServer d : index.virtualServers()) {
      before.put(d.server().key(), d);
    }
    Set<IpsetEntry> entriesBefore = new HashSet<>(index.entries());
    Set<InetAddress> addressesBefore = new HashSet<>(index.addresses());
    Touched t = new Touched();
    for (ServiceName s : dirty) {
      index.rules(s).ifPresent(r -> t.keys.addAll(r.virtualServers().keySet()));
    }
    dirty.clear();
    index.clear();
    Map<ServiceName, List<ServicePort>> byService = new HashMap<>();
    for (ServicePort p : snapshot.ports()) {
      byService.computeIfAbsent(p.name().service(), k -> new ArrayList<>()).add(p);
    }
    for (var e : byService.entrySet()) {
      index.put(
          e.getKey(),
          Optional.of(DesiredStateBuilder.build(e.getKey(), e.getValue(), node, schedulers)));
    }
    for (DesiredVirtualServer d : index.virtualServers()) {
      VirtualServerKey key = d.server().key();
      if (!d.equals(before.remove(key))) {
        t.keys.add(key);
      }
    }
    t.keys.addAll(before.keySet());
    for (IpsetEntry e : index.entries()) {
      if (!entriesBefore.remove(e)) {
        t.entries.add(e);
      }
    }
    t.entries.addAll(entriesBefore);
    for (InetAddress a : index.addresses()) {
      if (!addressesBefore.remove(a)) {
        t.addresses.add(a);
      }
    }
    t.addresses.addAll(addressesBefore);
    return t;
  }

  /** Rebuilds the changed (and previously failed) services in the index. */
  private Touched updateIndex(ClusterChanges changes, ClusterSnapshot snapshot) {
    Set<ServiceName> services = new TreeSet<>(changes.changedServices());
    services.addAll(dirty);
    dirty.clear();
    if (changes.nodeChanged()) {
      services.addAll(index.serviceNames());
      for (ServicePort p : snapshot.ports()) {
        services.add(p.name().service());
      }
    }
    Touched t = new Touched();
    for (ServiceName s : services) {
      List<ServicePort> ports = snapshot.portsOf(s);
      Optional<ServiceRules> rules =
          ports.isEmpty()
              ? Optional.empty()
              : Optional.of(DesiredStateBuilder.build(s, ports, node, schedulers));
      DesiredIndex.Delta d = index.put(s, rules);
      t.keys.addAll(d.virtualServers());
      d.virtualServers().forEach(k -> t.owners.putIfAbsent(k, s));
      t.addresses.addAll(d.addresses());
      t.entries.addAll(d.entries());
    }
    return t;
  }

  /** Only the changed (and previously failed) services, against what was written. */
  void incrementalSync() {
    Instant start = clock.instant();
    lastSync = start;
    lastWasFull = false;
    try {
      ClusterChanges changes = takeChanges();
      ClusterSnapshot snapshot = changes.snapshot();
      for (IpvsPlan.RealServerRef r : drains.takeDeleted()) {
        view.applied(new IpvsOperation.DeleteRealServer(r.virtualServer(), r.realServer()));
      }
      Touched touched = updateIndex(changes, snapshot);
      metrics.virtualServersChanged(touched.keys, index::virtualServer);
      // Rules before addresses and virtual servers: a service is never live without them.
      boolean nfOk =
          netfilter.syncIpsets(
              index, netfilterFailed ? Optional.empty() : Optional.of(touched.entries));
      nfOk &= netfilter.syncIptables(index, netfilterFailed, netfilterFailed);
      List<InetAddress> toBind = touched.addresses.stream().filter(index::wantsAddress).toList();
      bindMissing(toBind);
      List<DesiredVirtualServer> desired = new ArrayList<>();
      List<VirtualServerStatus> actual = new ArrayList<>();
      for (VirtualServerKey k : touched.keys) {
        index.virtualServer(k).ifPresent(desired::add);
        view.get(k).ifPresent(actual::add);
      }
      IpvsPlan plan = IpvsPlanner.plan(desired, actual, owned);
      int failures = apply(plan, touched.owners);
      unbindStale(touched.addresses);
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
    metrics.noLocalEndpoints(index.noLocalInternal(), index.noLocalExternal());
    metrics.tableSize(index.virtualServerCount(), index.realServerCount());
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
      // How long the changes waited for this sync: what a slow change spent queued, not syncing.
      String waited =
          full
              ? ""
              : changes
                  .firstReceived()
                  .map(
                      r ->
                          "; the first change waited "
                              + Duration.between(r, start).toMillis()
                              + " ms")
                  .orElse("");
      LOG.info(
          "{} took {} ms: {} IPVS operations, {} failed, {} real servers draining{}",
          kind,
          took.toMillis(),
          plan.operations().size(),
          failures,
          drains.size(),
          waited);
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

  /** Binds the wanted addresses kube-ipvs0 lacks, in one batch; each failure is logged. */
  private void bindMissing(Collection<InetAddress> wanted) {
    List<InetAddress> missing = new ArrayList<>();
    for (InetAddress a : wanted) {
      if (!bound.contains(a) && !node.otherInterfaceAddresses().contains(a)) {
        missing.add(a);
      }
    }
    if (missing.isEmpty()) {
      return;
    }
    for (AddressResult r : link.bind(missing)) {
      InetAddress a = r.operation().address();
      if (r.succeeded()) {
        bound.add(a);
      } else {
        LOG.error(
            "Cannot bind {} to {}: {}",
            Addresses.text(a),
            KubeIpvs0.NAME,
            r.error().map(Throwable::getMessage).orElse(""));
        fullSoon();
      }
    }
  }

  /** Unbinds the candidates no service wants any more, in one batch; each failure is logged. */
  private void unbindStale(Collection<InetAddress> candidates) {
    List<InetAddress> stale = new ArrayList<>();
    for (InetAddress a : candidates) {
      if (!a.isLinkLocalAddress()
          && bound.contains(a)
          && !index.wantsAddress(a)
          && !Addresses.inAny(settings.excludeCidrs(), a)) {
        stale.add(a);
      }
    }
    if (stale.isEmpty()) {
      return;
    }
    for (AddressResult r : link.unbind(stale)) {
      InetAddress a = r.operation().address();
      if (r.succeeded()) {
        bound.remove(a);
      } else {
        LOG.error(
            "Cannot unbind {} from {}: {}",
            Addresses.text(a),
            KubeIpvs0.NAME,
            r.error().map(Throwable::getMessage).orElse(""));
      }
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /** Makes the next sync a thorough full one, after the retry delay. */
  private void fullSoon() {
    thoroughNext = true;
    lastFull = clock.instant().minus(settings.syncPeriod()).plus(RETRY_DELAY);
  }
}
