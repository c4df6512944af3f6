package io.kipvs.daemon.config;

import java.time.Duration;
import java.util.regex.Pattern;

/**
 * kube-proxy settings that kipvs accepts so that kube-proxy's command lines and configuration files
 * keep working, although they change nothing in kipvs. Each one is in one of two cases, and the
 * message says which:
 *
 * <ul>
 *   <li>upstream kube-proxy in IPVS mode on Linux does not use it either (iptables, nftables or
 *       Windows settings, userspace-era leftovers, klog file options without log files): kipvs
 *       accepts any valid value, as kube-proxy does, and names it in an info line when it is set to
 *       something other than its zero value;
 *   <li>it would change something kipvs cannot do (Go's profiler, klog's log files, Go source file
 *       patterns...): its default or zero value is accepted, any other value is a usage error (exit
 *       2), so that nobody believes it applied.
 * </ul>
 *
 * Sources name the flag ("flag --profiling") or the field ("field enableProfiling in FILE").
 */
final class CompatibilitySettings {
  private static final Pattern METRICS_VERSION = Pattern.compile("\\d+\\.\\d+");
  private static final String NO_EFFECT_UPSTREAM =
      "no effect in IPVS mode on Linux, upstream either";

  private CompatibilitySettings() {}

  /** iptables.syncPeriod, --iptables-sync-period; upstream requires it to be > 0. */
  static void iptablesSyncPeriod(ConfigBuilder b, String source, Duration value, boolean isFlag) {
    if (isFlag && value.isZero()) {
      throw Values.invalid(source, GoDuration.format(value), "must be greater than 0");
    }
    if (!value.isZero()) {
      b.note(source, "only kube-proxy's iptables mode syncs on it; " + NO_EFFECT_UPSTREAM);
    }
  }

  static void iptablesMinSyncPeriod(ConfigBuilder b, String source, Duration value) {
    if (!value.isZero()) {
      b.note(source, "only kube-proxy's iptables mode syncs on it; " + NO_EFFECT_UPSTREAM);
    }
  }

  static void iptablesLocalhostNodePorts(ConfigBuilder b, String source, boolean value) {
    // Upstream's default is true; in IPVS mode NodePorts never answer on 127.0.0.1 anyway.
    if (!value) {
      b.note(
          source,
          "only kube-proxy's iptables mode answers NodePorts on localhost; " + NO_EFFECT_UPSTREAM);
    }
  }

  /**
   * configSyncPeriod, --config-sync-period: upstream's informers deliver every cached object again
   * each period, and its change trackers find them unchanged. kipvs's informers cache only keys and
   * resourceVersions (k8s-sync's TrackingItemStore), so there is nothing to deliver again.
   */
  static void configSyncPeriod(ConfigBuilder b, String source, Duration value) {
    if (!value.equals(ConfigBuilder.DEFAULT_CONFIG_SYNC_PERIOD)) {
      b.note(
          source,
          "kube-proxy's informers re-deliver unchanged cached objects on it, which change nothing;"
              + " kipvs's informers keep no objects to re-deliver, and --ipvs-sync-period is what"
              + " re-checks the kernel");
    }
  }

  /** nftables.*: only the nftables proxy mode reads them. */
  static void nftables(ConfigBuilder b, String source) {
    b.note(source, "only kube-proxy's nftables mode reads it; " + NO_EFFECT_UPSTREAM);
  }

  /** winkernel.* and the Windows flags: only kube-proxy's kernelspace mode on Windows. */
  static void windows(ConfigBuilder b, String source) {
    b.warn(source, "only kube-proxy's kernelspace mode on Windows reads it; no effect on Linux");
  }

  /** portRange and --proxy-port-range, --udp-timeout: the userspace proxy's, removed in 1.26. */
  static void userspace(ConfigBuilder b, String source) {
    b.note(
        source,
        "it configured kube-proxy's userspace mode, removed in Kubernetes 1.26; no effect in"
            + " kube-proxy since then either");
  }

  /** detectLocal.* and their flags: only read by the BridgeInterface/InterfaceNamePrefix modes. */
  static void detectLocal(ConfigBuilder b, String source) {
    b.note(
        source,
        "only the detect-local modes BridgeInterface and InterfaceNamePrefix read it, and kipvs"
            + " detects local traffic by ClusterCIDR (as kube-proxy does in that mode, where it"
            + " has no effect either)");
  }

  /** enableProfiling / --profiling: Go's pprof handlers on the metrics server. */
  static void profiling(String source, boolean value) {
    if (value) {
      throw Values.invalid(
          source,
          "true",
          "kube-proxy serves Go's pprof profiles on /debug/pprof; kipvs runs on the JVM and"
              + " serves none (use jcmd PID Thread.print or Java Flight Recorder instead)");
    }
  }

  /**
   * showHiddenMetricsForVersion: shows metrics deprecated and hidden since that version. kipvs
   * hides no metric, so every one is shown whatever the value.
   */
  static void showHiddenMetricsForVersion(ConfigBuilder b, String source, String value) {
    String v = value.strip();
    if (v.isEmpty()) {
      return;
    }
    if (!METRICS_VERSION.matcher(v).matches()) {
      throw Values.invalid(source, value, "must be a version such as 1.30");
    }
    b.note(source, "kipvs hides no metric: every metric it has is always served");
  }

  /** clientConnection.contentType / --kube-api-content-type. */
  static void contentType(ConfigBuilder b, String source, String value) {
    String t = value.strip();
    if (t.isEmpty() || t.equals("application/json")) {
      return;
    }
    if (t.equals("application/vnd.kubernetes.protobuf")) {
      b.note(
          source,
          "kipvs's API client (fabric8) speaks JSON only; it sends and reads application/json,"
              + " which every API server serves with the same objects");
      return;
    }
    throw Values.invalid(source, value, "kipvs sends application/json only");
  }

  /** clientConnection.acceptContentTypes: must let JSON through. */
  static void acceptContentTypes(ConfigBuilder b, String source, String value) {
    String t = value.strip();
    if (t.isEmpty()) {
      return;
    }
    for (String type : Values.splitList(t)) {
      if (type.equals("application/json") || type.equals("*/*")) {
        if (!t.equals(type)) {
          b.note(source, "kipvs's API client reads application/json only");
        }
        return;
      }
    }
    throw Values.invalid(
        source, value, "kipvs's API client reads application/json only; list it here");
  }

  /** --log-flush-frequency, logging.flushFrequency: how long klog may buffer lines. */
  static void logFlushFrequency(ConfigBuilder b, String source, Duration value) {
    if (!value.isZero()) {
      b.note(source, "kipvs writes every log line at once, so nothing waits for a flush");
    }
  }

  /** --vmodule, logging.vmodule: per-Go-file verbosity. */
  static void vmodule(String source, boolean set) {
    if (set) {
      throw new UsageException(
          source
              + " sets the verbosity of Go source files; kipvs has none: use -v (kipvs's own"
              + " loggers from 2, libraries from 6)");
    }
  }

  /** The logging options of kube-proxy's LoggingBetaOptions (info buffer, split stream). */
  static void infoBufferSize(String source, String quantity) {
    if (!quantity.strip().equals("0") && !quantity.isBlank()) {
      throw Values.invalid(
          source, quantity, "kipvs never buffers info messages; only 0 is accepted");
    }
  }

  static void splitStream(String source, boolean value) {
    if (value) {
      throw Values.invalid(
          source, "true", "kipvs writes every message to stderr; it cannot split the stream");
    }
  }

  /**
   * klog's flags (removed from kube-proxy in 1.26), still accepted for older command lines. The
   * ones about log files matter only with --logtostderr=false.
   */
  static void klogFlag(ConfigBuilder b, String name, String value) {
    String source = "flag " + name;
    switch (name) {
      case "--logtostderr" -> b.logToStderr = Values.bool(source, value);
      case "--log-dir", "--log-file" -> {
        if (!value.isBlank()) {
          b.logFileFlags.add(name);
        }
      }
      case "--alsologtostderr", "--one-output", "--skip-log-headers" -> {
        if (Values.bool(source, value)) {
          b.note(source, "klog reads it only when it writes log files; kipvs writes none");
        }
      }
      case "--log-file-max-size", "--stderrthreshold" -> {
        if (!value.isBlank()) {
          b.note(source, "klog reads it only when it writes log files; kipvs writes none");
        }
      }
      case "--add-dir-header", "--skip-headers" -> {
        if (Values.bool(source, value)) {
          throw Values.invalid(
              source, value, "kipvs's log line header is fixed; only false is accepted");
        }
      }
      case "--log-backtrace-at" -> {
        if (!value.isBlank() && !value.equals(":0")) {
          throw Values.invalid(
              source, value, "it names a Go source line; kipvs has none (only empty is accepted)");
        }
      }
      default -> throw new IllegalArgumentException(name);
    }
  }
}
