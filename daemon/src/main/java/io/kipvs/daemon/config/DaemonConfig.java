package io.kipvs.daemon.config;

import io.kipvs.daemon.conntrack.ConntrackConfig;
import io.kipvs.daemon.proxy.ProxierSettings;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The daemon's whole configuration once flags and the configuration file are merged and checked.
 *
 * @param proxier what the proxier needs
 * @param kubeconfig the kubeconfig file to use; empty for the in-cluster configuration
 * @param master API server URL overriding the kubeconfig's
 * @param healthzBindAddress where /healthz and /livez are served; empty disables
 * @param metricsBindAddress where /metrics is served; empty disables
 * @param conntrack node conntrack settings
 * @param verbosity klog-style verbosity (-v)
 * @param action what the process does
 * @param oomScoreAdj the oom_score_adj this process gives itself (--oom-score-adj)
 * @param apiRateLimit client-side limit of API requests (--kube-api-qps, --kube-api-burst)
 * @param configSyncPeriod --config-sync-period as given (validated; see CompatibilitySettings)
 * @param logFormat text or JSON log lines (--logging-format)
 * @param bindAddressHardFail whether a healthz or metrics address that cannot be bound stops the
 *     process, instead of being retried every 5 s (--bind-address-hard-fail)
 * @param debugBindAddress the loopback address of the debug endpoint kipvs explain asks; empty
 *     disables (--debug-bind-address)
 * @param notes kube-proxy settings given that change nothing here, and why (one info line each)
 * @param warnings settings given that kipvs cannot follow as the user may expect (warnings)
 * @param ipvsServiceStatsMetrics whether /metrics exports each service port's IPVS counters
 *     (--ipvs-service-stats-metrics)
 */
public record DaemonConfig(
    ProxierSettings proxier,
    Optional<String> kubeconfig,
    Optional<String> master,
    Optional<BindAddress> healthzBindAddress,
    Optional<BindAddress> metricsBindAddress,
    ConntrackConfig conntrack,
    int verbosity,
    Action action,
    int oomScoreAdj,
    ApiRateLimit apiRateLimit,
    Duration configSyncPeriod,
    LogFormat logFormat,
    boolean bindAddressHardFail,
    Optional<BindAddress> debugBindAddress,
    List<String> notes,
    List<String> warnings,
    boolean ipvsServiceStatsMetrics) {

  /** What the process was asked to do. */
  public enum Action {
    /** Run the proxy until stopped. */
    RUN,
    /** --cleanup: remove what kipvs made, then exit. */
    CLEANUP,
    /** --init-only: apply the node settings that need privileges (conntrack), then exit. */
    INIT_ONLY
  }

  public DaemonConfig {
    Objects.requireNonNull(proxier, "proxier");
    Objects.requireNonNull(kubeconfig, "kubeconfig");
    Objects.requireNonNull(master, "master");
    Objects.requireNonNull(healthzBindAddress, "healthzBindAddress");
    Objects.requireNonNull(metricsBindAddress, "metricsBindAddress");
    Objects.requireNonNull(conntrack, "conntrack");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(apiRateLimit, "apiRateLimit");
    Objects.requireNonNull(configSyncPeriod, "configSyncPeriod");
    Objects.requireNonNull(logFormat, "logFormat");
    Objects.requireNonNull(debugBindAddress, "debugBindAddress");
    notes = List.copyOf(notes);
    warnings = List.copyOf(warnings);
  }
}
