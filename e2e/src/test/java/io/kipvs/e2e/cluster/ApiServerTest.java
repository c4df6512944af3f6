package io.kipvs.e2e.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.net.ConnectException;
import java.net.Socket;
import org.junit.jupiter.api.Test;

class ApiServerTest {
  @Test
  void anOutageCutsNodesOffAndTheServerComesBackWithItsObjects() throws Exception {
    try (ApiServer api = ApiServer.start()) {
      Workloads k8s = new Workloads(api::client);
      k8s.clusterIpService("kept", "10.96.0.1", 80);
      try (KubernetesClient node =
          new KubernetesClientBuilder()
              .withConfig(
                  new ConfigBuilder().withMasterUrl("http://127.0.0.1:" + api.port()).build())
              .build()) {
        assertThat(node.services().inNamespace("default").withName("kept").get()).isNotNull();
        var informer = node.services().inAnyNamespace().inform();

        api.stop();
        assertThatThrownBy(() -> new Socket("127.0.0.1", api.port()).close())
            .isInstanceOf(ConnectException.class);
        k8s.clusterIpService("during", "10.96.0.2", 80);
        api.restart();

        assertThat(node.services().inNamespace("default").list().getItems())
            .extracting(s -> s.getMetadata().getName())
            .containsExactlyInAnyOrder("kept", "during");
        informer.close();
      }
    }
  }
}
