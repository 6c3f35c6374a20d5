package dev.vipctl.agent.arp;

/** A clock that moves only when something sleeps on it. */
final class FakeClock implements MonotonicClock {
    long now = 1_000_000_000L;

    @Override
    public long nanoTime() {
        return now;
    }

    @Override
    public void sleep(long nanos) {
        now += nanos;
    }
}
