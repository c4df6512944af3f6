package io.kipvs.e2e.proxy;

import io.kipvs.daemon.proxy.Cleanup;
import io.kipvs.daemon.proxy.CommandRunner;
import io.kipvs.daemon.proxy.Proxier;
import io.kipvs.daemon.proxy.ProxierSettings;
import io.kipvs.daemon.proxy.ProxyMetrics;
import io.kipvs.daemon.proxy.SyncHealth;
import io.kipvs.ipset.IpsetClient;
import io.kipvs.ipvs.IpvsClient;
import io.kipvs.k8s.Cidr;
import io.kipvs.k8s.ClusterChanges;
import io.kipvs.k8s.ClusterSnapshot;
import io.kipvs.k8s.ClusterWatch;
import io.kipvs.k8s.Endpoint;
import io.kipvs.k8s.L4Protocol;
import io.kipvs.k8s.ServiceName;
import io.kipvs.k8s.ServicePort;
import io.kipvs.k8s.ServicePortName;
import io.kipvs.k8s.TrafficPolicy;
import io.kipvs.rtnl.RouteNetlinkClient;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Runs the proxier's kernel parts inside a node, against a fixed cluster given on the command line
 * (the Kubernetes side is k8s-sync's, tested on its own): {@code run NODE POD_A POD_B POD_CIDR}
 * programs a TCP service 10.96.0.10:80 (NodePort 30080) over both pods and a UDP service
 * 10.96.0.53:53 over both; the file /run/out/drop-b removes pod B from both (an incremental sync).
 * {@code scale N M PERIOD} programs N services of M endpoints each (endpoints without pods: only
 * the programming is measured), full sync every PERIOD seconds; /run/out/drop-b then removes one
 * endpoint of one service. {@code cleanup} runs --cleanup.
 */
public final class ProxierNodeMain {
  static final Duration SYNC_PERIOD = Duration.ofSeconds(3);

  private ProxierNodeMain() {}

  public static void main(String[] args) throws Exception {
    boolean scale = args[0].equals("scale");
    ProxierSettings settings =
        new ProxierSettings(
            scale ? "node" : args.length > 1 ? args[1] : "node",
            "rr",
            scale ? Duration.ofSeconds(Integer.parseInt(args[3])) : SYNC_PERIOD,
            Duration.ZERO,
            false,
            List.of(new Cidr(InetAddress.getByName("10.200.0.0"), 16)),
            Duration.ZERO,
            Duration.ZERO,
            Duration.ZERO,
            false,
            !scale && args.length > 4 ? List.of(cidr(args[4])) : List.of(),
            List.of(),
            "legacy",
            Duration.ofSeconds(20),
            Optional.empty());
    if (args[0].equals("cleanup")) {
      new Cleanup(
              settings,
              IpvsClient::open,
              RouteNetlinkClient::open,
              IpsetClient::open,
              new CommandRunner())
          .run();
      System.out.println("cleanup done");
      return;
    }
    FixedClusterWatch watch;
    InetAddress podA = null;
    int services = 0;
    int endpoints = 0;
    if (scale) {
      services = Integer.parseInt(args[1]);
      endpoints = Integer.parseInt(args[2]);
      watch = new FixedClusterWatch(manyServices(services, endpoints, -1));
    } else {
      podA = InetAddress.getByName(args[2]);
      InetAddress podB = InetAddress.getByName(args[3]);
      watch = new FixedClusterWatch(cluster(podA, Optional.of(podB)));
    }
    SyncHealth health = new SyncHealth(settings);
    Proxier proxier =
        new Proxier(
            settings,
            watch,
            new ProxyMetrics(new PrometheusRegistry()),
            health,
            IpvsClient::open,
            RouteNetlinkClient::open,
            IpsetClient::open,
            new CommandRunner(),
            Clock.systemUTC());
    Runtime.getRuntime().addShutdownHook(new Thread(proxier::stop));
    proxier.start();
    System.out.println("proxier started");
    boolean saidHealthy = false;
    boolean dropped = false;
    while (true) {
      if (!saidHealthy && health.healthy(Instant.now())) {
        System.out.println("proxier healthy");
        saidHealthy = true;
      }
      if (!dropped && Files.exists(Path.of("/run/out/drop-b"))) {
        dropped = true;
        if (scale) {
          // One endpoint of one service goes away: an incremental sync of one service.
          watch.change(
              manyServices(services, endpoints, 0), Set.of(new ServiceName("scale", "svc-0")));
        } else {
          watch.change(
              cluster(podA, Optional.empty()),
              Set.of(new ServiceName("default", "web"), new ServiceName("kube-system", "dns")));
        }
        System.out.println("pod B dropped");
      }
      Thread.sleep(100);
    }
  }

  /**
   * Services svc-0..svc-(n-1) in namespace scale, cluster IP 10.96.0.0/16 + i, each with m
   * endpoints in 10.128.0.0/9; service number {@code shrink} has one endpoint fewer.
   */
  static List<ServicePort> manyServices(int n, int m, int shrink) throws Exception {
    List<ServicePort> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      List<Endpoint> eps = new ArrayList<>(m);
      for (int j = 0; j < (i == shrink ? m - 1 : m); j++) {
        int k = i * m + j;
        // Endpoints on other nodes, as nearly all are in a large cluster (local ones also go
        // into KUBE-LOOP-BACK).
        eps.add(
            new Endpoint(
                InetAddress.getByAddress(
                    new byte[] {10, (byte) (128 + (k >> 16)), (byte) (k >> 8), (byte) k}),
                8080,
                true,
                true,
                false,
                Optional.of("other"),
                Optional.empty(),
                false));
      }
      out.add(
          new ServicePort(
              new ServicePortName(new ServiceName("scale", "svc-" + i), "", L4Protocol.TCP),
              List.of(InetAddress.getByAddress(new byte[] {10, 96, (byte) (i >> 8), (byte) i})),
              80,
              OptionalInt.empty(),
              List.of(),
              List.of(),
              List.of(),
              OptionalInt.empty(),
              TrafficPolicy.CLUSTER,
              TrafficPolicy.CLUSTER,
              OptionalInt.empty(),
              Optional.empty(),
              Optional.empty(),
              eps,
              eps,
              true));
    }
    return out;
  }

  static Cidr cidr(String s) throws Exception {
    String[] p = s.split("/");
    return new Cidr(InetAddress.getByName(p[0]), Integer.parseInt(p[1]));
  }

  static List<ServicePort> cluster(InetAddress podA, Optional<InetAddress> podB) throws Exception {
    List<Endpoint> web = new ArrayList<>();
    web.add(endpoint(podA));
    podB.ifPresent(b -> web.add(endpoint(b)));
    ServicePort http =
        new ServicePort(
            new ServicePortName(new ServiceName("default", "web"), "http", L4Protocol.TCP),
            List.of(InetAddress.getByName("10.96.0.10")),
            80,
            OptionalInt.of(30080),
            List.of(),
            List.of(),
            List.of(),
            OptionalInt.empty(),
            TrafficPolicy.CLUSTER,
            TrafficPolicy.CLUSTER,
            OptionalInt.empty(),
            Optional.empty(),
            Optional.empty(),
            web,
            web,
            true);
    ServicePort dns =
        new ServicePort(
            new ServicePortName(new ServiceName("kube-system", "dns"), "dns", L4Protocol.UDP),
            List.of(InetAddress.getByName("10.96.0.53")),
            53,
            OptionalInt.empty(),
            List.of(),
            List.of(),
            List.of(),
            OptionalInt.empty(),
            TrafficPolicy.CLUSTER,
            TrafficPolicy.CLUSTER,
            OptionalInt.empty(),
            Optional.empty(),
            Optional.empty(),
            web,
            web,
            true);
    return List.of(http, dns);
  }

  static Endpoint endpoint(InetAddress pod) {
    return new Endpoint(pod, 8080, true, true, false, Optional.of("node"), Optional.empty(), true);
  }

  /** The cluster as given: one snapshot, replaced on demand with one changed service. */
  static final class FixedClusterWatch implements ClusterWatch {
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private volatile List<ServicePort> ports;
    private volatile Set<ServiceName> changed;

    FixedClusterWatch(List<ServicePort> ports) {
      this.ports = ports;
      this.changed = Set.of();
    }

    synchronized void change(List<ServicePort> newPorts, Set<ServiceName> services) {
      ports = newPorts;
      changed = services;
      listeners.forEach(Runnable::run);
    }

    @Override
    public void start() {}

    @Override
    public boolean hasSynced() {
      return true;
    }

    @Override
    public boolean awaitSynced(Duration timeout) {
      return true;
    }

    @Override
    public void addChangeListener(Runnable listener) {
      listeners.add(listener);
    }

    @Override
    public synchronized ClusterChanges takeChanges() {
      ClusterChanges c = new ClusterChanges(snapshot(), changed, false, Map.of(), Optional.empty());
      changed = Set.of();
      return c;
    }

    // No watch: its snapshots come from the test.
    @Override
    public void prepareForEvents() {}

    @Override
    public ClusterSnapshot snapshot() {
      List<ServicePort> now = ports;
      return new ClusterSnapshot() {
        @Override
        public Collection<ServicePort> ports() {
          return now;
        }

        @Override
        public List<ServicePort> portsOf(ServiceName service) {
          return now.stream().filter(p -> p.name().service().equals(service)).toList();
        }

        @Override
        public int serviceCount() {
          return (int) now.stream().map(p -> p.name().service()).distinct().count();
        }

        @Override
        public Optional<String> nodeZone() {
          return Optional.empty();
        }

        @Override
        public Map<String, String> nodeLabels() {
          return Map.of();
        }
      };
    }

    @Override
    public void close() {}
  }
}
