// The layer catalogue, one module per family as Keras groups them.
export { Activation, Dense, Embedding, InputLayer, Masking } from './core.js';
export type { ActivationArgs, DenseArgs, EmbeddingArgs, InputLayerArgs, KernelArgs, MaskingArgs } from './core.js';
export { ELU, LeakyReLU, PReLU, ReLU, Rescaling, Softmax } from './activation-layers.js';
export type { ELUArgs, LeakyReLUArgs, PReLUArgs, ReLUArgs, RescalingArgs, SoftmaxArgs } from './activation-layers.js';
export { Cropping2D, Flatten, Permute, RepeatVector, Reshape, UpSampling2D, ZeroPadding2D } from './reshaping.js';
export type { Cropping2DArgs, FlattenArgs, PermuteArgs, RepeatVectorArgs, ReshapeArgs, UpSampling2DArgs, ZeroPadding2DArgs } from './reshaping.js';
export { Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract } from './merging.js';
export type { ConcatenateArgs, DotArgs } from './merging.js';
export { Dropout, GaussianNoise, SpatialDropout1D, SpatialDropout2D } from './regularization.js';
export type { DropoutArgs, GaussianNoiseArgs } from './regularization.js';
export { Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D } from './convolution.js';
export type { Conv2DTransposeArgs, ConvArgs, DepthwiseConv2DArgs, SeparableConv2DArgs } from './convolution.js';
export {
  AveragePooling1D,
  AveragePooling2D,
  GlobalAveragePooling1D,
  GlobalAveragePooling2D,
  GlobalMaxPooling1D,
  GlobalMaxPooling2D,
  MaxPooling1D,
  MaxPooling2D,
} from './pooling.js';
export type { GlobalPoolingArgs, PoolingArgs } from './pooling.js';
export { BatchNormalization, LayerNormalization } from './normalization.js';
export type { BatchNormalizationArgs, LayerNormalizationArgs } from './normalization.js';
export { GRU, GRUCell, LSTM, LSTMCell, RNN, SimpleRNN, SimpleRNNCell } from './recurrent.js';
export type { RecurrentCellArgs, RNNArgs } from './recurrent.js';
export { Bidirectional, TimeDistributed } from './wrappers.js';
export type { BidirectionalArgs, TimeDistributedArgs } from './wrappers.js';
export { Attention, MultiHeadAttention } from './attention.js';
export type { AttentionArgs, MultiHeadAttentionArgs } from './attention.js';
