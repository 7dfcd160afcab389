/**
 * Reference models with PyTorch-compatible state-dict keys: {@link dev.shrink4j.workbench.zoo.LeNet5},
 * {@link dev.shrink4j.workbench.zoo.Vgg}, the CIFAR {@link dev.shrink4j.workbench.zoo.ResNet} family and torchvision's
 * {@link dev.shrink4j.workbench.zoo.MobileNetV2}; {@link dev.shrink4j.workbench.zoo.ModelZoo} creates them by name.
 */
package dev.shrink4j.workbench.zoo;
