package io.kipvs.k8s;

import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;

/**
 * Reads one watch event of each kind kipvs watches, as a watch connection reads them. The first
 * watch event a process reads makes fabric8 build its map of every resource kind it knows (it loads
 * and instantiates about 300 model classes, 500 classes in all): 1.2 s of CPU in a small node,
 * which the first endpoint change after the start waited for (BENCHMARKS.md). The list never builds
 * that map: it reads typed lists.
 */
final class WatchEventWarmUp {
  private static final List<String> OBJECTS =
      List.of(
          "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"warm-up\","
              + "\"namespace\":\"default\",\"resourceVersion\":\"1\"},\"spec\":{\"type\":"
              + "\"ClusterIP\",\"clusterIP\":\"10.96.0.10\",\"ports\":[{\"port\":80,"
              + "\"protocol\":\"TCP\"}]}}",
          "{\"apiVersion\":\"discovery.k8s.io/v1\",\"kind\":\"EndpointSlice\",\"metadata\":"
              + "{\"name\":\"warm-up-1\",\"namespace\":\"default\",\"resourceVersion\":\"1\","
              + "\"labels\":{\"kubernetes.io/service-name\":\"warm-up\"}},\"addressType\":\"IPv4\","
              + "\"endpoints\":[{\"addresses\":[\"10.0.0.1\"],\"conditions\":{\"ready\":true}}],"
              + "\"ports\":[{\"port\":8080,\"protocol\":\"TCP\"}]}",
          "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"warm-up\","
              + "\"resourceVersion\":\"1\"}}");

  private WatchEventWarmUp() {}

  /** The classes the events' objects were read as, in the order Service, EndpointSlice, Node. */
  static List<Class<?>> run(KubernetesSerialization serialization) {
    return OBJECTS.stream()
        .<Class<?>>map(
            o ->
                serialization
                    .unmarshal("{\"type\":\"MODIFIED\",\"object\":" + o + "}", WatchEvent.class)
                    .getObject()
                    .getClass())
        .toList();
  }
}
