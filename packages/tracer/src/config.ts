let runEagerly = false;

/**
 * Global switches of the tracer. Corresponds to `tf.config.run_functions_eagerly`.
 *
 * @example config.runFunctionsEagerly(true); // every traced function now runs its JS directly
 */
export const config = {
  /**
   * Makes every traced function run its JavaScript directly (no tracing, no graph), checked on every
   * call, so it takes effect immediately for functions already traced. For debugging: values can be
   * printed and compared inside the function. Trace counts do not change.
   */
  runFunctionsEagerly(enabled: boolean): void {
    runEagerly = enabled;
  },
  /** Whether traced functions currently run eagerly. */
  functionsRunEagerly(): boolean {
    return runEagerly;
  },
};
