package dev.shrink4j.workbench.data;

/** Which part of a benchmark dataset to load. */
public enum Split {
    /** The training set (60,000 images for MNIST and Fashion-MNIST, 50,000 for CIFAR-10). */
    TRAIN,
    /** The test set (10,000 images). */
    TEST
}
