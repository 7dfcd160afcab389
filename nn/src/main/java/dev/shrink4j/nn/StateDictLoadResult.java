package dev.shrink4j.nn;

import java.util.List;

/**
 * What a non-strict {@link Module#loadStateDict} left out: keys the model has that the source
 * lacked, and keys the source had that the model does not (PyTorch's {@code _IncompatibleKeys}).
 *
 * @param missingKeys    model keys not found in the source (left unchanged)
 * @param unexpectedKeys source keys the model does not have (ignored)
 */
public record StateDictLoadResult(List<String> missingKeys, List<String> unexpectedKeys) {
    public StateDictLoadResult {
        missingKeys = List.copyOf(missingKeys);
        unexpectedKeys = List.copyOf(unexpectedKeys);
    }
}
