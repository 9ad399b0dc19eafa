/** @tessera/layers: the Keras layer catalogue for Tessera. Not implemented yet; issue 6 fills this package. */
export {};
