package io.kipvs.ipset;

import java.util.OptionalInt;

/**
 * A set as {@code ipset list -terse} shows it, without its members.
 *
 * @param family the set's netfilter family: 2 (inet), 10 (inet6), 0 for family-neutral types
 * @param entries its number of members; empty from kernels that do not report it (old ones)
 */
public record SetHeader(
    String name, String typeName, int family, int revision, OptionalInt entries) {}
