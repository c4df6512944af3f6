package io.kipvs.k8s;

import static io.kipvs.k8s.Fixtures.NODE;
import static io.kipvs.k8s.Fixtures.node;
import static io.kipvs.k8s.Fixtures.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The resync period (kube-proxy's configSyncPeriod) reaches the informers: every cached object is
 * delivered again without any change on the API server. A service with a bad port is reported at
 * each delivery, which makes the re-deliveries visible.
 */
@EnableKubernetesMockClient(crud = true)
class InformerResyncTest {
  KubernetesMockServer server;
  KubernetesClient client;

  /** Counts the reports of one object. */
  private static final class CountingReporter implements BadInputReporter {
    final CountDownLatch reports;

    CountingReporter(int expected) {
      reports = new CountDownLatch(expected);
    }

    @Override
    public void warn(String object, String problem) {
      if (object.equals("Service ns/bad")) {
        reports.countDown();
      }
    }
  }

  @Test
  void cachedObjectsAreDeliveredAgainEveryResyncPeriod() throws InterruptedException {
    client.nodes().resource(node(NODE, "zone-a")).create();
    client
        .services()
        .inNamespace("ns")
        .resource(
            service("ns", "bad").editSpec().editFirstPort().withPort(0).endPort().endSpec().build())
        .create();
    CountingReporter reporter = new CountingReporter(3);
    Clock clock = Clock.systemUTC();
    try (ClusterWatch watch =
        new InformerClusterWatch(
            client,
            NODE,
            new ClusterStateTracker(NODE, reporter, clock),
            reporter,
            Duration.ofSeconds(1))) {
      watch.start();
      assertThat(watch.awaitSynced(Duration.ofSeconds(20))).isTrue();
      // The first list delivers it once; two more reports can only come from resyncs.
      assertThat(reporter.reports.await(20, TimeUnit.SECONDS))
          .as("the unchanged bad service delivered again by resyncs")
          .isTrue();
    }
  }

  @Test
  void negativeResyncPeriodIsRefused() {
    assertThatThrownBy(() -> ClusterWatch.create(client, NODE, Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("resync");
  }
}
