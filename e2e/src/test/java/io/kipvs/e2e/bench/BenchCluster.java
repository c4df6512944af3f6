package io.kipvs.e2e.bench;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.kipvs.e2e.cluster.Workloads;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiConsumer;

/**
 * The benchmark's cluster in the mock API server: {@code services} ClusterIP services of one TCP
 * port, each with one EndpointSlice of {@code endpoints} ready endpoints on another node. Service i
 * has cluster IP 10.96.0.0 + 1 + i; its endpoints are 10.128.0.0 + i * endpoints + j (routed in the
 * node through a dummy link, 10.128.0.0/9). Replacement endpoints come from 10.192.0.0 up.
 */
final class BenchCluster {
  static final int PORT = 80;
  static final int TARGET_PORT = 8080;
  static final String OTHER_NODE = "elsewhere";
  private static final String TRIGGER_TIME = "endpoints.kubernetes.io/last-change-trigger-time";

  private final KubernetesClient client;
  private final Workloads k8s;
  private final int services;
  private final int endpoints;
  // Updates carry the version they replace, so that each is one PUT (no GET first).
  private final Map<Integer, String> sliceVersions = new ConcurrentHashMap<>();

  BenchCluster(KubernetesClient client, int services, int endpoints) {
    this.client = client;
    this.k8s = new Workloads(() -> client);
    this.services = services;
    this.endpoints = endpoints;
  }

  static String clusterIp(int service) {
    return ip(0x0a600000 + 1 + service);
  }

  static String endpointIp(int service, int endpoint, int endpoints) {
    return ip(0x0a800000 + service * endpoints + endpoint);
  }

  static String replacementIp(int change) {
    return ip(0x0ac00000 + 1 + change);
  }

  static String name(int service) {
    return "svc-" + service;
  }

  private static String ip(int v) {
    return (v >>> 24) + "." + ((v >>> 16) & 255) + "." + ((v >>> 8) & 255) + "." + (v & 255);
  }

  /** Creates every service and slice with parallel requests; returns how long it took. */
  Duration populate(int threads) throws Exception {
    long start = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int first = t;
        done.add(
            pool.submit(
                () -> {
                  for (int i = first; i < services; i += threads) {
                    createService(i);
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    return Duration.ofNanos(System.nanoTime() - start);
  }

  private void createService(int i) {
    Service service =
        k8s.serviceBuilder(name(i), clusterIp(i), Workloads.tcp(PORT, TARGET_PORT)).build();
    client.services().inNamespace(Workloads.NAMESPACE).resource(service).create();
    List<String> ips = new ArrayList<>();
    for (int j = 0; j < endpoints; j++) {
      ips.add(endpointIp(i, j, endpoints));
    }
    EndpointSlice created =
        client
            .discovery()
            .v1()
            .endpointSlices()
            .inNamespace(Workloads.NAMESPACE)
            .resource(slice(i, ips, null))
            .create();
    sliceVersions.put(i, created.getMetadata().getResourceVersion());
  }

  /**
   * Replaces the last endpoint of a service by {@code newIp}, stamped with the trigger-time
   * annotation the endpoint slice controller writes (here: the moment of this write).
   */
  void replaceLastEndpoint(int service, String newIp, Instant trigger) {
    List<String> ips = new ArrayList<>();
    for (int j = 0; j < endpoints - 1; j++) {
      ips.add(endpointIp(service, j, endpoints));
    }
    ips.add(newIp);
    EndpointSlice slice = slice(service, ips, trigger);
    slice.getMetadata().setResourceVersion(sliceVersions.get(service));
    EndpointSlice updated =
        client
            .discovery()
            .v1()
            .endpointSlices()
            .inNamespace(Workloads.NAMESPACE)
            .resource(slice)
            .update();
    sliceVersions.put(service, updated.getMetadata().getResourceVersion());
  }

  /**
   * Creates an EndpointSlice that kipvs skips (it names another proxy in {@code
   * service.kubernetes.io/service-proxy-name}) and writes it this many times: the mock API server's
   * update path for slices, its watch events to every slice watcher and the host client's update
   * path all run before the timed writes. A ConfigMap warmed only the generic path: the first timed
   * slice update at 10,000 services still took 977 ms on the host.
   */
  void warmUpWrites(int writes) {
    var slices = client.discovery().v1().endpointSlices().inNamespace(Workloads.NAMESPACE);
    EndpointSlice slice = slice(0, List.of(endpointIp(0, 0, endpoints)), null);
    slice.getMetadata().setName("bench-warm-up");
    slice
        .getMetadata()
        .setLabels(
            Map.of(
                "kubernetes.io/service-name",
                "bench-warm-up",
                "service.kubernetes.io/service-proxy-name",
                "bench-warm-up"));
    slice = slices.resource(slice).create();
    for (int i = 1; i <= writes; i++) {
      slice.getEndpoints().get(0).setAddresses(List.of(replacementIp(i)));
      slice = slices.resource(slice).update();
    }
  }

  /**
   * Watches the slices from the host, as the daemon does from the node: {@code arrived} gets each
   * modified slice's name and the epoch microseconds its event reached the host, i.e. just after
   * the API server committed the write and sent it to every watcher.
   */
  Watch watchSliceUpdates(BiConsumer<String, Long> arrived) {
    return client
        .discovery()
        .v1()
        .endpointSlices()
        .inNamespace(Workloads.NAMESPACE)
        .watch(
            new Watcher<EndpointSlice>() {
              @Override
              public void eventReceived(Action action, EndpointSlice slice) {
                Instant now = Instant.now();
                if (action == Action.MODIFIED) {
                  arrived.accept(
                      slice.getMetadata().getName(),
                      now.getEpochSecond() * 1_000_000 + now.getNano() / 1000);
                }
              }

              @Override
              public void onClose(WatcherException cause) {}
            });
  }

  private EndpointSlice slice(int service, List<String> ips, Instant trigger) {
    List<Endpoint> list =
        ips.stream()
            .map(
                ip ->
                    new EndpointBuilder()
                        .withAddresses(ip)
                        .withNodeName(OTHER_NODE)
                        .withNewConditions()
                        .withReady(true)
                        .withServing(true)
                        .withTerminating(false)
                        .endConditions()
                        .build())
            .toList();
    return new EndpointSliceBuilder()
        .withNewMetadata()
        .withName(name(service))
        .withNamespace(Workloads.NAMESPACE)
        .withLabels(
            Map.of(
                "kubernetes.io/service-name",
                name(service),
                "endpointslice.kubernetes.io/managed-by",
                "endpointslice-controller.k8s.io"))
        .withAnnotations(trigger == null ? Map.of() : Map.of(TRIGGER_TIME, trigger.toString()))
        .endMetadata()
        .withAddressType("IPv4")
        .withEndpoints(list)
        .addNewPort()
        .withName("http")
        .withProtocol("TCP")
        .withPort(TARGET_PORT)
        .endPort()
        .build();
  }
}
