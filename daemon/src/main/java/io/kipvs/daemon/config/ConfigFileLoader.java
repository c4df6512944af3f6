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
 * which is how kubeadm writes untouched fields). Fields that only concern other proxy modes or
 * kube-proxy internals are type-checked and, when set to something other than their zero value,
 * reported so that one info line can name them. A field kube-proxy does not know is an error.
 */
final class ConfigFileLoader {
  static final String API_VERSION = "kubeproxy.config.k8s.io/v1alpha1";
  static final String KIND = "KubeProxyConfiguration";
  private static final int KUBE_PROXY_OOM_SCORE_ADJ = -999;

  /** How an ignored leaf is type-checked. */
  private enum Kind {
    STRING,
    BOOL,
    INT,
    DURATION,
    STRING_LIST,
    BOOL_MAP,
    /** A resource quantity: a string such as "0" or "64Ki", or a number. */
    QUANTITY,
    /** logging.flushFrequency: nanoseconds as a number, or a duration string. */
    NANOS_OR_DURATION,
    /** logging.vmodule: a list of {filePattern, verbosity}. */
    VMODULE
  }

  /** A field kipvs uses: parses the value (never null) and applies it. */
  @FunctionalInterface
  private interface Apply {
    void apply(JsonNode value, String source);
  }

  private final ConfigBuilder builder;
  private final String file;
  private final List<String> ignored = new ArrayList<>();

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
    builder.ignored.addAll(loader.ignored);
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
      } else if (spec instanceof Kind kind) {
        checkIgnored(value, path, kind);
      }
    }
  }

  private void checkIgnored(JsonNode value, String path, Kind kind) {
    if (value.isNull()) {
      return;
    }
    String source = source(path);
    boolean set;
    switch (kind) {
      case STRING -> set = !text(value, source).isEmpty();
      case BOOL -> set = bool(value, source);
      case INT -> set = integer(value, source) != 0;
      case DURATION -> set = !duration(value, source).isZero();
      case STRING_LIST -> set = !strings(value, source).isEmpty();
      case BOOL_MAP -> {
        if (!value.isObject()) {
          throw new UsageException(source + " must be a map of feature names to booleans");
        }
        value.fields().forEachRemaining(e -> bool(e.getValue(), source(path + "." + e.getKey())));
        set = value.size() > 0;
      }
      case QUANTITY -> {
        if (!value.isTextual() && !value.isNumber()) {
          throw new UsageException(source + " must be a quantity such as \"0\" or \"64Ki\"");
        }
        set = !value.asText().equals("0");
      }
      case NANOS_OR_DURATION -> {
        if (value.isIntegralNumber()) {
          set = value.asLong() != 0;
        } else {
          set = !duration(value, source).isZero();
        }
      }
      case VMODULE -> {
        if (!value.isArray()) {
          throw new UsageException(source + " must be a list of {filePattern, verbosity}");
        }
        set = value.size() > 0;
      }
      default -> throw new IllegalStateException(kind.name());
    }
    if (set) {
      ignored.add(path);
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
    root.put("featureGates", Kind.BOOL_MAP);
    // kube-proxy's defaults for these are not worth an info line; other values are.
    root.put(
        "bindAddress",
        (Apply)
            (v, s) -> {
              String t = text(v, s);
              if (!t.isEmpty() && !Values.ip(s, t).isAnyLocalAddress()) {
                ignored.add("bindAddress");
              }
            });
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
    root.put("bindAddressHardFail", Kind.BOOL);
    root.put("enableProfiling", Kind.BOOL);
    root.put("showHiddenMetricsForVersion", Kind.STRING);
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
    root.put(
        "oomScoreAdj",
        (Apply)
            (v, s) -> {
              if (integer(v, s) != KUBE_PROXY_OOM_SCORE_ADJ) {
                ignored.add("oomScoreAdj");
              }
            });
    root.put("portRange", Kind.STRING);
    root.put("configSyncPeriod", Kind.DURATION);
    root.put("detectLocalMode", (Apply) (v, s) -> b.detectLocalMode(s, text(v, s)));
    root.put(
        "detectLocal", Map.of("bridgeInterface", Kind.STRING, "interfaceNamePrefix", Kind.STRING));

    Map<String, Object> client = new LinkedHashMap<>();
    client.put("kubeconfig", (Apply) (v, s) -> b.kubeconfig = text(v, s));
    client.put("acceptContentTypes", Kind.STRING);
    client.put("contentType", Kind.STRING);
    client.put("qps", Kind.INT);
    client.put("burst", Kind.INT);
    root.put("clientConnection", client);

    Map<String, Object> iptables = new LinkedHashMap<>();
    // IPVS mode takes its masquerading settings from the iptables section, as kube-proxy does.
    iptables.put("masqueradeAll", (Apply) (v, s) -> b.masqueradeAll = bool(v, s));
    iptables.put("masqueradeBit", (Apply) (v, s) -> b.masqueradeBit(s, integer(v, s)));
    iptables.put("localhostNodePorts", Kind.BOOL);
    iptables.put("syncPeriod", Kind.DURATION);
    iptables.put("minSyncPeriod", Kind.DURATION);
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
            "masqueradeAll", Kind.BOOL,
            "masqueradeBit", Kind.INT,
            "syncPeriod", Kind.DURATION,
            "minSyncPeriod", Kind.DURATION));
    root.put(
        "winkernel",
        Map.of(
            "networkName", Kind.STRING,
            "sourceVip", Kind.STRING,
            "enableDSR", Kind.BOOL,
            "rootHnsEndpointName", Kind.STRING,
            "forwardHealthCheckVip", Kind.BOOL));

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
        Map.of("infoBufferSize", Kind.QUANTITY, "splitStream", Kind.BOOL);
    Map<String, Object> logging = new LinkedHashMap<>();
    logging.put(
        "format",
        (Apply)
            (v, s) -> {
              String f = text(v, s);
              if (!f.isEmpty() && !f.equals("text")) {
                ignored.add("logging.format");
              }
            });
    logging.put("flushFrequency", Kind.NANOS_OR_DURATION);
    logging.put("verbosity", (Apply) (v, s) -> b.verbosity(s, nonNegative(v, s)));
    logging.put("vmodule", Kind.VMODULE);
    logging.put("options", Map.of("json", formatOptions, "text", formatOptions));
    root.put("logging", logging);
    return root;
  }
}
