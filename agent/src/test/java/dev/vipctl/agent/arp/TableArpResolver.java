package dev.vipctl.agent.arp;

import dev.vipctl.os.IpAddress;
import dev.vipctl.os.MacAddress;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A resolver as SendARP behaves (docs/windows.md#without-npcap-sendarp): the answering MAC from a table of neighbours,
 * null for an address nobody answers for, an error for a source that is not one of this host's addresses.
 */
public final class TableArpResolver implements ArpResolver {
    /** Answers per address, one taken per question; the last one stays (a holder that keeps answering). */
    private final Map<IpAddress, Deque<MacAddress>> answers = new HashMap<>();
    private final Set<IpAddress> ownAddresses;
    /** "target from source" per question, source "-" when the OS chooses. */
    public final List<String> questions = new ArrayList<>();

    public TableArpResolver(Set<IpAddress> ownAddresses) {
        this.ownAddresses = ownAddresses;
    }

    /** {@code target} answers with these MACs in turn (null: silent), the last one for ever after. */
    public TableArpResolver answers(IpAddress target, MacAddress... macs) {
        Deque<MacAddress> queue = new ArrayDeque<>();
        for (MacAddress mac : macs) {
            queue.add(mac == null ? NOBODY : mac);
        }
        answers.put(target, queue);
        return this;
    }

    private static final MacAddress NOBODY = MacAddress.parse("00:00:00:00:00:00");

    @Override
    public MacAddress resolve(IpAddress target, IpAddress source) throws IOException {
        questions.add(target + " from " + (source == null ? "-" : source));
        if (source != null && !ownAddresses.contains(source)) {
            throw new IOException("SendARP(" + target + ", from " + source + "): ERROR_NOT_FOUND (1168): " + source
                    + " is not an address of this host");
        }
        Deque<MacAddress> queue = answers.get(target);
        if (queue == null) {
            return null;
        }
        MacAddress answer = queue.size() > 1 ? queue.poll() : queue.peek();
        return answer == NOBODY ? null : answer;
    }

    @Override
    public String why() {
        return "Npcap is not installed: no C:\\Windows\\System32\\Npcap\\wpcap.dll";
    }
}
