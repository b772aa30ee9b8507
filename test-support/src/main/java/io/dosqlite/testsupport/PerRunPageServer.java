package io.dosqlite.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One {@link TestPageServer} for every test class of the run that asks for it: annotate the class
 * {@code @ExtendWith(PerRunPageServer.class)} and take a {@code TestPageServer} parameter in a test
 * or {@code @BeforeAll} method. Started on first use, closed when the run ends (JUnit's root store).
 */
public final class PerRunPageServer implements ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(PerRunPageServer.class);

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext c) {
        return p.getParameter().getType() == TestPageServer.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext c) {
        return c.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(TestPageServer.class, k -> {
            try {
                return TestPageServer.start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, TestPageServer.class);
    }
}
