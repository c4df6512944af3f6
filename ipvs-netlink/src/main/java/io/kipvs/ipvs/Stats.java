package io.kipvs.ipvs;

/** IPVS 64-bit counters and rate estimates (IPVS_STATS_ATTR_* / IPVS_SVC_ATTR_STATS64). */
public record Stats(
    long connections,
    long inPackets,
    long outPackets,
    long inBytes,
    long outBytes,
    long connectionRate,
    long inPacketRate,
    long outPacketRate,
    long inByteRate,
    long outByteRate) {
  public static final Stats ZERO = new Stats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
}
