package dev.vipctl.agent.arp;

import java.util.concurrent.TimeUnit;

/** The monotonic time an {@link Announcement} paces its rounds by; tests substitute a fake one. */
interface MonotonicClock {
    MonotonicClock SYSTEM = new MonotonicClock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void sleep(long nanos) throws InterruptedException {
            TimeUnit.NANOSECONDS.sleep(nanos);
        }
    };

    long nanoTime();

    void sleep(long nanos) throws InterruptedException;
}
