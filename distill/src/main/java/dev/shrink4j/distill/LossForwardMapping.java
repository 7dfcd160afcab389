package dev.shrink4j.distill;

/**
 * Where one forward argument of a distillation loss comes from (one entry of MMRazor's
 * {@code loss_forward_mappings}): a recorder of the student ({@code from_student: true}) or of the
 * teacher, the {@code record_idx}-th call it recorded (default 0), element {@code data_idx} of that record
 * when it is a tuple, and optionally a connector the tensor is passed through. MMRazor's
 * {@code connector_idx} picks an element of a connector's tuple output; every connector here returns one
 * tensor, so it must be left out.
 *
 * @param fromStudent whether the recorder is one of {@code student_recorders}
 * @param recorder    the recorder's name
 * @param recordIdx   which call of the source (0 for the first)
 * @param dataIdx     the element of a tuple record, or null
 * @param connector   the connector's name, or null
 */
public record LossForwardMapping(boolean fromStudent, String recorder, int recordIdx, Long dataIdx, String connector) {

    /** {@code student recorder "fc" record 0} plus data_idx and connector when set. */
    public String describe() {
        return (fromStudent ? "student" : "teacher") + " recorder \"" + recorder + "\" record " + recordIdx
                + (dataIdx == null ? "" : " data_idx " + dataIdx) + (connector == null ? "" : " through connector \"" + connector + "\"");
    }
}
