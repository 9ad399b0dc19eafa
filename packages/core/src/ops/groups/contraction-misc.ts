// Contraction, convolution, pooling, oneHot, cumsum, random and range primitives: one line per op in
// the table and one in the exports.

export const contractionMiscPrimitives = {} as const;
