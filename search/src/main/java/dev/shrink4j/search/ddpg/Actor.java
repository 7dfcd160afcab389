package dev.shrink4j.search.ddpg;

import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.Linear;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** AMC's actor: state → 300 → 300 → 1, ReLU between, sigmoid out (a preserve ratio in (0, 1)). */
final class Actor extends Module {

    private final Linear fc1;
    private final Linear fc2;
    private final Linear fc3;

    Actor(int stateSize, int hidden1, int hidden2) {
        fc1 = registerModule("fc1", new Linear(stateSize, hidden1));
        fc2 = registerModule("fc2", new Linear(hidden1, hidden2));
        fc3 = registerModule("fc3", new Linear(hidden2, 1));
        Critic.smallLastLayer(fc3);
    }

    @Override
    protected Tensor forward(Tensor state) {
        return torch.sigmoid(fc3.call(torch.relu(fc2.call(torch.relu(fc1.call(state))))));
    }
}
