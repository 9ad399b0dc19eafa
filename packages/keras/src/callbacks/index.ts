export * from './callback.js';
export { History } from './history.js';
export { ProgressBar } from './progress-bar.js';
export type { ProgressBarOptions } from './progress-bar.js';
export { CSVLogger, EarlyStopping, LearningRateScheduler, ModelCheckpoint, ReduceLROnPlateau, TerminateOnNaN } from './standard.js';
export type { EarlyStoppingOptions, ModelCheckpointOptions, ReduceLROnPlateauOptions } from './standard.js';
