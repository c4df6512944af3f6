package io.kipvs.daemon.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Issue 16: events about the node as kube-proxy records them, best effort. */
class NodeEventsTest {
  private KubernetesMockServer server;
  private KubernetesClient client;

  @BeforeEach
  void start() {
    // CRUD mode: created objects can be listed back.
    server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            new HashMap<>(),
            new KubernetesCrudDispatcher(),
            false);
    server.init();
    client = server.createClient();
  }

  @AfterEach
  void stop() {
    client.close();
    server.destroy();
  }

  /** Polls for up to 20 s. */
  private static void poll(java.util.function.BooleanSupplier condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition met within 20 s").isLessThan(deadline);
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }

  /** A Starting event lands in the API server with kube-proxy's fields. */
  @Test
  void recordsAnEventAboutTheNodeAsKubeProxy() {
    try (NodeEvents events = new NodeEvents(() -> client, "node-1", Clock.systemUTC())) {
      events.record(NodeEvents.Type.NORMAL, "Starting", "StartKubeProxy", "");
      poll(() -> !client.events().v1().events().inNamespace("default").list().getItems().isEmpty());
    }
    List<Event> items = client.events().v1().events().inNamespace("default").list().getItems();
    assertThat(items).hasSize(1);
    Event e = items.get(0);
    assertThat(e.getMetadata().getName()).matches("node-1\\.[0-9a-f]+");
    assertThat(e.getReason()).isEqualTo("Starting");
    assertThat(e.getAction()).isEqualTo("StartKubeProxy");
    assertThat(e.getType()).isEqualTo("Normal");
    assertThat(e.getReportingController()).isEqualTo("kube-proxy");
    assertThat(e.getReportingInstance()).isEqualTo("kube-proxy-node-1");
    assertThat(e.getRegarding().getKind()).isEqualTo("Node");
    assertThat(e.getRegarding().getName()).isEqualTo("node-1");
    assertThat(e.getRegarding().getUid()).isEqualTo("node-1");
    assertThat(e.getEventTime().getTime())
        .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z");
  }

  @Test
  void theNameAndTimeAreThoseOfClientGosRecorder() {
    NodeEvents events = new NodeEvents(() -> client, "n", Clock.systemUTC());
    Event e =
        events.event(
            NodeEvents.Type.WARNING,
            "FailedToStartProxierHealthcheck",
            "StartKubeProxy",
            "failed",
            Instant.parse("2026-01-02T03:04:05.123456789Z"));
    assertThat(e.getMetadata().getName()).isEqualTo("n." + Long.toHexString(1767323045123456789L));
    assertThat(e.getEventTime().getTime()).isEqualTo("2026-01-02T03:04:05.123456Z");
    assertThat(e.getType()).isEqualTo("Warning");
    events.close();
  }

  /** An API server that refuses events never blocks the caller, however many are recorded. */
  @Test
  void aRefusingApiServerNeverBlocksTheCaller() throws Exception {
    KubernetesMockServer refusing = new KubernetesMockServer(false);
    refusing.init();
    refusing
        .expect()
        .post()
        .withPath("/apis/events.k8s.io/v1/namespaces/default/events")
        .andReply(403, r -> "{\"kind\":\"Status\",\"code\":403}")
        .always();
    try (KubernetesClient refused = refusing.createClient();
        NodeEvents events = new NodeEvents(() -> refused, "node-1", Clock.systemUTC())) {
      long start = System.nanoTime();
      for (int i = 0; i < 1000; i++) {
        events.record(NodeEvents.Type.WARNING, "X", "StartKubeProxy", "n");
      }
      // A refused create takes a round trip; a thousand of them in line would take seconds.
      assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(2));
      poll(() -> refusing.getRequestCount() > 0);
    } finally {
      refusing.destroy();
    }
  }
}
