package io.kipvs.ipvs;

/** A real server as a dump reports it: its model value, connection counts and counters. */
public record RealServerStatus(
    RealServer server,
    int activeConnections,
    int inactiveConnections,
    int persistentConnections,
    Stats stats) {}
