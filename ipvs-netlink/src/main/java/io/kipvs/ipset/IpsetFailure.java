package io.kipvs.ipset;

import io.kipvs.ipvs.NetlinkException;

/** An operation of a batch the kernel refused (or that could not be sent), with why. */
public record IpsetFailure(IpsetOperation operation, NetlinkException error) {}
