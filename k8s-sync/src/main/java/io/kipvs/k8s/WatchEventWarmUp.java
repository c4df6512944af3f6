package io.kipvs.k8s;

import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Clock;
import java.util.List;

/**
 * Runs, once and on objects of its own, what the first watch events after a start run for the first
 * time, so that the process does it while idle after its first sync rather than during the first
 * change (BENCHMARKS.md):
 *
 * <ul>
 *   <li>Reading one watch event of each kind kipvs watches, as a watch connection reads them. The
 *       first watch event a process reads makes fabric8 build its map of every resource kind it
 *       knows (it loads and instantiates about 300 model classes, 500 classes in all): 1.2 s of CPU
 *       in a small node. The list never builds that map: it reads typed lists.
 *   <li>A scratch tracker taking a service, its slice and then a changed slice. The informers' list
 *       only adds objects; a change is the first to compare a parsed slice with the one before (the
 *       JVM links each record's {@code equals} at its first call, spinning classes: about 20 ms in
 *       a node) and to read a trigger time.
 * </ul>
 */
final class WatchEventWarmUp {
  private static final String SERVICE =
      "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"warm-up\","
          + "\"namespace\":\"default\",\"resourceVersion\":\"1\"},\"spec\":{\"type\":"
          + "\"ClusterIP\",\"clusterIP\":\"10.96.0.10\",\"clusterIPs\":[\"10.96.0.10\"],"
          + "\"ports\":[{\"name\":\"http\",\"port\":80,\"protocol\":\"TCP\"}]}}";
  private static final String SLICE =
      "{\"apiVersion\":\"discovery.k8s.io/v1\",\"kind\":\"EndpointSlice\",\"metadata\":"
          + "{\"name\":\"warm-up-1\",\"namespace\":\"default\",\"resourceVersion\":\"%d\","
          + "\"labels\":{\"kubernetes.io/service-name\":\"warm-up\"},\"annotations\":"
          + "{\"endpoints.kubernetes.io/last-change-trigger-time\":\"2026-01-01T00:00:0%dZ\"}},"
          + "\"addressType\":\"IPv4\",\"endpoints\":[{\"addresses\":[\"%s\"],\"conditions\":"
          + "{\"ready\":true,\"serving\":true,\"terminating\":false},\"nodeName\":\"elsewhere\"}],"
          + "\"ports\":[{\"name\":\"http\",\"port\":8080,\"protocol\":\"TCP\"}]}";
  private static final String NODE =
      "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"warm-up\","
          + "\"resourceVersion\":\"1\"}}";
  static final ServiceName SERVICE_NAME = new ServiceName("default", "warm-up");

  private WatchEventWarmUp() {}

  /**
   * Both steps; the service's ports as the scratch tracker's snapshot has them after the change.
   */
  static List<ServicePort> run(KubernetesSerialization serialization, String nodeName) {
    List<KubernetesResource> objects = readEvents(serialization);
    ClusterStateTracker tracker =
        new ClusterStateTracker(nodeName, (object, problem) -> {}, Clock.systemUTC());
    tracker.upsertNode((Node) objects.get(3));
    tracker.upsertService((Service) objects.get(0));
    tracker.upsertSlice((EndpointSlice) objects.get(1));
    tracker.takeChanges();
    tracker.upsertService((Service) objects.get(0));
    tracker.upsertSlice((EndpointSlice) objects.get(2));
    return tracker.takeChanges().snapshot().portsOf(SERVICE_NAME);
  }

  /** A service, a slice, the slice changed and a node, each read as the object of a watch event. */
  static List<KubernetesResource> readEvents(KubernetesSerialization serialization) {
    return List.of(
            SERVICE,
            String.format(SLICE, 1, 1, "10.0.0.1"),
            String.format(SLICE, 2, 2, "10.0.0.2"),
            NODE)
        .stream()
        .map(
            o ->
                serialization
                    .unmarshal("{\"type\":\"MODIFIED\",\"object\":" + o + "}", WatchEvent.class)
                    .getObject())
        .toList();
  }
}
