package io.kipvs.ipvs;

/**
 * Encapsulation of a real server reached by {@link ForwardingMethod#TUNNEL}.
 *
 * @param type 0 IPIP, 1 GUE, 2 GRE (IP_VS_CONN_F_TUNNEL_TYPE_*)
 * @param port destination port for GUE, in host byte order
 * @param flags IP_VS_TUNNEL_ENCAP_FLAG_* bits (checksum, remote checksum)
 */
public record TunnelSettings(int type, int port, int flags) {
  public static final TunnelSettings IPIP = new TunnelSettings(0, 0, 0);
}
