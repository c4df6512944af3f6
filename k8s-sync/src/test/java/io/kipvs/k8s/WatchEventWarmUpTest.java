package io.kipvs.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;

class WatchEventWarmUpTest {

  @Test
  void readsAWatchEventOfEachWatchedKindAsItsTypedClass() {
    // Not GenericKubernetesResource: the kind map was built, as a watch connection's first event
    // builds it.
    assertThat(WatchEventWarmUp.run(new KubernetesSerialization()))
        .containsExactly(Service.class, EndpointSlice.class, Node.class);
  }
}
