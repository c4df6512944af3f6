package io.kipvs.daemon.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a KubeProxyConfiguration (kubeproxy.config.k8s.io/v1alpha1) into a {@link ConfigBuilder}.
 *
 * <p>Every field kube-proxy knows is accepted. Fields kipvs uses are applied with kube-proxy's
 * defaulting (an empty string, a zero sync period or a null conntrack value means "the default",
 * which is how kubeadm writes untouched fields). Fields that change nothing here are type-checked
 * and handled by {@link CompatibilitySettings}: named with the reason when set, or an error when
 * set to a value kipvs cannot follow. A field kube-proxy does not know is an error.
 */
final class ConfigFileLoader {
  static final String API_VERSION = "kubeproxy.config.k8s.io/v1alpha1";
  static final String KIND = "KubeProxyConfiguration";

  /** A field kipvs uses: parses the value (never null) and applies it. */
  @FunctionalInterface
  private interface Apply {
    void apply(JsonNode value, String source);
  }

  private final ConfigBuilder builder;
  private final String file;

  private ConfigFileLoader(ConfigBuilder builder, String file) {
    this.builder = builder;
    this.file = file;
  }

  /** Reads the file at this path into the builder. */
  static void load(Path path, ConfigBuilder builder) {
    String text;
    try {
      text = Files.readString(path);
    } catch (IOException e) {
      throw new UsageException("cannot read the config file " + path + " (--config): " + e);
    }
    loadText(text, path.toString(), builder);
  }

  /** Reads configuration text; {@code file} names it in messages. */
  static void loadText(String text, String file, ConfigBuilder builder) {
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(text);
    } catch (JsonProcessingException e) {
      throw new UsageException(
          "cannot parse the config file " + file + " as YAML: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new UsageException("the config file " + file + " is not a KubeProxyConfiguration");
    }
    ConfigFileLoader loader = new ConfigFileLoader(builder, file);
    loader.checkTypeMeta(root);
    loader.walk(root, "", loader.schema());
  }

  private void checkTypeMeta(JsonNode root) {
    String apiVersion = root.path("apiVersion").asText("");
    String kind = root.path("kind").asText("");
    if (!apiVersion.equals(API_VERSION)) {
      throw new UsageException(
          "the config file "
              + file
              + " has apiVersion \""
              + apiVersion
              + "\"; kipvs reads "
              + API_VERSION);
    }
    if (!kind.equals(KIND)) {
      throw new UsageException(
          "the config file " + file + " has kind \"" + kind + "\"; kipvs reads " + KIND);
    }
  }

  private String source(String path) {
    return "field " + path + " in " + file;
  }

  @SuppressWarnings("unchecked")
  private void walk(JsonNode object, String prefix, Map<String, Object> schema) {
    Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      String path = prefix + field.getKey();
      Object spec = schema.get(field.getKey());
      JsonNode value = field.getValue();
      if (spec == null) {
        throw new UsageException("unknown field \"" + path + "\" in the config file " + file);
      }
      if (spec instanceof Map<?, ?> nested) {
        if (value.isNull()) {
          continue;
        }
        if (!value.isObject()) {
          throw new UsageException(source(path) + " must be an object");
        }
        walk(value, path + ".", (Map<String, Object>) nested);
      } else if (spec instanceof Apply apply) {
        if (!value.isNull()) {
          apply.apply(value, source(path));
        }
      }
    }
  }

  private static String text(JsonNode value, String source) {
    if (!value.isTextual()) {
      throw new UsageException(source + " must be a string");
    }
    return value.asText();
  }

  private static boolean bool(JsonNode value, String source) {
    if (!value.isBoolean()) {
      throw new UsageException(source + " must be true or false");
    }
    return value.asBoolean();
  }

  private static int integer(JsonNode value, String source) {
    if (!value.isIntegralNumber() || !value.canConvertToInt()) {
      throw new UsageException(source + " must be an integer");
    }
    return value.asInt();
  }

  private static int nonNegative(JsonNode value, String source) {
    int v = integer(value, source);
    if (v < 0) {
      throw Values.invalid(source, Integer.toString(v), "must not be negative");
    }
    return v;
  }

  private static Duration duration(JsonNode value, String source) {
    return Values.duration(source, text(value, source));
  }

  /** A Go float32 field such as clientConnection.qps: any JSON number. */
  private static double number(JsonNode value, String source) {
    if (!value.isNumber()) {
      throw new UsageException(source + " must be a number");
    }
    return value.asDouble();
  }

  /** A resource quantity such as logging.options.json.infoBufferSize: "0", "64Ki" or a number. */
  private static String quantity(JsonNode value, String source) {
    if (!value.isTextual() && !value.isNumber()) {
      throw new UsageException(source + " must be a quantity such as \"0\" or \"64Ki\"");
    }
    return value.asText();
  }

  /** logging.flushFrequency: nanoseconds as a number, or a duration string. */
  private static Duration nanosOrDuration(JsonNode value, String source) {
    if (value.isIntegralNumber()) {
      if (value.asLong() < 0) {
        throw Values.invalid(source, value.asText(), "must not be negative");
      }
      return Duration.ofNanos(value.asLong());
    }
    return duration(value, source);
  }

  private Map<String, Boolean> boolMap(JsonNode value, String path) {
    if (!value.isObject()) {
      throw new UsageException(source(path) + " must be a map of feature names to booleans");
    }
    Map<String, Boolean> out = new LinkedHashMap<>();
    value
        .fields()
        .forEachRemaining(
            e -> out.put(e.getKey(), bool(e.getValue(), source(path + "." + e.getKey()))));
    return out;
  }

  /** Applies {@code then} when the string value is not empty. */
  private static Apply nonEmptyString(java.util.function.BiConsumer<String, String> then) {
    return (v, s) -> {
      String t = text(v, s);
      if (!t.isEmpty()) {
        then.accept(s, t);
      }
    };
  }

  private static void noteIf(boolean set, Runnable note) {
    if (set) {
      note.run();
    }
  }

  private static List<String> strings(JsonNode value, String source) {
    if (!value.isArray()) {
      throw new UsageException(source + " must be a list of strings");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode item : value) {
      out.add(text(item, source));
    }
    return out;
  }

  private Map<String, Object> schema() {
    ConfigBuilder b = builder;
    Map<String, Object> root = new LinkedHashMap<>();
    // Checked by checkTypeMeta.
    root.put("apiVersion", (Apply) (v, s) -> {});
    root.put("kind", (Apply) (v, s) -> {});
    root.put(
        "featureGates", (Apply) (v, s) -> FeatureGates.apply(b, s, boolMap(v, "featureGates")));
    root.put("bindAddress", (Apply) (v, s) -> b.bindAddress(s, text(v, s)));
    root.put(
        "healthzBindAddress",
        (Apply)
            (v, s) -> {
              String t = text(v, s);
              if (!t.isEmpty()) {
                b.healthz = Values.bindAddress(s, t, ConfigBuilder.DEFAULT_HEALTHZ_PORT);
              }
            });
    root.put(
        "metricsBindAddress",
        (Apply)
            (v, s) -> {
              String t = text(v, s);
              if (!t.isEmpty()) {
                b.metrics = Values.bindAddress(s, t, ConfigBuilder.DEFAULT_METRICS_PORT);
              }
            });
    root.put("bindAddressHardFail", (Apply) (v, s) -> b.bindAddressHardFail = bool(v, s));
    root.put("enableProfiling", (Apply) (v, s) -> CompatibilitySettings.profiling(s, bool(v, s)));
    root.put(
        "showHiddenMetricsForVersion",
        (Apply) (v, s) -> CompatibilitySettings.showHiddenMetricsForVersion(b, s, text(v, s)));
    root.put("mode", (Apply) (v, s) -> b.mode(s, text(v, s)));
    root.put(
        "clusterCIDR",
        (Apply)
            (v, s) -> {
              b.clusterCidrs = Values.cidrList(s, text(v, s));
              b.clusterCidrSource = s;
            });
    root.put("hostnameOverride", (Apply) (v, s) -> b.hostnameOverride = text(v, s));
    root.put(
        "nodePortAddresses",
        (Apply) (v, s) -> b.nodePortAddresses = Values.cidrs(s, strings(v, s)));
    root.put("oomScoreAdj", (Apply) (v, s) -> b.oomScoreAdj(s, integer(v, s)));
    root.put("portRange", nonEmptyString((s, t) -> CompatibilitySettings.userspace(b, s)));
    // Newer kube-proxy versions' form of --windows-service (omitted unless true).
    root.put(
        "windowsRunAsService",
        (Apply) (v, s) -> noteIf(bool(v, s), () -> CompatibilitySettings.windows(b, s)));
    root.put(
        "configSyncPeriod",
        (Apply)
            (v, s) -> {
              Duration d = duration(v, s);
              // kube-proxy's defaulting: 0 means 15m.
              b.configSyncPeriod = d.isZero() ? ConfigBuilder.DEFAULT_CONFIG_SYNC_PERIOD : d;
              CompatibilitySettings.configSyncPeriod(b, s, b.configSyncPeriod);
            });
    root.put("detectLocalMode", (Apply) (v, s) -> b.detectLocalMode(s, text(v, s)));
    root.put(
        "detectLocal",
        Map.of(
            "bridgeInterface",
            nonEmptyString((s, t) -> CompatibilitySettings.detectLocal(b, s)),
            "interfaceNamePrefix",
            nonEmptyString((s, t) -> CompatibilitySettings.detectLocal(b, s))));

    Map<String, Object> client = new LinkedHashMap<>();
    client.put("kubeconfig", (Apply) (v, s) -> b.kubeconfig = text(v, s));
    client.put(
        "acceptContentTypes",
        (Apply) (v, s) -> CompatibilitySettings.acceptContentTypes(b, s, text(v, s)));
    client.put(
        "contentType", (Apply) (v, s) -> CompatibilitySettings.contentType(b, s, text(v, s)));
    client.put("qps", (Apply) (v, s) -> b.kubeApiQps(s, number(v, s)));
    client.put("burst", (Apply) (v, s) -> b.kubeApiBurst(s, integer(v, s)));
    root.put("clientConnection", client);

    Map<String, Object> iptables = new LinkedHashMap<>();
    // IPVS mode takes its masquerading settings from the iptables section, as kube-proxy does.
    iptables.put("masqueradeAll", (Apply) (v, s) -> b.masqueradeAll = bool(v, s));
    iptables.put("masqueradeBit", (Apply) (v, s) -> b.masqueradeBit(s, integer(v, s)));
    iptables.put(
        "localhostNodePorts",
        (Apply) (v, s) -> CompatibilitySettings.iptablesLocalhostNodePorts(b, s, bool(v, s)));
    iptables.put(
        "syncPeriod",
        (Apply) (v, s) -> CompatibilitySettings.iptablesSyncPeriod(b, s, duration(v, s), false));
    iptables.put(
        "minSyncPeriod",
        (Apply) (v, s) -> CompatibilitySettings.iptablesMinSyncPeriod(b, s, duration(v, s)));
    root.put("iptables", iptables);

    Map<String, Object> ipvs = new LinkedHashMap<>();
    ipvs.put(
        "syncPeriod",
        (Apply)
            (v, s) -> {
              Duration d = duration(v, s);
              if (!d.isZero()) {
                b.syncPeriod = d;
                b.syncPeriodSource = s;
              }
            });
    ipvs.put(
        "minSyncPeriod",
        (Apply)
            (v, s) -> {
              b.minSyncPeriod = duration(v, s);
              b.minSyncPeriodSource = s;
            });
    ipvs.put("scheduler", (Apply) (v, s) -> b.scheduler(s, text(v, s)));
    ipvs.put("excludeCIDRs", (Apply) (v, s) -> b.excludeCidrs = Values.cidrs(s, strings(v, s)));
    ipvs.put("strictARP", (Apply) (v, s) -> b.strictArp = bool(v, s));
    ipvs.put("tcpTimeout", (Apply) (v, s) -> b.tcpTimeout = duration(v, s));
    ipvs.put("tcpFinTimeout", (Apply) (v, s) -> b.tcpFinTimeout = duration(v, s));
    ipvs.put("udpTimeout", (Apply) (v, s) -> b.udpTimeout = duration(v, s));
    root.put("ipvs", ipvs);

    root.put(
        "nftables",
        Map.of(
            "masqueradeAll",
            (Apply) (v, s) -> noteIf(bool(v, s), () -> CompatibilitySettings.nftables(b, s)),
            "masqueradeBit",
            (Apply)
                (v, s) -> noteIf(integer(v, s) != 14, () -> CompatibilitySettings.nftables(b, s)),
            "syncPeriod",
            (Apply)
                (v, s) ->
                    noteIf(!duration(v, s).isZero(), () -> CompatibilitySettings.nftables(b, s)),
            "minSyncPeriod",
            (Apply)
                (v, s) ->
                    noteIf(!duration(v, s).isZero(), () -> CompatibilitySettings.nftables(b, s))));
    root.put(
        "winkernel",
        Map.of(
            "networkName",
            nonEmptyString((s, t) -> CompatibilitySettings.windows(b, s)),
            "sourceVip",
            nonEmptyString((s, t) -> CompatibilitySettings.windows(b, s)),
            "enableDSR",
            (Apply) (v, s) -> noteIf(bool(v, s), () -> CompatibilitySettings.windows(b, s)),
            "rootHnsEndpointName",
            nonEmptyString((s, t) -> CompatibilitySettings.windows(b, s)),
            "forwardHealthCheckVip",
            (Apply) (v, s) -> noteIf(bool(v, s), () -> CompatibilitySettings.windows(b, s))));

    Map<String, Object> conntrack = new LinkedHashMap<>();
    conntrack.put("maxPerCore", (Apply) (v, s) -> b.conntrackMaxPerCore = nonNegative(v, s));
    conntrack.put("min", (Apply) (v, s) -> b.conntrackMin = nonNegative(v, s));
    conntrack.put(
        "tcpEstablishedTimeout", (Apply) (v, s) -> b.conntrackTcpEstablished = duration(v, s));
    conntrack.put(
        "tcpCloseWaitTimeout", (Apply) (v, s) -> b.conntrackTcpCloseWait = duration(v, s));
    conntrack.put("tcpBeLiberal", (Apply) (v, s) -> b.conntrackTcpBeLiberal = bool(v, s));
    conntrack.put("udpTimeout", (Apply) (v, s) -> b.conntrackUdpTimeout = duration(v, s));
    conntrack.put(
        "udpStreamTimeout", (Apply) (v, s) -> b.conntrackUdpStreamTimeout = duration(v, s));
    root.put("conntrack", conntrack);

    Map<String, Object> formatOptions =
        Map.<String, Object>of(
            "infoBufferSize",
            (Apply) (v, s) -> CompatibilitySettings.infoBufferSize(s, quantity(v, s)),
            "splitStream",
            (Apply) (v, s) -> CompatibilitySettings.splitStream(s, bool(v, s)));
    Map<String, Object> logging = new LinkedHashMap<>();
    logging.put("format", (Apply) (v, s) -> b.logFormat(s, text(v, s)));
    logging.put(
        "flushFrequency",
        (Apply) (v, s) -> CompatibilitySettings.logFlushFrequency(b, s, nanosOrDuration(v, s)));
    logging.put("verbosity", (Apply) (v, s) -> b.verbosity(s, nonNegative(v, s)));
    logging.put(
        "vmodule",
        (Apply)
            (v, s) -> {
              if (!v.isArray()) {
                throw new UsageException(s + " must be a list of {filePattern, verbosity}");
              }
              CompatibilitySettings.vmodule(s, v.size() > 0);
            });
    logging.put("options", Map.of("json", formatOptions, "text", formatOptions));
    root.put("logging", logging);
    return root;
  }
}
