package io.kipvs.daemon.proxy;

import io.kipvs.ipset.IpsetClient;
import io.kipvs.ipvs.IpvsClient;
import io.kipvs.ipvs.IpvsTimeouts;
import io.kipvs.ipvs.NetlinkException;
import io.kipvs.k8s.ClusterWatch;
import io.kipvs.rtnl.RouteNetlinkClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.inject.Inject;
import javax.inject.Provider;
import javax.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the kernel equal to what the cluster wants: prepares the node ({@link #start()}), then runs
 * the sync loop on its own thread and the drain loop beside it.
 */
@Singleton
public final class Proxier {
  private static final Logger LOG = LoggerFactory.getLogger(Proxier.class);
  static final Duration DRAIN_CHECK_PERIOD = Duration.ofSeconds(5);

  private final ProxierSettings settings;
  private final ClusterWatch watch;
  private final ProxyMetrics metrics;
  private final SyncHealth health;
  private final Provider<IpvsClient> ipvsClients;
  private final Provider<RouteNetlinkClient> routeClients;
  private final Provider<IpsetClient> ipsetClients;
  private final CommandRunner runner;
  private final Clock clock;
  private final Path sysctlRoot;
  private final Duration drainCheckPeriod;

  private IpvsClient syncIpvs;
  private IpvsClient drainIpvs;
  private RouteNetlinkClient rtnl;
  private IpsetClient ipset;
  private SyncLoop loop;
  private Thread loopThread;
  private ScheduledExecutorService drainExecutor;
  private HealthCheckServers healthCheckServers;

  @Inject
  public Proxier(
      ProxierSettings settings,
      ClusterWatch watch,
      ProxyMetrics metrics,
      SyncHealth health,
      Provider<IpvsClient> ipvsClients,
      Provider<RouteNetlinkClient> routeClients,
      Provider<IpsetClient> ipsetClients,
      CommandRunner runner,
      Clock clock) {
    this(
        settings,
        watch,
        metrics,
        health,
        ipvsClients,
        routeClients,
        ipsetClients,
        runner,
        clock,
        Path.of("/proc/sys"),
        DRAIN_CHECK_PERIOD);
  }

  Proxier(
      ProxierSettings settings,
      ClusterWatch watch,
      ProxyMetrics metrics,
      SyncHealth health,
      Provider<IpvsClient> ipvsClients,
      Provider<RouteNetlinkClient> routeClients,
      Provider<IpsetClient> ipsetClients,
      CommandRunner runner,
      Clock clock,
      Path sysctlRoot,
      Duration drainCheckPeriod) {
    this.settings = settings;
    this.watch = watch;
    this.metrics = metrics;
    this.health = health;
    this.ipvsClients = ipvsClients;
    this.routeClients = routeClients;
    this.ipsetClients = ipsetClients;
    this.runner = runner;
    this.clock = clock;
    this.sysctlRoot = sysctlRoot;
    this.drainCheckPeriod = drainCheckPeriod;
  }

  /**
   * Prepares the node (IPVS sockets, sysctls, IPVS timeouts, kube-ipvs0, the ipsets) and starts the
   * loops; returns at once, before the informers have synced.
   *
   * @throws io.kipvs.ipvs.IpvsUnavailableException when the kernel has no IPVS
   * @throws MissingCapabilityException when the process may not change the network configuration
   * @throws SchedulerUnavailableException when the kernel lacks the default scheduler
   */
  public synchronized void start() {
    if (loopThread != null) {
      throw new IllegalStateException("proxier already started");
    }
    try {
      syncIpvs = ipvsClients.get();
      drainIpvs = ipvsClients.get();
      rtnl = routeClients.get();
      ipset = ipsetClients.get();
      LOG.info("IPVS {} found", syncIpvs.info().versionString());
      SchedulerProbe.check(syncIpvs, settings.scheduler());
      Sysctls sysctls = new Sysctls(sysctlRoot);
      sysctls.apply(Sysctls.wanted(settings.strictArp(), sysctls.kernelVersion()));
      setTimeouts();
      KubeIpvs0 link = new KubeIpvs0(rtnl);
      link.ensure();
      IptablesBackend backend = IptablesBackend.select(settings.iptablesBackend(), runner);
      boolean randomFully = backend.supportsRandomFully(runner);
      Netfilter netfilter =
          new Netfilter(
              runner,
              ipset,
              backend,
              settings.masqueradeAll(),
              settings.clusterCidrs(),
              randomFully);
      LOG.info(
          "Using the {} iptables backend ({} --random-fully)",
          backend.name(),
          randomFully ? "with" : "without");
      DrainTracker drains = new DrainTracker();
      healthCheckServers = new HealthCheckServers("0.0.0.0", () -> health.healthy(clock.instant()));
      loop =
          new SyncLoop(
              settings,
              watch,
              metrics,
              health,
              syncIpvs,
              link,
              netfilter,
              new Conntrack(runner),
              drains,
              healthCheckServers,
              clock);
      DrainLoop drain =
          new DrainLoop(drainIpvs, drains, settings.maxDrain(), clock, loop.writeLock());
      drainExecutor =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "kipvs-drain");
                t.setDaemon(true);
                return t;
              });
      // Before the sync loop starts, so that every real server it marks draining wakes the check.
      drains.onDraining(
          new DrainSchedule(drainExecutor, drain::check, drainCheckPeriod, drains)::wake);
      watch.addChangeListener(loop::signal);
      loopThread = new Thread(loop::run, "kipvs-sync");
      loopThread.start();
    } catch (NetlinkException e) {
      closeClients();
      if (e.errno() == 1) {
        throw new MissingCapabilityException(e);
      }
      throw e;
    } catch (RuntimeException e) {
      closeClients();
      throw e;
    }
  }

  /** Stops the loops and closes the sockets, leaving every rule in place. */
  public synchronized void stop() {
    if (loop != null) {
      loop.stop();
    }
    if (loopThread != null) {
      loopThread.interrupt();
      try {
        loopThread.join(Duration.ofSeconds(30).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (drainExecutor != null) {
      drainExecutor.shutdownNow();
      try {
        drainExecutor.awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (healthCheckServers != null) {
      healthCheckServers.close();
    }
    closeClients();
  }

  private void setTimeouts() {
    IpvsTimeouts t =
        new IpvsTimeouts(
            (int) settings.tcpTimeout().toSeconds(),
            (int) settings.tcpFinTimeout().toSeconds(),
            (int) settings.udpTimeout().toSeconds());
    if (t.tcpSeconds() != 0 || t.tcpFinSeconds() != 0 || t.udpSeconds() != 0) {
      syncIpvs.setTimeouts(t);
      LOG.info(
          "Set IPVS timeouts tcp={}s tcpfin={}s udp={}s (0 leaves the kernel's)",
          t.tcpSeconds(),
          t.tcpFinSeconds(),
          t.udpSeconds());
    }
  }

  private void closeClients() {
    for (AutoCloseable c : new AutoCloseable[] {syncIpvs, drainIpvs, rtnl, ipset}) {
      if (c != null) {
        try {
          c.close();
        } catch (Exception e) {
          LOG.debug("closing netlink socket", e);
        }
      }
    }
    syncIpvs = null;
    drainIpvs = null;
    rtnl = null;
    ipset = null;
  }
}
