package io.kipvs.ipvs;

/**
 * Connection timeouts in seconds (IPVS_CMD_GET_CONFIG / SET_CONFIG); 0 on write leaves one as is.
 */
public record IpvsTimeouts(int tcpSeconds, int tcpFinSeconds, int udpSeconds) {}
