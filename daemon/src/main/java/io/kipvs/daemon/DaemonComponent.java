package io.kipvs.daemon;

import dagger.BindsInstance;
import dagger.Component;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kipvs.daemon.config.DaemonConfig;
import io.kipvs.daemon.http.HealthSource;
import io.kipvs.daemon.proxy.Cleanup;
import io.kipvs.daemon.proxy.Explainer;
import io.kipvs.daemon.proxy.Proxier;
import io.kipvs.daemon.proxy.ProxyMetrics;
import io.kipvs.daemon.proxy.ProxyModule;
import io.kipvs.daemon.proxy.SyncHealth;
import io.kipvs.k8s.ClusterWatch;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import javax.inject.Singleton;

/**
 * The daemon's object graph. Each accessor builds only what it needs, so --cleanup never connects
 * to the API server.
 */
@Singleton
@Component(modules = {DaemonModule.class, ProxyModule.class})
interface DaemonComponent {
  Proxier proxier();

  Cleanup cleanup();

  ClusterWatch clusterWatch();

  KubernetesClient kubernetesClient();

  PrometheusRegistry prometheusRegistry();

  HealthSource health();

  SyncHealth syncHealth();

  ProxyMetrics proxyMetrics();

  Explainer explainer();

  @Component.Factory
  interface Factory {
    DaemonComponent create(@BindsInstance DaemonConfig config);
  }
}
