package io.kipvs.daemon.config;

import io.kipvs.daemon.conntrack.ConntrackConfig;
import io.kipvs.daemon.proxy.ProxierSettings;
import io.kipvs.k8s.Cidr;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Collects settings from kube-proxy's defaults, then the configuration file, then explicit flags
 * (later sources win), and checks the result. Values arrive already parsed; the checks that need
 * more than one value happen in {@link #build}.
 */
final class ConfigBuilder {
  static final int DEFAULT_HEALTHZ_PORT = 10256;
  static final int DEFAULT_METRICS_PORT = 10249;
  static final int DEFAULT_DEBUG_PORT = BindAddress.DEFAULT_DEBUG_PORT;
  static final Set<String> IPTABLES_BACKENDS = Set.of("auto", "legacy", "nft");
  static final int DEFAULT_OOM_SCORE_ADJ = -999;
  static final Duration DEFAULT_CONFIG_SYNC_PERIOD = Duration.ofMinutes(15);

  String mode = "ipvs";
  String modeSource = "--mode";
  String scheduler = "rr";
  String schedulerSource = "--ipvs-scheduler";
  Duration syncPeriod = Duration.ofSeconds(30);
  String syncPeriodSource = "the default --ipvs-sync-period";
  Duration minSyncPeriod = Duration.ZERO;
  String minSyncPeriodSource = "the default --ipvs-min-sync-period";
  boolean strictArp;
  List<Cidr> excludeCidrs = List.of();
  Duration tcpTimeout = Duration.ZERO;
  Duration tcpFinTimeout = Duration.ZERO;
  Duration udpTimeout = Duration.ZERO;
  boolean masqueradeAll;
  List<Cidr> clusterCidrs = List.of();
  String clusterCidrSource = "--cluster-cidr";
  List<Cidr> nodePortAddresses = List.of();
  String hostnameOverride = "";
  String kubeconfig = "";
  String master = "";
  Optional<BindAddress> healthz =
      Values.bindAddress("--healthz-bind-address", "0.0.0.0", DEFAULT_HEALTHZ_PORT);
  Optional<BindAddress> metrics =
      Values.bindAddress("--metrics-bind-address", "127.0.0.1", DEFAULT_METRICS_PORT);
  Optional<BindAddress> debug =
      Values.bindAddress("--debug-bind-address", "127.0.0.1", DEFAULT_DEBUG_PORT);
  int conntrackMaxPerCore = ConntrackConfig.DEFAULTS.maxPerCore();
  int conntrackMin = ConntrackConfig.DEFAULTS.min();
  Duration conntrackTcpEstablished = ConntrackConfig.DEFAULTS.tcpEstablishedTimeout();
  Duration conntrackTcpCloseWait = ConntrackConfig.DEFAULTS.tcpCloseWaitTimeout();
  boolean conntrackTcpBeLiberal;
  Duration conntrackUdpTimeout = Duration.ZERO;
  Duration conntrackUdpStreamTimeout = Duration.ZERO;
  String iptablesBackend = "auto";
  Duration maxDrain = Duration.ofMinutes(15);
  int verbosity;
  boolean cleanup;
  boolean initOnly;
  int oomScoreAdj = DEFAULT_OOM_SCORE_ADJ;
  double kubeApiQps = ApiRateLimit.DEFAULT.qps();
  int kubeApiBurst = ApiRateLimit.DEFAULT.burst();
  Duration configSyncPeriod = DEFAULT_CONFIG_SYNC_PERIOD;
  LogFormat logFormat = LogFormat.TEXT;
  boolean bindAddressHardFail;
  boolean ipvsServiceStatsMetrics;
  Optional<InetAddress> nodeIp = Optional.empty();
  boolean logToStderr = true;
  final Set<String> logFileFlags = new LinkedHashSet<>();
  final Set<String> notes = new LinkedHashSet<>();
  final Set<String> warnings = new LinkedHashSet<>();

  void note(String source, String why) {
    notes.add(source + ": " + why);
  }

  void warn(String source, String why) {
    warnings.add(source + ": " + why);
  }

  /** kube-proxy's range for oomScoreAdj. */
  void oomScoreAdj(String source, int value) {
    if (value < -1000 || value > 1000) {
      throw Values.invalid(source, Integer.toString(value), "must be within [-1000, 1000]");
    }
    oomScoreAdj = value;
  }

  /** As client-go: 0 means the default 5, a negative rate means no limit. */
  void kubeApiQps(String source, double value) {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      throw Values.invalid(source, Double.toString(value), "not a number of requests per second");
    }
    kubeApiQps = value == 0 ? ApiRateLimit.DEFAULT.qps() : value;
  }

  /** As client-go: 0 means the default 10. */
  void kubeApiBurst(String source, int value) {
    if (value < 0) {
      throw Values.invalid(source, Integer.toString(value), "must not be negative");
    }
    kubeApiBurst = value == 0 ? ApiRateLimit.DEFAULT.burst() : value;
  }

  /**
   * bindAddress / --bind-address. kube-proxy serves nothing on it any more; in IPVS mode on Linux a
   * specific address becomes the node IP, which decides whether a loadBalancerSourceRanges entry
   * covers this node. 0.0.0.0 and :: (the default) name none.
   */
  void bindAddress(String source, String text) {
    if (text.isBlank()) {
      nodeIp = Optional.empty();
      return;
    }
    InetAddress ip = Values.ip(source, text);
    nodeIp = ip.isAnyLocalAddress() ? Optional.empty() : Optional.of(ip);
  }

  void logFormat(String source, String value) {
    switch (value.strip()) {
      case "", "text" -> logFormat = LogFormat.TEXT;
      case "json" -> logFormat = LogFormat.JSON;
      default -> throw Values.invalid(source, value, "unsupported log format; text or json");
    }
  }

  void mode(String source, String value) {
    String m = value.strip();
    if (!m.isEmpty() && !m.equals("ipvs")) {
      throw Values.invalid(
          source,
          value,
          "kipvs only supports the ipvs proxy mode (--mode=ipvs or --proxy-mode=ipvs)");
    }
    // An empty mode means "the platform's default", which for kipvs is ipvs.
    mode = "ipvs";
    modeSource = source;
  }

  void scheduler(String source, String value) {
    String s = value.strip();
    if (s.isEmpty()) {
      s = "rr";
    }
    if (!Schedulers.KNOWN.contains(s)) {
      throw Values.invalid(
          source,
          value,
          "unknown IPVS scheduler; known: rr wrr lc wlc lblc lblcr dh sh sed nq fo ovf mh twos");
    }
    scheduler = s;
    schedulerSource = source;
  }

  void iptablesBackend(String source, String value) {
    String b = value.strip().toLowerCase(Locale.ROOT);
    if (!IPTABLES_BACKENDS.contains(b)) {
      throw Values.invalid(source, value, "must be auto, legacy or nft");
    }
    iptablesBackend = b;
  }

  /** kube-proxy's IPVS mode marks packets to masquerade with bit 14 (0x4000); kipvs does too. */
  void masqueradeBit(String source, int bit) {
    if (bit != 14) {
      throw Values.invalid(
          source, Integer.toString(bit), "kipvs always uses kube-proxy's default mark bit 14");
    }
  }

  void detectLocalMode(String source, String value) {
    String m = value.strip();
    if (!m.isEmpty() && !m.equals("ClusterCIDR")) {
      throw Values.invalid(
          source, value, "kipvs detects local traffic by cluster CIDR only (ClusterCIDR)");
    }
  }

  /** The debug endpoint has no authentication: a loopback address only. */
  void debugBindAddress(String source, String text) {
    Optional<BindAddress> address = Values.bindAddress(source, text, DEFAULT_DEBUG_PORT);
    if (address.isPresent() && !address.get().address().isLoopbackAddress()) {
      throw Values.invalid(
          source,
          text,
          "the debug endpoint has no authentication, so it serves a loopback address only"
              + " (127.0.0.1 or ::1)");
    }
    debug = address;
  }

  void verbosity(String source, int v) {
    verbosity = v;
  }

  DaemonConfig build(Supplier<String> hostname) {
    if (!logToStderr) {
      throw Values.invalid(
          "flag --logtostderr",
          "false",
          "klog's log files were removed from kube-proxy in Kubernetes 1.26 and kipvs writes"
              + " none: it logs to stderr only (redirect it, e.g. with kube-log-runner)");
    }
    for (String flag : logFileFlags) {
      note(
          "flag " + flag,
          "klog writes log files only with --logtostderr=false; no effect, as in klog");
    }
    if (syncPeriod.isZero()) {
      throw Values.invalid(syncPeriodSource, GoDuration.format(syncPeriod), "must be > 0");
    }
    if (minSyncPeriod.compareTo(syncPeriod) > 0) {
      throw Values.invalid(
          minSyncPeriodSource,
          GoDuration.format(minSyncPeriod),
          "must not exceed the sync period "
              + GoDuration.format(syncPeriod)
              + " ("
              + syncPeriodSource
              + ")");
    }
    List<String> families = new ArrayList<>();
    for (Cidr c : clusterCidrs) {
      families.add(c.address().getAddress().length == 4 ? "IPv4" : "IPv6");
    }
    if (clusterCidrs.size() > 2
        || (clusterCidrs.size() == 2 && families.get(0).equals(families.get(1)))) {
      throw Values.invalid(
          clusterCidrSource,
          clusterCidrs.toString(),
          "at most one IPv4 and one IPv6 CIDR (dual-stack)");
    }
    String nodeName = hostnameOverride.strip();
    if (nodeName.isEmpty()) {
      nodeName = hostname.get().strip();
    }
    nodeName = nodeName.toLowerCase(Locale.ROOT);
    if (nodeName.isEmpty()) {
      throw new UsageException(
          "cannot tell this node's name: the host name is empty and --hostname-override is not"
              + " set");
    }
    ProxierSettings settings =
        new ProxierSettings(
            nodeName,
            scheduler,
            syncPeriod,
            minSyncPeriod,
            strictArp,
            excludeCidrs,
            tcpTimeout,
            tcpFinTimeout,
            udpTimeout,
            masqueradeAll,
            clusterCidrs,
            nodePortAddresses,
            iptablesBackend,
            maxDrain,
            nodeIp);
    ConntrackConfig conntrack =
        new ConntrackConfig(
            conntrackMaxPerCore,
            conntrackMin,
            conntrackTcpEstablished,
            conntrackTcpCloseWait,
            conntrackTcpBeLiberal,
            conntrackUdpTimeout,
            conntrackUdpStreamTimeout);
    DaemonConfig.Action action =
        cleanup
            ? DaemonConfig.Action.CLEANUP
            : initOnly ? DaemonConfig.Action.INIT_ONLY : DaemonConfig.Action.RUN;
    return new DaemonConfig(
        settings,
        kubeconfig.isBlank() ? Optional.empty() : Optional.of(kubeconfig.strip()),
        master.isBlank() ? Optional.empty() : Optional.of(master.strip()),
        healthz,
        metrics,
        conntrack,
        verbosity,
        action,
        oomScoreAdj,
        new ApiRateLimit(kubeApiQps, kubeApiBurst),
        configSyncPeriod,
        logFormat,
        bindAddressHardFail,
        debug,
        List.copyOf(notes),
        List.copyOf(warnings),
        ipvsServiceStatsMetrics);
  }
}
