package dev.shrink4j.search.ddpg;

import dev.shrink4j.nn.Initializers;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.Linear;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * AMC's critic: the state and the action through separate layers, summed, ReLU, → 300 → ReLU → 1 (the value).
 * {@link #call(Tensor)} takes the two concatenated, {@code [state | action]}.
 */
final class Critic extends Module {

    private final int stateSize;
    private final Linear stateLayer;
    private final Linear actionLayer;
    private final Linear fc2;
    private final Linear fc3;

    Critic(int stateSize, int hidden1, int hidden2) {
        this.stateSize = stateSize;
        stateLayer = registerModule("fc11", new Linear(stateSize, hidden1));
        actionLayer = registerModule("fc12", new Linear(1, hidden1));
        fc2 = registerModule("fc2", new Linear(hidden1, hidden2));
        fc3 = registerModule("fc3", new Linear(hidden2, 1));
        smallLastLayer(fc3);
    }

    /** The value of {@code action} ({@code [N, 1]}) in {@code state} ({@code [N, S]}). */
    Tensor value(Tensor state, Tensor action) {
        return call(torch.cat(new TensorVector(state, action), 1));
    }

    @Override
    protected Tensor forward(Tensor stateAndAction) {
        Tensor state = stateAndAction.narrow(1, 0, stateSize);
        Tensor action = stateAndAction.narrow(1, stateSize, 1);
        Tensor h = torch.relu(stateLayer.call(state).add(actionLayer.call(action)));
        return fc3.call(torch.relu(fc2.call(h)));
    }

    /** The reference draws the output layer's weights from U(−3e−3, 3e−3), so early values and actions are near neutral. */
    static void smallLastLayer(Linear last) {
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            last.weight().copy_(Initializers.uniform(3e-3, last.weight().shape()));
        }
    }
}
