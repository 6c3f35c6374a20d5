package dev.vipctl.tests;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Prints why a test skipped into the build's output, where surefire shows only how many did (its reports have the
 * reason). Registered for every test of this module (META-INF/services, junit-platform.properties).
 */
public final class SkipReasons implements TestWatcher {
    @Override
    public void testAborted(ExtensionContext context, Throwable cause) {
        System.out.println("[SKIPPED] " + context.getRequiredTestClass().getSimpleName() + "." + context.getRequiredTestMethod().getName()
                + ": " + cause.getMessage());
    }
}
