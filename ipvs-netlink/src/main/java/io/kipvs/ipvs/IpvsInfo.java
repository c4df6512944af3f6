package io.kipvs.ipvs;

/**
 * What IPVS_CMD_GET_INFO reports.
 *
 * @param version the IPVS version as the kernel encodes it (e.g. 0x010201 for 1.2.1)
 * @param connectionTableSize size of the connection hash table
 */
public record IpvsInfo(int version, int connectionTableSize) {
  /** The version as ipvsadm prints it, e.g. "1.2.1". */
  public String versionString() {
    return ((version >> 16) & 0xff) + "." + ((version >> 8) & 0xff) + "." + (version & 0xff);
  }
}
