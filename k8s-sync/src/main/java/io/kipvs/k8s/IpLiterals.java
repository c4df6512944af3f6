package io.kipvs.k8s;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * Strict parsing of IP address and CIDR literals. Never resolves names: {@link
 * InetAddress#getByName} is only given text that can be nothing but a literal.
 */
final class IpLiterals {
  private IpLiterals() {}

  static Optional<InetAddress> parse(String text) {
    if (text == null || text.isEmpty() || text.length() > 45) {
      return Optional.empty();
    }
    return text.indexOf(':') >= 0 ? parseV6(text) : parseV4(text);
  }

  /** Parses a prefix such as 10.0.0.0/8; host bits are cleared, as upstream does. */
  static Optional<Cidr> parseCidr(String text) {
    if (text == null) {
      return Optional.empty();
    }
    String trimmed = text.trim();
    int slash = trimmed.indexOf('/');
    if (slash < 0) {
      return Optional.empty();
    }
    Optional<InetAddress> address = parse(trimmed.substring(0, slash));
    String prefixText = trimmed.substring(slash + 1);
    if (address.isEmpty() || !isDecimal(prefixText, 3)) {
      return Optional.empty();
    }
    int prefix = Integer.parseInt(prefixText);
    byte[] bytes = address.get().getAddress();
    if (prefix > bytes.length * 8) {
      return Optional.empty();
    }
    for (int bit = prefix; bit < bytes.length * 8; bit++) {
      bytes[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
    }
    try {
      return Optional.of(new Cidr(InetAddress.getByAddress(bytes), prefix));
    } catch (UnknownHostException e) {
      return Optional.empty();
    }
  }

  static boolean isV6(InetAddress address) {
    return address instanceof Inet6Address;
  }

  /**
   * Four decimal octets of one to three digits each. One pass without splitting: the informers
   * parse every endpoint's address (100,000 at 10,000 services), and the split's substrings and
   * array were a sixth of the list thread's samples in a node (BENCHMARKS.md).
   */
  private static Optional<InetAddress> parseV4(String text) {
    byte[] bytes = new byte[4];
    int octets = 0;
    int value = 0;
    int digits = 0;
    for (int i = 0; i <= text.length(); i++) {
      char c = i < text.length() ? text.charAt(i) : '.';
      if (c == '.') {
        if (digits == 0 || octets == 4) {
          return Optional.empty();
        }
        bytes[octets++] = (byte) value;
        value = 0;
        digits = 0;
      } else if (c >= '0' && c <= '9' && digits < 3) {
        // Leading zeros are read as decimal, like upstream's sloppy parser.
        value = value * 10 + (c - '0');
        digits++;
        if (value > 255) {
          return Optional.empty();
        }
      } else {
        return Optional.empty();
      }
    }
    if (octets != 4) {
      return Optional.empty();
    }
    try {
      return Optional.of(InetAddress.getByAddress(bytes));
    } catch (UnknownHostException e) {
      return Optional.empty();
    }
  }

  private static Optional<InetAddress> parseV6(String text) {
    // Only hex digits, colons and dots (embedded IPv4): the JDK then parses it as a literal and
    // never asks DNS.
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.digit(c, 16) < 0 && c != ':' && c != '.') {
        return Optional.empty();
      }
    }
    try {
      return Optional.of(InetAddress.getByName(text));
    } catch (UnknownHostException e) {
      return Optional.empty();
    }
  }

  private static boolean isDecimal(String text, int maxDigits) {
    if (text.isEmpty() || text.length() > maxDigits) {
      return false;
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }
}
