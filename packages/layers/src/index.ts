/**
 * @tessera/layers: Keras's `Layer` and its catalogue on Tessera's ops, numerically matched to Keras 3,
 * with initializers, activations, regularizers and constraints that serialize like Keras's.
 */
export { Layer, attachMask, formatLayerShape, getAttachedMask, toSnakeCase } from './layer.js';
export type { AddWeightOptions, CallArgs, SymbolicCallHandler, InputSpec, LayerArgs, LayerInputs, LayerOutputs, LayerShape } from './layer.js';
export * from './layers/index.js';
export { deserializeLayer, getLayerClass, registerLayer, registeredLayerNames, serializeLayer } from './registry.js';
export type { LayerClass } from './registry.js';
export * as initializers from './initializers.js';
export { Initializer, computeFans, getInitializer, serializeInitializer } from './initializers.js';
export type { InitializerIdentifier } from './initializers.js';
export { activationNames, getActivation, serializeActivation } from './activations.js';
export type { ActivationFn, ActivationIdentifier } from './activations.js';
export { Regularizer, getRegularizer, l1, l1l2, l2, serializeRegularizer } from './regularizers.js';
export type { RegularizerIdentifier } from './regularizers.js';
export { Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm, getConstraint, serializeConstraint } from './constraints.js';
export type { ConstraintIdentifier } from './constraints.js';
export { configToOptions, snakeToCamel } from './serialization.js';
export type { Config, ConfigValue, SerializedObject } from './serialization.js';
