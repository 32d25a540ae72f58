/**
 * The members an array is made of: the {@link io.jraid.device.BlockDevice} interface and its
 * implementations (files and block devices through {@link io.jraid.device.FileBlockDevice}). A leaf
 * package: it knows nothing of md, stripes or arrays.
 */
@NullMarked
package io.jraid.device;

import org.jspecify.annotations.NullMarked;
