/** @tessera/backend-cpu-wasm: the WASM SIMD CPU backend of Tessera. Not implemented yet; issue 3 fills this package. */
export {};
