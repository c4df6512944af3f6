package io.kipvs.e2e.netlink;

import static org.assertj.core.api.Assertions.assertThat;

import io.kipvs.e2e.testbed.JavaProcess;
import io.kipvs.e2e.testbed.Node;
import io.kipvs.e2e.testbed.NodeOptions;
import io.kipvs.e2e.testbed.TestbedExtension;
import io.kipvs.ipset.IpsetDefinition;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Our ipset client against the ipset binary in one node: what we write, ipset save lists exactly
 * (sets created as the binary creates them); what ipset writes, we read exactly; refusals name the
 * set and the member while the rest applies; a 10,000-member batch. Prints our times against ipset
 * restore and ipset save in the same node; asserts nothing about time.
 */
class IpsetClientNodeTest {
  @RegisterExtension static final TestbedExtension testbed = new TestbedExtension();
  private static final int BIG = 10_000;

  private static String probe(Node node, String... args) throws Exception {
    String file = "ipset-" + args[0] + ".txt";
    List<String> all = new ArrayList<>();
    all.add(args[0]);
    all.add(Node.OUTPUT_DIR_IN_NODE + "/" + file);
    all.addAll(List.of(args).subList(1, args.length));
    JavaProcess jvm = node.startJava(List.of(), IpsetProbe.class.getName(), all);
    assertThat(jvm.awaitExit(Duration.ofMinutes(5))).as(jvm.log()).isZero();
    return Files.readString(node.outputDir().resolve(file));
  }

  /** The "add" lines of ipset save for sets whose names start with the prefix, sorted. */
  private static List<String> savedMembers(Node node, String prefix) {
    return node.run("ipset save")
        .lines()
        .filter(l -> l.startsWith("add " + prefix))
        .sorted()
        .toList();
  }

  /** Create lines of ipset save, set names without their prefix, initval (random) left out. */
  private static List<String> savedCreates(Node node, String prefix) {
    return node.run("ipset save")
        .lines()
        .filter(l -> l.startsWith("create " + prefix))
        .map(l -> l.replace("create " + prefix, "create ").replaceAll(" initval 0x[0-9a-f]+", ""))
        .sorted()
        .toList();
  }

  private static String revisions(Node node, String prefix) {
    List<String> out = new ArrayList<>();
    for (IpsetDefinition d : IpsetProbe.SETS) {
      String name = prefix + d.name().substring(2);
      Matcher m = Pattern.compile("Revision: (\\d+)").matcher(node.run("ipset list -t " + name));
      out.add(d.name().substring(2) + "=" + (m.find() ? m.group(1) : "?"));
    }
    return String.join(",", out);
  }

  private static List<String> written(String prefix, int skipFirst) {
    List<String> out = new ArrayList<>();
    IpsetProbe.WRITTEN.forEach(
        (set, members) ->
            members.stream()
                .skip(skipFirst)
                .forEach(m -> out.add("add " + prefix + set.substring(2) + " " + m)));
    return out.stream().sorted().toList();
  }

  /** Seconds a shell command takes in the node, measured in the node. */
  private static double timed(Node node, String command) {
    String out =
        node.run(
            "s=$(date +%s%N); " + command + "; e=$(date +%s%N); echo $(( (e - s) / 1000000 ))",
            Duration.ofMinutes(5));
    return Long.parseLong(out.strip()) / 1000.0;
  }

  @Test
  void writesWhatIpsetSavesAndReadsWhatIpsetRestores() throws Exception {
    Node node = testbed.startNode(NodeOptions.named("nlipset"));

    // Our writes: every type and family, one batch; the bad operations are refused alone.
    String failures = probe(node, "write");
    assertThat(failures.lines())
        .as(failures)
        .satisfiesExactly(
            l ->
                assertThat(l)
                    .isEqualTo(
                        "failed|4352|add K-SMALL-PORT port 40000: IPSET_ERR_BITMAP_RANGE (the"
                            + " member is outside the set's range)"),
            l -> assertThat(l).isEqualTo("failed|2|add K-MISSING port 1: ENOENT (no such set)"),
            l ->
                assertThat(l)
                    .isEqualTo(
                        "failed|4097|add K-IP fd00::9: IPSET_ERR_PROTOCOL (the kernel rejected the"
                            + " request's attributes: a member of another family than the set's,"
                            + " or of another kind than its type holds)"),
            l ->
                assertThat(l)
                    .isEqualTo(
                        "failed|17|create K-PORT hash:ip: EEXIST (already exists): a set of this"
                            + " name exists with another type or other options"));
    assertThat(savedMembers(node, "K-")).isEqualTo(written("K-", 0));

    // The same sets created by the ipset binary: same types, options and revisions.
    StringBuilder creates = new StringBuilder();
    for (IpsetDefinition d : IpsetProbe.SETS) {
      creates.append("create B-").append(d.name().substring(2)).append(' ').append(d.typeName());
      if (d instanceof IpsetDefinition.Hash h) {
        creates
            .append(h.v6() ? " family inet6" : " family inet")
            .append(" hashsize ")
            .append(h.hashSize())
            .append(" maxelem ")
            .append(h.maxElements());
      } else {
        IpsetDefinition.BitmapPort b = (IpsetDefinition.BitmapPort) d;
        creates.append(" range ").append(b.fromPort()).append('-').append(b.toPort());
      }
      creates.append('\n');
    }
    Files.writeString(node.outputDir().resolve("binary-creates.txt"), creates.toString());
    node.run("ipset restore < " + Node.OUTPUT_DIR_IN_NODE + "/binary-creates.txt");
    assertThat(savedCreates(node, "K-")).hasSize(IpsetProbe.SETS.size());
    assertThat(savedCreates(node, "K-")).isEqualTo(savedCreates(node, "B-"));
    assertThat(revisions(node, "K-")).isEqualTo(revisions(node, "B-")).doesNotContain("?");

    // Again: creating existing equal sets, adding present members, deleting an absent one.
    assertThat(probe(node, "rewrite")).isEmpty();
    assertThat(savedMembers(node, "K-")).isEqualTo(written("K-", 0));

    // Deletes.
    assertThat(probe(node, "delete")).isEmpty();
    assertThat(savedMembers(node, "K-")).isEqualTo(written("K-", 1));

    // What the ipset binary writes, we read as ipset save prints it (host-sized nets included).
    StringBuilder restore = new StringBuilder();
    IpsetProbe.WRITTEN.forEach(
        (set, members) ->
            members.forEach(m -> restore.append("add B-" + set.substring(2) + " " + m + "\n")));
    restore.append("add B-IP-PORT-NET 1.2.3.4,udp:53,10.1.2.3/32\n");
    restore.append("add B-6-IP-PORT-NET fd00::1,udp:53,fd00::7/128\n");
    restore.append("add B-IP-PORT-NET 1.2.3.4,tcp:1,10.9.0.0/16\n");
    Files.writeString(node.outputDir().resolve("binary-adds.txt"), restore.toString());
    node.run("ipset restore < " + Node.OUTPUT_DIR_IN_NODE + "/binary-adds.txt");
    List<String> names = IpsetProbe.SETS.stream().map(d -> "B-" + d.name().substring(2)).toList();
    List<String> readArgs = new ArrayList<>(List.of("read"));
    readArgs.addAll(names);
    List<String> ours = probe(node, readArgs.toArray(String[]::new)).lines().sorted().toList();
    assertThat(ours).hasSize(IpsetProbe.WRITTEN.values().stream().mapToInt(List::size).sum() + 3);
    assertThat(ours).isEqualTo(savedMembers(node, "B-"));

    // Sizes, as ipset list -terse gives them.
    Map<String, String> sizes = IpvsClientNodeTest.keyValues(probe(node, "sizes"), "\\|");
    for (String name : names) {
      Matcher m =
          Pattern.compile("Number of entries: (\\d+)").matcher(node.run("ipset list -t " + name));
      assertThat(m.find()).isTrue();
      assertThat(sizes.get(name)).as(name).endsWith("|" + m.group(1));
    }
    assertThat(sizes.get("B-IP-PORT")).startsWith("hash:ip,port|2|").endsWith("|3");
    assertThat(sizes.get("B-PORT")).startsWith("bitmap:port|").endsWith("|4");
    assertThat(sizes.get("B-6-IP-PORT-NET")).startsWith("hash:ip,port,net|10|").endsWith("|2");

    // Destroys, of a missing set too.
    List<String> destroyArgs = new ArrayList<>(List.of("destroy", "K-MISSING"));
    IpsetProbe.SETS.forEach(d -> destroyArgs.add(d.name()));
    assertThat(probe(node, destroyArgs.toArray(String[]::new))).isEmpty();
    assertThat(node.run("ipset list -n").lines().sorted().toList())
        .isEqualTo(names.stream().sorted().toList());

    // 10,000 members in one batch, then the same with ipset restore; reads against ipset save.
    Map<String, String> write =
        IpvsClientNodeTest.keyValues(probe(node, "bench-write", "BIG", String.valueOf(BIG)), " ");
    assertThat(write.get("failures")).isEqualTo("0");
    List<String> expected = new ArrayList<>();
    StringBuilder big =
        new StringBuilder("create BIG2 hash:ip,port family inet hashsize 1024 maxelem 65536\n");
    for (int i = 0; i < BIG; i++) {
      expected.add("add BIG " + IpsetProbe.benchMember(i));
      big.append("add BIG2 ").append(IpsetProbe.benchMember(i)).append('\n');
    }
    assertThat(savedMembers(node, "BIG ")).isEqualTo(expected.stream().sorted().toList());
    Files.writeString(node.outputDir().resolve("big.txt"), big.toString());
    double restoreSeconds = timed(node, "ipset restore < " + Node.OUTPUT_DIR_IN_NODE + "/big.txt");
    assertThat(node.run("ipset list -t BIG2")).contains("Number of entries: " + BIG);
    Map<String, String> read = IpvsClientNodeTest.keyValues(probe(node, "bench-read", "BIG"), " ");
    assertThat(read.get("read1_members")).isEqualTo(String.valueOf(BIG));
    double saveSeconds = timed(node, "ipset save BIG > /dev/null");
    double terseSeconds = timed(node, "ipset list -t > /dev/null");
    double ourWrite = Double.parseDouble(write.get("write_seconds"));
    double ourRead = Double.parseDouble(read.get("read1_seconds"));
    double ourWarmRead = Double.parseDouble(read.get("read2_seconds"));
    double ourSizes = Double.parseDouble(read.get("sizes_seconds"));
    System.out.printf(
        "ipset benchmark, one UML node, %d hash:ip,port members:%n"
            + "  add:   kipvs %.3f s (%s system calls), ipset restore %.3f s: %.1fx%n"
            + "  read:  kipvs %.3f s first in its JVM (%s system calls), %.3f s warm;"
            + " ipset save %.3f s: %.1fx (warm %.1fx)%n"
            + "  sizes of %s sets: kipvs %.3f s, ipset list -terse %.3f s: %.1fx%n",
        BIG,
        ourWrite,
        write.get("syscalls"),
        restoreSeconds,
        restoreSeconds / ourWrite,
        ourRead,
        read.get("read1_syscalls"),
        ourWarmRead,
        saveSeconds,
        saveSeconds / ourRead,
        saveSeconds / ourWarmRead,
        read.get("sets"),
        ourSizes,
        terseSeconds,
        terseSeconds / ourSizes);
  }
}
