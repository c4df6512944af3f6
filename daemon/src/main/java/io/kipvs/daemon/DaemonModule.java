package io.kipvs.daemon;

import dagger.Module;
import dagger.Provides;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kipvs.daemon.config.DaemonConfig;
import io.kipvs.daemon.http.HealthSource;
import io.kipvs.daemon.proxy.ProxierSettings;
import io.kipvs.daemon.proxy.ProxyMetrics;
import io.kipvs.daemon.proxy.SyncHealth;
import io.kipvs.k8s.ClusterWatch;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Instant;
import java.util.Optional;
import javax.inject.Singleton;

/** What the daemon provides to the proxier's parts: configuration, API access, metrics. */
@Module
interface DaemonModule {
  @Provides
  static ProxierSettings proxierSettings(DaemonConfig config) {
    return config.proxier();
  }

  @Provides
  @Singleton
  static KubernetesClient kubernetesClient(DaemonConfig config) {
    return KubernetesClients.create(config.kubeconfig(), config.master(), config.apiRateLimit());
  }

  @Provides
  @Singleton
  static ClusterWatch clusterWatch(KubernetesClient client, ProxierSettings settings) {
    return ClusterWatch.create(client, settings.nodeName());
  }

  /** Our own registry, never the client library's static default one. */
  @Provides
  @Singleton
  static PrometheusRegistry prometheusRegistry() {
    PrometheusRegistry registry = new PrometheusRegistry();
    JvmMetrics.builder().register(registry);
    return registry;
  }

  @Provides
  static HealthSource healthSource(SyncHealth health, ProxyMetrics metrics) {
    return new HealthSource() {
      @Override
      public Optional<Instant> lastUpdated() {
        return health.lastUpdated();
      }

      @Override
      public boolean healthy(Instant now) {
        return health.healthy(now);
      }

      @Override
      public boolean nodeEligible() {
        return health.nodeEligible();
      }

      @Override
      public void answered(Probe probe, int code) {
        metrics.probeAnswered(probe == Probe.LIVEZ, code);
      }
    };
  }
}
