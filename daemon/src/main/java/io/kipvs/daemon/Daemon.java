package io.kipvs.daemon;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kipvs.daemon.config.BindAddress;
import io.kipvs.daemon.config.DaemonConfig;
import io.kipvs.daemon.conntrack.Conntracker;
import io.kipvs.daemon.events.NodeEvents;
import io.kipvs.daemon.http.DebugServer;
import io.kipvs.daemon.http.HealthServer;
import io.kipvs.daemon.http.MetricsServer;
import io.kipvs.daemon.proxy.IpvsServiceStats;
import io.kipvs.daemon.proxy.Proxier;
import io.kipvs.ipvs.IpvsClient;
import io.kipvs.k8s.ClusterWatch;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process's life: serve health and metrics, wait for the API server (retrying with backoff,
 * /healthz 503 meanwhile), start the proxier, apply conntrack settings, and on SIGTERM stop
 * everything while leaving every kernel rule in place.
 */
final class Daemon {
  private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);
  private static final Duration FIRST_WAIT = Duration.ofSeconds(1);
  private static final Duration LONGEST_WAIT = Duration.ofSeconds(30);
  // The action of kube-proxy's start-up events.
  private static final String START_ACTION = "StartKubeProxy";

  private final DaemonConfig config;
  private final DaemonComponent component;
  private final Conntracker conntracker;
  private final CountDownLatch stopRequested = new CountDownLatch(1);
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final AtomicBoolean proxierStarted = new AtomicBoolean();
  private final ServerStarter servers;
  private final NodeEvents events;
  private Optional<Proxier> proxier = Optional.empty();
  private Optional<ClusterWatch> watch = Optional.empty();
  private Optional<IpvsServiceStats> serviceStats = Optional.empty();
  // The thread blocked in awaitSynced, which stop() interrupts; null otherwise.
  private Thread waiter;

  Daemon(DaemonConfig config, DaemonComponent component, Conntracker conntracker) {
    this.config = config;
    this.component = component;
    this.conntracker = conntracker;
    this.servers = new ServerStarter(config.bindAddressHardFail(), ServerStarter.RETRY);
    this.events =
        new NodeEvents(component::kubernetesClient, config.proxier().nodeName(), Clock.systemUTC());
  }

  /** --cleanup: removes kipvs's kernel state; safe to run twice. */
  void cleanup() {
    LOG.info("removing kipvs's virtual servers, kube-ipvs0, ipsets and chains");
    component.cleanup().run();
    LOG.info("cleanup done");
  }

  /** --init-only: the node settings that need privileges, as kube-proxy's init container does. */
  void initOnly() throws IOException {
    applyConntrack();
  }

  /** Runs until {@link #stop()}; throws if start-up fails. */
  void run() throws IOException, InterruptedException {
    try {
      startServers();
      // The informers start first: the proxier's loop waits on them from its start. Their first
      // list runs in the background while the proxier prepares the kernel, so that a kernel
      // without IPVS or a missing capability fails at once, whatever the API server's state.
      ClusterWatch w = component.clusterWatch();
      watch = Optional.of(w);
      component.syncHealth().nodeEligibility(w::nodeEligible);
      w.start();
      if (config.ipvsServiceStatsMetrics()) {
        serviceStats =
            Optional.of(
                IpvsServiceStats.register(
                    component.prometheusRegistry(), component.proxyMetrics(), IpvsClient::open));
      }
      Proxier p = component.proxier();
      proxier = Optional.of(p);
      p.start();
      proxierStarted.set(true);
      // kube-proxy's "birth cry", once its informers and proxier are started.
      events.record(NodeEvents.Type.NORMAL, "Starting", START_ACTION, "");
      startDebugServer();
      applyConntrack();
      if (awaitSynced(w)) {
        LOG.info("kipvs running for node {}", config.proxier().nodeName());
        stopRequested.await();
      }
    } finally {
      shutDown();
    }
  }

  /** Asks {@link #run()} to return and waits until it has released everything. */
  void stop() {
    stopRequested.countDown();
    synchronized (this) {
      if (waiter != null) {
        waiter.interrupt();
      }
    }
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void startServers() throws IOException {
    if (config.healthzBindAddress().isPresent()) {
      var address = config.healthzBindAddress().get();
      servers.start(
          "/healthz on " + address + " (--healthz-bind-address)",
          () -> HealthServer.start(address, component.health(), Clock.systemUTC()),
          server ->
              LOG.info(
                  "serving /healthz and /livez on {}",
                  new BindAddress(address.address(), ((HealthServer) server).port())),
          e ->
              events.record(
                  NodeEvents.Type.WARNING,
                  "FailedToStartProxierHealthcheck",
                  START_ACTION,
                  "failed to start proxier healthz on " + address + ": " + e.getMessage()));
    }
    if (config.metricsBindAddress().isPresent()) {
      var address = config.metricsBindAddress().get();
      servers.start(
          "/metrics on " + address + " (--metrics-bind-address)",
          () -> MetricsServer.start(address, component.prometheusRegistry()),
          server ->
              LOG.info(
                  "serving /metrics on {}",
                  new BindAddress(address.address(), ((MetricsServer) server).port())),
          e ->
              events.record(
                  NodeEvents.Type.WARNING,
                  "FailedToStartMetricServer",
                  START_ACTION,
                  "failed to start metrics server on " + address + ": " + e.getMessage()));
    }
  }

  /**
   * The debug endpoint of kipvs explain. Started once the cluster watch exists (it answers from
   * it); like healthz and metrics, a port that cannot be bound is retried (or, with
   * --bind-address-hard-fail, stops start-up).
   */
  private void startDebugServer() throws IOException {
    if (config.debugBindAddress().isPresent()) {
      var address = config.debugBindAddress().get();
      servers.start(
          "the debug endpoint on " + address + " (--debug-bind-address)",
          () -> DebugServer.start(address, component.explainer()),
          server ->
              LOG.info(
                  "serving kipvs explain on {}",
                  new BindAddress(address.address(), ((DebugServer) server).port())));
    }
  }

  /**
   * Waits for the informers' first list. The informers retry by themselves; this only logs, at
   * doubling intervals up to 30 s, so an unreachable API server is visible without flooding the
   * log. {@link #stop()} interrupts the wait.
   */
  private boolean awaitSynced(ClusterWatch w) {
    Instant start = Instant.now();
    Duration interval = FIRST_WAIT;
    String server = masterUrl();
    waiter = Thread.currentThread();
    try {
      while (stopRequested.getCount() > 0) {
        Instant waitStart = Instant.now();
        if (w.awaitSynced(interval)) {
          LOG.info(
              "informers synced with {} after {} ms",
              server,
              Duration.between(start, Instant.now()).toMillis());
          return true;
        }
        // Never spin, even if the watch answers before the interval is over.
        Duration left = interval.minus(Duration.between(waitStart, Instant.now()));
        if (!left.isNegative()
            && stopRequested.await(left.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS)) {
          return false;
        }
        LOG.warn(
            "waiting for the API server {}: no complete list of services, endpoint slices and"
                + " nodes after {}s; still retrying (healthz answers 503 meanwhile)",
            server,
            Duration.between(start, Instant.now()).toSeconds());
        interval = interval.multipliedBy(2);
        if (interval.compareTo(LONGEST_WAIT) > 0) {
          interval = LONGEST_WAIT;
        }
      }
      return false;
    } catch (InterruptedException e) {
      // stop() interrupted the wait: shut down.
      return false;
    } finally {
      synchronized (this) {
        waiter = null;
        // Clears an interrupt from stop() that arrived after the wait ended.
        Thread.interrupted();
      }
    }
  }

  private String masterUrl() {
    try {
      KubernetesClient client = component.kubernetesClient();
      return String.valueOf(client.getMasterUrl());
    } catch (RuntimeException e) {
      return "(unknown address)";
    }
  }

  private void applyConntrack() throws IOException {
    try {
      List<String> changed = conntracker.apply(config.conntrack());
      if (changed.isEmpty()) {
        LOG.info("conntrack settings already as configured");
      }
    } catch (NoSuchFileException e) {
      // Without nf_conntrack there is nothing to size; kube-proxy would fail, but no traffic
      // depends on these settings until the module is loaded.
      LOG.warn("conntrack settings not applied: {} {}", e.getFile(), e.getReason());
    }
  }

  private void shutDown() {
    try {
      if (proxierStarted.get()) {
        proxier.ifPresent(Proxier::stop);
        LOG.info("proxier stopped; IPVS services, addresses and rules left in place");
      }
      watch.ifPresent(ClusterWatch::close);
      events.close();
      serviceStats.ifPresent(IpvsServiceStats::close);
      if (watch.isPresent()) {
        component.kubernetesClient().close();
      }
      servers.close();
    } finally {
      stopped.countDown();
    }
  }
}
