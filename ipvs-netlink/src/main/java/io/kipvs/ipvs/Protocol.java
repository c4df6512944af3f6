package io.kipvs.ipvs;

import java.util.Locale;

/** The transport protocols an IPVS virtual server can balance, with their IP protocol numbers. */
public enum Protocol {
  TCP(6),
  UDP(17),
  SCTP(132);

  private final int number;
  private final String lowerName;

  Protocol(int number) {
    this.number = number;
    this.lowerName = name().toLowerCase(Locale.ROOT);
  }

  /** The IP protocol number, as carried in IPVS_SVC_ATTR_PROTOCOL. */
  public int number() {
    return number;
  }

  /** The protocol with this IP protocol number; an {@link IllegalArgumentException} if none. */
  public static Protocol ofNumber(int number) {
    for (Protocol p : values()) {
      if (p.number == number) {
        return p;
      }
    }
    throw new IllegalArgumentException("unknown IPVS protocol number " + number);
  }

  /** Lower-case name as ipvsadm prints it in its -S format option letters' neighbour text. */
  public String lowerName() {
    return lowerName;
  }
}
