import type { Tensor } from '@tessera/core';
import {
  ArgumentError,
  abs,
  clipByValue,
  expandDims,
  l2Normalize,
  log,
  logSoftmax,
  maximum,
  mean,
  oneHot,
  softplus,
  squeeze,
  sum,
  where,
  all,
  max,
  logicalOr,
} from '@tessera/core';

/** Keras's `backend.epsilon()`: the clip margin for probabilities and the floor of divisors. */
export const EPSILON = 1e-7;

/** A per-sample loss: reduces the last axis, returns shape `yTrue.shape[:-1]`. */
export type LossFunction = (yTrue: Tensor, yPred: Tensor) => Tensor;

/** Makes `yTrue` and `yPred` the same rank when they differ by a trailing axis of size 1 (Keras's squeeze_or_expand). */
export function matchRanks(yTrue: Tensor, yPred: Tensor): [Tensor, Tensor] {
  if (yTrue.rank === yPred.rank - 1 && yPred.shape[yPred.rank - 1] === 1) return [expandDims(yTrue, -1), yPred];
  if (yPred.rank === yTrue.rank - 1 && yTrue.shape[yTrue.rank - 1] === 1) return [squeeze(yTrue, -1), yPred];
  return [yTrue, yPred];
}

function floatPair(yTrue: Tensor, yPred: Tensor): [Tensor, Tensor] {
  const p = yPred.dtype === 'float32' ? yPred : yPred.cast('float32');
  const t = yTrue.dtype === 'float32' ? yTrue : yTrue.cast('float32');
  return matchRanks(t, p);
}

export const meanSquaredError: LossFunction = (yTrue, yPred) => {
  const [t, p] = floatPair(yTrue, yPred);
  return mean(p.sub(t).square(), -1);
};

export const meanAbsoluteError: LossFunction = (yTrue, yPred) => {
  const [t, p] = floatPair(yTrue, yPred);
  return mean(abs(p.sub(t)), -1);
};

export const meanAbsolutePercentageError: LossFunction = (yTrue, yPred) => {
  const [t, p] = floatPair(yTrue, yPred);
  return mean(abs(t.sub(p).div(maximum(abs(t), EPSILON))), -1).mul(100);
};

export const meanSquaredLogarithmicError: LossFunction = (yTrue, yPred) => {
  const [t, p] = floatPair(yTrue, yPred);
  const lp = log(maximum(p, EPSILON).add(1));
  const lt = log(maximum(t, EPSILON).add(1));
  return mean(lp.sub(lt).square(), -1);
};

export function huber(yTrue: Tensor, yPred: Tensor, delta = 1): Tensor {
  const [t, p] = floatPair(yTrue, yPred);
  const error = p.sub(t);
  const absError = abs(error);
  const quadratic = error.square().mul(0.5);
  const linear = absError.mul(delta).sub(0.5 * delta * delta);
  return mean(where(absError.lessEqual(delta), quadratic, linear), -1);
}

/** `log(cosh(x))` written as `x + softplus(-2x) - log 2`, which does not overflow for large |x|. */
export const logCosh: LossFunction = (yTrue, yPred) => {
  const [t, p] = floatPair(yTrue, yPred);
  const x = p.sub(t);
  return mean(x.add(softplus(x.mul(-2))).sub(Math.LN2), -1);
};

/**
 * Binary cross-entropy per sample. On probabilities Keras clips to [eps, 1-eps] (so a confident
 * wrong answer costs -log(1e-7), about 16.1); on logits it uses the stable `max(x,0) - x*z + log(1 + exp(-|x|))`.
 */
export function binaryCrossentropy(yTrue: Tensor, yPred: Tensor, fromLogits = false, labelSmoothing = 0): Tensor {
  const [labels, p] = floatPair(yTrue, yPred);
  const t = labelSmoothing ? labels.mul(1 - labelSmoothing).add(0.5 * labelSmoothing) : labels;
  let elementwise: Tensor;
  if (fromLogits) {
    elementwise = p.relu().sub(p.mul(t)).add(softplus(abs(p).neg()));
  } else {
    const q = clipByValue(p, EPSILON, 1 - EPSILON);
    elementwise = t.mul(log(q)).add(t.neg().add(1).mul(log(q.neg().add(1)))).neg();
  }
  return mean(elementwise, -1);
}

/** Categorical cross-entropy per sample; probabilities are rescaled to sum to 1, then clipped. */
export function categoricalCrossentropy(yTrue: Tensor, yPred: Tensor, fromLogits = false, labelSmoothing = 0, axis = -1): Tensor {
  const [labels, p] = floatPair(yTrue, yPred);
  if (labels.shape.length !== p.shape.length || labels.shape.some((d, i) => d !== p.shape[i])) {
    throw new ArgumentError(
      `categoricalCrossentropy: yTrue and yPred must have the same shape (one-hot labels), got [${labels.shape.join(',')}] and [${p.shape.join(',')}]; for integer labels use sparseCategoricalCrossentropy`,
    );
  }
  const t = labelSmoothing ? labels.mul(1 - labelSmoothing).add(labelSmoothing / p.shape[p.rank - 1]) : labels;
  if (fromLogits) return sum(t.mul(logSoftmax(p, axis)), axis).neg();
  const normalized = p.div(sum(p, axis, true));
  return sum(t.mul(log(clipByValue(normalized, EPSILON, 1 - EPSILON))), axis).neg();
}

/** Cross-entropy against integer class labels; on probabilities Keras clips, takes the log and treats it as logits. */
export function sparseCategoricalCrossentropy(yTrue: Tensor, yPred: Tensor, fromLogits = false): Tensor {
  const p = yPred.dtype === 'float32' ? yPred : yPred.cast('float32');
  let labels = yTrue;
  if (labels.rank === p.rank && labels.shape[labels.rank - 1] === 1) labels = squeeze(labels, -1);
  if (labels.rank !== p.rank - 1) {
    throw new ArgumentError(
      `sparseCategoricalCrossentropy: yTrue must be integer labels of shape [${p.shape.slice(0, -1).join(',')}] for yPred [${p.shape.join(',')}], got [${yTrue.shape.join(',')}]`,
    );
  }
  const logits = fromLogits ? p : log(clipByValue(p, EPSILON, 1 - EPSILON));
  const classes = p.shape[p.rank - 1];
  const hot = oneHot(labels.dtype === 'int32' ? labels : labels.cast('int32'), classes);
  return sum(hot.mul(logSoftmax(logits, -1)), -1).neg();
}

export const kullbackLeiblerDivergence: LossFunction = (yTrue, yPred) => {
  const [t0, p0] = floatPair(yTrue, yPred);
  const t = clipByValue(t0, EPSILON, 1);
  const p = clipByValue(p0, EPSILON, 1);
  return sum(t.mul(log(t.div(p))), -1);
};

export const poisson: LossFunction = (yTrue, yPred) => {
  const [t, p] = floatPair(yTrue, yPred);
  return mean(p.sub(t.mul(log(p.add(EPSILON)))), -1);
};

/** Labels that are all 0/1 become -1/1, as Keras's hinge losses do. */
function hingeLabels(t: Tensor): Tensor {
  const isBinary = all(logicalOr(t.equal(0), t.equal(1)));
  return where(isBinary, t.mul(2).sub(1), t);
}

export const hinge: LossFunction = (yTrue, yPred) => {
  const [t0, p] = floatPair(yTrue, yPred);
  const t = hingeLabels(t0);
  return mean(maximum(t.mul(p).neg().add(1), 0), -1);
};

export const squaredHinge: LossFunction = (yTrue, yPred) => {
  const [t0, p] = floatPair(yTrue, yPred);
  const t = hingeLabels(t0);
  return mean(maximum(t.mul(p).neg().add(1), 0).square(), -1);
};

export const categoricalHinge: LossFunction = (yTrue, yPred) => {
  const [t, p] = floatPair(yTrue, yPred);
  const positive = sum(t.mul(p), -1);
  const negative = max(t.neg().add(1).mul(p), -1);
  return maximum(negative.sub(positive).add(1), 0);
};

/** Negative cosine similarity along the last axis (-1 means the vectors point the same way). */
export const cosineSimilarity: LossFunction = (yTrue, yPred) => {
  const [t, p] = floatPair(yTrue, yPred);
  return sum(l2Normalize(t, -1).mul(l2Normalize(p, -1)), -1).neg();
};

/** The smallest normal float32: a floor for probabilities whose logarithm must stay finite. */
const FLOAT32_TINY = 1.1754943508222875e-38;

/**
 * Logits recovered from a softmax or sigmoid output. Keras on TensorFlow takes the logits from the
 * activation's input, so cross-entropy on a model's softmax/sigmoid output is the logits form: no
 * clipping to [1e-7, 1 - 1e-7], and gradients still flow for confidently wrong predictions. Here the
 * logits are rebuilt from softmax probabilities as log p (softmax ignores the constant it differs by),
 * exact wherever p is a normal float32 (a logit gap under about 87).
 */
export function logitsFromActivation(probabilities: Tensor, activation: 'softmax'): Tensor {
  if (activation !== 'softmax') throw new ArgumentError(`logitsFromActivation: only softmax outputs are supported, got ${String(activation)}`);
  const p = probabilities.dtype === 'float32' ? probabilities : probabilities.cast('float32');
  return log(maximum(p, FLOAT32_TINY));
}
