package dev.vipctl.agent;

import dev.vipctl.os.NetworkOs;

/** Where an operation's network configuration and ARP links come from: this host ({@link Platforms#THIS_HOST}) or a {@link DryRun}. */
public interface Host {
    /** The network configuration; the caller closes it. */
    NetworkOs open() throws TakeoverException;

    TakeoverEngine.ArpLinkOpener arpLinks();
}
