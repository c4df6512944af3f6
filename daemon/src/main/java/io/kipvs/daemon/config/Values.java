package io.kipvs.daemon.config;

import io.kipvs.k8s.Cidr;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Parses the values of kube-proxy's flags and configuration fields. Every failure is a {@link
 * UsageException} whose message names the source (a flag such as "--ipvs-sync-period" or a field
 * such as "ipvs.syncPeriod in /etc/kube-proxy/config.conf").
 */
final class Values {
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

  private Values() {}

  static UsageException invalid(String source, String value, String why) {
    return new UsageException("invalid value \"" + value + "\" for " + source + ": " + why);
  }

  /** A duration that must not be negative. */
  static Duration duration(String source, String text) {
    Duration d;
    try {
      d = GoDuration.parse(text);
    } catch (IllegalArgumentException e) {
      throw invalid(source, text, e.getMessage() + " (Go syntax, e.g. 30s, 1m0s, 1h30m)");
    }
    if (d.isNegative()) {
      throw invalid(source, text, "must not be negative");
    }
    return d;
  }

  static int integer(String source, String text) {
    try {
      return Integer.parseInt(text.strip());
    } catch (NumberFormatException e) {
      throw invalid(source, text, "not an integer");
    }
  }

  /** A decimal number, as Go's float32 flags take. */
  static double decimal(String source, String text) {
    try {
      double value = Double.parseDouble(text.strip());
      if (Double.isNaN(value) || Double.isInfinite(value)) {
        throw invalid(source, text, "not a number");
      }
      return value;
    } catch (NumberFormatException e) {
      throw invalid(source, text, "not a number");
    }
  }

  static int nonNegativeInt(String source, String text) {
    int value;
    try {
      value = Integer.parseInt(text.strip());
    } catch (NumberFormatException e) {
      throw invalid(source, text, "not an integer");
    }
    if (value < 0) {
      throw invalid(source, text, "must not be negative");
    }
    return value;
  }

  static boolean bool(String source, String text) {
    return switch (text.strip().toLowerCase(java.util.Locale.ROOT)) {
      case "true", "1", "t" -> true;
      case "false", "0", "f" -> false;
      default -> throw invalid(source, text, "not a boolean (true or false)");
    };
  }

  /** An IP literal; never a host name (no DNS look-up at start). */
  static InetAddress ip(String source, String text) {
    String s = text.strip();
    boolean v4 = IPV4.matcher(s).matches();
    if (!v4 && !IPV6.matcher(s).matches()) {
      throw invalid(source, text, "not an IP address");
    }
    if (v4) {
      for (String part : s.split("\\.")) {
        if (Integer.parseInt(part) > 255) {
          throw invalid(source, text, "not an IP address");
        }
      }
    }
    try {
      return InetAddress.getByName(s);
    } catch (UnknownHostException e) {
      throw invalid(source, text, "not an IP address");
    }
  }

  /** A CIDR such as 10.244.0.0/16; host bits are cleared, as Go's net.ParseCIDR does. */
  static Cidr cidr(String source, String text) {
    String s = text.strip();
    int slash = s.indexOf('/');
    if (slash < 0) {
      throw invalid(source, text, "not a CIDR (address/prefix length, e.g. 10.244.0.0/16)");
    }
    InetAddress address = ip(source, s.substring(0, slash));
    int bits = address.getAddress().length * 8;
    int prefix;
    try {
      prefix = Integer.parseInt(s.substring(slash + 1));
    } catch (NumberFormatException e) {
      throw invalid(source, text, "prefix length is not a number");
    }
    if (prefix < 0 || prefix > bits) {
      throw invalid(source, text, "prefix length must be between 0 and " + bits);
    }
    byte[] raw = address.getAddress();
    for (int bit = prefix; bit < bits; bit++) {
      raw[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
    }
    try {
      return new Cidr(InetAddress.getByAddress(raw), prefix);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A comma-separated list of CIDRs; empty text gives an empty list. */
  static List<Cidr> cidrList(String source, String text) {
    return cidrs(source, splitList(text));
  }

  static List<Cidr> cidrs(String source, List<String> texts) {
    List<Cidr> out = new ArrayList<>();
    for (String item : texts) {
      if (item.strip().equalsIgnoreCase("primary")) {
        throw invalid(
            source,
            item,
            "kipvs does not support the \"primary\" keyword; list the node address ranges as"
                + " CIDRs, or leave it empty for all addresses");
      }
      out.add(cidr(source, item));
    }
    return out;
  }

  static List<String> splitList(String text) {
    List<String> out = new ArrayList<>();
    for (String item : text.split(",")) {
      if (!item.isBlank()) {
        out.add(item.strip());
      }
    }
    return out;
  }

  /**
   * A listen address: "IP:port", "[IPv6]:port" or a bare IP (then the default port). Empty text
   * disables the server.
   */
  static Optional<BindAddress> bindAddress(String source, String text, int defaultPort) {
    String s = text.strip();
    if (s.isEmpty()) {
      return Optional.empty();
    }
    String host;
    String port;
    if (s.startsWith("[")) {
      int close = s.indexOf(']');
      if (close < 0) {
        throw invalid(source, text, "missing ']' in IPv6 address");
      }
      host = s.substring(1, close);
      String rest = s.substring(close + 1);
      if (!rest.isEmpty() && !rest.startsWith(":")) {
        throw invalid(source, text, "expected IP:port");
      }
      port = rest.isEmpty() ? null : rest.substring(1);
    } else if (s.indexOf(':') >= 0 && s.indexOf(':') == s.lastIndexOf(':')) {
      host = s.substring(0, s.indexOf(':'));
      port = s.substring(s.indexOf(':') + 1);
    } else {
      host = s;
      port = null;
    }
    InetAddress address = ip(source, host);
    int portNumber = defaultPort;
    if (port != null) {
      try {
        portNumber = Integer.parseInt(port);
      } catch (NumberFormatException e) {
        throw invalid(source, text, "port is not a number");
      }
      if (portNumber < 0 || portNumber > 65535) {
        throw invalid(source, text, "port must be between 0 and 65535");
      }
    }
    return Optional.of(new BindAddress(address, portNumber));
  }
}
