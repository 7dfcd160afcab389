package dev.shrink4j.amc.lowrank;

import dev.shrink4j.nn.Module;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

/**
 * Replaces a module of a model tree by another, physically: the parent's child entry
 * ({@link Module#replaceChild}: same name, same place, so state-dict order is kept) and every field of the parent
 * that holds the old module (a typed field such as {@code LeNet5.conv2}, or an element of a list field such as
 * {@code Sequential}'s layers) then hold the new one.
 *
 * <p>Why reflection for the fields: a model's author writes plain Java that calls its layers through typed (often
 * final) fields and compresses nothing itself; in PyTorch {@code setattr} rebinds the attribute the forward reads,
 * in Java only reflection reaches the author's fields. It touches fields of the parent's own classes only, never
 * {@code Module}'s internals.
 */
public final class ModuleSurgery {

    private ModuleSurgery() {
    }

    /**
     * Puts {@code replacement} where the module at {@code path} is.
     *
     * @return the module that was there (still open: the caller closes it when nothing uses it any more)
     * @throws IllegalArgumentException when {@code path} is empty or names no module
     * @throws IllegalStateException    when a field of the parent holds the old module but its declared type cannot
     *                                  hold {@code replacement} (named with both types); nothing is changed then
     */
    public static Module replace(Module root, String path, Module replacement) {
        if (path.isEmpty()) {
            throw new IllegalArgumentException("cannot replace the root module itself");
        }
        int dot = path.lastIndexOf('.');
        Module parent = root.getSubmodule(dot < 0 ? "" : path.substring(0, dot));
        String name = path.substring(dot + 1);
        Module old = root.getSubmodule(path);
        List<Field> typed = new ArrayList<>();
        List<List<Object>> lists = new ArrayList<>();
        for (Class<?> c = parent.getClass(); c != null && c != Module.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive()) {
                    continue;
                }
                Object value = read(f, parent);
                if (value == old) {
                    if (!f.getType().isInstance(replacement)) {
                        throw new IllegalStateException("cannot replace " + path + ": field " + c.getSimpleName() + "."
                                + f.getName() + " is declared " + f.getType().getSimpleName() + ", which a "
                                + replacement.getClass().getSimpleName() + " is not");
                    }
                    typed.add(f);
                } else if (value instanceof List<?> list && list.stream().anyMatch(e -> e == old)) {
                    @SuppressWarnings("unchecked")
                    List<Object> objects = (List<Object>) list;
                    lists.add(objects);
                }
            }
        }
        parent.replaceChild(name, replacement);
        for (Field f : typed) {
            write(f, parent, replacement);
        }
        for (List<Object> list : lists) {
            for (int i = 0; i < list.size(); i++) {
                if (list.get(i) == old) {
                    list.set(i, replacement);
                }
            }
        }
        return old;
    }

    private static Object read(Field f, Object target) {
        try {
            f.setAccessible(true);
            return f.get(target);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot read field " + f.getDeclaringClass().getSimpleName() + "." + f.getName()
                    + ": " + e.getMessage(), e);
        }
    }

    private static void write(Field f, Object target, Object value) {
        try {
            f.setAccessible(true);
            f.set(target, value);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot set field " + f.getDeclaringClass().getSimpleName() + "." + f.getName()
                    + ": " + e.getMessage(), e);
        }
    }
}
