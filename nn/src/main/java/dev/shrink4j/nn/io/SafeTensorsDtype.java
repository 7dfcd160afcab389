package dev.shrink4j.nn.io;

import java.util.Arrays;
import java.util.stream.Collectors;
import org.bytedeco.pytorch.global.torch;

/** The safetensors dtypes that libtorch can hold, with their libtorch type and size in bytes. */
enum SafeTensorsDtype {
    F64(torch.ScalarType.Double, 8),
    F32(torch.ScalarType.Float, 4),
    F16(torch.ScalarType.Half, 2),
    BF16(torch.ScalarType.BFloat16, 2),
    I64(torch.ScalarType.Long, 8),
    I32(torch.ScalarType.Int, 4),
    I16(torch.ScalarType.Short, 2),
    I8(torch.ScalarType.Char, 1),
    U8(torch.ScalarType.Byte, 1),
    BOOL(torch.ScalarType.Bool, 1);

    /** "F64, F32, …" for error messages. */
    static final String SUPPORTED = Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));

    final torch.ScalarType scalarType;
    final int size;

    SafeTensorsDtype(torch.ScalarType scalarType, int size) {
        this.scalarType = scalarType;
        this.size = size;
    }

    /** The dtype called {@code name} in a header, or null. */
    static SafeTensorsDtype byName(String name) {
        for (SafeTensorsDtype d : values()) {
            if (d.name().equals(name)) {
                return d;
            }
        }
        return null;
    }

    /** The dtype for a libtorch scalar type (interned here), or null when safetensors has none. */
    static SafeTensorsDtype of(torch.ScalarType type) {
        torch.ScalarType interned = type.intern();
        for (SafeTensorsDtype d : values()) {
            if (d.scalarType == interned) {
                return d;
            }
        }
        return null;
    }
}
