package io.kipvs.daemon.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dagger.BindsInstance;
import dagger.Component;
import io.kipvs.k8s.ClusterWatch;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import javax.inject.Singleton;
import org.junit.jupiter.api.Test;

/** The proxier builds from what the daemon's component provides plus ProxyModule, no more. */
class WiringTest {
  @Singleton
  @Component(modules = ProxyModule.class)
  interface TestComponent {
    Proxier proxier();

    Cleanup cleanup();

    SyncHealth health();

    @Component.Factory
    interface Factory {
      TestComponent create(
          @BindsInstance ProxierSettings settings,
          @BindsInstance ClusterWatch watch,
          @BindsInstance PrometheusRegistry registry);
    }
  }

  static ProxierSettings settings() {
    return new ProxierSettings(
        "node-a",
        "rr",
        Duration.ofSeconds(30),
        Duration.ZERO,
        false,
        List.of(),
        Duration.ZERO,
        Duration.ZERO,
        Duration.ZERO,
        false,
        List.of(),
        List.of(),
        "auto",
        Duration.ofMinutes(5),
        Optional.empty());
  }

  @Test
  void buildsWithoutOpeningSockets() {
    PrometheusRegistry registry = new PrometheusRegistry();
    // Never called while only building: any call would fail the test.
    ClusterWatch unused =
        (ClusterWatch)
            java.lang.reflect.Proxy.newProxyInstance(
                ClusterWatch.class.getClassLoader(),
                new Class<?>[] {ClusterWatch.class},
                (proxy, method, args) -> {
                  throw new AssertionError("called " + method.getName());
                });
    TestComponent c = DaggerWiringTest_TestComponent.factory().create(settings(), unused, registry);
    assertThat(c.proxier()).isSameAs(c.proxier());
    assertThat(c.cleanup()).isNotNull();
    assertThat(c.health().healthy(java.time.Instant.now())).isFalse();
    assertThat(registry.scrape().stream().map(m -> m.getMetadata().getPrometheusName()))
        .contains(
            "kubeproxy_sync_proxy_rules_duration_seconds",
            "kubeproxy_network_programming_duration_seconds",
            "kubeproxy_sync_proxy_rules_last_timestamp_seconds",
            "kubeproxy_sync_proxy_rules_endpoint_changes",
            "kubeproxy_sync_proxy_rules_service_changes",
            "kubeproxy_sync_proxy_rules_no_local_endpoints",
            "kipvs_netlink_operations",
            "kipvs_netlink_errors",
            "kipvs_virtual_servers",
            "kipvs_real_servers");
  }
}
