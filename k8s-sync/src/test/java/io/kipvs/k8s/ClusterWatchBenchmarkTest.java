package io.kipvs.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.FieldsV1;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockServerException;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Start-up of the informer-backed watch at scale, against the mock API server in CRUD mode: N
 * services of one TCP port, each with one slice of 10 ready endpoints on another node, as the
 * daemon benchmark ({@code e2e/.../bench/BenchCluster}) builds them. Prints the time to list, from
 * listed to synced, the first snapshot, and the heap the watch keeps; asserts only that the
 * snapshot is complete. References in the same run: a plain list of the same objects through the
 * same client, and the heap that list's objects take when kept.
 *
 * <p>1,000 services by default (it runs with the tests); {@code -Dkipvs.bench.services=10000} for
 * the scale, {@code -Dkipvs.bench.realisticMetadata=true} to give every object what a real
 * API server adds (managedFields, owner references, kubectl's last-applied annotation), and {@code
 * -Dkipvs.bench.histogram=true} to print the top of the heap histogram while watching.
 */
class ClusterWatchBenchmarkTest {
  private static final Logger MOCK_LOG = Logger.getLogger("okhttp3.mockwebserver");

  static {
    MOCK_LOG.setLevel(Level.WARNING);
  }

  private static final int ENDPOINTS = 10;
  private static final String NAMESPACE = "bench";

  private final KubernetesCrudDispatcher dispatcher = new KubernetesCrudDispatcher();
  private final KubernetesAttributesExtractor attributes = new KubernetesAttributesExtractor();
  private KubernetesMockServer server;
  private KubernetesClient client;

  @BeforeEach
  void startServer() {
    server =
        new KubernetesMockServer(
            new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
    server.init();
    client = server.createClient();
  }

  @AfterEach
  void stopServer() {
    client.close();
    try {
      server.destroy();
    } catch (MockServerException e) {
      // On a loaded machine its executor can outlast the server's patience; nothing is measured.
      System.err.println("mock API server did not stop in time: " + e.getMessage());
    }
  }

  @Test
  void startUpAtScale() throws Exception {
    int services = Integer.getInteger("kipvs.bench.services", 1_000);
    boolean realistic = Boolean.getBoolean("kipvs.bench.realisticMetadata");
    long populateStart = System.nanoTime();
    populate(services, realistic);
    long populateMillis = millisSince(populateStart);
    client.nodes().resource(Fixtures.node(Fixtures.NODE, "zone-a")).create();

    long heapBefore = liveHeap();
    InformerClusterWatch watch = (InformerClusterWatch) ClusterWatch.create(client, Fixtures.NODE);
    long cpuStart = processCpuNanos();
    long start = System.nanoTime();
    watch.start();
    // The moment the list completes, not when this thread next runs.
    long listed = watch.listed().thenApply(v -> System.nanoTime()).get(10, TimeUnit.MINUTES);
    assertThat(watch.awaitSynced(Duration.ofMinutes(10))).isTrue();
    long synced = System.nanoTime();
    ClusterSnapshot first = watch.takeChanges().snapshot();
    long snapshotted = System.nanoTime();
    assertThat(first.serviceCount()).isEqualTo(services);
    assertThat(first.ports()).allSatisfy(p -> assertThat(p.clusterEndpoints()).hasSize(ENDPOINTS));
    long heapWatching = liveHeap();
    long cpuMillis = (processCpuNanos() - cpuStart) / 1_000_000;
    if (Boolean.getBoolean("kipvs.bench.histogram")) {
      printHistogram();
    }

    watch.close();

    // References, same run: the same lists through the same client, and the heap their objects
    // take when kept whole (which is what an informer's cache keeps).
    long heapClosed = liveHeap();
    long refStart = System.nanoTime();
    List<Service> listedServices = client.services().inAnyNamespace().list().getItems();
    List<EndpointSlice> listedSlices =
        client.discovery().v1().endpointSlices().inAnyNamespace().list().getItems();
    long refMillis = millisSince(refStart);
    long heapListKept = liveHeap() - heapClosed;
    assertThat(listedServices).hasSize(services);
    assertThat(listedSlices).hasSize(services);
    Reference.reachabilityFence(listedServices);
    Reference.reachabilityFence(listedSlices);
    Reference.reachabilityFence(first);

    System.out.printf(
        Locale.ROOT,
        "k8s-sync start-up benchmark: %d services x %d endpoints (%d objects)%s%n"
            + "  mock API server populated in %d ms (not timed below)%n"
            + "  start to listed (informers' first list): %7d ms%n"
            + "  listed to synced (every object in the tracker): %7d ms%n"
            + "  first snapshot: %7d ms%n"
            + "  start to first snapshot: %7d ms%n"
            + "  CPU time of this JVM (mock server included), start to first snapshot: %7d ms%n"
            + "  heap kept by the watch (live heap after GC, watching minus before): %6.1f MB%n"
            + "  reference: plain list of the same services and slices: %7d ms%n"
            + "  reference: heap of those listed objects, kept whole: %6.1f MB%n",
        services,
        ENDPOINTS,
        2 * services,
        realistic ? ", realistic metadata" : "",
        populateMillis,
        millis(listed - start),
        millis(synced - listed),
        millis(snapshotted - synced),
        millis(snapshotted - start),
        cpuMillis,
        (heapWatching - heapBefore) / 1e6,
        refMillis,
        heapListKept / 1e6);
  }

  /**
   * Stores every object in the CRUD dispatcher as its create handler does (resourceVersion, uid,
   * creationTimestamp; the same attributes for selectors), without the handler's scan of every
   * stored object per create, which takes minutes at 20,000 objects on a loaded machine.
   */
  private void populate(int services, boolean realistic) {
    for (int i = 0; i < services; i++) {
      store("/api/v1/namespaces/" + NAMESPACE + "/services", service(i, realistic));
      store(
          "/apis/discovery.k8s.io/v1/namespaces/" + NAMESPACE + "/endpointslices",
          slice(i, realistic));
    }
  }

  private void store(String path, HasMetadata object) {
    object.getMetadata().setUid(UUID.randomUUID().toString());
    object.getMetadata().setResourceVersion(Long.toString(dispatcher.requestResourceVersion()));
    object.getMetadata().setCreationTimestamp("2026-11-25T05:00:00Z");
    AttributeSet key =
        AttributeSet.merge(
            attributes.fromPath(path).add(new Attribute("name", object.getMetadata().getName())),
            attributes.extract(object));
    dispatcher.getMap().put(key, client.getKubernetesSerialization().asJson(object));
  }

  private static Service service(int i, boolean realistic) {
    String ip = ip(0x0a600000 + 1 + i);
    Service service =
        new ServiceBuilder()
            .withNewMetadata()
            .withName(name(i))
            .withNamespace(NAMESPACE)
            .endMetadata()
            .withNewSpec()
            .withType("ClusterIP")
            .withClusterIP(ip)
            .withClusterIPs(ip)
            .addNewPort()
            .withName("http")
            .withProtocol("TCP")
            .withPort(80)
            .withTargetPort(new IntOrString(8080))
            .endPort()
            .endSpec()
            .build();
    if (realistic) {
      // kubectl apply leaves the applied object as an annotation and one managedFields entry.
      service
          .getMetadata()
          .setAnnotations(
              Map.of(
                  "kubectl.kubernetes.io/last-applied-configuration",
                  "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"annotations\":{},"
                      + "\"name\":\""
                      + name(i)
                      + "\",\"namespace\":\""
                      + NAMESPACE
                      + "\"},\"spec\":{\"ports\":[{\"name\":\"http\",\"port\":80,\"protocol\":"
                      + "\"TCP\",\"targetPort\":8080}],\"selector\":{\"app\":\""
                      + name(i)
                      + "\"}}}\n"));
      service.getMetadata().setLabels(Map.of("app", name(i)));
      service.getSpec().setSelector(Map.of("app", name(i)));
      service.getSpec().setSessionAffinity("None");
      service.getSpec().setIpFamilies(List.of("IPv4"));
      service.getSpec().setIpFamilyPolicy("SingleStack");
      service.getSpec().setInternalTrafficPolicy("Cluster");
      service
          .getMetadata()
          .setManagedFields(
              List.of(
                  managed(
                      "kubectl-client-side-apply",
                      fields(
                          "f:metadata",
                          fields(
                              "f:annotations",
                              fields(
                                  ".",
                                  Map.of(),
                                  "f:kubectl.kubernetes.io/last-applied-" + "configuration",
                                  Map.of()),
                              "f:labels",
                              fields(".", Map.of(), "f:app", Map.of())),
                          "f:spec",
                          fields(
                              "f:internalTrafficPolicy",
                              Map.of(),
                              "f:ports",
                              fields(
                                  ".",
                                  Map.of(),
                                  "k:{\"port\":80,\"protocol\":\"TCP\"}",
                                  fields(
                                      ".",
                                      Map.of(),
                                      "f:name",
                                      Map.of(),
                                      "f:port",
                                      Map.of(),
                                      "f:protocol",
                                      Map.of(),
                                      "f:targetPort",
                                      Map.of())),
                              "f:selector",
                              Map.of(),
                              "f:sessionAffinity",
                              Map.of(),
                              "f:type",
                              Map.of())))));
    }
    return service;
  }

  private static EndpointSlice slice(int i, boolean realistic) {
    List<Endpoint> endpoints = new ArrayList<>();
    for (int j = 0; j < ENDPOINTS; j++) {
      EndpointBuilder endpoint =
          new EndpointBuilder()
              .withAddresses(ip(0x0a800000 + i * ENDPOINTS + j))
              .withNodeName("elsewhere")
              .withNewConditions()
              .withReady(true)
              .withServing(true)
              .withTerminating(false)
              .endConditions();
      if (realistic) {
        endpoint
            .withNewTargetRef()
            .withKind("Pod")
            .withNamespace(NAMESPACE)
            .withName(name(i) + "-7c9f8d6b5-" + j + "x2kq")
            .withUid(uid(i * ENDPOINTS + j))
            .endTargetRef();
      }
      endpoints.add(endpoint.build());
    }
    EndpointSlice slice =
        new EndpointSliceBuilder()
            .withNewMetadata()
            .withName(name(i))
            .withNamespace(NAMESPACE)
            .withLabels(
                Map.of(
                    SliceTranslation.SERVICE_NAME_LABEL,
                    name(i),
                    "endpointslice.kubernetes.io/managed-by",
                    "endpointslice-controller.k8s.io"))
            .endMetadata()
            .withAddressType("IPv4")
            .withEndpoints(endpoints)
            .addNewPort()
            .withName("http")
            .withProtocol("TCP")
            .withPort(8080)
            .endPort()
            .build();
    if (realistic) {
      slice
          .getMetadata()
          .setAnnotations(
              Map.of(ClusterStateTracker.TRIGGER_TIME_ANNOTATION, "2026-11-25T05:00:00Z"));
      slice.getMetadata().setGenerateName(name(i) + "-");
      slice
          .getMetadata()
          .setOwnerReferences(
              List.of(
                  new OwnerReferenceBuilder()
                      .withApiVersion("v1")
                      .withKind("Service")
                      .withName(name(i))
                      .withUid(uid(-1 - i))
                      .withController(true)
                      .withBlockOwnerDeletion(true)
                      .build()));
      slice
          .getMetadata()
          .setManagedFields(
              List.of(
                  managed(
                      "kube-controller-manager",
                      fields(
                          "f:addressType",
                          Map.of(),
                          "f:endpoints", // an atomic list: no entry per endpoint
                          Map.of(),
                          "f:metadata",
                          fields(
                              "f:annotations",
                              fields(
                                  ".",
                                  Map.of(),
                                  "f:" + ClusterStateTracker.TRIGGER_TIME_ANNOTATION,
                                  Map.of()),
                              "f:generateName",
                              Map.of(),
                              "f:labels",
                              fields(
                                  ".", Map.of(),
                                  "f:endpointslice.kubernetes.io/managed-by", Map.of(),
                                  "f:kubernetes.io/service-name", Map.of()),
                              "f:ownerReferences",
                              fields(".", Map.of())),
                          "f:ports",
                          Map.of()))));
    }
    return slice;
  }

  private static ManagedFieldsEntry managed(String manager, Map<String, Object> fields) {
    FieldsV1 v1 = new FieldsV1();
    fields.forEach(v1::setAdditionalProperty);
    return new ManagedFieldsEntryBuilder()
        .withManager(manager)
        .withOperation("Update")
        .withApiVersion("v1")
        .withTime("2026-11-25T05:00:00Z")
        .withFieldsType("FieldsV1")
        .withFieldsV1(v1)
        .build();
  }

  private static Map<String, Object> fields(Object... keysAndValues) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (int k = 0; k < keysAndValues.length; k += 2) {
      map.put((String) keysAndValues[k], keysAndValues[k + 1]);
    }
    return map;
  }

  private static String uid(int n) {
    return String.format(Locale.ROOT, "3f1c2b7a-%04x-4d2e-9b1a-%012x", n & 0xffff, n & 0xffffffffL);
  }

  private static String name(int i) {
    return "svc-" + i;
  }

  private static String ip(int v) {
    return (v >>> 24) + "." + ((v >>> 16) & 255) + "." + ((v >>> 8) & 255) + "." + (v & 255);
  }

  private static long liveHeap() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** CPU time, which a loaded machine inflates less than wall time. */
  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** The top of this JVM's heap histogram, from jcmd (which runs a full GC first). */
  private static void printHistogram() throws Exception {
    Process jcmd =
        new ProcessBuilder(
                "jcmd", Long.toString(ProcessHandle.current().pid()), "GC.class_histogram")
            .redirectErrorStream(true)
            .start();
    try (var lines = jcmd.inputReader().lines()) {
      lines.limit(28).forEach(line -> System.out.println("  histogram: " + line));
    }
    jcmd.waitFor(1, TimeUnit.MINUTES);
  }

  private static long millisSince(long start) {
    return millis(System.nanoTime() - start);
  }

  private static long millis(long nanos) {
    return nanos / 1_000_000;
  }
}
