package io.kipvs.daemon.config;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * Turns kube-proxy's command line (and the --config file it names) into a {@link DaemonConfig}.
 *
 * <p>Go flag syntax works: {@code --flag=value}, {@code --flag value}, and booleans as {@code
 * --flag} or {@code --flag=true}. Unlike kube-proxy, which ignores most flags when --config is
 * given, every explicit flag overrides the file here. Flags that only concern kube-proxy's other
 * modes, Windows or klog's files are accepted as kube-proxy accepts them, each named in a line that
 * says why it changes nothing; those kipvs cannot follow are errors unless at their default ({@link
 * CompatibilitySettings}).
 */
public final class CommandLineParser {
  /**
   * kube-proxy flags taking a value that kipvs accepts for compatibility; {@link
   * CompatibilitySettings} says what each one does here.
   */
  static final List<String> COMPATIBILITY_VALUE_FLAGS =
      List.of(
          "--feature-gates",
          "--iptables-min-sync-period",
          "--iptables-sync-period",
          "--pod-bridge-interface",
          "--pod-interface-name-prefix",
          "--proxy-port-range",
          "--show-hidden-metrics-for-version",
          "--udp-timeout",
          "--log-flush-frequency",
          "--vmodule",
          "--log-dir",
          "--log-file",
          "--log-file-max-size",
          "--log-backtrace-at",
          "--stderrthreshold",
          "--log-json-info-buffer-size",
          "--log-text-info-buffer-size",
          "--source-vip",
          "--root-hnsendpoint-name");

  /** kube-proxy boolean flags that kipvs accepts for compatibility. */
  static final List<String> COMPATIBILITY_BOOLEAN_FLAGS =
      List.of(
          "--profiling",
          "--iptables-localhost-nodeports",
          "--windows-service",
          "--enable-dsr",
          "--forward-healthcheck-vip",
          "--alsologtostderr",
          "--logtostderr",
          "--add-dir-header",
          "--one-output",
          "--skip-headers",
          "--skip-log-headers",
          "--log-json-split-stream",
          "--log-text-split-stream");

  private final Supplier<String> hostname;

  /**
   * @param hostname this machine's host name, read only when --hostname-override is not given
   */
  public CommandLineParser(Supplier<String> hostname) {
    this.hostname = hostname;
  }

  /**
   * Parses the arguments.
   *
   * @throws UsageException when an argument or the configuration file is wrong
   */
  public CommandLineResult parse(String... args) {
    Flags flags = new Flags();
    CommandLine commandLine = commandLine(flags);
    ParseResult result;
    try {
      result = commandLine.parseArgs(args);
    } catch (CommandLine.ParameterException e) {
      throw new UsageException(e.getMessage());
    }
    if (result.isUsageHelpRequested()) {
      return new CommandLineResult.Print(commandLine.getUsageMessage());
    }
    if (result.isVersionHelpRequested()) {
      StringWriter out = new StringWriter();
      commandLine.printVersionHelp(new PrintWriter(out));
      return new CommandLineResult.Print(out.toString());
    }
    ConfigBuilder builder = new ConfigBuilder();
    if (flags.config != null && !flags.config.isBlank()) {
      ConfigFileLoader.load(Path.of(flags.config), builder);
    }
    applyFlags(flags, builder);
    for (OptionSpec option : result.matchedOptions()) {
      String name = option.longestName();
      if (COMPATIBILITY_VALUE_FLAGS.contains(name) || COMPATIBILITY_BOOLEAN_FLAGS.contains(name)) {
        applyCompatibilityFlag(name, option.getValue(), builder);
      }
    }
    return new CommandLineResult.Start(builder.build(hostname));
  }

  /** The usage text, for error messages. */
  public static String usage() {
    return commandLine(new Flags()).getUsageMessage();
  }

  private static CommandLine commandLine(Flags flags) {
    CommandLine commandLine = new CommandLine(flags);
    CommandSpec spec = commandLine.getCommandSpec();
    for (String name : COMPATIBILITY_VALUE_FLAGS) {
      spec.addOption(OptionSpec.builder(name).arity("1").type(String.class).hidden(true).build());
    }
    for (String name : COMPATIBILITY_BOOLEAN_FLAGS) {
      spec.addOption(
          OptionSpec.builder(name)
              .arity("0..1")
              .fallbackValue("true")
              .type(String.class)
              .hidden(true)
              .build());
    }
    commandLine.setOverwrittenOptionsAllowed(true);
    return commandLine;
  }

  private static void applyCompatibilityFlag(String name, String value, ConfigBuilder b) {
    String source = "flag " + name;
    switch (name) {
      case "--feature-gates" -> FeatureGates.apply(b, source, FeatureGates.parse(source, value));
      case "--iptables-sync-period" ->
          CompatibilitySettings.iptablesSyncPeriod(b, source, Values.duration(source, value), true);
      case "--iptables-min-sync-period" ->
          CompatibilitySettings.iptablesMinSyncPeriod(b, source, Values.duration(source, value));
      case "--iptables-localhost-nodeports" ->
          CompatibilitySettings.iptablesLocalhostNodePorts(b, source, Values.bool(source, value));
      case "--pod-bridge-interface", "--pod-interface-name-prefix" -> {
        if (!value.isBlank()) {
          CompatibilitySettings.detectLocal(b, source);
        }
      }
      case "--proxy-port-range" -> {
        if (!value.isBlank()) {
          CompatibilitySettings.userspace(b, source);
        }
      }
      case "--udp-timeout" -> {
        if (!Values.duration(source, value).isZero()) {
          CompatibilitySettings.userspace(b, source);
        }
      }
      case "--show-hidden-metrics-for-version" ->
          CompatibilitySettings.showHiddenMetricsForVersion(b, source, value);
      case "--log-flush-frequency" ->
          CompatibilitySettings.logFlushFrequency(b, source, Values.duration(source, value));
      case "--vmodule" -> CompatibilitySettings.vmodule(source, !value.isBlank());
      case "--log-json-info-buffer-size", "--log-text-info-buffer-size" ->
          CompatibilitySettings.infoBufferSize(source, value);
      case "--log-json-split-stream", "--log-text-split-stream" ->
          CompatibilitySettings.splitStream(source, Values.bool(source, value));
      case "--profiling" -> CompatibilitySettings.profiling(source, Values.bool(source, value));
      case "--source-vip", "--root-hnsendpoint-name" -> {
        if (!value.isBlank()) {
          CompatibilitySettings.windows(b, source);
        }
      }
      case "--windows-service", "--enable-dsr", "--forward-healthcheck-vip" -> {
        if (Values.bool(source, value)) {
          CompatibilitySettings.windows(b, source);
        }
      }
      default -> CompatibilitySettings.klogFlag(b, name, value);
    }
  }

  private static void applyFlags(Flags f, ConfigBuilder b) {
    if (f.mode != null) {
      b.mode("flag --mode", f.mode);
    }
    if (f.ipvsScheduler != null) {
      b.scheduler("flag --ipvs-scheduler", f.ipvsScheduler);
    }
    if (f.ipvsSyncPeriod != null) {
      b.syncPeriod = Values.duration("flag --ipvs-sync-period", f.ipvsSyncPeriod);
      b.syncPeriodSource = "flag --ipvs-sync-period";
    }
    if (f.ipvsMinSyncPeriod != null) {
      b.minSyncPeriod = Values.duration("flag --ipvs-min-sync-period", f.ipvsMinSyncPeriod);
      b.minSyncPeriodSource = "flag --ipvs-min-sync-period";
    }
    if (f.ipvsStrictArp != null) {
      b.strictArp = Values.bool("flag --ipvs-strict-arp", f.ipvsStrictArp);
    }
    if (f.ipvsExcludeCidrs != null) {
      b.excludeCidrs = Values.cidrList("flag --ipvs-exclude-cidrs", f.ipvsExcludeCidrs);
    }
    if (f.ipvsTcpTimeout != null) {
      b.tcpTimeout = Values.duration("flag --ipvs-tcp-timeout", f.ipvsTcpTimeout);
    }
    if (f.ipvsTcpFinTimeout != null) {
      b.tcpFinTimeout = Values.duration("flag --ipvs-tcpfin-timeout", f.ipvsTcpFinTimeout);
    }
    if (f.ipvsUdpTimeout != null) {
      b.udpTimeout = Values.duration("flag --ipvs-udp-timeout", f.ipvsUdpTimeout);
    }
    if (f.ipvsMaxDrain != null) {
      b.maxDrain = Values.duration("flag --ipvs-max-drain", f.ipvsMaxDrain);
    }
    if (f.iptablesBackend != null) {
      b.iptablesBackend("flag --iptables-backend", f.iptablesBackend);
    }
    if (f.masqueradeAll != null) {
      b.masqueradeAll = Values.bool("flag --masquerade-all", f.masqueradeAll);
    }
    if (f.clusterCidr != null) {
      b.clusterCidrs = Values.cidrList("flag --cluster-cidr", f.clusterCidr);
      b.clusterCidrSource = "flag --cluster-cidr";
    }
    if (f.nodePortAddresses != null) {
      b.nodePortAddresses = Values.cidrList("flag --nodeport-addresses", f.nodePortAddresses);
    }
    if (f.hostnameOverride != null) {
      b.hostnameOverride = f.hostnameOverride;
    }
    if (f.kubeconfig != null) {
      b.kubeconfig = f.kubeconfig;
    }
    if (f.master != null) {
      b.master = f.master;
    }
    if (f.healthzBindAddress != null) {
      b.healthz =
          Values.bindAddress(
              "flag --healthz-bind-address",
              f.healthzBindAddress,
              ConfigBuilder.DEFAULT_HEALTHZ_PORT);
    }
    if (f.metricsBindAddress != null) {
      b.metrics =
          Values.bindAddress(
              "flag --metrics-bind-address",
              f.metricsBindAddress,
              ConfigBuilder.DEFAULT_METRICS_PORT);
    }
    if (f.debugBindAddress != null) {
      b.debugBindAddress("flag --debug-bind-address", f.debugBindAddress);
    }
    if (f.healthzPort != null) {
      b.healthz = withPort(b.healthz, "0.0.0.0", "flag --healthz-port", f.healthzPort);
    }
    if (f.metricsPort != null) {
      b.metrics = withPort(b.metrics, "127.0.0.1", "flag --metrics-port", f.metricsPort);
    }
    if (f.conntrackMaxPerCore != null) {
      b.conntrackMaxPerCore =
          Values.nonNegativeInt("flag --conntrack-max-per-core", f.conntrackMaxPerCore);
    }
    if (f.conntrackMin != null) {
      b.conntrackMin = Values.nonNegativeInt("flag --conntrack-min", f.conntrackMin);
    }
    if (f.conntrackTcpTimeoutEstablished != null) {
      b.conntrackTcpEstablished =
          Values.duration(
              "flag --conntrack-tcp-timeout-established", f.conntrackTcpTimeoutEstablished);
    }
    if (f.conntrackTcpTimeoutCloseWait != null) {
      b.conntrackTcpCloseWait =
          Values.duration(
              "flag --conntrack-tcp-timeout-close-wait", f.conntrackTcpTimeoutCloseWait);
    }
    if (f.conntrackTcpBeLiberal != null) {
      b.conntrackTcpBeLiberal =
          Values.bool("flag --conntrack-tcp-be-liberal", f.conntrackTcpBeLiberal);
    }
    if (f.conntrackUdpTimeout != null) {
      b.conntrackUdpTimeout =
          Values.duration("flag --conntrack-udp-timeout", f.conntrackUdpTimeout);
    }
    if (f.conntrackUdpTimeoutStream != null) {
      b.conntrackUdpStreamTimeout =
          Values.duration("flag --conntrack-udp-timeout-stream", f.conntrackUdpTimeoutStream);
    }
    if (f.iptablesMasqueradeBit != null) {
      b.masqueradeBit(
          "flag --iptables-masquerade-bit",
          Values.nonNegativeInt("flag --iptables-masquerade-bit", f.iptablesMasqueradeBit));
    }
    if (f.detectLocalMode != null) {
      b.detectLocalMode("flag --detect-local-mode", f.detectLocalMode);
    }
    if (f.cleanup != null) {
      b.cleanup = Values.bool("flag --cleanup", f.cleanup);
    }
    if (f.initOnly != null) {
      b.initOnly = Values.bool("flag --init-only", f.initOnly);
    }
    if (f.oomScoreAdj != null) {
      b.oomScoreAdj("flag --oom-score-adj", Values.integer("flag --oom-score-adj", f.oomScoreAdj));
    }
    if (f.kubeApiQps != null) {
      b.kubeApiQps("flag --kube-api-qps", Values.decimal("flag --kube-api-qps", f.kubeApiQps));
    }
    if (f.kubeApiBurst != null) {
      b.kubeApiBurst(
          "flag --kube-api-burst", Values.integer("flag --kube-api-burst", f.kubeApiBurst));
    }
    if (f.kubeApiContentType != null) {
      CompatibilitySettings.contentType(b, "flag --kube-api-content-type", f.kubeApiContentType);
    }
    if (f.configSyncPeriod != null) {
      Duration period = Values.duration("flag --config-sync-period", f.configSyncPeriod);
      if (period.isZero()) {
        throw Values.invalid("flag --config-sync-period", f.configSyncPeriod, "must be > 0");
      }
      b.configSyncPeriod = period;
      CompatibilitySettings.configSyncPeriod(b, "flag --config-sync-period", period);
    }
    if (f.bindAddress != null) {
      b.bindAddress("flag --bind-address", f.bindAddress);
    }
    if (f.ipvsServiceStatsMetrics != null) {
      b.ipvsServiceStatsMetrics =
          Values.bool("flag --ipvs-service-stats-metrics", f.ipvsServiceStatsMetrics);
    }
    if (f.bindAddressHardFail != null) {
      b.bindAddressHardFail = Values.bool("flag --bind-address-hard-fail", f.bindAddressHardFail);
    }
    if (f.loggingFormat != null) {
      b.logFormat("flag --logging-format", f.loggingFormat);
    }
    if (f.verbosity != null) {
      b.verbosity("flag -v", Values.nonNegativeInt("flag -v", f.verbosity));
    }
  }

  private static Optional<BindAddress> withPort(
      Optional<BindAddress> current, String defaultIp, String source, String portText) {
    int port = Values.nonNegativeInt(source, portText);
    if (port > 65535) {
      throw Values.invalid(source, portText, "port must be between 0 and 65535");
    }
    if (port == 0) {
      return Optional.empty();
    }
    return Optional.of(
        new BindAddress(
            current.map(BindAddress::address).orElseGet(() -> Values.ip(source, defaultIp)), port));
  }
}
