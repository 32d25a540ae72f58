/** JMH benchmarks of jraid's kernels and data path. */
package io.jraid.bench;
