/** @tessera/keras: Keras-compatible Model, Sequential and fit/predict for Tessera. Not implemented yet; issue 8 fills this package. */
export {};
