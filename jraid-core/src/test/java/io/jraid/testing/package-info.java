/**
 * Test fixtures shared by every module's tests: the arrays that real Linux md made ({@link
 * io.jraid.testing.LinuxFixtures}, {@link io.jraid.testing.Fixture}) and the data pattern they hold
 * ({@link io.jraid.testing.Pattern}).
 *
 * <p>The fixtures are jraid's compatibility oracle: what jraid reads from them must equal, byte for
 * byte, what Linux wrote. They are described in {@code shared/fixtures/README.md}. Nothing here
 * ever writes into the fixtures folder: member images are unpacked into temporary folders.
 *
 * <p>This package is test code of jraid-core, published in its test-jar so that other modules'
 * tests can use it.
 */
@NullMarked
package io.jraid.testing;

import org.jspecify.annotations.NullMarked;
