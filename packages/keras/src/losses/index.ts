export * from './functions.js';
export * from './loss.js';
