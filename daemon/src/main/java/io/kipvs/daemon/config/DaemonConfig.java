package io.kipvs.daemon.config;

import io.kipvs.daemon.conntrack.ConntrackConfig;
import io.kipvs.daemon.proxy.ProxierSettings;
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
 * @param ignored kube-proxy flags and fields given but without effect in kipvs
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
    List<String> ignored) {

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
    ignored = List.copyOf(ignored);
  }
}
