/**
 * Reference models with PyTorch-compatible state-dict keys: {@link dev.shrink4j.nn.zoo.LeNet5},
 * {@link dev.shrink4j.nn.zoo.Vgg}, the CIFAR {@link dev.shrink4j.nn.zoo.ResNet} family and torchvision's
 * {@link dev.shrink4j.nn.zoo.MobileNetV2}; {@link dev.shrink4j.nn.zoo.ModelZoo} creates them by name.
 */
package dev.shrink4j.nn.zoo;
