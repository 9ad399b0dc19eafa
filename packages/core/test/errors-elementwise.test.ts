import { beforeAll, describe, expect, it } from 'vitest';
import {
  ArgumentError,
  DTypeError,
  DisposedError,
  ShapeError,
  add,
  div,
  equal,
  grad,
  isNaN as isNaNOp,
  less,
  logicalAnd,
  logicalNot,
  maximum,
  memory,
  neg,
  pow,
  setBackend,
  sin,
  sub,
  tensor,
  where,
} from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { registerReferenceBackend } from '../src/testing/reference/backend.js';

beforeAll(async () => {
  await setBackend(registerReferenceBackend());
});

/** Runs `fn`, which must throw, and checks that it left no tensor behind. */
function throwsWithoutLeaking(fn: () => unknown): unknown {
  const before = memory().numTensors;
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(memory().numTensors).toBe(before);
  expect(caught).toBeDefined();
  return caught;
}

function withInputs<T>(make: () => Tensor[], fn: (...t: Tensor[]) => T): T {
  const inputs = make();
  try {
    return fn(...inputs);
  } finally {
    inputs.forEach((t) => t.dispose());
  }
}

describe('elementwise errors name the op, the argument, the expected and the given', () => {
  it('non-broadcastable shapes are a ShapeError that shows both shapes', () => {
    withInputs(
      () => [tensor([[1, 2, 3], [4, 5, 6]]), tensor([1, 2, 3, 4])],
      (a, b) => {
        const error = throwsWithoutLeaking(() => sub(a, b));
        expect(error).toBeInstanceOf(ShapeError);
        expect((error as Error).message).toBe('sub: shapes [2,3] and [4] cannot be broadcast (dimension 1 is 3 vs 4)');
      },
    );
  });

  it('where checks that condition, a and b broadcast together', () => {
    withInputs(
      () => [tensor([true, false, true]), tensor([1, 2]), tensor(0)],
      (c, a, b) => {
        const error = throwsWithoutLeaking(() => where(c, a, b));
        expect(error).toBeInstanceOf(ShapeError);
        expect((error as Error).message).toMatch(/^where: shapes \[3\] and \[2\] cannot be broadcast/);
      },
    );
  });

  it('an int32 input to a float-only op is a DTypeError that suggests a cast', () => {
    withInputs(
      () => [tensor([1, 2], undefined, 'int32')],
      (x) => {
        const error = throwsWithoutLeaking(() => sin(x));
        expect(error).toBeInstanceOf(DTypeError);
        expect((error as Error).message).toBe("sin: x must be float32, got int32; cast it first, e.g. x.cast('float32')");
      },
    );
  });

  it('a float input to a logical op is a DTypeError', () => {
    withInputs(
      () => [tensor([1, 0]), tensor([true, false])],
      (a, b) => {
        const error = throwsWithoutLeaking(() => logicalAnd(a, b));
        expect(error).toBeInstanceOf(DTypeError);
        expect((error as Error).message).toBe('logicalAnd: a must be bool, got float32');
        expect(() => logicalNot(a)).toThrow('logicalNot: x must be bool, got float32');
      },
    );
  });

  it('a bool input to an arithmetic op is a DTypeError listing what it accepts', () => {
    withInputs(
      () => [tensor([true, false])],
      (x) => {
        const error = throwsWithoutLeaking(() => neg(x));
        expect(error).toBeInstanceOf(DTypeError);
        expect((error as Error).message).toBe("neg: x must be float32 or int32, got bool; cast it first, e.g. x.cast('float32')");
      },
    );
  });

  it('a non-bool condition to where is a DTypeError', () => {
    withInputs(
      () => [tensor([1, 0]), tensor([1, 2]), tensor([3, 4])],
      (c, a, b) => {
        const error = throwsWithoutLeaking(() => where(c, a, b));
        expect(error).toBeInstanceOf(DTypeError);
        expect((error as Error).message).toMatch(/^where: condition must be bool, got float32/);
      },
    );
  });

  it('a disposed input is a DisposedError naming the argument', () => {
    const a = tensor([1, 2]);
    const b = tensor([3, 4]);
    b.dispose();
    const error = throwsWithoutLeaking(() => maximum(a, b));
    expect(error).toBeInstanceOf(DisposedError);
    expect((error as Error).message).toMatch(/^maximum: b \(tensor \d+, shape \[2\]\) was disposed$/);
    expect(() => neg(b)).toThrow(DisposedError);
    a.dispose();
  });

  it('a string input is an ArgumentError naming the op and argument', () => {
    withInputs(
      () => [tensor([1, 2])],
      (x) => {
        const error = throwsWithoutLeaking(() => pow(x, 'two' as never));
        expect(error).toBeInstanceOf(ArgumentError);
        expect((error as Error).message).toMatch(/^pow: b must be a Tensor, number, boolean or array, got /);
        expect(() => where('yes' as never, x, x)).toThrow(/^where: condition must be a Tensor/);
      },
    );
  });

  it('arguments converted from arrays are freed when the op then fails', () => {
    const error = throwsWithoutLeaking(() => add([[1, 2, 3], [4, 5, 6]], [1, 2]));
    expect(error).toBeInstanceOf(ShapeError);
  });
});

describe('elementwise result dtypes', () => {
  it('div divides int32 truly, into float32', () => {
    withInputs(
      () => [tensor([1, 3], undefined, 'int32')],
      (x) => {
        const y = div(x, 2);
        expect(y.dtype).toBe('float32');
        expect(Array.from(y.dataSync())).toEqual([0.5, 1.5]);
        y.dispose();
      },
    );
  });

  it('comparisons and isNaN give bool', () => {
    withInputs(
      () => [tensor([1, NaN, 3])],
      (x) => {
        const outputs = [less(x, 2), equal(x, x), isNaNOp(x)];
        expect(outputs.map((t) => t.dtype)).toEqual(['bool', 'bool', 'bool']);
        expect(outputs.map((t) => Array.from(t.dataSync()))).toEqual([
          [1, 0, 0],
          [1, 0, 1],
          [0, 1, 0],
        ]);
        outputs.forEach((t) => t.dispose());
      },
    );
  });

  it('where keeps an int32 branch int32 against a JS number', () => {
    withInputs(
      () => [tensor([true, false]), tensor([7, 8], undefined, 'int32')],
      (c, a) => {
        const y = where(c, a, 0);
        expect(y.dtype).toBe('int32');
        expect(Array.from(y.dataSync())).toEqual([7, 0]);
        y.dispose();
      },
    );
  });

  it('pow’s gradient with respect to the exponent is 0, not NaN, where the base is not positive', () => {
    withInputs(
      () => [tensor([-2, 0, 2]), tensor([2, 2, 2])],
      (base, exponent) => {
        const g = grad((b: Tensor) => pow(base, b).sum())(exponent);
        expect(Array.from(g.dataSync())).toEqual([0, 0, Math.fround(4 * Math.log(2))]);
        g.dispose();
      },
    );
  });
});
