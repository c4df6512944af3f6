package io.kipvs.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.net.InetAddress;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

class WatchEventWarmUpTest {

  @Test
  void readsAWatchEventOfEachWatchedKindAsItsTypedClass() {
    // Not GenericKubernetesResource: the kind map was built, as a watch connection's first event
    // builds it.
    assertThat(WatchEventWarmUp.readEvents(new KubernetesSerialization()))
        .extracting(Object::getClass)
        .containsExactly(Service.class, EndpointSlice.class, EndpointSlice.class, Node.class);
  }

  @Test
  void runsTheTrackerThroughAnEndpointChange() throws Exception {
    // The scratch tracker's snapshot after the change has the changed slice's endpoint: the change
    // was parsed, compared with the slice before it and assembled, as a real change is.
    var ports = WatchEventWarmUp.run(new KubernetesSerialization(), "this-node");
    assertThat(ports).hasSize(1);
    assertThat(ports.get(0).clusterEndpoints())
        .extracting(Endpoint::address, Endpoint::port)
        .containsExactly(Tuple.tuple(InetAddress.getByName("10.0.0.2"), 8080));
  }
}
