package io.kipvs.ipset;

import java.util.Objects;

/**
 * One change of a batch ({@link IpsetClient#apply}), with {@code ipset -exist} semantics: creating
 * a set that exists with the same type and options, adding a member it holds and deleting one it
 * does not hold, and destroying a set that does not exist all succeed.
 */
public sealed interface IpsetOperation {
  /** The set this operation is about. */
  String setName();

  /** The operation for messages, e.g. "add KUBE-CLUSTER-IP 10.96.0.1 proto 6 port 80". */
  String describe();

  record Create(IpsetDefinition definition) implements IpsetOperation {
    public Create {
      Objects.requireNonNull(definition, "definition");
    }

    @Override
    public String setName() {
      return definition.name();
    }

    @Override
    public String describe() {
      return "create " + definition.name() + " " + definition.typeName();
    }
  }

  record Add(String setName, IpsetMember member) implements IpsetOperation {
    public Add {
      Objects.requireNonNull(setName, "setName");
      Objects.requireNonNull(member, "member");
    }

    @Override
    public String describe() {
      return "add " + setName + " " + member.describe();
    }
  }

  record Delete(String setName, IpsetMember member) implements IpsetOperation {
    public Delete {
      Objects.requireNonNull(setName, "setName");
      Objects.requireNonNull(member, "member");
    }

    @Override
    public String describe() {
      return "del " + setName + " " + member.describe();
    }
  }

  /** Destroys a set; the kernel refuses while iptables rules use it (IPSET_ERR_BUSY). */
  record Destroy(String setName) implements IpsetOperation {
    public Destroy {
      Objects.requireNonNull(setName, "setName");
    }

    @Override
    public String describe() {
      return "destroy " + setName;
    }
  }
}
