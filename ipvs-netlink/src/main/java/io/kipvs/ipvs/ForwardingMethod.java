package io.kipvs.ipvs;

/** How IPVS forwards to a real server (IP_VS_CONN_F_FWD_MASK values). */
public enum ForwardingMethod {
  MASQUERADE(0),
  LOCAL(1),
  TUNNEL(2),
  DIRECT_ROUTE(3);

  private final int code;

  ForwardingMethod(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  public static ForwardingMethod ofCode(int code) {
    for (ForwardingMethod m : values()) {
      if (m.code == code) {
        return m;
      }
    }
    throw new IllegalArgumentException("unknown IPVS forwarding method " + code);
  }
}
