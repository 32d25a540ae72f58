/**
 * The mdadm-like command line ({@code ./jraid}), built on picocli. Each subcommand is one class;
 * they call into the engine packages and print what a Linux md user would expect to see.
 */
@NullMarked
package io.jraid.cli;

import org.jspecify.annotations.NullMarked;
