package io.kipvs.ipvs;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/** IPv4 or IPv6, with the kernel's AF_* numbers. */
public enum AddressFamily {
  INET(2, 32),
  INET6(10, 128);

  private final int number;
  private final int bits;

  AddressFamily(int number, int bits) {
    this.number = number;
    this.bits = bits;
  }

  /** AF_INET or AF_INET6. */
  public int number() {
    return number;
  }

  /** Address length in bits: the longest prefix of this family. */
  public int bits() {
    return bits;
  }

  public static AddressFamily of(InetAddress address) {
    if (address instanceof Inet4Address) {
      return INET;
    }
    if (address instanceof Inet6Address) {
      return INET6;
    }
    throw new IllegalArgumentException("not an IP address: " + address);
  }

  public static AddressFamily ofNumber(int number) {
    for (AddressFamily f : values()) {
      if (f.number == number) {
        return f;
      }
    }
    throw new IllegalArgumentException("unknown address family " + number);
  }
}
