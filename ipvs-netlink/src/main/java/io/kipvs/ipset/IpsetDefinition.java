package io.kipvs.ipset;

import java.util.Objects;

/** A set as it is created: its name, type and options. */
public sealed interface IpsetDefinition {
  String name();

  /** The type as ipset names it, e.g. "hash:ip,port". */
  String typeName();

  /** The hash types the client creates and reads. */
  enum HashType {
    IP("hash:ip"),
    IP_PORT("hash:ip,port"),
    IP_PORT_IP("hash:ip,port,ip"),
    IP_PORT_NET("hash:ip,port,net");

    private final String typeName;

    HashType(String typeName) {
      this.typeName = typeName;
    }

    public String typeName() {
      return typeName;
    }
  }

  /**
   * A hash set: {@code TYPE family inet|inet6 hashsize H maxelem M}.
   *
   * @param v6 family inet6 rather than inet
   * @param hashSize the initial hash size (the kernel rounds it up to a power of two)
   * @param maxElements the most members the set accepts
   */
  record Hash(String name, HashType type, boolean v6, int hashSize, int maxElements)
      implements IpsetDefinition {
    public Hash {
      checkName(name);
      Objects.requireNonNull(type, "type");
      if (hashSize < 1 || maxElements < 1) {
        throw new IllegalArgumentException(
            "set " + name + ": hashsize " + hashSize + " and maxelem " + maxElements);
      }
    }

    @Override
    public String typeName() {
      return type.typeName();
    }
  }

  /** A bitmap:port set: {@code bitmap:port range FROM-TO}. */
  record BitmapPort(String name, int fromPort, int toPort) implements IpsetDefinition {
    public BitmapPort {
      checkName(name);
      if (fromPort < 0 || toPort > 65535 || fromPort > toPort) {
        throw new IllegalArgumentException(
            "set " + name + ": port range " + fromPort + "-" + toPort);
      }
    }

    @Override
    public String typeName() {
      return "bitmap:port";
    }
  }

  private static void checkName(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isEmpty() || name.length() > IpsetWire.MAX_NAME_LENGTH) {
      throw new IllegalArgumentException(
          "set name \"" + name + "\" must have 1 to " + IpsetWire.MAX_NAME_LENGTH + " characters");
    }
  }
}
